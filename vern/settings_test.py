"""Settings for the test suite: production settings, minus what plain-HTTP test servers cannot do."""

import base64
import os
import secrets
import tempfile

from django.core.management.utils import get_random_secret_key

os.environ.setdefault("DJANGO_SECRET_KEY", get_random_secret_key())
# Random keys per test run: a test can never depend on a key in the repository.
os.environ.setdefault("VERN_ENCRYPTION_KEYS", f"t1:{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}")
os.environ.setdefault("VERN_BLIND_INDEX_KEY", base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
os.environ.setdefault("VERN_LINKAGE_KEY", base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
os.environ.setdefault("VERN_AUDIT_KEY", base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
# Outside the repository; each test gets its own file (tests/conftest.py).
os.environ.setdefault("VERN_AUDIT_CHECKPOINT_FILE", os.path.join(tempfile.gettempdir(), "vern-test-checkpoints.jsonl"))

from vern.settings import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# Fast hashing: the tests exercise the log-in flow, not the hash's cost.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# A per-process cache the tests can clear; the live server thread shares it.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Static files come from the finders (static/dist is built by `make test`); no collectstatic.
STATIC_ROOT = None  # type: ignore[assignment]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
