"""Account mutations that Vern adds to django-allauth, and the API tokens."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from allauth.usersessions.adapter import get_adapter as get_usersessions_adapter
from allauth.usersessions.models import UserSession
from django.contrib.auth import logout
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from accounts.access import active_api_tokens_of
from accounts.models import ApiToken, User
from accounts.signals import api_token_created, api_token_revoked
from organisations.models import Membership


def end_all_sessions(*, request: HttpRequest, user: User) -> int:
    """Log the user out on every device, this one included; returns how many sessions ended.

    Used when a device may be lost or a password may be known to someone else.
    """
    sessions = UserSession.objects.purge_and_list(user)
    get_usersessions_adapter().end_sessions(sessions)
    logout(request)
    return len(sessions)


# --- API tokens ---------------------------------------------------------------------------------

API_KEY_PREFIX = "vern_"
# last_used_at is a hint for the token list, not a log (the access log is): one write a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _hash_of_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenExpired(Exception):
    """A valid key whose token has expired: the program is told so, and its member makes a new token."""

    def __init__(self, token: ApiToken) -> None:
        super().__init__(f"API token {token.pk} expired")
        self.token = token


@transaction.atomic
def create_api_token(
    *, membership: Membership, name: str, lifetime_days: int = ApiToken.DEFAULT_LIFETIME_DAYS
) -> tuple[ApiToken, str]:
    """Create a token acting as `membership`; returns the token and its key, which is stored nowhere."""
    if lifetime_days not in ApiToken.LIFETIME_CHOICES_DAYS:
        raise ValueError(f"An API token lives one of {ApiToken.LIFETIME_CHOICES_DAYS} days, not {lifetime_days}.")
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user_id=membership.user_id,
        membership=membership,
        name=name.strip(),
        key_prefix=key[:8],
        key_hash=_hash_of_key(key),
        expires_at=timezone.now() + timedelta(days=lifetime_days),
    )
    api_token_created.send(sender=ApiToken, token=token)
    return token, key


@transaction.atomic
@transaction.atomic
def revoke_api_token(*, token: ApiToken, by: User | None = None) -> None:
    """Stop the token from working at once; the row is kept so the owner sees what existed.

    `by` is who revoked it when not its own member (an organisation admin): the access log names them.
    """
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        api_token_revoked.send(sender=ApiToken, token=token, by=by or token.user)


def revoke_api_tokens_of(*, user: User) -> int:
    """Revoke every working token of the user, in all their organisations; returns how many.

    One by one through `revoke_api_token`, so whatever a revocation sets going happens for each.
    """
    tokens = list(active_api_tokens_of(user))
    for token in tokens:
        revoke_api_token(token=token)
    return len(tokens)


# Not atomic: a read and at most one single-row UPDATE, on every API request; a transaction adds two round trips.
def api_token_for_key(key: str) -> ApiToken | None:
    """The token of an API key, with the membership it acts as, or None for an unknown, revoked or otherwise dead key.

    Raises ApiTokenExpired for the key of an expired token, so that the program
    can say why; only the holder of the key learns it.

    The key is looked up by its SHA-256 hash, so the database compares hashes,
    never keys, and timing reveals nothing useful about a valid key; the hash is
    compared once more in constant time all the same. A key stops working when
    its token is revoked, its membership removed, its organisation deactivated
    or its user deactivated.
    """
    if not key.startswith(API_KEY_PREFIX):
        return None
    key_hash = _hash_of_key(key)
    token = (
        ApiToken.objects.select_related("membership", "membership__user", "membership__organisation")
        .filter(
            key_hash=key_hash,
            revoked_at__isnull=True,
            membership__user_id=F("user_id"),
            membership__user__is_active=True,
            membership__organisation__is_active=True,
        )
        .first()
    )
    if token is None or not hmac.compare_digest(token.key_hash, key_hash):
        return None
    now = timezone.now()
    if token.expires_at <= now:
        raise ApiTokenExpired(token)
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
