"""Which API tokens a user may see and revoke: their own, for the organisation they act in."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import ApiToken
from organisations.models import Membership


def api_tokens_of(membership: Membership) -> QuerySet[ApiToken]:
    """The member's own tokens in this organisation; another member's tokens are never listed, not even to admins."""
    return ApiToken.objects.filter(membership=membership, user_id=membership.user_id)


def get_api_token_for(membership: Membership, token_id: int) -> ApiToken:
    """One of the member's own tokens; 404 for any other."""
    return get_object_or_404(api_tokens_of(membership), pk=token_id)
