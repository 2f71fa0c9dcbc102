"""Which API tokens a user may see and revoke: their own, for the organisation they act in.

Organisation admins see and revoke those of their members: organisations.access.organisation_api_tokens.
"""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import ApiToken, User
from organisations.models import Membership


def api_tokens_of(membership: Membership) -> QuerySet[ApiToken]:
    """The member's own tokens in this organisation; another member's tokens are never listed, not even to admins."""
    return ApiToken.objects.filter(membership=membership, user_id=membership.user_id)


def get_api_token_for(membership: Membership, token_id: int) -> ApiToken:
    """One of the member's own tokens; 404 for any other."""
    return get_object_or_404(api_tokens_of(membership), pk=token_id)


def active_api_tokens_of(user: User) -> QuerySet[ApiToken]:
    """The user's tokens that still work, in every organisation: what "log out everywhere" offers to revoke."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now())
