"""The access log's receivers of other apps' signals: API tokens (accounts.signals), invitations (organisations)."""

from typing import Any

from accounts.models import ApiToken, User
from audit.models import AccessEntry
from audit.services import record_invitation_event, record_token_event
from organisations.models import Invitation


def log_api_token_created(*, token: ApiToken, **kwargs: Any) -> None:
    record_token_event(token=token, action=AccessEntry.Action.TOKEN_CREATED)


def log_api_token_revoked(*, token: ApiToken, by: User, **kwargs: Any) -> None:
    record_token_event(token=token, action=AccessEntry.Action.TOKEN_REVOKED, by=by)


def log_invitation_sent(*, invitation: Invitation, by: User, **kwargs: Any) -> None:
    record_invitation_event(organisation=invitation.organisation, action=AccessEntry.Action.INVITATION_SENT, by=by)


def log_invitation_withdrawn(*, invitation: Invitation, by: User, **kwargs: Any) -> None:
    record_invitation_event(organisation=invitation.organisation, action=AccessEntry.Action.INVITATION_WITHDRAWN, by=by)


def log_invitation_accepted(*, invitation: Invitation, user: User, **kwargs: Any) -> None:
    record_invitation_event(
        organisation=invitation.organisation, action=AccessEntry.Action.INVITATION_ACCEPTED, by=user
    )
