"""The reminder run: what `manage.py send_reminders` does, also as a Django task.

Run it every few minutes (cron or a systemd timer; see the README). Each step is
idempotent and safe to run while another run is under way, so overlapping runs
and restarts after a crash neither double nor lose a reminder.
"""

from datetime import datetime

from django.tasks import task
from django.utils import timezone

from notifications.reminders import reminder_checks
from notifications.services import send_pending_emails


def run_reminders(now: datetime | None = None) -> dict[str, int]:
    """Every registered reminder check (deadline reminders, missing-child checks), then e-mail for
    every pending notification.

    Returns what each step did.
    """
    now = now or timezone.now()
    done = {name: check(now) for name, check in reminder_checks()}
    done["emails_sent"] = send_pending_emails()
    return done


@task
def send_reminders() -> dict[str, int]:
    """The same run for a Django Tasks backend with a worker and a scheduler, where one is configured."""
    return run_reminders()
