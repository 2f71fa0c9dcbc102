from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.models import Case
from organisations.access import MemberRequest, membership_required
from screening import rules, services
from screening.access import get_screening_for, notifications_for, screenings_of
from screening.forms import STEPS, ExploitationStepForm, review_sections, step_reached
from screening.models import Advice, Screening

STEP_NAMES = list(STEPS)
# The exploitation step's button that shows the signs of the forms ticked, without JavaScript.
SHOW_SIGNS = "show_signs"


def _advice(screening: Screening, *codes: str) -> list[Advice]:
    by_code = {a.code: a for a in screening.version.advice.filter(code__in=codes).select_related("version")}
    return [by_code[code] for code in codes if code in by_code]


def _not_for_statisticians(request: MemberRequest) -> None:
    if not request.membership.works_on_cases:
        raise PermissionDenied


@membership_required
def screening_list(request: MemberRequest) -> HttpResponse:
    _not_for_statisticians(request)
    screenings = screenings_of(request.membership).select_related("case")
    drafts = screenings.filter(worker_id=request.membership.user_id, status=Screening.Status.DRAFT)
    context = {
        "drafts": [(draft, step_reached(draft), STEPS[step_reached(draft)][1]) for draft in drafts],
        "completed": screenings.filter(status=Screening.Status.COMPLETED)[:50],
        "notifications": notifications_for(request.membership)[:50],
    }
    return render(request, "screening/list.html", context)


@require_POST
@membership_required
def screening_start(request: MemberRequest) -> HttpResponse:
    _not_for_statisticians(request)
    screening = services.start_screening(membership=request.membership)
    return redirect("screening:step", pk=screening.pk, step=STEP_NAMES[0])


@membership_required
def screening_step(request: MemberRequest, pk: int, step: str) -> HttpResponse:
    if step not in STEPS:
        raise Http404
    screening = get_screening_for(request.membership, pk, edit=True)
    form_class, _label = STEPS[step]
    if request.method == "POST":
        form = form_class(request.POST, screening=screening)
        valid = form.is_valid()
        # htmx saves every change as it happens, keeping whatever is valid so far.
        services.save_answers(screening=screening, answers=dict(form.cleaned_data))
        if request.headers.get("HX-Request"):
            return HttpResponse(status=204)
        if isinstance(form, ExploitationStepForm) and (SHOW_SIGNS in request.POST or form.has_unseen_signs()):
            return redirect(reverse("screening:step", args=[screening.pk, step]) + "#signs")
        if valid:
            return redirect(_after(step, screening))
    else:
        form = form_class(screening=screening)
    return render(request, "screening/step.html", _step_context(screening, step, form))


def _after(step: str, screening: Screening) -> str:
    if step == "danger" and screening.acute_danger:
        return reverse("screening:step", args=[screening.pk, "danger"]) + "?advice=shown"
    index = STEP_NAMES.index(step)
    if index + 1 < len(STEP_NAMES):
        return reverse("screening:step", args=[screening.pk, STEP_NAMES[index + 1]])
    return reverse("screening:review", args=[screening.pk])


def _step_context(screening: Screening, step: str, form: Any) -> dict[str, Any]:
    track = rules.track_for(possibly_minor=screening.possibly_minor, stated_age=screening.stated_age)
    is_child = bool(screening.possibly_minor) and track == "child"
    own_case = is_child and rules.is_child_welfare(screening.organisation)
    advice: list[Advice] = []
    if step == "danger" and screening.acute_danger:
        advice = _advice(screening, "acute_danger")
    elif step == "conversation":
        advice = _advice(screening, "plan_alone", "plan_companion", "plan_interpreter", "trauma_sensitive")
    elif step == "outcome" and is_child:
        advice = _advice(screening, "child_cannot_decline")
    return {
        "screening": screening,
        "step": step,
        "steps": [(name, label) for name, (_form, label) in STEPS.items()],
        "step_number": STEP_NAMES.index(step) + 1,
        "step_count": len(STEPS) + 1,
        "show_signs": SHOW_SIGNS,
        "next_step": STEP_NAMES[STEP_NAMES.index(step) + 1] if step != STEP_NAMES[-1] else None,
        "form": form,
        "advice": advice,
        "child_advice": _advice(screening, "possibly_minor", "out_of_hours") if is_child and not own_case else [],
        "own_child_welfare_case": own_case,
        "emergency": next(iter(_advice(screening, "acute_danger")), None),
        "contradictions": rules.contradictions(
            possibly_minor=screening.possibly_minor, stated_age=screening.stated_age
        ),
    }


@membership_required
def screening_review(request: MemberRequest, pk: int) -> HttpResponse:
    """Check the answers and finish; finishing creates the tasks and, when the person wants help, the case."""
    screening = get_screening_for(request.membership, pk, edit=True)
    if request.method == "POST":
        try:
            completion = services.complete_screening(screening=screening, membership=request.membership)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if completion.case:
                messages.success(request, _("Case %(code)s was opened.") % {"code": completion.case.code})
            return redirect("screening:detail", pk=screening.pk)
    context = _step_context(screening, "outcome", None) | {
        "step": "review",
        "step_number": len(STEPS) + 1,
        "sections": review_sections(screening),
        "opens_case": screening.outcome == Screening.Outcome.CONFIRMED_WANTS_HELP,
        "track_label": Case.Track(
            rules.track_for(possibly_minor=screening.possibly_minor, stated_age=screening.stated_age)
        ).label,
    }
    return render(request, "screening/review.html", context)


@membership_required
def screening_delete(request: MemberRequest, pk: int) -> HttpResponse:
    """Only the worker deletes their own unfinished screening, after a confirmation page."""
    screening = get_screening_for(request.membership, pk, edit=True)
    if request.method == "POST":
        label = str(screening)
        services.delete_draft(screening=screening, membership=request.membership)
        messages.success(request, _("The unfinished screening %(label)s was deleted.") % {"label": label})
        return redirect("screening:list")
    step = step_reached(screening)
    context = {"screening": screening, "step_label": STEPS[step][1]}
    return render(request, "screening/delete.html", context)


@membership_required
def screening_detail(request: MemberRequest, pk: int) -> HttpResponse:
    screening = get_screening_for(request.membership, pk)
    if screening.status == Screening.Status.DRAFT and screening.worker_id == request.membership.user_id:
        return redirect("screening:step", pk=pk, step=STEP_NAMES[0])
    routing = None
    if screening.status == Screening.Status.COMPLETED:
        routing = rules.route(
            acute_danger=bool(screening.acute_danger),
            possibly_minor=screening.possibly_minor,
            stated_age=screening.stated_age,
            outcome=screening.outcome,
            by_child_welfare=rules.is_child_welfare(screening.organisation),
        )
    context = {
        "screening": screening,
        "advice": _advice(screening, *routing.advice) if routing else [],
        "notification": getattr(screening, "notification", None),
        "own_child_welfare_case": screening.track == Case.Track.CHILD
        and rules.is_child_welfare(screening.organisation),
        "emergency": next(iter(_advice(screening, "acute_danger")), None),
        "guidance_line": next(iter(_advice(screening, "possibly_minor")), None),
        "contradictions": rules.contradictions(
            possibly_minor=screening.possibly_minor, stated_age=screening.stated_age
        ),
    }
    return render(request, "screening/detail.html", context)


@require_POST
@membership_required
def screening_make_case(request: MemberRequest, pk: int) -> HttpResponse:
    screening = get_screening_for(request.membership, pk)
    if screening.status != Screening.Status.COMPLETED:
        raise Http404
    try:
        case = services.make_case(screening=screening, membership=request.membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("screening:detail", pk=pk)
    messages.success(request, _("Case %(code)s was opened.") % {"code": case.code})
    return redirect("cases:detail", code=case.code)


@require_POST
@membership_required
def notification_done(request: MemberRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(notifications_for(request.membership), pk=pk)
    services.mark_notified(notification=notification, membership=request.membership)
    messages.success(
        request,
        _("Recorded that the child welfare service was notified, %(time)s.")
        % {"time": timezone.localtime(notification.notified_at).strftime("%d.%m.%Y %H:%M")},
    )
    return redirect("screening:detail", pk=notification.screening_id)
