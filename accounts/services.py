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


@transaction.atomic
def create_api_token(*, membership: Membership, name: str) -> tuple[ApiToken, str]:
    """Create a token acting as `membership`; returns the token and its key, which is stored nowhere."""
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user_id=membership.user_id,
        membership=membership,
        name=name.strip(),
        key_prefix=key[:8],
        key_hash=_hash_of_key(key),
    )
    api_token_created.send(sender=ApiToken, token=token)
    return token, key


@transaction.atomic
def revoke_api_token(*, token: ApiToken) -> None:
    """Stop the token from working at once; the row is kept so the owner sees what existed."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        api_token_revoked.send(sender=ApiToken, token=token)


# Not atomic: a read and at most one single-row UPDATE, on every API request; a transaction adds two round trips.
def api_token_for_key(key: str) -> ApiToken | None:
    """The token of an API key, with the membership it acts as, or None for an unknown, revoked or otherwise dead key.

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
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
