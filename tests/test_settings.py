"""Production settings are safe: `check --deploy` reports nothing, migrations are complete."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from core.crypto import new_key_spec
from vern import env

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("VERN_", "DJANGO_"))}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "vern.settings", **extra_env},
        capture_output=True,
        text=True,
        check=False,
    )


PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "a" * 20 + "b" * 20 + "c-d_e!f@g#h$i%j^k&l*m(n)o" * 2,
    "VERN_ALLOWED_HOSTS": "vern.example.no",
    "VERN_ENCRYPTION_KEYS": new_key_spec("prod1"),
    "VERN_BLIND_INDEX_KEY": new_key_spec("x").split(":")[1],
    "VERN_AUDIT_KEY": new_key_spec("x").split(":")[1],
    "VERN_AUDIT_CHECKPOINT_FILE": "/var/lib/vern-audit/checkpoints.jsonl",
}


def test_it_reports_no_deploy_warnings_with_production_settings() -> None:
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", extra_env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_refuses_to_start_in_production_without_a_secret_key() -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = run_manage("check", extra_env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_it_refuses_to_start_in_production_without_encryption_keys() -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "VERN_ENCRYPTION_KEYS"}
    result = run_manage("check", extra_env=env)
    assert result.returncode != 0
    assert "VERN_ENCRYPTION_KEYS" in result.stderr


@pytest.mark.parametrize("name", ["VERN_AUDIT_KEY", "VERN_AUDIT_CHECKPOINT_FILE"])
def test_it_refuses_to_start_in_production_without_the_access_log_key_or_checkpoints(name: str) -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != name}
    result = run_manage("check", extra_env=env)
    assert result.returncode != 0
    assert name in result.stderr


def test_it_reads_the_secret_key_from_a_file(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text(PRODUCTION_ENV["DJANGO_SECRET_KEY"] + "\n")
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        extra_env={**PRODUCTION_ENV, "DJANGO_SECRET_KEY": "", "DJANGO_SECRET_KEY_FILE": str(secret_file)},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_has_no_missing_migrations(db: None) -> None:
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("0", False), ("yes", True), ("off", False)])
def test_envbool_reads_booleans(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("VERN_TEST_FLAG", raw)
    assert env.envbool("VERN_TEST_FLAG", not expected) is expected


def test_envbool_rejects_nonsense(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERN_TEST_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured):
        env.envbool("VERN_TEST_FLAG", False)


def test_envint_rejects_nonsense(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERN_TEST_NUMBER", "thirty")
    with pytest.raises(ImproperlyConfigured):
        env.envint("VERN_TEST_NUMBER", 30)


def test_sessions_end_after_inactivity_and_on_browser_close() -> None:
    from django.conf import settings

    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_passwords_are_hashed_with_argon2_in_production() -> None:
    result = run_manage(
        "shell", "-c", "from django.conf import settings; print(settings.PASSWORD_HASHERS[0])", extra_env=PRODUCTION_ENV
    )
    assert result.stdout.strip().splitlines()[-1] == "django.contrib.auth.hashers.Argon2PasswordHasher", result.stderr
