from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts import services as account_services
from accounts.http import AuthenticatedRequest
from organisations import services
from organisations.access import (
    MemberRequest,
    get_member_for,
    get_organisation_api_token_for,
    get_pending_invitation_for,
    memberships_of,
    org_admin_required,
    organisation_api_tokens,
    pending_invitations,
)
from organisations.forms import AddMemberForm, ChangeRoleForm, ChooseOrganisationForm, WorkingHoursForm
from organisations.models import Membership, Organisation


def _safe_next(request: HttpRequest, target: str | None) -> str:
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


@login_required
def choose(request: AuthenticatedRequest) -> HttpResponse:
    memberships = memberships_of(request.user)
    if not memberships:
        return render(request, "organisations/no_membership.html", status=403)
    form = ChooseOrganisationForm(
        request.POST or None, memberships=memberships, initial={"next": request.GET.get("next", "")}
    )
    if request.method == "POST" and form.is_valid():
        membership = form.chosen()
        services.select_membership(request=request, membership=membership)
        messages.success(request, _("You now act in %(organisation)s.") % {"organisation": membership.organisation})
        return redirect(_safe_next(request, form.cleaned_data["next"]))
    return render(request, "organisations/choose.html", {"form": form, "memberships": memberships})


@org_admin_required
def members(request: MemberRequest) -> HttpResponse:
    organisation = request.membership.organisation
    form = AddMemberForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.invite_member(organisation=organisation, invited_by=request.membership, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _invitation_sent_message())
            return redirect("organisations:members")
    member_list = (
        Membership.objects.select_related("user", "organisation")
        .filter(organisation=organisation)
        .order_by("user__last_name")
    )
    rows = [(m, ChangeRoleForm(initial={"role": m.role}, prefix=f"m{m.pk}", membership=m)) for m in member_list]
    context = {
        "form": form,
        "rows": rows,
        "invitations": pending_invitations(organisation.pk),
        "organisation": organisation,
        "hours_form": WorkingHoursForm(instance=organisation, prefix="hours"),
    }
    return render(request, "organisations/members.html", context)


@require_POST
@org_admin_required
def working_hours(request: MemberRequest) -> HttpResponse:
    organisation = request.membership.organisation
    form = WorkingHoursForm(request.POST, instance=Organisation.objects.get(pk=organisation.pk), prefix="hours")
    if form.is_valid():
        services.set_working_hours(organisation=organisation, **form.cleaned_data)
        messages.success(request, _("The working hours were saved."))
    else:
        messages.error(request, " ".join(str(message) for errors in form.errors.values() for message in errors))
    return redirect("organisations:members")


@require_POST
@org_admin_required
def change_role(request: MemberRequest, membership_id: int) -> HttpResponse:
    membership = get_member_for(request, membership_id)
    form = ChangeRoleForm(request.POST, prefix=f"m{membership.pk}", membership=membership)
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
        return redirect("organisations:members")
    try:
        services.change_member_role(membership=membership, role=form.cleaned_data["role"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The role was changed."))
    return redirect("organisations:members")


def _invitation_sent_message() -> str:
    days = settings.VERN_INVITATION_DAYS
    return ngettext(
        "The invitation was sent. Its link works for %(days)d day; the person becomes a member when they accept it.",
        "The invitation was sent. Its link works for %(days)d days; the person becomes a member when they accept it.",
        days,
    ) % {"days": days}


@require_POST
@org_admin_required
def resend_invitation(request: MemberRequest, invitation_id: int) -> HttpResponse:
    invitation = get_pending_invitation_for(request, invitation_id)
    services.resend_invitation(invitation=invitation, by=request.membership)
    messages.success(request, _invitation_sent_message() + " " + _("The link sent before no longer works."))
    return redirect("organisations:members")


@org_admin_required
def withdraw_invitation(request: MemberRequest, invitation_id: int) -> HttpResponse:
    """Ask first, then withdraw: the link stops working and the person does not become a member."""
    invitation = get_pending_invitation_for(request, invitation_id)
    if request.method == "POST":
        services.withdraw_invitation(invitation=invitation, by=request.membership)
        messages.success(request, _("The invitation was withdrawn. Its link no longer works."))
        return redirect("organisations:members")
    return render(request, "organisations/withdraw_invitation.html", {"invitation": invitation})


@require_POST
@org_admin_required
def remove(request: MemberRequest, membership_id: int) -> HttpResponse:
    membership = get_member_for(request, membership_id)
    try:
        services.remove_member(membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The member was removed from the organisation."))
    return redirect("organisations:members")


@org_admin_required
def api_tokens(request: MemberRequest) -> HttpResponse:
    """Every API token of the organisation's members, never a key: the admin sees what programs act here."""
    organisation = request.membership.organisation
    tokens = organisation_api_tokens(organisation.pk).order_by("-created_at", "-id")
    return render(request, "organisations/api_tokens.html", {"tokens": tokens, "organisation": organisation})


@require_POST
@org_admin_required
def revoke_api_token(request: MemberRequest, token_id: int) -> HttpResponse:
    token = get_organisation_api_token_for(request, token_id)
    account_services.revoke_api_token(token=token, by=request.user)
    messages.success(
        request,
        _("The token “%(name)s” of %(member)s was revoked. Programs using it can no longer reach Vern.")
        % {"name": token.name, "member": token.user},
    )
    return redirect("organisations:api_tokens")
