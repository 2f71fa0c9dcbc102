"""django-allauth adapters: closed sign-up and mandatory TOTP."""

import time
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.http import HttpRequest

from core import crypto


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts are created by organisation admins (organisations.services.add_member).
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """Do not ask for the password twice when a user enrols TOTP right after their first log-in."""
        request = context.request
        if app == "allauth.mfa" and request.user.is_authenticated and not is_mfa_enabled(request.user):
            records = get_authentication_records(request, request.user)
            if records and time.time() - records[-1]["at"] < account_settings.REAUTHENTICATION_TIMEOUT:
                return False
        return bool(super().is_reauthentication_required(app=app, **kwargs))


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
