"""What notifications does when an app below it signals an event (connected in NotificationsConfig.ready)."""

from typing import Any

from django.urls import reverse

from audit.models import AccessEntry
from cases.models import Case
from notifications.models import Notification
from notifications.services import notify
from organisations.models import LOG_REVIEWING_ROLES, Membership


def _log_reviewers_of(organisation_id: int) -> list[int]:
    """The organisation's admins and data protection officers: those who review its access log."""
    return list(
        Membership.objects.filter(
            organisation_id=organisation_id, role__in=LOG_REVIEWING_ROLES, user__is_active=True
        ).values_list("user_id", flat=True)
    )


def tell_admins_of_broken_glass(*, case: Case, membership: Membership, entry: AccessEntry, **_: Any) -> None:
    """Tell the log reviewers (admins, data protection officers) of the organisation that owns and protected the
    case, and those of the breaker's own.

    The owner protected the person and must be able to check every opening of the case; the breaker's
    organisation answers for its staff. Both get the case code and a link to their log review, which
    shows who broke the glass and why — never the reason or anything about the person in the message.
    """
    link = reverse("log_review:review")
    notify(
        user_ids=_log_reviewers_of(case.owner_id),
        organisation_id=case.owner_id,
        kind=Notification.Kind.GLASS_BROKEN_IN_OWN_CASE,
        case=case,
        link_path=link,
        event_key=f"glass:{entry.pk}:owner",
    )
    if membership.organisation_id != case.owner_id:
        notify(
            user_ids=_log_reviewers_of(membership.organisation_id),
            organisation_id=membership.organisation_id,
            kind=Notification.Kind.GLASS_BROKEN_BY_MEMBER,
            case=case,
            link_path=link,
            event_key=f"glass:{entry.pk}:breaker",
        )
