"""In-app notifications, the reminders of the apps above, and their e-mails — each sent exactly once.

Making notifications
    `notify` makes one notification per recipient for an event named by its
    `event_key`; the row's unique `dedupe_key` is the event key and the recipient,
    so calling it again — or from two jobs at once — makes nothing new.
    The reminder checks of the apps above (`notifications.reminders`: the chain's
    deadline reminders, the placements' missing-child alerts) make theirs the same
    way. Hours are elapsed hours, so "within 24 hours" means 24 real hours across a
    DST change too: do the arithmetic in UTC (`in_utc`), since Python adds a
    timedelta to an Europe/Oslo datetime on the wall clock.

Sending each e-mail exactly once
    SMTP and the database cannot commit together, so `send_pending_emails` builds
    "exactly once" from three steps per notification:

    1. Claim it in its own short transaction: a pending notification that nobody
       holds, or whose claim is older than EMAIL_CLAIM_LEASE, gets a fresh claim
       token. On PostgreSQL `select_for_update(skip_locked=True)` lets a second
       sender pass over the row the first is claiming; on SQLite the project's
       `transaction_mode` IMMEDIATE makes writers take turns. The claim itself is
       a conditional UPDATE, so two senders can never both win the same row.
    2. Send it, outside any transaction: a slow mail server holds no locks.
    3. Mark it sent in its own transaction, only while the claim is still ours.

    A send that raises releases the claim at once, and a later run tries again
    (at most MAX_EMAIL_ATTEMPTS times). A process that dies between claim and
    mark leaves its claim behind; once the lease — far longer than any SMTP
    timeout — has passed, the row can be claimed again, so a crash loses nothing.
    One window no database can close remains: a crash after the mail server
    accepted the message and before the mark was committed. The re-run sends that
    message again, so every message carries a Message-ID derived from its dedupe
    key: the second copy is the same message to the mail system, recognisable as
    a duplicate and dropped by servers and clients that de-duplicate on it.

E-mails carry the case's pseudonym code, the kind of message and a link; never
personal data. Logs name notifications by id only.
"""

import hashlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import models, transaction
from django.db.models import F, Q, QuerySet, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.access import ROLES_SEEING_ALL_CASES, visible_cases
from cases.models import Case, CaseAssignment
from notifications.models import Notification
from organisations.models import ROLES_WITHOUT_CASE_WORK, Membership

logger = logging.getLogger(__name__)

EMAIL_CLAIM_LEASE = timedelta(minutes=10)
MAX_EMAIL_ATTEMPTS = 5
_KEY_BATCH = 500


def in_utc(moment: datetime | None = None) -> datetime:
    """`moment` (default: now) in UTC, where adding hours adds elapsed hours."""
    return (moment or timezone.now()).astimezone(UTC)


def dedupe_key(event_key: str, user_id: int) -> str:
    return f"{event_key}:u{user_id}"


def notify(
    *,
    user_ids: Iterable[int],
    organisation_id: int,
    kind: str,
    case: Case | None,
    link_path: str,
    event_key: str,
    now: datetime | None = None,
) -> int:
    """Notify these members of `organisation_id` of one event, once each however often it is called.

    `event_key` names the event (e.g. "missing-child:42"); returns how many notifications are new.
    """
    created_at = now or timezone.now()
    rows = [
        Notification(
            recipient_id=user_id,
            organisation_id=organisation_id,
            kind=kind,
            case=case,
            link_path=link_path,
            dedupe_key=dedupe_key(event_key, user_id),
            created_at=created_at,
        )
        for user_id in dict.fromkeys(user_ids)
    ]
    return create_new(rows)


def create_new(rows: Sequence[Notification]) -> int:
    """Save the notifications whose dedupe key is not taken yet; returns how many are new."""
    keys = [row.dedupe_key for row in rows]
    existing: set[str] = set()
    for start in range(0, len(keys), _KEY_BATCH):
        batch = keys[start : start + _KEY_BATCH]
        existing.update(Notification.objects.filter(dedupe_key__in=batch).values_list("dedupe_key", flat=True))
    new = [row for row in rows if row.dedupe_key not in existing]
    # A job running at the same time may have made some of them since: the unique key keeps one.
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


# --- Who is told ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Concern:
    """Something in `case` that `organisation_id` must act on, perhaps owned by one of its members."""

    case: Case
    organisation_id: int
    owner_id: int | None = None


def members_to_notify(concerns: Sequence[Concern]) -> list[list[int]]:
    """The user ids to tell about each concern: three queries, and one per member told to check what they see.

    The owner, while still a member who can see the case; otherwise the organisation's
    coordinators and admins and its members assigned to the case. Only members who
    can see the case (cases.access) are told: a reminder must not reveal a case.
    """
    organisation_ids = {concern.organisation_id for concern in concerns}
    members: dict[int, list[Membership]] = defaultdict(list)
    for membership in (
        Membership.objects.filter(organisation_id__in=organisation_ids, user__is_active=True)
        .exclude(role__in=ROLES_WITHOUT_CASE_WORK)
        .select_related("organisation")
    ):
        members[membership.organisation_id].append(membership)
    assigned = set(
        CaseAssignment.objects.filter(
            case_id__in={concern.case.pk for concern in concerns}, organisation_id__in=organisation_ids
        ).values_list("case_id", "organisation_id", "user_id")
    )
    chosen = [_chosen(concern, members[concern.organisation_id], assigned) for concern in concerns]
    visible = _visible_case_ids(
        {(membership, concern.case.pk) for concern, group in zip(concerns, chosen, strict=True) for membership in group}
    )
    return [
        [membership.user_id for membership in group if (membership.pk, concern.case.pk) in visible]
        for concern, group in zip(concerns, chosen, strict=True)
    ]


def _chosen(concern: Concern, members: list[Membership], assigned: set[tuple[int, int, int]]) -> list[Membership]:
    def sees_case(membership: Membership) -> bool:
        return membership.role in ROLES_SEEING_ALL_CASES or (
            (concern.case.pk, membership.organisation_id, membership.user_id) in assigned
        )

    owner = next((m for m in members if m.user_id == concern.owner_id), None)
    if owner is not None and sees_case(owner):
        return [owner]
    return [membership for membership in members if sees_case(membership)]


def _visible_case_ids(pairs: set[tuple[Membership, int]]) -> set[tuple[int, int]]:
    """(membership id, case id) for the pairs where the member can see the case: one query per member."""
    cases_of: dict[Membership, set[int]] = defaultdict(set)
    for membership, case_id in pairs:
        cases_of[membership].add(case_id)
    return {
        (membership.pk, case_id)
        for membership, case_ids in cases_of.items()
        for case_id in visible_cases(membership).filter(pk__in=case_ids).values_list("pk", flat=True)
    }


def members_of(organisation_id: int) -> list[int]:
    """Every active member who works on cases: for an organisation told of a case it may not see (the police)."""
    return list(
        Membership.objects.filter(organisation_id=organisation_id, user__is_active=True)
        .exclude(role__in=ROLES_WITHOUT_CASE_WORK)
        .values_list("user_id", flat=True)
    )


# --- Reading ---------------------------------------------------------------------------------------


def notifications_of(membership: Membership) -> QuerySet[Notification]:
    """The member's notifications in the organisation they act in."""
    return Notification.objects.filter(recipient_id=membership.user_id, organisation_id=membership.organisation_id)


def mark_read(*, membership: Membership, notification_id: int | None = None, now: datetime | None = None) -> int:
    """Mark one of the member's notifications as read, or all of them; returns how many changed."""
    unread = notifications_of(membership).filter(read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=now or timezone.now())


# --- E-mail ----------------------------------------------------------------------------------------


def _claimable(now: datetime) -> QuerySet[Notification]:
    return Notification.objects.filter(
        Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=now - EMAIL_CLAIM_LEASE),
        email_status=Notification.EmailStatus.PENDING,
        email_attempts__lt=MAX_EMAIL_ATTEMPTS,
    )


def send_pending_emails(*, now: datetime | None = None) -> int:
    """Send the e-mail of every pending notification exactly once (see the module docstring); returns how many."""
    clock: Callable[[], datetime] = (lambda: in_utc(now)) if now is not None else in_utc
    _give_up_on_exhausted(clock())
    sent = 0
    failed_this_run: set[int] = set()
    while (claim := _claim_next(clock(), skip=failed_this_run)) is not None:
        notification, token = claim
        if not _recipient_still_member(notification):
            _finish(notification, token, Notification.EmailStatus.SKIPPED, clock())
            continue
        try:
            mailers.default.send_messages([_email(notification)])
        except Exception as error:  # any failure of the mail server: release the claim, try again later
            failed_this_run.add(notification.pk)
            _release(notification, token, error)
            continue
        _finish(notification, token, Notification.EmailStatus.SENT, clock())
        sent += 1
    return sent


def _claim_next(now: datetime, *, skip: set[int]) -> tuple[Notification, str] | None:
    token = uuid.uuid4().hex
    while True:
        with transaction.atomic():
            candidate = (
                _claimable(now)
                .exclude(pk__in=skip)
                .select_for_update(skip_locked=True)
                .order_by("pk")
                .only("pk")
                .first()
            )
            if candidate is None:
                return None
            won = (
                _claimable(now)
                .filter(pk=candidate.pk)
                .update(email_claim=token, email_claimed_at=now, email_attempts=F("email_attempts") + 1)
            )
        if won:
            return Notification.objects.select_related("recipient", "case").get(pk=candidate.pk), token


def _recipient_still_member(notification: Notification) -> bool:
    return (
        notification.recipient.is_active
        and Membership.objects.filter(
            user_id=notification.recipient_id, organisation_id=notification.organisation_id
        ).exists()
    )


def _finish(notification: Notification, token: str, status: str, now: datetime) -> None:
    """Record the outcome in its own transaction, only while the claim is still ours."""
    done = Notification.objects.filter(
        pk=notification.pk, email_claim=token, email_status=Notification.EmailStatus.PENDING
    ).update(email_status=status, email_sent_at=now if status == Notification.EmailStatus.SENT else None)
    if not done:
        logger.warning("Notification %s: the e-mail claim was lost before its outcome was recorded.", notification.pk)


def _release(notification: Notification, token: str, error: Exception) -> None:
    Notification.objects.filter(pk=notification.pk, email_claim=token).update(
        email_claim="",
        email_claimed_at=None,
        email_status=models.Case(
            When(email_attempts__gte=MAX_EMAIL_ATTEMPTS, then=Value(Notification.EmailStatus.FAILED)),
            default=Value(Notification.EmailStatus.PENDING),
        ),
    )
    # The exception's text may name the address; its type is enough to start looking.
    logger.warning(
        "Notification %s: sending the e-mail failed (%s, attempt %s of %s).",
        notification.pk,
        type(error).__name__,
        notification.email_attempts,
        MAX_EMAIL_ATTEMPTS,
    )


def _give_up_on_exhausted(now: datetime) -> None:
    """Claims that crashed on their last attempt: no more tries."""
    Notification.objects.filter(
        email_status=Notification.EmailStatus.PENDING,
        email_attempts__gte=MAX_EMAIL_ATTEMPTS,
        email_claimed_at__lt=now - EMAIL_CLAIM_LEASE,
    ).update(email_status=Notification.EmailStatus.FAILED)


def message_id(key: str) -> str:
    """The same Message-ID every time the same notification is sent, so a resend is a recognisable duplicate."""
    domain = urlsplit(settings.SITE_URL).hostname or "vern.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _email(notification: Notification) -> EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "kind": notification.get_kind_display(),
            "code": notification.case.code if notification.case else "",
            "link": absolute_url(notification.link_path),
        }
        if notification.case is None:
            subject = _("[Vern] %(kind)s") % values
            body = _("%(kind)s.\n\nOpen it in Vern: %(link)s") % values
        else:
            subject = _("[Vern] %(kind)s: %(code)s") % values
            body = (
                _(
                    "%(kind)s: %(code)s.\n\nOpen it in Vern: %(link)s\n\n"
                    "This e-mail names the case by its code only. Log in to Vern to see more."
                )
                % values
            )
    return EmailMessage(
        subject=subject,
        body=body,
        to=[notification.recipient.email],
        headers={"Message-ID": message_id(notification.dedupe_key)},
    )
