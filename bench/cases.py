"""Throughput of Vern's case pages at national scale, against a trivial view on the same server.

    .venv/bin/python bench/cases.py [--scale 100] [--database-url URL] [--requests 200]

In one run it creates a fresh database (a temporary SQLite file, or the
PostgreSQL database named in --database-url, dropped and created again; both
are removed at the end unless --keep is given), migrates it, seeds it with
`seed_demo --scale N` (scale 100: about 100,000 cases and 1,000,000 timeline
and access-log entries), starts gunicorn with two workers and production
settings on a free loopback port, logs in a seeded coordinator and an
organisation admin by writing their sessions straight into the database (no
password or TOTP round trip), and then requests each page a fixed number of
times, one request after another over one keep-alive connection. It prints
requests per second for each page and the ratio to `/healthz`, Vern's trivial
Django view (one `SELECT 1`), served by the same server. Everything stays on
127.0.0.1; gunicorn is stopped at the end, also after an error.

Run `make build` first: production settings serve the bundled static files
through a manifest, which this script collects into `.local/staticfiles`.
"""

import argparse
import base64
import http.client
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
HOST = "127.0.0.1"
WORKERS = 2
STARTUP_SECONDS = 60
REQUEST_TIMEOUT_SECONDS = 60

# Who the benchmark acts as (seeded by demo/seeding.py): the coordinator sees every case of the
# Oslo TOT team; the admin reviews the team's access log.
ORGANISATION = "TOT-koordinator Oslo"
COORDINATOR = "oslo.tot.koordinator@demo.vern.invalid"
ADMIN = "oslo.tot.admin@demo.vern.invalid"


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    cookie: str  # the session cookie, or "" for an anonymous request


@dataclass(frozen=True)
class Result:
    page: Page
    per_second: float
    mean_ms: float
    p95_ms: float


def _key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def production_environment(database_url: str) -> dict[str, str]:
    """Production settings (VERN_DEBUG off) with fresh secrets, for seeding and for the server alike."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vern.settings",
        "DATABASE_URL": database_url,
        "VERN_DEBUG": "false",
        "VERN_DEMO": "false",
        "VERN_SSL_REDIRECT": "false",
        "VERN_ALLOWED_HOSTS": HOST,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "VERN_ENCRYPTION_KEYS": f"bench1:{_key()}",
        "VERN_BLIND_INDEX_KEY": _key(),
        "VERN_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


def manage(env: dict[str, str], *args: str) -> str:
    """Run a management command with the benchmark's settings; its output, or exit with it on failure."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py, fixed arguments
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def postgresql(database_url: str, *, create: bool) -> None:
    """Drop the database named in the URL and, with `create`, create it again (through the `postgres` database)."""
    import psycopg
    from psycopg import sql

    url = urlsplit(database_url)
    name = unquote(url.path.lstrip("/"))
    if "bench" not in name:
        sys.exit(f"Refusing to drop the database {name!r}: the benchmark's database name must contain 'bench'.")
    params: dict[str, Any] = {
        "host": url.hostname or HOST,
        "port": url.port or 5432,
        "user": unquote(url.username or ""),
        "password": unquote(url.password or ""),
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**params) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if create:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def django_in_this_process(env: dict[str, str]) -> None:
    """Set Django up in this process with the benchmark's settings, to write sessions and count rows."""
    os.environ.update(env)
    # Run as a script, Python puts bench/ first on the path, where this file would shadow the `cases` app.
    sys.path[:1] = [str(ROOT)]
    import django

    django.setup()


def session_for(email: str, organisation: str) -> str:
    """Log a member in by writing their session; returns the cookie.

    The session carries exactly what a completed log-in leaves: the user, the
    backend, the password hash check, the MFA flag and the organisation the user
    acts in.
    """
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.middleware import SESSION_KEY as MFA_SESSION_KEY
    from organisations.access import SESSION_KEY as MEMBERSHIP_SESSION_KEY
    from organisations.models import Membership

    membership = Membership.objects.select_related("user").get(user__email=email, organisation__name=organisation)
    store = SessionStore()
    store[SESSION_KEY] = str(membership.user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = membership.user.get_session_auth_hash()
    store[MFA_SESSION_KEY] = True
    store[MEMBERSHIP_SESSION_KEY] = membership.pk
    store.create()
    return f"vern_session={store.session_key}"


def release_the_database() -> None:
    """Gather PostgreSQL's planner statistics, then close this process's connections before the server runs."""
    from django.db import connection, connections

    if connection.vendor == "postgresql":
        # Autovacuum would gather the planner's statistics within minutes; gather them now, before measuring.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    connections.close_all()  # nothing of this process may hold the database while the server runs


def sessions_and_case(env: dict[str, str]) -> tuple[str, str, str, dict[str, int]]:
    """Log the coordinator and the admin in; pick the case to open; count rows."""
    django_in_this_process(env)
    from audit.models import AccessEntry
    from cases.models import Case, CaseEvent

    # The newest of the team's unprotected cases that it shares with NAV by consent: a full case page.
    code = (
        Case.objects.filter(owner__name=ORGANISATION, is_protected=False, consents__isnull=False)
        .order_by("-created_at")
        .values_list("code", flat=True)
        .first()
    )
    if code is None:
        sys.exit("The seeded data has no shared case of the Oslo TOT team to open.")
    counts = {
        "cases": Case.objects.count(),
        "timeline events": CaseEvent.objects.count(),
        "access log entries": AccessEntry.objects.count(),
    }
    coordinator, admin = session_for(COORDINATOR, ORGANISATION), session_for(ADMIN, ORGANISATION)
    release_the_database()
    return coordinator, admin, code, counts


@contextmanager
def gunicorn(env: dict[str, str], port: int, log: Path) -> Iterator[None]:
    """Gunicorn on loopback with production settings, stopped (SIGTERM, then SIGKILL) however the block ends."""
    command = [
        GUNICORN,
        "vern.wsgi:application",
        f"--bind={HOST}:{port}",
        f"--workers={WORKERS}",
        # gthread keeps connections alive (the sync worker closes each one); one thread per worker.
        "--worker-class=gthread",
        "--threads=1",
        "--keep-alive=10",
        "--log-level=warning",
    ]
    with log.open("w") as output:
        server = subprocess.Popen(  # noqa: S603 - the venv's gunicorn, fixed arguments
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            wait_until_up(port, server)
            yield
        except Exception:
            output.flush()
            print(f"--- the end of gunicorn's log ---\n{log.read_text()[-6000:]}", file=sys.stderr)
            raise
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def wait_until_up(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode} while starting")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                connection.close()
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /healthz within {STARTUP_SECONDS} s")


def measure(port: int, page: Page, *, requests: int, warm_up: int) -> Result:
    """`warm_up` untimed requests, then `requests` timed ones, one after another on one keep-alive connection."""
    headers = {"Connection": "keep-alive", "Accept-Language": "nb"}
    if page.cookie:
        headers["Cookie"] = page.cookie
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_SECONDS)
    timings = []
    try:
        for number in range(warm_up + requests):
            started = time.perf_counter()
            connection.request("GET", page.path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{page.path} answered {response.status} (request {number + 1})")
            if number >= warm_up:
                timings.append(time.perf_counter() - started)
    finally:
        connection.close()
    total = sum(timings)
    p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) > 1 else timings[0]
    return Result(page, len(timings) / total, total / len(timings) * 1000, p95 * 1000)


def report(results: list[Result], *, baseline: Result) -> None:
    width = max(len(result.page.name) for result in results)
    print(f"\n{'page':<{width}}  {'req/s':>8}  {'mean ms':>8}  {'p95 ms':>8}  {'ratio to /healthz':>17}")
    for result in results:
        ratio = result.per_second / baseline.per_second
        print(
            f"{result.page.name:<{width}}  {result.per_second:>8.1f}  {result.mean_ms:>8.1f}  "
            f"{result.p95_ms:>8.1f}  {ratio:>17.3f}"
        )
    print(
        "\nratio = the page's requests per second ÷ those of /healthz (anonymous): 1.000 is as fast as the "
        "trivial view."
    )


type Benchmark = Callable[[argparse.Namespace, dict[str, str], Path], None]


def main(benchmark: Benchmark, description: str) -> None:
    """Parse the common options, create the database, run `benchmark` on it and remove the database again."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=100, help="seed_demo --scale (default 100)")
    parser.add_argument("--seed", type=int, default=2026, help="seed_demo --seed (default 2026)")
    parser.add_argument(
        "--database-url",
        default="",
        help="a PostgreSQL database to DROP and create (its name must contain 'bench'); default: temporary SQLite",
    )
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page (default 200)")
    parser.add_argument("--warm-up", type=int, default=20, help="untimed requests per page first (default 20)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (default: remove it)")
    args = parser.parse_args()
    if not 1 <= args.requests <= 100_000 or not 0 <= args.warm_up <= 10_000:
        parser.error("--requests must be 1–100000 and --warm-up 0–10000")
    if not (ROOT / "static" / "dist" / "vern.css").exists():
        sys.exit("Run `make build` first: the static files are not bundled.")

    workdir = Path(tempfile.mkdtemp(prefix="vern-bench-"))
    database_url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    if args.database_url:
        if urlsplit(database_url).scheme not in ("postgres", "postgresql"):
            sys.exit("--database-url must be a postgres:// URL.")
        postgresql(database_url, create=True)
    env = production_environment(database_url)
    try:
        benchmark(args, env, workdir)
    finally:
        if args.keep:
            print(f"\nKept: {database_url} (its encryption keys were not kept: the personal data no longer decrypts).")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
            if args.database_url:
                postgresql(database_url, create=False)


def migrate_and_seed(args: argparse.Namespace, env: dict[str, str]) -> None:
    """A fresh database at national scale (`seed_demo --scale`), printing how long it took."""
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"Vern benchmark: scale {args.scale}, {database}, {os.cpu_count()} CPU cores, {WORKERS} gunicorn workers")
    started = time.monotonic()
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "createcachetable")
    manage(env, "collectstatic", "--noinput", "-v0")
    prepared = time.monotonic()
    print(f"migrated in {prepared - started:.0f} s; seeding …", flush=True)
    print(manage(env, "seed_demo", f"--scale={args.scale}", f"--seed={args.seed}", "--quiet-logins").strip())
    seeded = time.monotonic()
    print(f"seeded in {seeded - prepared:.0f} s ({(seeded - prepared) / 60:.1f} min)")


def run(args: argparse.Namespace, env: dict[str, str], workdir: Path) -> None:
    migrate_and_seed(args, env)
    coordinator, admin, code, counts = sessions_and_case(env)
    print("in the database: " + ", ".join(f"{count:,} {what}" for what, count in counts.items()))
    pages = [
        Page("/healthz (trivial view)", "/healthz", ""),
        Page("/healthz, logged in", "/healthz", coordinator),
        Page("case list /cases/", "/cases/", coordinator),
        Page("case view /cases/<code>/", f"/cases/{code}/", coordinator),
        Page("log review /audit/review/", "/audit/review/", admin),
    ]
    port = free_port()
    with gunicorn(env, port, workdir / "gunicorn.log"):
        print(f"gunicorn on {HOST}:{port}; {args.warm_up} warm-up + {args.requests} timed requests per page …")
        results = [measure(port, page, requests=args.requests, warm_up=args.warm_up) for page in pages]
    report(results, baseline=results[0])
    print(
        "The case view writes an access-log entry on every request (by design: every read of personal data is "
        "logged,\nchained to the entry before it), so its figure includes that INSERT and the chain-head update."
    )


if __name__ == "__main__":
    main(run, __doc__ or "")
