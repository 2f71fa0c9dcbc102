from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from chain.access import coordinated_municipalities, may_coordinate
from learning import services
from learning.access import (
    escalation_owners,
    get_routine_for,
    may_change_escalation,
    may_raise_escalations,
    may_read_learning,
    readable_routines,
)
from learning.forms import (
    ChangeEscalationForm,
    EscalationFilterForm,
    LearningLogForm,
    NewRoutineForm,
    RaiseEscalationForm,
    ReviseRoutineForm,
)
from learning.models import Escalation
from meetings.models import Finding
from organisations.access import MemberRequest, membership_required

PAGE_SIZE = 50


def _require_learning_reader(request: MemberRequest) -> None:
    if not may_read_learning(request.membership):
        raise PermissionDenied


@membership_required
def learning_log(request: MemberRequest) -> HttpResponse:
    """Evaluation findings across cases and municipalities, without the cases."""
    _require_learning_reader(request)
    form = LearningLogForm(request.GET or None)
    search = services.FindingFilter(**form.cleaned_data) if form.is_valid() else services.FindingFilter()
    page = Paginator(services.learning_log(search), PAGE_SIZE).get_page(request.GET.get("page"))
    coordinated = {municipality.pk for municipality in coordinated_municipalities(request.membership)}
    return render(request, "learning/log.html", {"form": form, "page": page, "coordinated": coordinated})


@membership_required
def escalations(request: MemberRequest) -> HttpResponse:
    _require_learning_reader(request)
    form = EscalationFilterForm(request.GET or None)
    rows = Escalation.objects.select_related("municipality", "owner_organisation", "owner")
    if form.is_valid():
        filters = {name: value for name, value in form.cleaned_data.items() if value}
        rows = rows.filter(**filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "may_raise": may_raise_escalations(request.membership)}
    return render(request, "learning/escalations.html", context)


def _finding_to_escalate(request: MemberRequest) -> Finding | None:
    finding_id = request.GET.get("finding", "")
    if not finding_id:
        return None
    findings = Finding.objects.select_related("municipality", "category")
    finding = findings.filter(pk=int(finding_id)).first() if finding_id.isdigit() else None
    if finding is None:
        raise Http404
    return finding


@membership_required
def raise_escalation(request: MemberRequest) -> HttpResponse:
    if not may_raise_escalations(request.membership):
        raise PermissionDenied
    municipalities = coordinated_municipalities(request.membership)
    finding = _finding_to_escalate(request)
    initial: dict[str, object] = {"municipality": municipalities[0] if len(municipalities) == 1 else None}
    if finding is not None:
        initial |= {"municipality": finding.municipality, "description": finding.text}
    form = RaiseEscalationForm(
        request.POST or None, initial=initial, municipalities=municipalities, owners=escalation_owners(municipalities)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            escalation = services.raise_escalation(
                membership=request.membership,
                municipality=data["municipality"],
                title=data["title"],
                description=data["description"],
                level=data["level"],
                owner_organisation=data["owner_organisation"],
                owner=form.owner_user(),
                finding=finding,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The problem was escalated."))
            return redirect("learning:escalation", pk=escalation.pk)
    context = {"form": form, "finding": finding, "heading": _("Escalate a problem"), "submit": _("Escalate")}
    return render(request, "learning/escalation_form.html", context)


def _escalation(request: MemberRequest, pk: int) -> Escalation:
    _require_learning_reader(request)
    return get_object_or_404(
        Escalation.objects.select_related(
            "municipality", "owner_organisation", "owner", "raised_by", "raised_by_organisation", "finding__category"
        ),
        pk=pk,
    )


@membership_required
def escalation(request: MemberRequest, pk: int) -> HttpResponse:
    escalation = _escalation(request, pk)
    context = {
        "escalation": escalation,
        "changes": escalation.changes.select_related("by", "by_organisation", "owner_organisation", "owner"),
        "may_change": may_change_escalation(request.membership, escalation),
    }
    return render(request, "learning/escalation.html", context)


@membership_required
def change_escalation(request: MemberRequest, pk: int) -> HttpResponse:
    escalation = _escalation(request, pk)
    if not may_change_escalation(request.membership, escalation):
        raise PermissionDenied
    initial = {
        "status": escalation.status,
        "level": escalation.level,
        "owner_organisation": escalation.owner_organisation,
        "owner": escalation.owner.memberships.filter(organisation=escalation.owner_organisation).first()
        if escalation.owner
        else None,
    }
    owners = escalation_owners([escalation.municipality])
    form = ChangeEscalationForm(request.POST or None, initial=initial, owners=owners)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.change_escalation(
                membership=request.membership,
                escalation=escalation,
                status=data["status"],
                level=data["level"],
                owner_organisation=data["owner_organisation"],
                owner=form.owner_user(),
                note=data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The escalation was updated."))
            return redirect("learning:escalation", pk=escalation.pk)
    context = {"form": form, "escalation": escalation, "heading": escalation.title, "submit": _("Save the change")}
    return render(request, "learning/escalation_form.html", context)


# --- Routines ----------------------------------------------------------------------------------------


@membership_required
def routines(request: MemberRequest) -> HttpResponse:
    rows = readable_routines(request.membership).select_related("municipality")
    may_write = bool(coordinated_municipalities(request.membership))
    return render(request, "learning/routines.html", {"routines": rows, "may_write": may_write})


@membership_required
def write_routine(request: MemberRequest) -> HttpResponse:
    municipalities = coordinated_municipalities(request.membership)
    if not municipalities:
        raise PermissionDenied
    initial = {"municipality": municipalities[0] if len(municipalities) == 1 else None}
    form = NewRoutineForm(request.POST or None, initial=initial, municipalities=municipalities)
    if request.method == "POST" and form.is_valid():
        try:
            routine = services.write_routine(membership=request.membership, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The routine was saved."))
            return redirect("learning:routine", pk=routine.pk)
    context = {"form": form, "heading": _("Write a routine"), "submit": _("Save the routine")}
    return render(request, "learning/routine_form.html", context)


@membership_required
def routine(request: MemberRequest, pk: int, number: int | None = None) -> HttpResponse:
    """The routine as it is now, or an earlier version of it."""
    routine = get_routine_for(request.membership, pk)
    versions = routine.versions.select_related("created_by", "created_by_organisation")
    shown = get_object_or_404(versions, number=number or routine.version)
    context = {
        "routine": routine,
        "shown": shown,
        "versions": versions.order_by("-number"),
        "may_edit": may_coordinate(request.membership, routine.municipality),
    }
    return render(request, "learning/routine.html", context)


@membership_required
def revise_routine(request: MemberRequest, pk: int) -> HttpResponse:
    routine = get_routine_for(request.membership, pk)
    if not may_coordinate(request.membership, routine.municipality):
        raise PermissionDenied
    current = routine.versions.get(number=routine.version)
    initial = {"title": current.title, "step_code": routine.step_code, "body": current.body, "version": routine.version}
    form = ReviseRoutineForm(request.POST or None, initial=initial, municipalities=[routine.municipality])
    if request.method == "POST" and form.is_valid():
        try:
            services.revise_routine(
                membership=request.membership,
                routine=routine,
                expected_version=form.cleaned_data.pop("version"),
                **form.cleaned_data,
            )
        except (ValidationError, services.StaleRoutineError) as error:
            form.add_error(None, error.messages if isinstance(error, ValidationError) else str(error))
        else:
            messages.success(request, _("The new version of the routine was saved."))
            return redirect("learning:routine", pk=routine.pk)
    context = {"form": form, "routine": routine, "heading": routine.title, "submit": _("Save as a new version")}
    return render(request, "learning/routine_form.html", context)
