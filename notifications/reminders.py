"""The checks the reminder run makes before it sends e-mail, registered by the apps that own them.

notifications stands below the chain and the placements (docs/architecture.md) and must
not import them, so each registers its check from its AppConfig.ready: the chain its
deadline reminders, the placements their missing-child alerts. Checks run in the order
they were registered, which is the order of INSTALLED_APPS.
"""

from collections.abc import Callable
from datetime import datetime

# A check makes the notifications due at `now` and returns how many are new; it must be
# idempotent and safe to run beside another run of itself (notifications.services).
ReminderCheck = Callable[[datetime], int]

_checks: dict[str, ReminderCheck] = {}


def register_reminder_check(name: str, check: ReminderCheck) -> None:
    """Run `check` in every reminder run; `name` is what `send_reminders` prints its count under."""
    _checks[name] = check


def reminder_checks() -> list[tuple[str, ReminderCheck]]:
    return list(_checks.items())
