"""The access log's receivers of other apps' signals: what happens to API tokens (accounts.signals)."""

from typing import Any

from accounts.models import ApiToken, User
from audit.models import AccessEntry
from audit.services import record_token_event


def log_api_token_created(*, token: ApiToken, **kwargs: Any) -> None:
    record_token_event(token=token, action=AccessEntry.Action.TOKEN_CREATED)


def log_api_token_revoked(*, token: ApiToken, by: User, **kwargs: Any) -> None:
    record_token_event(token=token, action=AccessEntry.Action.TOKEN_REVOKED, by=by)
