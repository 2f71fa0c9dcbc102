"""django-allauth adapters: closed sign-up, delays instead of a lock-out, and mandatory TOTP."""

import math
import time
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django import forms
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import ngettext

from accounts import login_attempts
from core import crypto


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts are made when an invitation from an organisation admin is accepted (organisations.services).
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """Do not ask for the password twice when a user enrols TOTP right after their first log-in."""
        request = context.request
        if app == "allauth.mfa" and request.user.is_authenticated and not is_mfa_enabled(request.user):
            records = get_authentication_records(request, request.user)
            if records and time.time() - records[-1]["at"] < account_settings.REAUTHENTICATION_TIMEOUT:
                return False
        return bool(super().is_reauthentication_required(app=app, **kwargs))

    # Wrong passwords are slowed down by accounts.login_attempts instead of allauth's
    # "login_failed" limit, which locked the account (see vern/settings.py).

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        self._login_failed_rl_usage = None  # allauth rolls this back after a success; there is none of its own
        try:
            self._login_attempt = login_attempts.begin_attempt(
                email=_email_of(request, credentials), address=self.get_client_ip(request)
            )
        except login_attempts.LoginDelayed as delayed:
            raise forms.ValidationError(_delayed_message(delayed), code="login_delayed") from delayed

    def authenticate(self, request: HttpRequest, **credentials: Any) -> Any:
        user = super().authenticate(request, **credentials)
        if user is not None:
            login_attempts.attempt_succeeded(self._login_attempt)
        return user

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        login_attempts.attempt_failed(email=_email_of(request, credentials))


def _email_of(request: HttpRequest, credentials: dict[str, Any]) -> str:
    # Re-authentication (a logged-in user confirming their password) may pass no e-mail address.
    return str(credentials.get("email") or getattr(request.user, "email", "") or "")


def _delayed_message(delayed: login_attempts.LoginDelayed) -> str:
    """When to try again; nothing about whether the password was right or the account exists."""
    seconds = max(math.ceil((delayed.until - timezone.now()).total_seconds()), 1)
    return ngettext(
        "Too many failed attempts to log in from here. Try again in %(seconds)d second, at %(time)s. "
        "The account is not locked.",
        "Too many failed attempts to log in from here. Try again in %(seconds)d seconds, at %(time)s. "
        "The account is not locked.",
        seconds,
    ) % {"seconds": seconds, "time": time_format(timezone.localtime(delayed.until), "H:i:s")}


TOTP_ASSOCIATED_DATA = "mfa:totp-secret"


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # TOTP is mandatory for everyone; recovery codes may be regenerated, not removed.
        return False

    def encrypt(self, text: str) -> str:
        """TOTP secrets are encrypted at rest like identifying data (core.crypto)."""
        return crypto.encrypt(text.encode(), aad=TOTP_ASSOCIATED_DATA)

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.decrypt(encrypted_text, aad=TOTP_ASSOCIATED_DATA).decode()
