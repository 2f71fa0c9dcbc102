"""Placements, contact, absconding and missing-child alerts — each change on the case timeline.

Times are aware datetimes; durations ("24 hours without contact", "ran away 5
hours after the placement started") are elapsed hours, computed in UTC so that
they hold across DST changes.

Timeline events about a placement are shown to the case owner and the responsible
child welfare service (their audience); the police see the alert in their list.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.access import CaseAccess
from cases.models import Case, CaseEvent
from cases.services import add_event
from chain import rules
from chain.models import Deadline, DeadlineRule, StepEvent
from chain.services import complete_deadline, record_event, set_deadline
from notifications.models import Notification
from notifications.services import Concern, in_utc, members_of, members_to_notify, notify
from organisations.models import Membership, Municipality, Organisation
from placements.access import may_act, may_place
from placements.models import Absconding, MissingChildAlert, Placement, PlacementContact

PROTECTIVE_END_RULE = "protective-placement-end"
# A form's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)
ABSCONDED_SOON = timedelta(hours=24)
ABSCONDED_WITHIN_A_WEEK = timedelta(days=7)


def open_placement(case: Case) -> Placement | None:
    return case.placements.filter(ended_at__isnull=True).select_related("organisation").first()


def open_alert(placement: Placement) -> MissingChildAlert | None:
    return placement.alerts.filter(closed_at__isnull=True).select_related("police_organisation").first()


def _not_in_future(at: datetime, now: datetime) -> None:
    if in_utc(at) > in_utc(now) + CLOCK_SKEW:
        raise ValidationError(_("The time cannot be in the future."))


def _during(placement: Placement, at: datetime, now: datetime) -> None:
    _not_in_future(at, now)
    if in_utc(at) < in_utc(placement.started_at):
        raise ValidationError(_("The time is before the placement started."))


def _event(placement: Placement, kind: str, membership: Membership, note: str = "") -> None:
    add_event(case=placement.case, kind=kind, membership=membership, audience=placement.organisation, note=note)


def _acting_for(placement: Placement) -> Membership:
    """The responsible service itself, for what Vern records without a person acting (a raised alert)."""
    return Membership(organisation=placement.organisation)


def _require_actor(membership: Membership, access: CaseAccess, placement: Placement) -> None:
    if not may_act(membership, access, placement):
        raise ValidationError(_("Only the child welfare service responsible for the placement can do this."))


# --- Starting, renewing and ending ----------------------------------------------------------------


@transaction.atomic
def start_placement(
    *,
    access: CaseAccess,
    membership: Membership,
    kind: str,
    started_at: datetime,
    alert_after_hours: int,
    now: datetime | None = None,
) -> Placement:
    """Place the child; the member's child welfare service becomes responsible for the placement.

    A child is in one placement at a time: a new one ends the current one when it
    starts (the emergency placement becomes a protective one, or the child moves).
    A protective placement runs for the rule `protective-placement-end` and closes
    the child's whereabouts to all but this service (cases.access, rule 4).
    """
    now = now or timezone.now()
    case = access.case
    if not may_place(membership, access):
        raise ValidationError(_("Only a child welfare service that can open a child's case can place the child."))
    if kind not in Placement.Kind.values:
        raise ValidationError(_("Choose the kind of placement."))
    if alert_after_hours < 1:
        raise ValidationError(_("Alert after at least one hour without contact."))
    _not_in_future(started_at, now)
    Case.objects.select_for_update().filter(pk=case.pk).first()  # one placement started at a time per case
    current = open_placement(case)
    if current is not None:
        if open_alert(current) is not None:
            raise ValidationError(_("The child is missing: record whether the child was found before a new placement."))
        if in_utc(started_at) < in_utc(current.started_at):
            raise ValidationError(_("A new placement cannot start before the current one started."))
        _end(current, membership=membership, at=started_at)
    placement = Placement.objects.create(
        case=case,
        organisation=membership.organisation,
        kind=kind,
        started_at=started_at,
        alert_after_hours=alert_after_hours,
        started_by_id=membership.user_id,
    )
    _event(placement, CaseEvent.Kind.PLACEMENT_STARTED, membership, note=kind)
    if kind == Placement.Kind.PROTECTIVE:
        _start_protection(placement, access=access, membership=membership)
    # The chain's placement step (the Bergen model's emergency placement) is done when the child is placed.
    record_event(case=case, event=StepEvent.PLACEMENT_STARTED, membership=membership, at=started_at)
    return placement


def _start_protection(placement: Placement, *, access: CaseAccess, membership: Membership) -> None:
    rule = DeadlineRule.objects.get(code=PROTECTIVE_END_RULE)
    placement.ends_at = rules.due_at(unit=rule.unit, amount=rule.amount, start=placement.started_at)
    # The chain's step may already have set this deadline for the service: the placement takes it over.
    deadline = Deadline.objects.filter(
        case=placement.case, rule=rule, organisation=placement.organisation, done_at__isnull=True
    ).first()
    if deadline is None:
        deadline = set_deadline(access=access, membership=membership, rule=rule, start=placement.started_at)
    else:
        Deadline.objects.filter(pk=deadline.pk).update(starts_at=placement.started_at, due_at=placement.ends_at)
    placement.deadline = deadline
    placement.save(update_fields=["ends_at", "deadline"])
    Case.objects.filter(pk=placement.case_id).update(protective_placement_by=placement.organisation)


@transaction.atomic
def renew_placement(
    *, access: CaseAccess, membership: Membership, placement: Placement, now: datetime | None = None
) -> Placement:
    """Renew a protective placement by another period of its rule (6 weeks), counted from its current end."""
    now = now or timezone.now()
    _require_actor(membership, access, placement)
    if placement.kind != Placement.Kind.PROTECTIVE or placement.ended_at is not None or placement.ends_at is None:
        raise ValidationError(_("Only a protective placement that is running can be renewed."))
    if in_utc(placement.ends_at) < in_utc(now):
        raise ValidationError(_("The placement has run out; a new decision starts a new placement."))
    rule = DeadlineRule.objects.get(code=PROTECTIVE_END_RULE)
    placement.ends_at = rules.due_at(unit=rule.unit, amount=rule.amount, start=placement.ends_at)
    placement.renewals += 1
    placement.save(update_fields=["ends_at", "renewals"])
    if placement.deadline_id is not None:
        Deadline.objects.filter(pk=placement.deadline_id).update(due_at=placement.ends_at)
    _event(placement, CaseEvent.Kind.PLACEMENT_RENEWED, membership, note=str(placement.renewals))
    return placement


@transaction.atomic
def end_placement(
    *, access: CaseAccess, membership: Membership, placement: Placement, at: datetime, now: datetime | None = None
) -> Placement:
    _require_actor(membership, access, placement)
    if placement.ended_at is not None:
        raise ValidationError(_("The placement has already ended."))
    _during(placement, at, now or timezone.now())
    _end(placement, membership=membership, at=at)
    return placement


def _end(placement: Placement, *, membership: Membership, at: datetime) -> None:
    placement.ended_at = at
    placement.save(update_fields=["ended_at"])
    placement.alerts.filter(closed_at__isnull=True).update(
        closed_at=at, outcome=MissingChildAlert.Outcome.PLACEMENT_ENDED, closed_by_id=membership.user_id
    )
    if placement.deadline is not None and placement.deadline.done_at is None:  # the step's end may have closed it
        complete_deadline(deadline=placement.deadline, membership=membership, at=at)
    if placement.kind == Placement.Kind.PROTECTIVE:
        Case.objects.filter(pk=placement.case_id, protective_placement_by=placement.organisation_id).update(
            protective_placement_by=None
        )
    _event(placement, CaseEvent.Kind.PLACEMENT_ENDED, membership, note=placement.kind)


# --- Contact and absconding --------------------------------------------------------------------


@transaction.atomic
def record_contact(
    *,
    access: CaseAccess,
    membership: Membership,
    placement: Placement,
    at: datetime,
    contact_made: bool,
    whereabouts_known: bool,
    now: datetime | None = None,
) -> PlacementContact:
    """The service had contact with the child, or knew where the child was (where is kept in the contact group)."""
    _require_actor(membership, access, placement)
    if placement.ended_at is not None:
        raise ValidationError(_("The placement has ended."))
    if not (contact_made or whereabouts_known):
        raise ValidationError(_("Tick that there was contact, that you know where the child is, or both."))
    _during(placement, at, now or timezone.now())
    contact = PlacementContact.objects.create(
        placement=placement,
        at=at,
        contact_made=contact_made,
        whereabouts_known=whereabouts_known,
        recorded_by_id=membership.user_id,
    )
    _event(placement, CaseEvent.Kind.CONTACT_RECORDED, membership)
    return contact


@transaction.atomic
def record_absconding(
    *,
    access: CaseAccess,
    membership: Membership,
    placement: Placement,
    at: datetime,
    how: str,
    now: datetime | None = None,
) -> Absconding:
    """The child ran away or was taken: counted for statistics, and a missing-child alert at once."""
    now = now or timezone.now()
    _require_actor(membership, access, placement)
    if placement.ended_at is not None:
        raise ValidationError(_("The placement has ended."))
    if how not in Absconding.How.values:
        raise ValidationError(_("Choose whether the child ran away or was taken."))
    _during(placement, at, now)
    absconding = Absconding.objects.create(
        placement=placement,
        at=at,
        how=how,
        after_start=in_utc(at) - in_utc(placement.started_at),
        recorded_by_id=membership.user_id,
    )
    _event(placement, CaseEvent.Kind.ABSCONDED, membership, note=how)
    alert = open_alert(placement)
    if alert is None:
        _raise_alert(
            placement,
            reason=MissingChildAlert.Reason.ABSCONDED,
            missing_since=at,
            now=now,
            membership=membership,
            absconding=absconding,
        )
    else:  # already missing for lack of contact: now we know why
        alert.reason, alert.absconding = MissingChildAlert.Reason.ABSCONDED, absconding
        alert.save(update_fields=["reason", "absconding"])
    return absconding


# --- Missing-child alerts ----------------------------------------------------------------------


def check_missing_children(now: datetime | None = None) -> int:
    """Raise an alert for every child in a placement with no contact for longer than it allows; returns how many.

    Safe to run often and twice at once: each placement is re-checked under a row
    lock, and at most one alert is ever open per placement.
    """
    now = in_utc(now)
    candidates = (
        Placement.objects.filter(ended_at__isnull=True, started_at__lte=now)
        .exclude(Exists(MissingChildAlert.objects.filter(placement=OuterRef("pk"), closed_at__isnull=True)))
        .annotate(last_contact=Max("contacts__at"))
    )
    raised = 0
    for placement in candidates:
        last_seen = placement.last_contact or placement.started_at
        if now - in_utc(last_seen) > timedelta(hours=placement.alert_after_hours):
            raised += _raise_alert_if_still_missing(placement.pk, now=now)
    return raised


@transaction.atomic
def _raise_alert_if_still_missing(placement_id: int, *, now: datetime) -> int:
    placement = (
        Placement.objects.select_for_update()
        .select_related("case", "organisation")
        .filter(pk=placement_id, ended_at__isnull=True)
        .first()
    )
    if placement is None or open_alert(placement) is not None:
        return 0
    last_seen = placement.contacts.aggregate(at=Max("at"))["at"] or placement.started_at
    if now - in_utc(last_seen) <= timedelta(hours=placement.alert_after_hours):
        return 0
    alert = _raise_alert(
        placement,
        reason=MissingChildAlert.Reason.NO_CONTACT,
        missing_since=last_seen,
        now=now,
        membership=_acting_for(placement),
    )
    return int(alert is not None)


def _raise_alert(
    placement: Placement,
    *,
    reason: str,
    missing_since: datetime,
    now: datetime,
    membership: Membership,
    absconding: Absconding | None = None,
) -> MissingChildAlert | None:
    try:
        with transaction.atomic():
            alert = MissingChildAlert.objects.create(
                placement=placement, reason=reason, absconding=absconding, missing_since=missing_since, raised_at=now
            )
    except IntegrityError:  # another run raised it a moment ago
        return None
    _event(placement, CaseEvent.Kind.MISSING_ALERT_RAISED, membership, note=reason)
    case = placement.case
    [recipients] = members_to_notify([Concern(case=case, organisation_id=placement.organisation_id)])
    notify(
        user_ids=recipients,
        organisation_id=placement.organisation_id,
        kind=Notification.Kind.MISSING_CHILD,
        case=case,
        link_path=reverse("cases:detail", args=[case.code]),
        event_key=f"missing-child:{alert.pk}",
        now=now,
    )
    return alert


def police_for(municipality: Municipality) -> Organisation | None:
    """The police district of the municipality, if it uses Vern."""
    return (
        Organisation.objects.filter(kind=Organisation.Kind.POLICE_DISTRICT, is_active=True)
        .filter(Q(municipality=municipality) | Q(name=municipality.police_district))
        .order_by("pk")
        .first()
    )


@transaction.atomic
def notify_police(
    *, access: CaseAccess, membership: Membership, alert: MissingChildAlert, now: datetime | None = None
) -> MissingChildAlert:
    """The service has reported the missing child to the police; Vern tells the police district too, by code only."""
    now = now or timezone.now()
    placement = alert.placement
    _require_actor(membership, access, placement)
    if alert.closed_at is not None:
        raise ValidationError(_("The alert is closed."))
    if alert.police_notified_at is not None:
        raise ValidationError(_("The police have already been notified."))
    police = police_for(placement.case.municipality)
    alert.police_notified_at, alert.police_organisation, alert.police_notified_by_id = now, police, membership.user_id
    alert.save(update_fields=["police_notified_at", "police_organisation", "police_notified_by"])
    _event(placement, CaseEvent.Kind.POLICE_NOTIFIED, membership, note=police.name if police else "")
    if police is not None:
        _tell_police(alert, police, kind=Notification.Kind.POLICE_NOTIFIED, now=now)
    return alert


def _tell_police(alert: MissingChildAlert, police: Organisation, *, kind: str, now: datetime) -> None:
    notify(
        user_ids=members_of(police.pk),
        organisation_id=police.pk,
        kind=kind,
        case=alert.placement.case,
        link_path=reverse("placements:alerts"),
        event_key=f"{kind}:{alert.pk}",
        now=now,
    )


@transaction.atomic
def child_found(
    *,
    access: CaseAccess,
    membership: Membership,
    alert: MissingChildAlert,
    at: datetime,
    now: datetime | None = None,
) -> MissingChildAlert:
    """The child is found: the alert closes, the contact counts, and police told of the alert hear of it."""
    now = now or timezone.now()
    placement = alert.placement
    _require_actor(membership, access, placement)
    if alert.closed_at is not None:
        raise ValidationError(_("The alert is already closed."))
    _not_in_future(at, now)
    if in_utc(at) < in_utc(alert.missing_since):
        raise ValidationError(_("The child cannot be found before going missing."))
    alert.closed_at, alert.outcome, alert.closed_by_id = at, MissingChildAlert.Outcome.FOUND, membership.user_id
    alert.save(update_fields=["closed_at", "outcome", "closed_by"])
    PlacementContact.objects.create(
        placement=placement, at=at, contact_made=True, whereabouts_known=True, recorded_by_id=membership.user_id
    )
    _event(placement, CaseEvent.Kind.CHILD_FOUND, membership)
    if alert.police_organisation is not None:
        _tell_police(alert, alert.police_organisation, kind=Notification.Kind.CHILD_FOUND, now=now)
    return alert


# --- Statistics ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AbscondingYear:
    """Placements started in a year, and how soon after the start children ran away or were taken."""

    year: int
    placements: int
    absconded: int
    within_24_hours: int
    within_a_week: int


def absconding_statistics() -> list[AbscondingYear]:
    """Per year the placements started (Europe/Oslo): how many, and how many children absconded and how soon.

    Each placement counts once, by its first absconding; the counts hold codes of
    no one, so national statistics can publish them.
    """
    first = Absconding.objects.filter(placement=OuterRef("pk")).order_by("after_start").values("after_start")[:1]
    rows = (
        Placement.objects.annotate(year=ExtractYear("started_at"), first_absconding=Subquery(first))
        .values("year")
        .annotate(
            placements=Count("pk"),
            absconded=Count("pk", filter=Q(first_absconding__isnull=False)),
            within_24_hours=Count("pk", filter=Q(first_absconding__lte=ABSCONDED_SOON)),
            within_a_week=Count("pk", filter=Q(first_absconding__lte=ABSCONDED_WITHIN_A_WEEK)),
        )
        .order_by("year")
    )
    return [AbscondingYear(**row) for row in rows]
