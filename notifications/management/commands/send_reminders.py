from typing import Any

from django.core.management.base import BaseCommand

from notifications.tasks import run_reminders


class Command(BaseCommand):
    help = (
        "Make deadline reminders and missing-child alerts, then send pending notification e-mails, each exactly "
        "once. Safe to run every few minutes and to run twice at the same time."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for step, count in run_reminders().items():
            self.stdout.write(f"{step}: {count}")
