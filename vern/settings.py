"""Vern's settings, read from the environment (see docs/configuration.md).

Defaults are the safe production ones; development and the demo opt out of
them explicitly with VERN_DEBUG=true.
"""

import base64
import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from vern.env import envbool, envint, envlist, envsecret, envstr

BASE_DIR = Path(__file__).resolve().parent.parent


def _random_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


LOCAL_DIR = BASE_DIR / ".local"

DEBUG = envbool("VERN_DEBUG", False)
# Demo mode prints TOTP secrets and allows `totp_code`; it can never be on in production.
DEMO_MODE = DEBUG and envbool("VERN_DEMO", False)

# In development a random per-process key is acceptable; production must provide one.
SECRET_KEY = envsecret("DJANGO_SECRET_KEY", get_random_secret_key() if DEBUG else None)

# Keys for identifying data at rest (core/crypto.py): `id:base64,id:base64`, the first
# active. Keep them apart from the database and its backups. Development without
# keys gets random per-process keys, so its encrypted data lives only as long as the
# process; `make demo` keeps its keys in .local/.
VERN_ENCRYPTION_KEYS = envsecret("VERN_ENCRYPTION_KEYS", f"dev:{_random_key()}" if DEBUG else None)
VERN_BLIND_INDEX_KEY = envsecret("VERN_BLIND_INDEX_KEY", _random_key() if DEBUG else None)
# The access log (audit): entries are chained by HMAC under this key, and the chain head is checkpointed, signed
# with it, to an append-only file. Keep both off the database server and out of its backups: someone who can
# write the database must not also be able to re-sign the chain or the checkpoints (docs/architecture.md).
VERN_AUDIT_KEY = envsecret("VERN_AUDIT_KEY", _random_key() if DEBUG else None)
_audit_checkpoint_file = envstr(
    "VERN_AUDIT_CHECKPOINT_FILE", str(LOCAL_DIR / "audit_checkpoints.jsonl") if DEBUG else ""
)
if not _audit_checkpoint_file:
    raise ImproperlyConfigured("The environment variable VERN_AUDIT_CHECKPOINT_FILE must be set.")
VERN_AUDIT_CHECKPOINT_FILE = Path(_audit_checkpoint_file)
# Searches by name or date of birth per user and window: far above a day's casework, far below guessing a date
# of birth (365 searches).
VERN_SEARCH_LIMIT = envint("VERN_SEARCH_LIMIT", 30)
VERN_SEARCH_WINDOW_SECONDS = envint("VERN_SEARCH_WINDOW_SECONDS", 600)
# The linkage key of national statistics (docs/linkage.md): optional, since only the statistics build needs it.
VERN_LINKAGE_KEY = envsecret("VERN_LINKAGE_KEY", _random_key() if DEBUG else "")
ALLOWED_HOSTS = envlist("VERN_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = envlist("VERN_CSRF_TRUSTED_ORIGINS", [])
# Where members reach Vern: the links in e-mails are absolute URLs under it.
SITE_URL = envstr("VERN_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "django_countries",  # for its translated country names (nationality)
    "core",
    "accounts",
    "organisations",
    "cases",
    "sharing",
    "audit",
    "screening",
    "rights",
    "chain",
    "referrals",
    "meetings",
    "learning",
    "notifications",
    "placements",
    "disclosure",
    "linkage",
    "national_statistics",
    "dark_figure",
    "log_review",  # the data protection officer's review of the access log, from the relationships below
    "home",  # the start page: what waits for the member, gathered from the apps below it
    "vern",  # the project: URL composition, the API and its OpenAPI export
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.BokmalByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "accounts.middleware.SessionEndedMiddleware",
    "accounts.middleware.RequireMFAMiddleware",
    "organisations.middleware.ActiveMembershipMiddleware",
]

ROOT_URLCONF = "vern.urls"
WSGI_APPLICATION = "vern.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "organisations.context_processors.active_membership",
                "accounts.context_processors.session_state",
                "notifications.context_processors.unread_notifications",
            ],
        },
    },
]
FORM_RENDERER = "core.forms.DesignsystemetFormRenderer"

# SQLite is the embedded default; production sets DATABASE_URL to PostgreSQL.
if "DATABASE_URL" not in os.environ:
    LOCAL_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{LOCAL_DIR / 'vern.sqlite3'}"),
        conn_max_age=envint("VERN_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent requests (an autosave racing a submit) wait for the write lock instead of failing;
    # the test database is a file too, since SQLite's shared in-memory cache fails instead of waiting.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    DATABASES["default"]["TEST"] = {"NAME": str(LOCAL_DIR / f"test-{os.getpid()}.sqlite3")}  # one per test run
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A database cache is shared by all stateless app processes, so rate limits and
# lock-outs hold across the load balancer without another server.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "vern_cache",
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: accounts are created by organisation admins, never by sign-up.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Vern] "
# Wrong passwords do not lock anyone out (issue 15, hole 7): Vern's own delays in
# accounts/login_attempts.py replace allauth's hard limit for the password, which
# let anyone lock any account with five guesses, and a whole office behind one
# address with ten. allauth's "login_failed" limit now counts only wrong TOTP
# codes, per account: reaching it takes the password, so only someone who already
# knows it can slow that account down, and its owner is told (below).
ACCOUNT_RATE_LIMITS = {
    "login_failed": envstr("VERN_TOTP_FAILED_LIMIT", "5/15m/key"),
    # Every log-in form sent from one address, right or wrong: a cap on load, not on
    # guessing; allauth's 30 a minute would turn an office away at nine in the morning.
    "login": envstr("VERN_LOGINS_PER_ADDRESS_LIMIT", "120/m/ip"),
}
# The address a log-in comes from: behind Vern's reverse proxy, the last address
# the proxy adds to X-Forwarded-For (else every user would share the proxy's).
ALLAUTH_TRUSTED_PROXY_COUNT = envint("VERN_TRUSTED_PROXY_COUNT", 1 if envbool("VERN_BEHIND_PROXY", False) else 0)
# Progressive delays for wrong passwords (accounts/login_attempts.py). After
# LOGIN_FREE_FAILURES failures in a row, each attempt waits LOGIN_FIRST_DELAY_SECONDS,
# doubling with each further failure (2, 4, 8 … seconds) up to a cap:
# - per account and address the strong one, 15 minutes: a guesser's own address
#   soon gets about four tries an hour, and nobody else is slowed by it;
# - per account from every address a mild one, 1 minute, so that guessers spread
#   over many addresses are slowed too but can never lock the account; it does
#   not apply at all to an address the account logged in from in the last
#   LOGIN_KNOWN_ADDRESS_DAYS days: the real user at their usual desk is never slowed.
LOGIN_FREE_FAILURES = envint("VERN_LOGIN_FREE_FAILURES", 3)
LOGIN_FIRST_DELAY_SECONDS = envint("VERN_LOGIN_FIRST_DELAY_SECONDS", 2)
LOGIN_MAX_DELAY_FROM_ADDRESS_SECONDS = envint("VERN_LOGIN_MAX_DELAY_FROM_ADDRESS_SECONDS", 15 * 60)
LOGIN_MAX_DELAY_FOR_ACCOUNT_SECONDS = envint("VERN_LOGIN_MAX_DELAY_FOR_ACCOUNT_SECONDS", 60)
LOGIN_KNOWN_ADDRESS_DAYS = envint("VERN_LOGIN_KNOWN_ADDRESS_DAYS", 90)
# Per address, whatever the account: high enough for a whole office behind one
# NAT address (hundreds of people mistyping now and then), low enough to stop one
# machine trying passwords against many accounts.
LOGIN_FAILURES_PER_ADDRESS_PER_HOUR = envint("VERN_LOGIN_FAILURES_PER_ADDRESS_PER_HOUR", 300)
# After this many failed log-ins (password or TOTP) to one account within 24 hours,
# its user and the admins of its organisations get one e-mail, at most once a day.
LOGIN_WARN_AFTER_FAILURES_PER_DAY = envint("VERN_LOGIN_WARN_AFTER_FAILURES_PER_DAY", 10)
if min(LOGIN_FIRST_DELAY_SECONDS, LOGIN_FAILURES_PER_ADDRESS_PER_HOUR, LOGIN_WARN_AFTER_FAILURES_PER_DAY) < 1:
    raise ImproperlyConfigured("The VERN_LOGIN_* delays and limits must be at least 1.")
MFA_ADAPTER = "accounts.adapter.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Vern"
# One 30-second step either way: a code typed as it changes still works (RFC 6238 § 5.2).
MFA_TOTP_TOLERANCE = 1
USERSESSIONS_TRACK_ACTIVITY = True

# Sessions end after inactivity (sliding window) and when the browser closes.
SESSION_COOKIE_AGE = envint("VERN_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_NAME = "vern_session"

# Transport security: on by default, relaxed only for local development.
SECURE_SSL_REDIRECT = envbool("VERN_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = 0 if DEBUG else envint("VERN_HSTS_SECONDS", 63072000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if envbool("VERN_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

# Content Security Policy: self-hosted files only, no inline script or style.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian bokmål")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "vern_language"
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True
# Bokmål takes Django's own formats (d.m.Y, decimal comma, a no-break space between thousands); English
# its own (vern/formats/en), not the US ones.
FORMAT_MODULE_PATH = ["vern.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / ".local" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# E-mail goes through Django 6.1's MAILERS. Development prints mail to the console
# (or a folder with VERN_EMAIL_BACKEND=file); production sends by SMTP.
EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}
_email_backend = envstr("VERN_EMAIL_BACKEND", "console" if DEBUG else "smtp")
if _email_backend not in EMAIL_BACKENDS:
    raise ImproperlyConfigured(f"VERN_EMAIL_BACKEND must be one of {', '.join(EMAIL_BACKENDS)}.")
_email_options: dict[str, Any] = {}
if _email_backend == "file":
    _email_options = {"file_path": envstr("VERN_EMAIL_FILE_PATH", str(LOCAL_DIR / "mail"))}
elif _email_backend == "smtp":
    _email_options = {
        "host": envstr("VERN_EMAIL_HOST", "localhost"),
        "port": envint("VERN_EMAIL_PORT", 587),
        "username": envstr("VERN_EMAIL_HOST_USER", ""),
        "password": envsecret("VERN_EMAIL_HOST_PASSWORD", ""),
        "use_tls": envbool("VERN_EMAIL_USE_TLS", True),
        "timeout": 20,
    }
MAILERS = {"default": {"BACKEND": EMAIL_BACKENDS[_email_backend], "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = envstr("VERN_DEFAULT_FROM_EMAIL", "Vern <noreply@vern.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Logs carry no personal data: no request bodies, no e-mail addresses, no names.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": envstr("VERN_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's request logger would log full paths and, on errors, request details.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

# A child in a placement with no recorded contact for this many hours raises a
# missing-child alert; each placement can set its own (placements app).
VERN_MISSING_CHILD_ALERT_HOURS = envint("VERN_MISSING_CHILD_ALERT_HOURS", 24)
if VERN_MISSING_CHILD_ALERT_HOURS < 1:
    raise ImproperlyConfigured("VERN_MISSING_CHILD_ALERT_HOURS must be at least 1.")

# An invitation to become a member can be accepted for this many days; the admin can re-send it (organisations).
VERN_INVITATION_DAYS = envint("VERN_INVITATION_DAYS", 7)
if VERN_INVITATION_DAYS < 1:
    raise ImproperlyConfigured("VERN_INVITATION_DAYS must be at least 1.")

# The smallest k a record-level release (HTCDS) may be k-anonymised with; a release
# without k uses it too (at least CTDC's 11). Lower k singles persons out (issue 16).
VERN_STATISTICS_MIN_K = envint("VERN_STATISTICS_MIN_K", 11)
if VERN_STATISTICS_MIN_K < 2:
    raise ImproperlyConfigured("VERN_STATISTICS_MIN_K must be at least 2.")
