from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.access import CaseAccess
from cases.views import open_case_or_404
from chain import services
from chain.access import coordinated_municipalities
from chain.forms import (
    BoardForm,
    ChooseResponsibleForm,
    CompleteDeadlineForm,
    DeadlineForm,
    FinishStepForm,
    OverviewForm,
)
from chain.models import CaseStep, Deadline
from chain.overview import overview
from organisations.access import MemberRequest, membership_required


@membership_required
def deadlines_board(request: MemberRequest) -> HttpResponse:
    """Overdue, due today, this week and later: for the organisation, or only the member's own."""
    if not request.membership.works_on_cases:
        raise PermissionDenied
    form = BoardForm(request.GET or None)
    mine = bool(form.is_valid() and form.cleaned_data["mine"])
    board = services.board(membership=request.membership, mine=mine)
    return render(request, "chain/board.html", {"form": form, "board": board})


@membership_required
def add_deadline(request: MemberRequest, code: str) -> HttpResponse:
    access = open_case_or_404(request, code)
    form = DeadlineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        deadline = services.set_deadline(
            access=access,
            membership=request.membership,
            rule=form.cleaned_data["rule"],
            start=form.cleaned_data["start"],
        )
        messages.success(request, _("The deadline is set: %(rule)s.") % {"rule": deadline.label})
        return redirect("cases:detail", code=code)
    return render(request, "chain/add_deadline.html", {"case": access.case, "form": form})


@membership_required
def complete_deadline(request: MemberRequest, pk: int) -> HttpResponse:
    """Mark one of the organisation's deadlines done; a 14-day cycle asks who confirmed it and when."""
    deadline = get_object_or_404(
        Deadline.objects.select_related("case", "rule", "organisation", "case_step__step", "follows__done_by"),
        pk=pk,
        organisation_id=request.membership.organisation_id,
    )
    open_case_or_404(request, deadline.case.code)
    if deadline.done_at is not None:
        # Confirmed twice (a double submit, a second tab, a link followed late): say so, change nothing.
        messages.warning(request, " ".join(services.already_done(deadline).messages))
        return redirect("chain:board")
    form = CompleteDeadlineForm(request.POST if request.method == "POST" else None, rule=deadline.rule)
    if request.method == "POST" and form.is_valid():
        try:
            following = services.complete_deadline(
                deadline=deadline,
                membership=request.membership,
                confirmed_by=form.cleaned_data.get("confirmed_by", ""),
                confirmed_at=form.cleaned_data.get("confirmed_at"),
            )
        except ValidationError as error:
            if error.code == "already_done":  # the other tab won the race a moment ago
                messages.warning(request, " ".join(error.messages))
                return redirect("chain:board")
            form.add_error(error.code if error.code in form.fields else None, error)
            return render(request, "chain/complete_deadline.html", _confirm_context(deadline, form))
        if following is None:
            messages.success(request, _("The deadline is marked as done."))
        else:
            messages.success(
                request,
                _("Confirmed. The next cycle is due %(due)s.")
                % {"due": date_format(timezone.localtime(following.due_at), "SHORT_DATETIME_FORMAT")},
            )
        return redirect("chain:board")
    return render(request, "chain/complete_deadline.html", _confirm_context(deadline, form))


def _confirm_context(deadline: Deadline, form: CompleteDeadlineForm) -> dict[str, object]:
    step = deadline.case_step
    starts_next = bool(deadline.rule and deadline.rule.repeats and step and step.status == CaseStep.Status.ACTIVE)
    return {"deadline": deadline, "form": form, "starts_next": starts_next}


def _case_step(access: CaseAccess, step_code: str) -> CaseStep:
    return get_object_or_404(
        CaseStep.objects.select_related("step__deadline_rule", "step__responsible_organisation", "responsible"),
        case=access.case,
        step__code=step_code,
    )


@membership_required
def finish_step(request: MemberRequest, code: str, step_code: str) -> HttpResponse:
    access = open_case_or_404(request, code)
    case_step = _case_step(access, step_code)
    if not services.may_act_on_step(access=access, membership=request.membership, case_step=case_step):
        raise PermissionDenied
    form = FinishStepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            following = services.finish_step(
                access=access,
                membership=request.membership,
                case_step=case_step,
                at=form.cleaned_data["at"],
                skip=form.cleaned_data["skip"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if following is None:
                messages.success(request, _("The last step is done."))
            else:
                messages.success(request, _("Next step: %(step)s.") % {"step": following.step.title})
            return redirect("cases:detail", code=code)
    return render(request, "chain/finish_step.html", {"case": access.case, "case_step": case_step, "form": form})


@require_POST
@membership_required
def take_step(request: MemberRequest, code: str, step_code: str) -> HttpResponse:
    """An organisation that sees the case and takes this kind of step takes responsibility for it."""
    access = open_case_or_404(request, code)
    case_step = _case_step(access, step_code)
    if case_step.status != CaseStep.Status.ACTIVE or access.must_break_glass:
        raise PermissionDenied
    try:
        services.assign_responsibility(
            case_step=case_step, organisation=request.membership.organisation, membership=request.membership
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Your organisation is now responsible for “%(step)s”.") % {"step": case_step.step.title}
        )
    return redirect("cases:detail", code=code)


@membership_required
def coordinator_overview(request: MemberRequest) -> HttpResponse:
    """One municipality at a glance: cases per step, time in step, steps nobody is responsible for."""
    municipalities = coordinated_municipalities(request.membership)
    if not municipalities:
        raise PermissionDenied
    form = OverviewForm(request.GET or None, municipalities=municipalities)
    municipality = form.cleaned_data["municipality"] if form.is_valid() else municipalities[0]
    context = {
        "form": form,
        "overview": overview(membership=request.membership, municipality=municipality),
    }
    return render(request, "chain/overview.html", context)


@require_POST
@membership_required
def choose_responsible(request: MemberRequest, pk: int) -> HttpResponse:
    """A coordinator gives a step no one has taken to one of the organisations that may take it."""
    municipalities = coordinated_municipalities(request.membership)
    if not municipalities:
        raise PermissionDenied
    case_step = get_object_or_404(
        CaseStep.objects.select_related("case__municipality", "step"), pk=pk, case__municipality__in=municipalities
    )
    form = ChooseResponsibleForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(message) for errors in form.errors.values() for message in errors))
    else:
        organisation = form.cleaned_data["organisation"]
        try:
            services.choose_responsible(case_step=case_step, organisation=organisation, membership=request.membership)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(organisation)s is now responsible for “%(step)s”.")
                % {"organisation": organisation.name, "step": case_step.step.title},
            )
    return redirect(f"{reverse('chain:overview')}?municipality={case_step.case.municipality_id}")
