from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.access import CaseAccess, visible_cases
from cases.views import open_case_or_404
from organisations.access import MemberRequest, membership_required
from placements import services
from placements.access import alerts_for, may_act, may_place, may_view
from placements.forms import AbscondingForm, ContactForm, StartPlacementForm, WhenForm
from placements.models import Placement


def _running_placement(request: MemberRequest, code: str) -> tuple[CaseAccess, Placement | None]:
    """The case's running placement, for the service responsible for it; 403 for anyone else who sees the case."""
    access = open_case_or_404(request, code)
    if not may_view(request.membership, access):
        raise PermissionDenied
    placement = services.open_placement(access.case)
    if placement is not None and not may_act(request.membership, access, placement):
        raise PermissionDenied
    if placement is None:
        messages.error(request, _("The child has no placement running."))
    return access, placement


def _form_page(
    request: MemberRequest,
    access: CaseAccess,
    form: forms.Form,
    act: Callable[..., object],
    *,
    title: str,
    intro: str,
    submit: str,
    success: str,
) -> HttpResponse:
    """One flow for every placement form: the form, the service, and a clear error on bad input."""
    if request.method == "POST" and form.is_valid():
        try:
            act(access=access, membership=request.membership, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, success)
            return redirect("cases:detail", code=access.case.code)
    context = {"case": access.case, "form": form, "title": title, "intro": intro, "submit": submit}
    return render(request, "placements/form.html", context)


@membership_required
def start(request: MemberRequest, code: str) -> HttpResponse:
    access = open_case_or_404(request, code)
    if not may_place(request.membership, access):
        raise PermissionDenied
    return _form_page(
        request,
        access,
        StartPlacementForm(request.POST or None),
        services.start_placement,
        title=_("Start a placement"),
        intro=_(
            "Your service becomes responsible for the placement. A child is in one placement at a time: a running "
            "placement ends when this one starts. Where the child is placed belongs in the contact information, "
            "never here."
        ),
        submit=_("Start the placement"),
        success=_("The placement has started."),
    )


@membership_required
def record_contact(request: MemberRequest, code: str) -> HttpResponse:
    access, placement = _running_placement(request, code)
    if placement is None:
        return redirect("cases:detail", code=code)
    return _form_page(
        request,
        access,
        ContactForm(request.POST or None),
        lambda **data: services.record_contact(placement=placement, **data),
        title=_("Record contact with the child"),
        intro=_(
            "Record when you last had contact with the child or knew where the child was. Where the child is "
            "belongs in the contact information, never here."
        ),
        submit=_("Record contact"),
        success=_("The contact was recorded."),
    )


@membership_required
def record_absconding(request: MemberRequest, code: str) -> HttpResponse:
    access, placement = _running_placement(request, code)
    if placement is None:
        return redirect("cases:detail", code=code)
    return _form_page(
        request,
        access,
        AbscondingForm(request.POST or None),
        lambda **data: services.record_absconding(placement=placement, **data),
        title=_("The child ran away or was taken"),
        intro=_("A missing-child alert is raised at once. It is counted, without who the child is, in statistics."),
        submit=_("Record and raise the alert"),
        success=_("Recorded. The missing-child alert is raised: decide whether to notify the police."),
    )


@membership_required
def end(request: MemberRequest, code: str) -> HttpResponse:
    access, placement = _running_placement(request, code)
    if placement is None:
        return redirect("cases:detail", code=code)
    return _form_page(
        request,
        access,
        WhenForm(request.POST or None),
        lambda **data: services.end_placement(placement=placement, **data),
        title=_("End the placement"),
        intro=_("An open missing-child alert closes with the placement."),
        submit=_("End the placement"),
        success=_("The placement has ended."),
    )


@membership_required
def found(request: MemberRequest, code: str) -> HttpResponse:
    access, placement = _running_placement(request, code)
    alert = services.open_alert(placement) if placement is not None else None
    if alert is None:
        if placement is not None:
            messages.error(request, _("No child is missing from this placement."))
        return redirect("cases:detail", code=code)
    return _form_page(
        request,
        access,
        WhenForm(request.POST or None),
        lambda **data: services.child_found(alert=alert, **data),
        title=_("The child is found"),
        intro=_("The alert closes. If the police were notified, they are told that the child is found."),
        submit=_("Close the alert"),
        success=_("The alert is closed: the child is found."),
    )


def _post_action(
    request: MemberRequest, code: str, act: Callable[[CaseAccess, Placement], Any], success: str
) -> HttpResponse:
    access, placement = _running_placement(request, code)
    if placement is not None:
        try:
            act(access, placement)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, success)
    return redirect("cases:detail", code=code)


@require_POST
@membership_required
def renew(request: MemberRequest, code: str) -> HttpResponse:
    return _post_action(
        request,
        code,
        lambda access, placement: services.renew_placement(
            access=access, membership=request.membership, placement=placement
        ),
        _("The placement is renewed."),
    )


def _notify_police(request: MemberRequest, access: CaseAccess, placement: Placement) -> None:
    alert = services.open_alert(placement)
    if alert is None:
        raise ValidationError(_("No child is missing from this placement."))
    services.notify_police(access=access, membership=request.membership, alert=alert)


@require_POST
@membership_required
def notify_police(request: MemberRequest, code: str) -> HttpResponse:
    return _post_action(
        request,
        code,
        lambda access, placement: _notify_police(request, access, placement),
        _("Recorded that the police are notified. The police district is told in Vern, by case code only."),
    )


@membership_required
def alert_list(request: MemberRequest) -> HttpResponse:
    """Open missing-child alerts: of the placements the service is responsible for, and those reported to its police."""
    alerts = list(
        alerts_for(request.membership)
        .select_related("placement__case", "placement__organisation", "police_organisation")
        .order_by("raised_at")
    )
    case_ids = {alert.placement.case_id for alert in alerts}
    openable = set(visible_cases(request.membership).filter(pk__in=case_ids).values_list("pk", flat=True))
    return render(request, "placements/alerts.html", {"alerts": alerts, "openable": openable})
