"""The rights tracker: which rights apply to a case, and whether each was offered and delivered."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AccessEntry
from audit.services import record_access
from cases.models import Case, CaseEvent
from cases.services import is_assigned
from organisations.models import Membership, Organisation
from rights.access import may_record_on_case, provided_right_ids
from rights.models import CaseRight, Right

Status = CaseRight.Status


def rights_for_track(track: str) -> QuerySet[Right]:
    # JSON containment is not available on SQLite; the catalogue is small.
    codes = [right.code for right in Right.objects.filter(is_active=True) if track in right.tracks]
    return Right.objects.filter(code__in=codes).order_by("order")


def ensure_case_rights(*, case: Case) -> None:
    """Every right of the case's track has a row (a track change adds the new track's rights)."""
    existing = set(case.rights.values_list("right_id", flat=True))
    CaseRight.objects.bulk_create(
        CaseRight(case=case, right=right) for right in rights_for_track(case.track) if right.pk not in existing
    )


def validate_dates(
    *,
    case: Case,
    right: Right,
    status: str,
    offered_on: date | None,
    delivered_on: date | None,
    declined_on: date | None,
) -> None:
    """A right is delivered or declined only after it was offered, and never in the future."""
    today = timezone.localdate()
    for day in (offered_on, delivered_on, declined_on):
        if day is not None and day > today:
            raise ValidationError(_("A date cannot be in the future."))
    if status in (Status.OFFERED, Status.DELIVERED, Status.DECLINED) and offered_on is None:
        raise ValidationError(_("Give the date the right was offered."))
    if status == Status.DELIVERED and (delivered_on is None or delivered_on < offered_on):  # type: ignore[operator]
        raise ValidationError(_("A right cannot be delivered before it was offered."))
    if status == Status.DECLINED:
        if case.track == Case.Track.CHILD and right.child_cannot_decline:
            raise ValidationError(_("A child cannot decline protection."))
        if declined_on is None or declined_on < offered_on:  # type: ignore[operator]
            raise ValidationError(_("A right cannot be declined before it was offered."))


@transaction.atomic
def update_case_right(
    *,
    case_right: CaseRight,
    membership: Membership,
    status: str,
    offered_on: date | None,
    delivered_on: date | None,
    declined_on: date | None,
    note: str,
) -> CaseRight:
    """Record whether a right was offered, delivered or declined, by the owner or the organisation providing it.

    Who wrote it goes on the timeline (a sharing organisation sees its own entries) and in the access log.
    """
    case = case_right.case
    if not may_record_on_case(case, membership, case_right.right):
        raise ValidationError(
            _("Only the organisation that owns the case or one that provides this right can record it.")
        )
    validate_dates(
        case=case_right.case,
        right=case_right.right,
        status=status,
        offered_on=offered_on,
        delivered_on=delivered_on,
        declined_on=declined_on,
    )
    case_right.status = status
    case_right.offered_on = offered_on if status != Status.NOT_OFFERED else None
    case_right.delivered_on = delivered_on if status == Status.DELIVERED else None
    case_right.declined_on = declined_on if status == Status.DECLINED else None
    case_right.note = note
    case_right.organisation_id = membership.organisation_id
    case_right.updated_by_id = membership.user_id
    case_right.save()
    is_owner = case.owner_id == membership.organisation_id
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.RIGHT_UPDATED,
        actor_id=membership.user_id,
        organisation_id=membership.organisation_id,
        # The owner sees every event; a provider sees the rights it recorded itself.
        audience=None if is_owner else membership.organisation,
        note=f"{case_right.right.code}: {status}",
    )
    record_access(
        user=membership.user,
        organisation=membership.organisation,
        case=case,
        field_groups=[],
        action=AccessEntry.Action.EDIT,
        reason=f"{case_right.right.code}: {status}",
        assigned=is_assigned(case, membership),
    )
    return case_right


@dataclass(frozen=True)
class Gap:
    case: Case
    missing: list[CaseRight]


def gaps(
    *, cases: QuerySet[Case], days: int, organisation: Organisation | None = None, today: date | None = None
) -> list[Gap]:
    """Cases older than `days` with a right neither delivered nor declined: where the system fails.

    With `organisation`: every right of the cases it owns, and of the cases shared with it the rights it
    provides (NAV sees the living support and housing still missing in the cases shared with it).
    """
    today = today or timezone.localdate()
    cutoff = timezone.make_aware(datetime.combine(today - timedelta(days=days), time.min))
    open_rights = CaseRight.objects.filter(case__in=cases.filter(created_at__lt=cutoff), right__is_active=True)
    if organisation is not None:
        open_rights = open_rights.filter(Q(case__owner=organisation) | Q(right_id__in=provided_right_ids(organisation)))
    open_rights = (
        open_rights.exclude(status__in=[Status.DELIVERED, Status.DECLINED])
        .select_related("case__owner", "right")
        .order_by("case__created_at", "right__order")
    )
    by_case: dict[int, Gap] = {}
    for case_right in open_rights:
        by_case.setdefault(case_right.case_id, Gap(case_right.case, [])).missing.append(case_right)
    return list(by_case.values())


@dataclass(frozen=True)
class DeliveryRow:
    right: Right
    total: int
    offered: int
    delivered: int
    declined: int

    @property
    def delivered_share(self) -> int:
        return round(100 * self.delivered / self.total) if self.total else 0


def delivery_summary(*, organisation: Organisation) -> list[DeliveryRow]:
    """Per right, across the organisation's own cases: how many were offered, delivered, declined."""
    counts = (
        CaseRight.objects.filter(case__owner=organisation, right__is_active=True)
        .values("right")
        .annotate(
            total=Count("id"),
            offered=Count("id", filter=Q(status__in=[Status.OFFERED, Status.DELIVERED, Status.DECLINED])),
            delivered=Count("id", filter=Q(status=Status.DELIVERED)),
            declined=Count("id", filter=Q(status=Status.DECLINED)),
        )
    )
    empty: dict[str, Any] = {"total": 0, "offered": 0, "delivered": 0, "declined": 0}
    by_right: dict[int, dict[str, Any]] = {row["right"]: dict(row) for row in counts}
    rows = []
    for right in Right.objects.filter(is_active=True).order_by("order"):
        row = by_right.get(right.pk, empty)
        rows.append(DeliveryRow(right, row["total"], row["offered"], row["delivered"], row["declined"]))
    return rows
