from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.access import CaseAccess
from cases.views import open_case_or_404
from chain import services
from chain.access import coordinated_municipalities
from chain.forms import BoardForm, ChooseResponsibleForm, DeadlineForm, FinishStepForm, OverviewForm
from chain.models import CaseStep, Deadline
from chain.overview import overview
from organisations.access import MemberRequest, membership_required
from organisations.models import Membership


@membership_required
def deadlines_board(request: MemberRequest) -> HttpResponse:
    """Overdue, due today, due this week: for the organisation, or only the member's own."""
    if request.membership.role == Membership.Role.STATISTICIAN:
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


@require_POST
@membership_required
def complete_deadline(request: MemberRequest, pk: int) -> HttpResponse:
    deadline = get_object_or_404(Deadline, pk=pk, organisation_id=request.membership.organisation_id)
    open_case_or_404(request, deadline.case.code)
    services.complete_deadline(deadline=deadline, membership=request.membership)
    messages.success(request, _("The deadline is marked as done."))
    return redirect("chain:board")


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
