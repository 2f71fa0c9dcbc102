from functools import cache
from typing import Any

from django.http import HttpRequest

from notifications.services import notifications_of


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    """The member's unread count for the header: one COUNT query, run once and only when a page shows it.

    Templates call a callable value, so the count is computed on first use and cached for the rest.
    """
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}

    @cache
    def count() -> int:
        return notifications_of(membership).filter(read_at__isnull=True).count()

    return {"unread_notifications": count}
