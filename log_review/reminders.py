"""The monthly reminder to review the access log: log_review's check in the reminder run (notifications)."""

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from audit.models import AccessEntry
from log_review.models import LogReview
from log_review.services import OSLO
from notifications.models import Notification
from notifications.services import create_new, dedupe_key, in_utc
from organisations.models import Membership

# Normen asks for regular review; Vern asks for it every month.
REVIEW_INTERVAL = timedelta(days=31)
REVIEWER_ROLES = (Membership.Role.DATA_PROTECTION_OFFICER, Membership.Role.ORG_ADMIN)


def _review_due(now: datetime) -> Q:
    """For rows with an `organisation_id`: its staff read cases in the last month and nobody reviewed its log."""
    since = now - REVIEW_INTERVAL
    reviewed = LogReview.objects.filter(organisation=OuterRef("organisation_id"), reviewed_at__gte=since)
    read = AccessEntry.objects.filter(organisation=OuterRef("organisation_id"), at__gte=since, case__isnull=False)
    return Q(Exists(read)) & ~Q(Exists(reviewed))


def review_is_due(membership: Membership, now: datetime | None = None) -> bool:
    """Whether the member reviews the log (`Membership.reviews_access_log`) and their organisation's is due."""
    return (
        membership.reviews_access_log
        and Membership.objects.filter(pk=membership.pk).filter(_review_due(in_utc(now))).exists()
    )


def remind_of_monthly_review(now: datetime | None = None) -> int:
    """Tell the data protection officers and admins of each organisation whose staff read cases in the last month
    and whose log nobody reviewed in it; once per calendar month (Norwegian time). Returns how many are new."""
    now = in_utc(now)
    month = now.astimezone(OSLO).strftime("%Y-%m")
    reviewers = Membership.objects.filter(role__in=REVIEWER_ROLES, organisation__is_active=True).filter(
        _review_due(now)
    )
    link_path = reverse("log_review:review")
    return create_new(
        [
            Notification(
                recipient_id=user_id,
                organisation_id=organisation_id,
                kind=Notification.Kind.LOG_REVIEW_DUE,
                case=None,
                link_path=link_path,
                dedupe_key=dedupe_key(f"log_review_due:{organisation_id}:{month}", user_id),
                created_at=now,
            )
            for user_id, organisation_id in reviewers.values_list("user_id", "organisation_id")
        ]
    )
