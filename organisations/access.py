"""Who acts in which organisation, and what their role lets them do here.

A user acts in one organisation at a time. The choice lives in the session
and is re-checked against the database on every request, so a membership
removed by an admin stops working at the user's next click.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from accounts.http import AuthenticatedRequest
from accounts.models import ApiToken, User
from organisations.models import Invitation, Membership

SESSION_KEY = "vern_membership_id"

View = Callable[..., HttpResponse]


class MemberRequest(AuthenticatedRequest):
    """The request a view behind `membership_required` receives."""

    membership: Membership


def active_membership_for(request: HttpRequest) -> Membership | None:
    membership_id = request.session.get(SESSION_KEY)
    if membership_id is None or not request.user.is_authenticated:
        return None
    membership = (
        Membership.objects.select_related("organisation", "organisation__municipality")
        .filter(pk=membership_id, user_id=request.user.pk, organisation__is_active=True)
        .first()
    )
    if membership is None:
        del request.session[SESSION_KEY]
    return membership


def memberships_of(user: User) -> list[Membership]:
    return list(
        Membership.objects.select_related("organisation")
        .filter(user=user, organisation__is_active=True)
        .order_by("organisation__name")
    )


def membership_required(view: View) -> View:
    """The user is logged in and acts in an organisation; otherwise send them to choose one."""

    @login_required
    @wraps(view)
    def wrapper(request: MemberRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.membership is None:
            if not Membership.objects.filter(user=request.user, organisation__is_active=True).exists():
                return render(request, "organisations/no_membership.html", status=403)
            choose = reverse("organisations:choose")
            return redirect(f"{choose}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    return wrapper


def org_admin_required(view: View) -> View:
    """Only organisation admins (and system admins) of the active organisation."""

    @membership_required
    @wraps(view)
    def wrapper(request: MemberRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.membership.is_org_admin:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def get_member_for(request: MemberRequest, membership_id: int) -> Membership:
    """A membership in the admin's own organisation; 404 for any other."""
    return get_object_or_404(
        Membership.objects.select_related("user"),
        pk=membership_id,
        organisation=request.membership.organisation,
    )


def organisation_api_tokens(organisation_id: int) -> QuerySet[ApiToken]:
    """Every API token acting in the organisation, with its member: what its admins oversee and may revoke."""
    return ApiToken.objects.filter(membership__organisation_id=organisation_id).select_related("user")


def get_organisation_api_token_for(request: MemberRequest, token_id: int) -> ApiToken:
    """A token of the admin's own organisation; 404 for any other, so that its existence is not revealed."""
    return get_object_or_404(organisation_api_tokens(request.membership.organisation_id), pk=token_id)


def pending_invitations(organisation_id: int) -> QuerySet[Invitation]:
    """The organisation's invitations neither accepted nor withdrawn, expired ones too: the admin may re-send them."""
    return Invitation.objects.filter(organisation_id=organisation_id, accepted_at=None, withdrawn_at=None).order_by(
        "expires_at", "id"
    )


def get_pending_invitation_for(request: MemberRequest, invitation_id: int) -> Invitation:
    """A pending invitation of the admin's own organisation; 404 for any other."""
    return get_object_or_404(pending_invitations(request.membership.organisation_id), pk=invitation_id)
