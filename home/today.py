""" "Min dag": what waits for the member now, from every app below, each item with one action.

Each item names its case by code only, and only a case the member may list (`cases.access.listed_cases`: a
protected case shows to those named for it alone); each source is read through its own app's access function,
in a fixed number of queries however much waits.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.access import listed_cases
from chain.access import coordinated_municipalities
from chain.models import CaseStep, Deadline
from chain.services import board
from log_review.reminders import review_is_due
from national_statistics.access import is_national_statistician
from national_statistics.models import Contribution, YearLinkage
from notifications.services import notifications_of
from organisations.models import Membership
from placements.access import alerts_for
from referrals.models import Referral
from referrals.services import incoming
from screening.access import notifications_for, screenings_of
from screening.models import ChildWelfareNotification, Screening

# A coordinator of every municipality (the national unit's) is shown the oldest, not all of them.
LISTED = 20


@dataclass(frozen=True)
class Item:
    kind: str  # names the source, for the page's test ids
    why: str
    action: str
    url: str
    case_code: str = ""
    due_at: datetime | None = None
    since: datetime | None = None


@dataclass
class Today:
    urgent: list[Item] = field(default_factory=list)
    due_today: list[Item] = field(default_factory=list)
    waiting: list[Item] = field(default_factory=list)
    unread_notifications: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.urgent or self.due_today or self.waiting)


def today_for(membership: Membership, now: datetime | None = None) -> Today:
    now = now or timezone.now()
    today = Today(unread_notifications=notifications_of(membership).filter(read_at__isnull=True).count())
    if is_national_statistician(membership):
        today.waiting = _statistics_work()
        return today
    if membership.reviews_access_log and review_is_due(membership, now):
        today.waiting.append(
            Item(
                "log-review",
                _("Nobody has reviewed who read your organisation's cases in the last month."),
                _("Review the access log"),
                reverse("log_review:review"),
            )
        )
    if not membership.works_on_cases:
        return today
    today.urgent += _missing_children(membership)
    deadlines = board(membership=membership, mine=False, now=now)
    today.urgent += _deadlines(membership, deadlines.overdue)
    today.due_today += _deadlines(membership, deadlines.today)
    today.waiting += _referrals(membership)
    today.waiting += _notifications_to_send(membership)
    today.waiting += _unassigned_steps(membership)
    today.waiting += _unfinished_screenings(membership)
    return today


def _listed(membership: Membership, case_ids: set[int]) -> set[int]:
    if not case_ids:
        return set()
    return set(listed_cases(membership).filter(pk__in=case_ids).values_list("pk", flat=True))


def _missing_children(membership: Membership) -> list[Item]:
    alerts = list(alerts_for(membership).select_related("placement__case").order_by("raised_at"))
    openable = _listed(membership, {alert.placement.case_id for alert in alerts})
    return [
        Item(
            "missing-child",
            _("A child placed by your service is missing."),
            _("Open the case") if alert.placement.case_id in openable else _("See the alert"),
            reverse("cases:detail", args=[alert.placement.case.code])
            if alert.placement.case_id in openable
            else reverse("placements:alerts"),
            case_code=alert.placement.case.code,
            since=alert.missing_since,
        )
        for alert in alerts
    ]


def _deadlines(membership: Membership, deadlines: list[Deadline]) -> list[Item]:
    listed = _listed(membership, {deadline.case_id for deadline in deadlines})
    return [
        Item(
            "deadline",
            deadline.label,
            _("Confirm") if deadline.rule and deadline.rule.confirms else _("Mark done"),
            reverse("chain:complete", args=[deadline.pk]),
            case_code=deadline.case.code,
            due_at=deadline.due_at,
        )
        for deadline in deadlines
        if deadline.case_id in listed
    ]


def _referrals(membership: Membership) -> list[Item]:
    pending = incoming(membership).filter(status=Referral.Status.PENDING).order_by("created_at")
    return [
        Item(
            "referral",
            (
                _("%(organisation)s hands the case over to you.")
                if referral.kind == Referral.Kind.HANDOVER
                else _("%(organisation)s refers the case to you.")
            )
            % {"organisation": referral.from_organisation.name},
            _("Accept or decline"),
            reverse("referrals:inbox"),
            case_code=referral.case.code,
            since=referral.created_at,
        )
        for referral in pending
    ]


def _notifications_to_send(membership: Membership) -> list[Item]:
    to_send = (
        notifications_for(membership)
        .filter(status=ChildWelfareNotification.Status.TO_NOTIFY, from_organisation_id=membership.organisation_id)
        .order_by("created_at")
    )
    return [
        Item(
            "notifications-to-send",
            _("Notify %(service)s of a child's situation.")
            % {"service": notification.to_organisation.name if notification.to_organisation else _("child welfare")},
            _("Notify and record it"),
            reverse("screening:detail", args=[notification.screening_id]),
            since=notification.created_at,
        )
        for notification in to_send
    ]


def _unassigned_steps(membership: Membership) -> list[Item]:
    municipalities = coordinated_municipalities(membership)
    if not municipalities:
        return []
    steps = (
        CaseStep.objects.filter(
            case__municipality__in=municipalities,
            status=CaseStep.Status.ACTIVE,
            responsible=None,
            case__in=listed_cases(membership),
        )
        .select_related("case", "step")
        .order_by("started_at")[:LISTED]
    )
    overview = reverse("chain:overview")
    return [
        Item(
            "unassigned-step",
            _("Nobody is responsible for the step “%(step)s”.") % {"step": case_step.step.title},
            _("Choose who is responsible"),
            f"{overview}?municipality={case_step.case.municipality_id}",
            case_code=case_step.case.code,
            since=case_step.started_at,
        )
        for case_step in steps
    ]


def _unfinished_screenings(membership: Membership) -> list[Item]:
    drafts = (
        screenings_of(membership)
        .filter(worker_id=membership.user_id, status=Screening.Status.DRAFT)
        .order_by("-updated_at")
    )
    return [
        Item(
            "screening",
            _("You have not finished this screening."),
            _("Continue the screening"),
            reverse("screening:detail", args=[screening.pk]),
            since=screening.updated_at,
        )
        for screening in drafts
    ]


def _statistics_work() -> list[Item]:
    """The years whose files came after their last linkage (or that were never linked): to link again."""
    added = dict(Contribution.objects.values("year").annotate(last=Max("created_at")).values_list("year", "last"))
    linked = dict(YearLinkage.objects.values_list("year", "linked_at"))
    report = reverse("national_statistics:report")
    stale = sorted(year for year, last in added.items() if year not in linked or linked[year] < last)
    return [
        Item(
            "statistics",
            _("Files were added for %(year)s after it was last linked.") % {"year": year},
            _("Link %(year)s again") % {"year": year},
            f"{report}?year={year}",
        )
        for year in stale
    ]
