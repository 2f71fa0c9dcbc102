"""Deadlines in a case: set them from their rules, complete them; the board reads them."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from cases.access import CaseAccess, visible_cases
from cases.models import CaseEvent
from cases.services import add_event
from chain import rules
from chain.models import Deadline, DeadlineRule
from organisations.models import Membership


@transaction.atomic
def set_deadline(*, access: CaseAccess, membership: Membership, rule: DeadlineRule, start: datetime) -> Deadline:
    deadline = Deadline.objects.create(
        case=access.case,
        rule=rule,
        organisation_id=membership.organisation_id,
        owner_id=membership.user_id,
        starts_at=start,
        due_at=rules.due_at(unit=rule.unit, amount=rule.amount, start=start),
        created_by_id=membership.user_id,
    )
    add_event(case=access.case, kind=CaseEvent.Kind.DEADLINE_SET, membership=membership, note=rule.code)
    return deadline


@transaction.atomic
def complete_deadline(*, deadline: Deadline, membership: Membership) -> None:
    if deadline.done_at is None:
        deadline.done_at = timezone.now()
        deadline.save(update_fields=["done_at"])


@dataclass(frozen=True)
class Board:
    overdue: list[Deadline]
    today: list[Deadline]
    this_week: list[Deadline]


def board(*, membership: Membership, mine: bool, now: datetime | None = None) -> Board:
    """Open deadlines of the member's organisation (or their own), on cases they can see."""
    now = timezone.localtime(now or timezone.now())
    end_of_today = timezone.make_aware(datetime.combine(now.date() + timedelta(days=1), datetime.min.time()))
    end_of_week = end_of_today + timedelta(days=6 - now.weekday())
    deadlines: QuerySet[Deadline] = Deadline.objects.filter(
        organisation_id=membership.organisation_id,
        done_at__isnull=True,
        due_at__lt=end_of_week,
        case__in=visible_cases(membership),
    ).select_related("case", "rule", "owner")
    if mine:
        deadlines = deadlines.filter(owner_id=membership.user_id)
    rows = list(deadlines.order_by("due_at"))
    return Board(
        overdue=[d for d in rows if d.due_at < now],
        today=[d for d in rows if now <= d.due_at < end_of_today],
        this_week=[d for d in rows if end_of_today <= d.due_at],
    )
