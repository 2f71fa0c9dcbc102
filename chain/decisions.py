"""The dates that drive deadlines, recorded by the organisation that decides.

UDI records the day it granted a reflection period, the police the day the
application was lodged, the lawyer (or, for a child, the guardian or child
welfare) the day of the appointment (`DecisionKind`, data in
chain/fixtures/case_decisions.json). A decision may start a deadline — counted
from the day it happened, not from the moment someone typed it in — and
completes the chain step it ends when that step is in progress.

A decision is recorded once; a correction is a new record with a reason that
supersedes the current one and moves its deadline. Each record goes on the
timeline and in the access log as the recording member's.
"""

from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from audit.models import AccessEntry
from cases.access import CaseAccess
from cases.models import Case, CaseEvent
from cases.services import add_event, log_access
from chain import rules
from chain.access import may_record_decision
from chain.models import CaseDecision, CaseStep, Deadline, DecisionKind
from chain.services import _deadline_from_rule, complete_step, default_responsible
from organisations.models import Membership, Organisation


def current_decision(case: Case, kind: DecisionKind) -> CaseDecision | None:
    return CaseDecision.objects.filter(case=case, kind=kind, is_current=True).first()


def decision_start(decided_on: date) -> datetime:
    """A decision made on a day counts from the start of that day, Europe/Oslo."""
    return timezone.make_aware(datetime.combine(decided_on, time.min))


@transaction.atomic
def record_decision(
    *,
    access: CaseAccess,
    membership: Membership,
    kind: DecisionKind,
    decided_on: date,
    correction_reason: str = "",
) -> CaseDecision:
    """Record that `kind` happened on `decided_on` in the case; start its deadline and complete its step."""
    case = access.case
    if not may_record_decision(access, membership, kind):
        kinds = dict(Organisation.Kind.choices)
        raise ValidationError(
            _("Only %(kinds)s can record “%(decision)s”.")
            % {"kinds": ", ".join(str(kinds.get(k, k)) for k in kind.recorded_by), "decision": kind.title}
        )
    if case.track not in kind.tracks:
        raise ValidationError(_("“%(decision)s” does not apply to this case's track.") % {"decision": kind.title})
    if decided_on > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future: record a decision when it has been made."))
    correction_reason = correction_reason.strip()
    previous = CaseDecision.objects.select_for_update().filter(case=case, kind=kind, is_current=True).first()
    if previous is not None and not correction_reason:
        raise ValidationError(
            _(
                "“%(decision)s” is already recorded, dated %(date)s. To correct the date, give a reason for the "
                "correction."
            )
            % {"decision": kind.title, "date": date_format(previous.decided_on, "SHORT_DATE_FORMAT")}
        )
    if previous is None and correction_reason:
        correction_reason = ""  # nothing to correct: a first record
    if previous is not None:
        previous.is_current = False
        previous.save(update_fields=["is_current"])
    try:
        with transaction.atomic():
            decision = CaseDecision.objects.create(
                case=case,
                kind=kind,
                decided_on=decided_on,
                organisation_id=membership.organisation_id,
                recorded_by_id=membership.user_id,
                supersedes=previous,
                correction_reason=correction_reason,
            )
    except IntegrityError:  # someone recorded the same decision a moment ago
        raise ValidationError(
            _("“%(decision)s” was recorded by someone else just now. Open the case again to see it.")
            % {"decision": kind.title}
        ) from None
    note = f"{kind.code}: {'correction' if previous else 'recorded'}"
    add_event(case=case, kind=CaseEvent.Kind.DECISION_RECORDED, membership=membership, note=note)
    log_access(access=access, membership=membership, groups=[], action=AccessEntry.Action.EDIT, reason=note)
    _start_deadline(case=case, kind=kind, decision=decision, membership=membership)
    _complete_step(case=case, kind=kind, decision=decision, membership=membership)
    return decision


def _start_deadline(*, case: Case, kind: DecisionKind, decision: CaseDecision, membership: Membership) -> None:
    """The decision's deadline counts from its date: an open one of the same rule is moved, else one is set."""
    rule = kind.deadline_rule
    if rule is None:
        return
    start = decision_start(decision.decided_on)
    due = rules.due_at(unit=rule.unit, amount=rule.amount, start=start)
    open_deadlines = Deadline.objects.filter(case=case, rule=rule, done_at__isnull=True)
    if open_deadlines.exists():
        open_deadlines.update(starts_at=start, due_at=due)
        return
    # The step this rule belongs to (the reflection period), whether it runs yet or not.
    case_step = (
        CaseStep.objects.filter(
            case=case, step__deadline_rule=rule, status__in=[CaseStep.Status.WAITING, CaseStep.Status.ACTIVE]
        )
        .select_related("step__responsible_organisation", "responsible")
        .order_by("step__order")
        .first()
    )
    organisation = None
    if case_step is not None:
        organisation = case_step.responsible or default_responsible(case_step.step, case)
    _deadline_from_rule(
        case_id=case.pk,
        rule=rule,
        start=start,
        organisation_id=organisation.pk if organisation else case.owner_id,
        owner_id=None,
        case_step=case_step,
        created_by_id=membership.user_id,
    )


def _complete_step(*, case: Case, kind: DecisionKind, decision: CaseDecision, membership: Membership) -> None:
    """The step the decision ends (UDI's decision ends "support while the application is pending"), if it runs."""
    if not kind.completes_step:
        return
    case_step = (
        CaseStep.objects.filter(case=case, step__code=kind.completes_step, status=CaseStep.Status.ACTIVE)
        .select_related("step")
        .first()
    )
    if case_step is None:
        return
    at = decision_start(decision.decided_on)
    if case_step.started_at and at < case_step.started_at:
        at = case_step.started_at  # decided before the step started in Vern: it ends as it starts
    complete_step(case=case, membership=membership, case_step=case_step, at=at)


def decisions_of(case: Case) -> list[CaseDecision]:
    """Every record, current and superseded, with who recorded it."""
    return list(
        CaseDecision.objects.filter(case=case)
        .select_related("kind__deadline_rule", "organisation", "recorded_by")
        .order_by("kind__order", "-recorded_at")
    )
