from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from cases.access import CaseAccess
from cases.views import open_case_or_404
from chain import services as chain_services
from chain.models import CaseChain
from meetings import services
from meetings.access import get_meeting_for, may_add_action_items, may_keep_minutes
from meetings.forms import ActionItemForm, ConveneForm, EndCaseForm, FindingForm, MinutesForm
from meetings.models import Meeting
from organisations.access import MemberRequest, membership_required


def _meeting_url(meeting: Meeting) -> str:
    return reverse("cases:meetings:detail", args=[meeting.case.code, meeting.pk])


def _form_page(request: MemberRequest, template: str, *, heading: str, submit: str, **context: object) -> HttpResponse:
    return render(request, template, {"heading": heading, "submit": submit, **context})


@membership_required
def convene(request: MemberRequest, code: str) -> HttpResponse:
    access = open_case_or_404(request, code)
    initial = {"kind": request.GET.get("kind", Meeting.Kind.CASE)}
    invitees = services.invitees(access.case)
    form = ConveneForm(request.POST or None, invitees=invitees, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.convene_meeting(access=access, membership=request.membership, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The meeting was convened."))
            return redirect(_meeting_url(meeting))
    return _form_page(
        request,
        "meetings/convene.html",
        heading=_("Convene a meeting"),
        submit=_("Convene the meeting"),
        case=access.case,
        form=form,
        not_shared=[invitee for invitee in invitees if not invitee.ground] if access.can_edit else [],
    )


@membership_required
def detail(request: MemberRequest, code: str, pk: int) -> HttpResponse:
    access = open_case_or_404(request, code)
    meeting = get_meeting_for(access, request.membership, pk)
    invited = list(meeting.invited.order_by("name"))
    record = services.read_meeting(access=access, membership=request.membership, meeting=meeting)
    context = {
        "case": access.case,
        "meeting": meeting,
        "record": record,
        "invitations": [
            (invitation.organisation, services.ground_label(invitation))
            for invitation in meeting.invitations.select_related(
                "organisation", "consent", "disclosure__legal_basis"
            ).order_by("organisation__name")
        ],
        "progress": record.progress_of(invited),
        "action_items": meeting.action_items.select_related("deadline__organisation", "deadline__owner"),
        "findings": meeting.findings.select_related("category"),
        "may_keep_minutes": may_keep_minutes(request.membership, meeting),
        "may_add_action_items": may_add_action_items(request.membership, meeting),
    }
    return render(request, "meetings/detail.html", context)


def _kept_meeting(request: MemberRequest, code: str, pk: int) -> tuple[CaseAccess, Meeting]:
    access = open_case_or_404(request, code)
    meeting = get_meeting_for(access, request.membership, pk)
    if not may_keep_minutes(request.membership, meeting):
        raise PermissionDenied
    return access, meeting


@membership_required
def minutes(request: MemberRequest, code: str, pk: int) -> HttpResponse:
    access, meeting = _kept_meeting(request, code, pk)
    invited = list(meeting.invited.order_by("name"))
    if request.method == "POST":
        form = MinutesForm(request.POST, invited=invited)
        if form.is_valid():
            try:
                services.record_minutes(
                    access=access,
                    membership=request.membership,
                    meeting=meeting,
                    minutes=form.cleaned_minutes(),
                    held_at=form.cleaned_data["held_at"],
                    expected_version=form.cleaned_data["version"],
                )
            except (ValidationError, services.StaleMeetingError) as error:
                form.add_error(None, error.messages if isinstance(error, ValidationError) else str(error))
            else:
                messages.success(request, _("The minutes were saved."))
                return redirect(_meeting_url(meeting))
    else:
        record = services.read_meeting(access=access, membership=request.membership, meeting=meeting)
        initial = MinutesForm.initial_from(record.minutes, invited=invited) | {
            "held_at": meeting.held_at or meeting.scheduled_at,
            "version": meeting.version,
        }
        form = MinutesForm(initial=initial, invited=invited)
    return _form_page(
        request,
        "meetings/minutes.html",
        heading=_("Minutes"),
        submit=_("Save the minutes"),
        case=access.case,
        meeting=meeting,
        form=form,
    )


@membership_required
def add_action_item(request: MemberRequest, code: str, pk: int) -> HttpResponse:
    """The convening organisation adds action items for any invited organisation, an invited one its own."""
    access = open_case_or_404(request, code)
    meeting = get_meeting_for(access, request.membership, pk)
    if not may_add_action_items(request.membership, meeting):
        raise PermissionDenied
    owners = meeting.invited.order_by("name")
    if not may_keep_minutes(request.membership, meeting):
        owners = owners.filter(pk=request.membership.organisation_id)
    form = ActionItemForm(request.POST or None, invited=owners)
    if request.method == "POST" and form.is_valid():
        member = form.cleaned_data["member"]
        try:
            services.add_action_item(
                access=access,
                membership=request.membership,
                meeting=meeting,
                title=form.cleaned_data["title"],
                organisation=form.cleaned_data["organisation"],
                owner=member.user if member else None,
                due_on=form.cleaned_data["due_on"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The action item was added to the owner's deadlines."))
            return redirect(_meeting_url(meeting))
    return _form_page(
        request,
        "meetings/action_item.html",
        heading=_("Add an action item"),
        submit=_("Add the action item"),
        case=access.case,
        meeting=meeting,
        form=form,
    )


@membership_required
def add_finding(request: MemberRequest, code: str, pk: int) -> HttpResponse:
    access, meeting = _kept_meeting(request, code, pk)
    if meeting.kind != Meeting.Kind.EVALUATION:
        raise PermissionDenied
    form = FindingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_finding(access=access, membership=request.membership, meeting=meeting, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The finding was recorded. It appears in the learning log without the case."))
            return redirect(_meeting_url(meeting))
    return _form_page(
        request,
        "meetings/finding.html",
        heading=_("Record a finding"),
        submit=_("Record the finding"),
        case=access.case,
        meeting=meeting,
        form=form,
    )


@membership_required
def end_case(request: MemberRequest, code: str) -> HttpResponse:
    """The owner ends the case (chain.services.end_case); the evaluation meeting follows."""
    access = open_case_or_404(request, code)
    if not access.can_edit:
        raise PermissionDenied
    chain = CaseChain.objects.filter(case=access.case).first()
    form = EndCaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            chain_services.end_case(
                access=access,
                membership=request.membership,
                reason=form.cleaned_data["reason"],
                at=form.cleaned_data["ended_at"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("The case has ended. Convene the evaluation meeting: what worked, what went wrong?")
            )
            return redirect(f"{reverse('cases:meetings:convene', args=[code])}?kind={Meeting.Kind.EVALUATION}")
    return _form_page(
        request,
        "meetings/end_case.html",
        heading=_("End the case"),
        submit=_("End the case"),
        case=access.case,
        chain=chain,
        form=form,
    )
