"""The reminder run: what `manage.py send_reminders` does, also as a Django task.

Run it every few minutes (cron or a systemd timer; see the README). Each step is
idempotent and safe to run while another run is under way, so overlapping runs
and restarts after a crash neither double nor lose a reminder.
"""

from datetime import datetime

from django.tasks import task
from django.utils import timezone

from notifications.services import collect_deadline_reminders, send_pending_emails
from placements.services import check_missing_children


def run_reminders(now: datetime | None = None) -> dict[str, int]:
    """Deadline reminders, missing-child checks, then e-mail for every pending notification.

    Returns what each step did.
    """
    now = now or timezone.now()
    return {
        "deadline_reminders": collect_deadline_reminders(now),
        "missing_child_alerts": check_missing_children(now),
        "emails_sent": send_pending_emails(),
    }


@task
def send_reminders() -> dict[str, int]:
    """The same run for a Django Tasks backend with a worker and a scheduler, where one is configured."""
    return run_reminders()
