"""A case's way through its chain, and its deadlines.

A case follows the active template of its municipality and track from the day it
is created. Steps run one after another; the step in progress has an organisation
responsible for it — the one the template names, the case owner when it is of
the right kind, or the one that accepted a referral (referrals app). A step in
progress without one is where people fall through: the coordinators' overview
raises it at once (chain.overview).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cases.access import CaseAccess, visible_cases
from cases.models import Case, CaseAssignment, CaseEvent
from cases.services import add_event
from chain import rules
from chain.access import coordinator_memberships, holding_organisation, may_coordinate
from chain.models import CaseChain, CaseStep, ChainStep, ChainTemplate, Deadline, DeadlineRule, StepEvent
from notifications.models import Notification
from notifications.services import notify
from organisations.models import Membership, Organisation


def _deadline_from_rule(
    *,
    case_id: int,
    rule: DeadlineRule,
    start: datetime,
    organisation_id: int,
    owner_id: int | None,
    case_step: CaseStep | None,
    created_by_id: int,
    follows: Deadline | None = None,
) -> Deadline:
    """The one place a deadline is computed from its rule (chain.rules.due_at_for) and stored."""
    return Deadline.objects.create(
        case_id=case_id,
        rule=rule,
        case_step=case_step,
        organisation_id=organisation_id,
        owner_id=owner_id,
        starts_at=start,
        due_at=rules.due_at_for(rule, start),
        created_by_id=created_by_id,
        follows=follows,
    )


@transaction.atomic
def set_deadline(*, access: CaseAccess, membership: Membership, rule: DeadlineRule, start: datetime) -> Deadline:
    """A deadline set by hand: the member's own, in the member's organisation."""
    deadline = _deadline_from_rule(
        case_id=access.case.pk,
        rule=rule,
        start=start,
        organisation_id=membership.organisation_id,
        owner_id=membership.user_id,
        case_step=None,
        created_by_id=membership.user_id,
    )
    add_event(case=access.case, kind=CaseEvent.Kind.DEADLINE_SET, membership=membership, note=rule.code)
    return deadline


# A confirmation given a few minutes "in the future" is a clock a little ahead, not a mistake.
CLOCK_SLACK = timedelta(minutes=5)


def already_done(deadline: Deadline) -> ValidationError:
    """The refusal for a deadline someone already marked done (a double submit, a second tab)."""
    done = Deadline.objects.select_related("done_by").get(pk=deadline.pk)
    message = _("This deadline was already marked done %(when)s by %(who)s. Nothing was changed.") % {
        "when": date_format(timezone.localtime(done.done_at), "SHORT_DATETIME_FORMAT") if done.done_at else "",
        "who": str(done.done_by) if done.done_by else _("someone else"),
    }
    following = Deadline.objects.filter(follows=done).first()
    if following is not None:
        message += " " + _("The next cycle is already set, due %(due)s.") % {
            "due": date_format(timezone.localtime(following.due_at), "SHORT_DATETIME_FORMAT")
        }
    return ValidationError(message, code="already_done")


def _check_confirmation(
    rule: DeadlineRule, deadline: Deadline, confirmed_by: str, confirmed_at: datetime | None
) -> None:
    """A rule that asks for a confirmation (the 14-day cycle) is done only with who confirmed it, and when."""
    if confirmed_by not in Deadline.ConfirmedBy.values:
        raise ValidationError(_("Choose who confirmed %(what)s.") % {"what": rule.confirms}, code="confirmed_by")
    if confirmed_at is None:
        raise ValidationError(_("Give the date it was confirmed."), code="confirmed_at")
    if confirmed_at > timezone.now() + CLOCK_SLACK:
        raise ValidationError(_("The confirmation cannot be in the future."), code="confirmed_at")
    if confirmed_at < deadline.starts_at:
        raise ValidationError(
            _("This cycle started %(start)s: a confirmation from before then does not count. Ask again.")
            % {"start": date_format(timezone.localtime(deadline.starts_at), "SHORT_DATETIME_FORMAT")},
            code="confirmed_at",
        )


@transaction.atomic
def complete_deadline(
    *,
    deadline: Deadline,
    membership: Membership,
    at: datetime | None = None,
    confirmed_by: str = "",
    confirmed_at: datetime | None = None,
) -> Deadline | None:
    """Mark a deadline done; a repeating one (the 14-day cycle) starts again while its step runs.

    A rule that asks for a confirmation (the 14-day cycle: the application is still pending,
    sosialtjenesteloven § 18) records who confirmed it and when. The next cycle counts from this one's
    due date (chain.rules.next_cycle_start), never from the moment of the click. A deadline already done
    (a double submit, a second tab) is refused with who did it: the conditional update lets exactly one
    of two concurrent confirmations through, so there is never a second next cycle.

    Returns the next deadline of a repeating rule, if one was set.
    """
    rule = deadline.rule
    if deadline.done_at is not None:
        raise already_done(deadline)
    if rule is not None and rule.confirms_en:
        _check_confirmation(rule, deadline, confirmed_by, confirmed_at)
    else:
        confirmed_by, confirmed_at = "", None
    done_at = at or timezone.now()
    updated = Deadline.objects.filter(pk=deadline.pk, done_at__isnull=True).update(
        done_at=done_at, done_by_id=membership.user_id, confirmed_by=confirmed_by, confirmed_at=confirmed_at
    )
    if not updated:
        raise already_done(deadline)
    deadline.done_at, deadline.done_by_id = done_at, membership.user_id
    deadline.confirmed_by, deadline.confirmed_at = confirmed_by, confirmed_at
    step = deadline.case_step
    if rule is None or not rule.repeats or step is None or step.status != CaseStep.Status.ACTIVE:
        return None
    following = _deadline_from_rule(
        case_id=deadline.case_id,
        rule=rule,
        start=rules.next_cycle_start(rule, deadline.starts_at),
        organisation_id=deadline.organisation_id,
        owner_id=deadline.owner_id,
        case_step=step,
        created_by_id=membership.user_id,
        follows=deadline,
    )
    # Codes only on the timeline: the rule, and who confirmed that the application is still pending.
    note = f"{rule.code}: {confirmed_by}" if confirmed_by else rule.code
    add_event(case=following.case, kind=CaseEvent.Kind.DEADLINE_SET, membership=membership, note=note)
    return following


# The board looks at least four weeks past the end of this week, so the next 14-day cycle is always on it.
LATER_DAYS = 28


@dataclass(frozen=True)
class Board:
    overdue: list[Deadline]
    today: list[Deadline]
    this_week: list[Deadline]
    later: list[Deadline]
    later_until: date


def board(*, membership: Membership, mine: bool, now: datetime | None = None) -> Board:
    """Open deadlines of the member's organisation (or their own), on cases they can see.

    Overdue, due today, due this week and later (four weeks past this week). Each row brings its rule (the
    legal reference), the previous cycle and who confirmed it, and the person responsible: the deadline's
    owner or, when it has none (a step's deadline), the organisation's members assigned to the case —
    in a fixed number of queries, however many deadlines there are.
    """
    now = timezone.localtime(now or timezone.now())
    end_of_today = timezone.make_aware(datetime.combine(now.date() + timedelta(days=1), datetime.min.time()))
    end_of_week = end_of_today + timedelta(days=6 - now.weekday())
    end_of_later = end_of_week + timedelta(days=LATER_DAYS)
    deadlines: QuerySet[Deadline] = Deadline.objects.filter(
        organisation_id=membership.organisation_id,
        done_at__isnull=True,
        due_at__lt=end_of_later,
        case__in=visible_cases(membership),
    ).select_related("case", "rule", "owner", "organisation", "case_step__step", "follows__done_by")
    assignees = CaseAssignment.objects.filter(organisation_id=membership.organisation_id).select_related("user")
    deadlines = deadlines.prefetch_related(Prefetch("case__assignments", queryset=assignees, to_attr="assignees"))
    if mine:
        assigned_to_me = CaseAssignment.objects.filter(
            case=OuterRef("case_id"), user_id=membership.user_id, organisation_id=membership.organisation_id
        )
        deadlines = deadlines.filter(Q(owner_id=membership.user_id) | (Q(owner__isnull=True) & Exists(assigned_to_me)))
    rows = list(deadlines.order_by("due_at", "pk"))
    return Board(
        overdue=[d for d in rows if d.due_at < now],
        today=[d for d in rows if now <= d.due_at < end_of_today],
        this_week=[d for d in rows if end_of_today <= d.due_at < end_of_week],
        later=[d for d in rows if end_of_week <= d.due_at],
        later_until=timezone.localtime(end_of_later - timedelta(days=1)).date(),
    )


def active_template(case: Case) -> ChainTemplate | None:
    return ChainTemplate.objects.filter(
        municipality_id=case.municipality_id, track=case.track, status=ChainTemplate.Status.ACTIVE
    ).first()


def candidates(step: ChainStep, case: Case) -> list[Organisation]:
    """The organisations a step can be given in this case: the one the template names, or the
    active organisations of the step's kind in the case's municipality."""
    if step.responsible_organisation is not None:
        return [step.responsible_organisation]
    return list(
        Organisation.objects.filter(
            municipality_id=case.municipality_id, kind=step.responsible_kind, is_active=True
        ).order_by("name", "pk")
    )


def default_responsible(step: ChainStep, case: Case) -> Organisation | None:
    """Who is responsible for a step without a referral: a named organisation, the owner if it takes the
    step, or the municipality's one organisation of the step's kind. With several, a coordinator chooses."""
    if step.responsible_organisation is not None:
        return step.responsible_organisation
    if step.takes(case.owner):
        return case.owner
    found = candidates(step, case)
    return found[0] if len(found) == 1 else None


@transaction.atomic
def start_chain(*, case: Case, membership: Membership, at: datetime | None = None) -> CaseChain | None:
    """Put a new case on its municipality's active chain for its track, at the first step.

    Returns None when the municipality has no active template for the track: the
    case is then shown as "no chain" to the coordinators.
    """
    template = active_template(case)
    if template is None:
        return None
    at = at or timezone.now()
    chain = CaseChain.objects.create(case=case, template=template, started_at=at)
    steps = list(template.steps.select_related("responsible_organisation", "deadline_rule").order_by("order"))
    CaseStep.objects.bulk_create([CaseStep(case=case, step=step) for step in steps])
    first = (
        CaseStep.objects.select_related("step__deadline_rule", "step__responsible_organisation").get(
            case=case, step=steps[0]
        )
        if steps
        else None
    )
    if first is not None:
        activate_step(case_step=first, membership=membership, at=at)
    return chain


def activate_step(*, case_step: CaseStep, membership: Membership, at: datetime) -> None:
    """Start a step at `at`: resolve who is responsible, and start its deadline from `at` either way."""
    case = case_step.case
    case_step.status = CaseStep.Status.ACTIVE
    case_step.started_at = at
    if case_step.responsible_id is None:  # one that accepted a referral in advance stays responsible
        case_step.responsible = default_responsible(case_step.step, case)
    case_step.save(update_fields=["status", "started_at", "responsible"])
    add_event(case=case, kind=CaseEvent.Kind.STEP_STARTED, membership=membership, note=case_step.step.code)
    _set_step_deadline(case_step=case_step, membership=membership, start=at)
    if case_step.responsible is None:
        _tell_coordinators(case_step)


def _deadline_holder(case_step: CaseStep) -> Organisation:
    """The responsible organisation; while there is none, the municipality's coordinator (else the owner)."""
    case = case_step.case
    return case_step.responsible or holding_organisation(case.municipality) or case.owner


def _set_step_deadline(*, case_step: CaseStep, membership: Membership, start: datetime) -> None:
    rule = case_step.step.deadline_rule
    if rule is None:
        return
    # A recorded decision may have started this rule already, from the day it was made (chain.decisions):
    # the step takes that deadline over rather than starting a second one from the click.
    started = Deadline.objects.filter(case_id=case_step.case_id, rule=rule, done_at__isnull=True).filter(
        Q(case_step=case_step) | Q(case_step__isnull=True)
    )
    if started.exists():
        started.update(case_step=case_step, organisation=_deadline_holder(case_step))
        return
    _deadline_from_rule(
        case_id=case_step.case_id,
        rule=rule,
        start=start,
        organisation_id=_deadline_holder(case_step).pk,
        owner_id=None,
        case_step=case_step,
        created_by_id=membership.user_id,
    )


def _tell_coordinators(case_step: CaseStep) -> None:
    """The municipality's coordinators are told that a step has started with no one responsible.

    The notification names the case by its code and links to the overview, which names
    the case only to those who may see it and otherwise its owner, whom to call.
    """
    case = case_step.case
    members: dict[int, list[int]] = {}
    for organisation_id, user_id in coordinator_memberships(case.municipality).values_list(
        "organisation_id", "user_id"
    ):
        members.setdefault(organisation_id, []).append(user_id)
    link = f"{reverse('chain:overview')}?municipality={case.municipality_id}"
    for organisation_id, user_ids in members.items():
        notify(
            user_ids=user_ids,
            organisation_id=organisation_id,
            kind=Notification.Kind.STEP_WITHOUT_RESPONSIBLE,
            case=case,
            link_path=link,
            event_key=f"step-without-responsible:{case_step.pk}",
        )


def may_act_on_step(*, access: CaseAccess, membership: Membership, case_step: CaseStep) -> bool:
    """The organisation responsible for a step, or the case owner, records that it is done."""
    if access.must_break_glass or access.follow_up:  # an organisation that handed the case over writes nothing
        return False
    return access.is_owner or case_step.responsible_id == membership.organisation_id


@transaction.atomic
def finish_step(
    *, access: CaseAccess, membership: Membership, case_step: CaseStep, at: datetime, skip: bool = False
) -> CaseStep | None:
    """Record a step as done (or skipped) at `at`, close its open deadlines and start the next step.

    Returns the step started next, or None at the end of the chain.
    """
    if case_step.status != CaseStep.Status.ACTIVE:
        raise ValidationError(_("This step is not in progress."))
    if not may_act_on_step(access=access, membership=membership, case_step=case_step):
        raise ValidationError(_("Only the responsible organisation or the case owner can finish this step."))
    return complete_step(case=access.case, membership=membership, case_step=case_step, at=at, skip=skip)


def complete_step(
    *, case: Case, membership: Membership, case_step: CaseStep, at: datetime, skip: bool = False
) -> CaseStep | None:
    """Finish an active step at `at` and start the next; the caller has checked who may (finish_step, or a case
    decision that completes the step, chain.decisions)."""
    if case_step.started_at and at < case_step.started_at:
        # Forms give times to the minute: the minute a step started is not "before" it.
        if case_step.started_at - at >= timedelta(minutes=1):
            raise ValidationError(_("A step cannot end before it started."))
        at = case_step.started_at
    if at > timezone.now() + timedelta(minutes=5):
        raise ValidationError(_("A step cannot be finished in the future."))
    return _complete_step(case=case, case_step=case_step, membership=membership, at=at, skip=skip)


def _complete_step(
    *, case: Case, case_step: CaseStep, membership: Membership, at: datetime, skip: bool = False
) -> CaseStep | None:
    case_step.status = CaseStep.Status.SKIPPED if skip else CaseStep.Status.DONE
    case_step.done_at = at
    case_step.save(update_fields=["status", "done_at"])
    case_step.deadlines.filter(done_at__isnull=True).update(done_at=at)
    add_event(case=case, kind=CaseEvent.Kind.STEP_COMPLETED, membership=membership, note=case_step.step.code)
    following = (
        case.steps.filter(status=CaseStep.Status.WAITING, step__order__gt=case_step.step.order)
        .select_related("step__deadline_rule", "step__responsible_organisation", "case__owner", "case__municipality")
        .order_by("step__order")
        .first()
    )
    if following is not None:
        activate_step(case_step=following, membership=membership, at=at)
    return following


@transaction.atomic
def record_event(
    *, case: Case, event: str, membership: Membership, at: datetime, case_step: CaseStep | None = None
) -> CaseStep | None:
    """An event in an app above (a placement started, a referral accepted, a meeting held) happened at `at`.

    If the step in progress is completed by that event (ChainStep.completed_by_event) — and, when
    `case_step` is given, is that step — it is done at `at` (not before it started) by `membership`'s
    organisation, and the next step starts. The caller has checked that the member may do what it records.
    Returns the step that was completed, or None.
    """
    if event not in StepEvent.values:
        raise ValueError(f"unknown step event {event!r}")
    active = (
        CaseStep.objects.select_for_update(of=("self",))
        .select_related("step")
        .filter(case=case, status=CaseStep.Status.ACTIVE)
        .order_by("step__order")
        .first()
    )
    if active is None or active.step.completed_by_event != event:
        return None
    if case_step is not None and active.pk != case_step.pk:
        return None
    if CaseChain.objects.filter(case=case, ended_at__isnull=False).exists():
        return None
    if active.started_at is not None and at < active.started_at:
        at = active.started_at  # a placement made before the step began still completes it, as it begins
    _complete_step(case=case, case_step=active, membership=membership, at=at)
    return active


@transaction.atomic
def assign_responsibility(*, case_step: CaseStep, organisation: Organisation, membership: Membership) -> None:
    """Responsibility for a step moves to `organisation` (which must take that kind of step).

    The step's open deadline, held by the coordinator while no one was responsible, moves with it:
    it keeps running from the event that started the step.
    """
    if not case_step.step.takes(organisation):
        raise ValidationError(
            _("%(organisation)s does not take the step “%(step)s”.")
            % {"organisation": organisation.name, "step": case_step.step.title}
        )
    case_step.responsible = organisation
    case_step.save(update_fields=["responsible"])
    add_event(
        case=case_step.case,
        kind=CaseEvent.Kind.RESPONSIBILITY_ASSIGNED,
        membership=membership,
        note=f"{case_step.step.code}: {organisation.name}",
    )
    if case_step.status != CaseStep.Status.ACTIVE:
        return
    open_deadlines = case_step.deadlines.filter(done_at__isnull=True)
    if open_deadlines.exists():
        open_deadlines.update(organisation=organisation, owner=None)
    else:
        _set_step_deadline(case_step=case_step, membership=membership, start=case_step.started_at or timezone.now())


@transaction.atomic
def choose_responsible(*, case_step: CaseStep, organisation: Organisation, membership: Membership) -> None:
    """A coordinator of the case's municipality gives a step no one has taken to one of its candidates."""
    locked = (
        CaseStep.objects.select_for_update(of=("self",))
        .select_related("case__municipality", "case__owner", "step__responsible_organisation", "step__deadline_rule")
        .get(pk=case_step.pk)
    )
    case = locked.case
    if not may_coordinate(membership, case.municipality):
        raise PermissionDenied
    if locked.status != CaseStep.Status.ACTIVE:
        raise ValidationError(_("This step is not in progress."))
    if locked.responsible_id is not None:
        raise ValidationError(
            _("%(organisation)s has already taken the step “%(step)s”.")
            % {"organisation": locked.responsible.name, "step": locked.step.title}  # type: ignore[union-attr]
        )
    if organisation not in candidates(locked.step, case):
        step = locked.step
        if step.responsible_organisation is not None:
            message = _("The step “%(step)s” is for %(named)s only.") % {
                "step": step.title,
                "named": step.responsible_organisation.name,
            }
        elif organisation.kind != step.responsible_kind:
            message = _("%(organisation)s is not of the kind “%(kind)s” and cannot take the step “%(step)s”.") % {
                "organisation": organisation.name,
                "kind": step.get_responsible_kind_display(),
                "step": step.title,
            }
        else:
            message = _("%(organisation)s is not in %(municipality)s: choose one of the municipality’s own.") % {
                "organisation": organisation.name,
                "municipality": case.municipality.name,
            }
        raise ValidationError(message)
    assign_responsibility(case_step=locked, organisation=organisation, membership=membership)


def roles_in_track(case: Case) -> Q | None:
    """The organisations outside the municipality with a role in the case's track (`sharing.partners`): of a kind
    its municipality's active template makes responsible for a step, named by it, or responsible for a step of
    the case. None when the municipality has no active template for the track."""
    template = active_template(case)
    if template is None:
        return None
    steps = list(template.steps.values_list("responsible_kind", "responsible_organisation_id"))
    named = [organisation for _kind, organisation in steps if organisation is not None]
    responsible = case.steps.exclude(responsible=None).values_list("responsible_id", flat=True)
    return Q(kind__in={kind for kind, _organisation in steps if kind}) | Q(pk__in=named) | Q(pk__in=responsible)


def responsible_organisations(case: Case) -> QuerySet[Organisation]:
    """The organisations with a responsibility in the case: the owner and those responsible for a step."""
    return Organisation.objects.filter(
        pk__in=[case.owner_id, *case.steps.exclude(responsible=None).values_list("responsible_id", flat=True)]
    ).order_by("name")


@transaction.atomic
def end_case(*, access: CaseAccess, membership: Membership, reason: str, at: datetime | None = None) -> CaseChain:
    """The case has ended (judgment, return, investigation dropped, moved on…): steps still open are skipped.

    Only the owner ends a case; an evaluation meeting (meetings app) follows.
    """
    if not access.can_edit:
        raise ValidationError(_("Only the organisation that owns the case can end it."))
    if reason not in CaseChain.EndReason.values:
        raise ValidationError(_("Choose why the case ended."))
    chain = CaseChain.objects.select_for_update().filter(case=access.case).first()
    if chain is None:
        raise ValidationError(_("The case does not follow a chain."))
    if chain.ended_at is not None:
        raise ValidationError(_("The case has already ended."))
    at = at or timezone.now()
    chain.ended_at, chain.end_reason = at, reason
    chain.save(update_fields=["ended_at", "end_reason"])
    open_steps = access.case.steps.filter(status__in=[CaseStep.Status.WAITING, CaseStep.Status.ACTIVE])
    # Every open deadline lapses with the case: the steps' and the meetings' action items alike.
    Deadline.objects.filter(case=access.case, done_at__isnull=True).update(done_at=at)
    open_steps.filter(status=CaseStep.Status.ACTIVE).update(status=CaseStep.Status.SKIPPED, done_at=at)
    open_steps.update(status=CaseStep.Status.SKIPPED)
    add_event(case=access.case, kind=CaseEvent.Kind.CASE_ENDED, membership=membership, note=reason)
    return chain
