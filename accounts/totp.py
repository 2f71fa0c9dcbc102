"""Current TOTP codes for a secret, for the demo's `totp_code` command and browser tests."""

import time

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value


def totp_code(secret: str, *, offset: int = 0) -> str:
    """The code an authenticator app shows now (offset in periods: -1 previous, 1 next)."""
    counter = int(time.time()) // app_settings.TOTP_PERIOD + offset
    return format_hotp_value(hotp_value(secret, counter))
