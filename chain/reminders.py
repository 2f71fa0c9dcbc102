"""Deadline reminders: the chain's check in the reminder run (`notifications.reminders`)."""

from datetime import datetime, timedelta

from django.urls import reverse

from chain.models import Deadline
from notifications.models import Notification
from notifications.services import Concern, create_new, dedupe_key, in_utc, members_to_notify

DUE_SOON = timedelta(hours=24)
# Overdue deadlines older than this got their reminder long ago (or stand on the board); not looked at again.
OVERDUE_LOOKBACK = timedelta(days=7)


def collect_deadline_reminders(now: datetime | None = None) -> int:
    """Remind of open deadlines due within the next 24 hours, and of overdue ones; returns how many are new.

    Each deadline gets one reminder of each kind per due time: a deadline moved
    to a new time is reminded of again.
    """
    now = in_utc(now)
    deadlines = list(
        Deadline.objects.filter(
            done_at__isnull=True, due_at__gt=now - OVERDUE_LOOKBACK, due_at__lte=now + DUE_SOON
        ).select_related("case")
    )
    recipients = members_to_notify(
        [Concern(case=d.case, organisation_id=d.organisation_id, owner_id=d.owner_id) for d in deadlines]
    )
    rows: list[Notification] = []
    for deadline, user_ids in zip(deadlines, recipients, strict=True):
        kind = Notification.Kind.DEADLINE_OVERDUE if deadline.due_at <= now else Notification.Kind.DEADLINE_DUE_SOON
        event_key = f"{kind}:{deadline.pk}:{int(deadline.due_at.timestamp())}"
        link_path = reverse("cases:detail", args=[deadline.case.code])
        rows += [
            Notification(
                recipient_id=user_id,
                organisation_id=deadline.organisation_id,
                kind=kind,
                case=deadline.case,
                link_path=link_path,
                dedupe_key=dedupe_key(event_key, user_id),
                created_at=now,
            )
            for user_id in user_ids
        ]
    return create_new(rows)
