"""Notifications and reminders: made once, e-mailed exactly once — across reruns, crashes and concurrent runs."""

import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from io import StringIO
from smtplib import SMTPException
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from cases import services as case_services
from cases.access import get_case_for
from cases.models import Case, CaseAssignment, FieldGroup
from chain.models import Deadline
from chain.reminders import OVERDUE_LOOKBACK, collect_deadline_reminders
from notifications import services
from notifications.models import Notification
from notifications.services import send_pending_emails
from notifications.tasks import run_reminders, send_reminders
from organisations.models import Membership, Organisation
from tests.conftest import Cast
from tests.factories import CaseFactory, MembershipFactory
from tests.helpers import client_acting_in
from tests.personal_data import PERSON_VALUES

OSLO = ZoneInfo("Europe/Oslo")
Kind = Notification.Kind
Status = Notification.EmailStatus


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OSLO)


def member(user: Any, organisation: Organisation) -> Membership:
    return Membership.objects.select_related("user", "organisation").get(user=user, organisation=organisation)


def new_case(owner: Membership, municipality: Any) -> Case:
    return case_services.create_case(membership=owner, municipality=municipality)


def deadline(case: Case, organisation: Organisation, due_at: datetime, *, owner: Any = None) -> Deadline:
    return Deadline.objects.create(
        case=case, title="Svar til UDI", organisation=organisation, owner=owner, starts_at=due_at, due_at=due_at
    )


def sent_message_ids() -> Counter[str]:
    return Counter(message.extra_headers["Message-ID"] for message in mail.outbox)


# --- Making reminders ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_reminds_the_owner_of_a_deadline_due_within_24_hours(cast: Cast) -> None:
    worker = member(cast.ngo_worker, cast.ngo)
    case = new_case(worker, cast.oslo)
    now = timezone.now()
    deadline(case, cast.ngo, now + timedelta(hours=3), owner=cast.ngo_worker)
    deadline(case, cast.ngo, now + timedelta(hours=25), owner=cast.ngo_worker)  # not yet

    assert collect_deadline_reminders(now) == 1
    notification = Notification.objects.get()
    assert (notification.recipient, notification.organisation, notification.kind) == (
        cast.ngo_worker,
        cast.ngo,
        Kind.DEADLINE_DUE_SOON,
    )
    assert notification.link_path == f"/cases/{case.code}/"


@pytest.mark.django_db
def test_collecting_twice_creates_nothing_new(cast: Cast) -> None:
    worker = member(cast.ngo_worker, cast.ngo)
    now = timezone.now()
    for hours in (-5, 2, 20):
        deadline(new_case(worker, cast.oslo), cast.ngo, now + timedelta(hours=hours), owner=cast.ngo_worker)

    assert collect_deadline_reminders(now) == 3
    assert collect_deadline_reminders(now) == 0
    assert collect_deadline_reminders(now + timedelta(minutes=5)) == 0
    assert Notification.objects.count() == 3


@pytest.mark.django_db
def test_a_deadline_due_soon_and_then_overdue_gets_one_reminder_of_each_kind(cast: Cast) -> None:
    worker = member(cast.ngo_worker, cast.ngo)
    now = timezone.now()
    deadline(new_case(worker, cast.oslo), cast.ngo, now + timedelta(hours=2), owner=cast.ngo_worker)
    collect_deadline_reminders(now)
    collect_deadline_reminders(now + timedelta(hours=3))
    collect_deadline_reminders(now + timedelta(hours=4))
    assert sorted(Notification.objects.values_list("kind", flat=True)) == [
        Kind.DEADLINE_DUE_SOON,
        Kind.DEADLINE_OVERDUE,
    ]


@pytest.mark.django_db
def test_a_moved_deadline_is_reminded_of_again(cast: Cast) -> None:
    worker = member(cast.ngo_worker, cast.ngo)
    now = timezone.now()
    moved = deadline(new_case(worker, cast.oslo), cast.ngo, now + timedelta(hours=2), owner=cast.ngo_worker)
    collect_deadline_reminders(now)
    Deadline.objects.filter(pk=moved.pk).update(due_at=now + timedelta(hours=6))
    assert collect_deadline_reminders(now) == 1


@pytest.mark.django_db
def test_done_and_long_overdue_deadlines_are_not_reminded(cast: Cast) -> None:
    worker = member(cast.ngo_worker, cast.ngo)
    now = timezone.now()
    done = deadline(new_case(worker, cast.oslo), cast.ngo, now + timedelta(hours=2), owner=cast.ngo_worker)
    Deadline.objects.filter(pk=done.pk).update(done_at=now)
    deadline(new_case(worker, cast.oslo), cast.ngo, now - OVERDUE_LOOKBACK, owner=cast.ngo_worker)
    assert collect_deadline_reminders(now) == 0


@pytest.mark.django_db
def test_a_deadline_without_owner_goes_to_coordinators_admins_and_members_assigned_to_the_case(cast: Cast) -> None:
    worker = member(cast.ngo_worker, cast.ngo)
    case = new_case(worker, cast.oslo)  # the creator is assigned
    deadline(case, cast.ngo, timezone.now() + timedelta(hours=1))
    collect_deadline_reminders()
    recipients = set(Notification.objects.values_list("recipient", flat=True))
    assert recipients == {cast.ngo_admin.pk, cast.ngo_worker.pk}  # not the unassigned colleague


@pytest.mark.django_db
def test_an_owner_who_left_the_organisation_is_replaced_by_its_coordinators(cast: Cast) -> None:
    worker = member(cast.ngo_worker, cast.ngo)
    case = new_case(worker, cast.oslo)
    leaver = MembershipFactory.create(organisation=cast.bergen_org).user
    deadline(case, cast.ngo, timezone.now() + timedelta(hours=1), owner=leaver)
    collect_deadline_reminders()
    assert leaver.pk not in set(Notification.objects.values_list("recipient", flat=True))
    assert Notification.objects.filter(recipient=cast.ngo_admin).exists()


@pytest.mark.django_db
def test_it_never_reveals_a_case_to_an_organisation_that_cannot_see_it(cast: Cast) -> None:
    case = new_case(member(cast.ngo_worker, cast.ngo), cast.oslo)  # not shared with NAV
    deadline(case, cast.nav, timezone.now() + timedelta(hours=1))
    deadline(case, cast.nav, timezone.now() + timedelta(hours=1), owner=cast.nav_coordinator)
    assert collect_deadline_reminders() == 0


@pytest.mark.parametrize(
    ("due", "now", "kind"),
    [
        # Autumn: clocks go back at 03:00 on 25 October 2026, so a wall-clock day is 25 real hours.
        (at(2026, 10, 25, 10, 0), at(2026, 10, 24, 10, 30), None),  # 23.5 wall-clock hours, 24.5 real
        (at(2026, 10, 25, 10, 0), at(2026, 10, 24, 11, 30), Kind.DEADLINE_DUE_SOON),  # 23.5 real hours
        # Spring: clocks go forward at 02:00 on 29 March 2026, so a wall-clock day is 23 real hours.
        (at(2026, 3, 29, 10, 0), at(2026, 3, 28, 10, 30), Kind.DEADLINE_DUE_SOON),  # 23.5 wall-clock, 22.5 real
        (at(2026, 3, 29, 10, 0), at(2026, 3, 28, 9, 30), Kind.DEADLINE_DUE_SOON),  # 24.5 wall-clock, 23.5 real
        (at(2026, 3, 29, 10, 0), at(2026, 3, 28, 8, 30), None),  # 24.5 real hours
        (at(2026, 3, 29, 10, 0), at(2026, 3, 29, 10, 0), Kind.DEADLINE_OVERDUE),
    ],
)
@pytest.mark.django_db
def test_due_within_24_hours_counts_real_hours_across_dst(cast: Cast, due: datetime, now: datetime, kind: str) -> None:
    worker = member(cast.ngo_worker, cast.ngo)
    deadline(new_case(worker, cast.oslo), cast.ngo, due, owner=cast.ngo_worker)
    collect_deadline_reminders(now)
    assert list(Notification.objects.values_list("kind", flat=True)) == ([kind] if kind else [])


@pytest.mark.django_db
def test_notify_is_idempotent_per_event_and_recipient(cast: Cast) -> None:
    case = CaseFactory.create(owner=cast.ngo)
    arguments: dict[str, Any] = {
        "organisation_id": cast.ngo.pk,
        "kind": Kind.REFERRAL,
        "case": case,
        "link_path": "/cases/",
        "event_key": "referral:1",
    }
    assert services.notify(user_ids=[cast.ngo_admin.pk, cast.ngo_worker.pk, cast.ngo_admin.pk], **arguments) == 2
    assert services.notify(user_ids=[cast.ngo_admin.pk, cast.ngo_worker.pk], **arguments) == 0
    assert services.notify(user_ids=[cast.ngo_colleague.pk], **arguments) == 1


# --- Sending e-mail ----------------------------------------------------------------------------


def pending(cast: Cast, count: int) -> list[Notification]:
    """`count` notifications waiting for their e-mail, to members of the NGO."""
    case = CaseFactory.create(owner=cast.ngo)
    for number in range(count):
        services.notify(
            user_ids=[cast.ngo_worker.pk],
            organisation_id=cast.ngo.pk,
            kind=Kind.REFERRAL,
            case=case,
            link_path=f"/cases/{case.code}/",
            event_key=f"test:{number}",
        )
    return list(Notification.objects.order_by("pk"))


@pytest.mark.django_db
def test_it_sends_each_pending_email_once(cast: Cast) -> None:
    pending(cast, 3)
    assert send_pending_emails() == 3
    assert send_pending_emails() == 0
    assert len(mail.outbox) == 3
    assert set(Notification.objects.values_list("email_status", flat=True)) == {Status.SENT}
    assert all(message.to == [cast.ngo_worker.email] for message in mail.outbox)


@pytest.mark.django_db
def test_emails_carry_the_code_the_kind_and_a_link_and_no_personal_data(cast: Cast, settings: Any) -> None:
    settings.SITE_URL = "https://vern.kommune.invalid"
    worker = member(cast.ngo_worker, cast.ngo)
    case = new_case(worker, cast.oslo)
    identity = {"first_name": "Testa", "last_name": "Personsen", "birth_date": "1999-04-01"}
    case_services.save_field_group(
        access=get_case_for(worker, case.code),
        membership=worker,
        group=FieldGroup.IDENTITY,
        data=identity,
        expected_version=case.version,
    )
    deadline(case, cast.ngo, timezone.now() + timedelta(hours=2), owner=cast.ngo_worker)
    run_reminders()

    # The deadline's reminder (the NGO's admin is also told that its access log is due for review).
    [message] = [message for message in mail.outbox if message.to == [cast.ngo_worker.email]]
    text = f"{message.subject}\n{message.body}\n{message.message().as_string()}"
    assert case.code in message.subject
    assert f"https://vern.kommune.invalid/cases/{case.code}/" in message.body
    with translation.override("nb"):
        assert str(Kind.DEADLINE_DUE_SOON.label) in message.body  # e-mails are in bokmål, Vern's language
    assert not [value for value in PERSON_VALUES if value in text]
    assert cast.ngo_worker.first_name not in message.body  # not even the member's own name


@pytest.mark.django_db
def test_every_email_has_a_message_id_derived_from_its_dedupe_key(cast: Cast) -> None:
    notifications = pending(cast, 2)
    send_pending_emails()
    assert sorted(sent_message_ids()) == sorted(services.message_id(n.dedupe_key) for n in notifications)
    assert services.message_id("a") == services.message_id("a") != services.message_id("b")


@pytest.mark.django_db
def test_it_does_not_email_someone_who_left_the_organisation(cast: Cast) -> None:
    pending(cast, 1)
    Membership.objects.filter(user=cast.ngo_worker, organisation=cast.ngo).delete()
    assert send_pending_emails() == 0
    assert mail.outbox == []
    assert Notification.objects.get().email_status == Status.SKIPPED


class FlakyBackend(EmailBackend):
    """A mail server that accepts `accept` messages in all, then fails each one the way `failure` says.

    "error": raises SMTPException before accepting (the server refused);
    "crash": the process dies before the message reaches the server;
    "crash_after_accept": the process dies after the server accepted the message.
    """

    accept = 0
    failure = "error"
    delay = 0.0

    def send_messages(self, messages: Any) -> int:
        if self.delay:
            time.sleep(self.delay)
        cls = type(self)
        if cls.accept <= 0:
            if cls.failure == "error":
                raise SMTPException("451 try again later")
            if cls.failure == "crash_after_accept":
                super().send_messages(messages)
            raise ProcessDied
        cls.accept -= 1
        return super().send_messages(messages)


class ProcessDied(BaseException):
    """Like SIGKILL: nothing in Vern may catch it."""


@pytest.fixture
def flaky(settings: Any) -> type[FlakyBackend]:
    settings.MAILERS = {"default": {"BACKEND": "tests.test_notifications.FlakyBackend"}}
    FlakyBackend.accept, FlakyBackend.failure, FlakyBackend.delay = 0, "error", 0.0
    return FlakyBackend


@pytest.mark.django_db
def test_after_a_mail_server_failure_a_rerun_sends_each_remaining_mail_once(
    cast: Cast, flaky: type[FlakyBackend]
) -> None:
    notifications = pending(cast, 5)
    flaky.accept = 2
    assert send_pending_emails() == 2
    assert Notification.objects.filter(email_status=Status.PENDING, email_claim="").count() == 3

    flaky.accept = 100
    assert send_pending_emails() == 3
    assert sent_message_ids() == Counter({services.message_id(n.dedupe_key): 1 for n in notifications})


@pytest.mark.django_db
def test_after_a_crash_a_rerun_sends_each_remaining_mail_once_and_the_interrupted_one_after_the_lease(
    cast: Cast, flaky: type[FlakyBackend]
) -> None:
    notifications = pending(cast, 5)
    flaky.accept, flaky.failure = 2, "crash"
    with pytest.raises(ProcessDied):
        send_pending_emails()
    assert len(mail.outbox) == 2

    flaky.accept = 100
    assert send_pending_emails() == 2  # the interrupted one is still claimed by the dead process
    assert send_pending_emails(now=timezone.now() + services.EMAIL_CLAIM_LEASE + timedelta(seconds=1)) == 1
    assert send_pending_emails(now=timezone.now() + 2 * services.EMAIL_CLAIM_LEASE) == 0
    assert sent_message_ids() == Counter({services.message_id(n.dedupe_key): 1 for n in notifications})


@pytest.mark.django_db
def test_a_crash_after_the_server_accepted_a_mail_resends_it_with_the_same_message_id(
    cast: Cast, flaky: type[FlakyBackend]
) -> None:
    """The one window no database closes: the copy is recognisably the same message."""
    notifications = pending(cast, 3)
    flaky.accept, flaky.failure = 1, "crash_after_accept"
    with pytest.raises(ProcessDied):
        send_pending_emails()
    flaky.accept = 100
    send_pending_emails(now=timezone.now() + services.EMAIL_CLAIM_LEASE + timedelta(seconds=1))
    interrupted = services.message_id(notifications[1].dedupe_key)
    assert sent_message_ids() == Counter({services.message_id(n.dedupe_key): 1 for n in notifications}) + Counter(
        {interrupted: 1}
    )


@pytest.mark.django_db
def test_it_gives_up_after_the_last_attempt(cast: Cast, flaky: type[FlakyBackend]) -> None:
    pending(cast, 1)
    for _ in range(services.MAX_EMAIL_ATTEMPTS):
        send_pending_emails()
    notification = Notification.objects.get()
    assert (notification.email_status, notification.email_attempts) == (Status.FAILED, services.MAX_EMAIL_ATTEMPTS)
    flaky.accept = 100
    assert send_pending_emails() == 0


@pytest.mark.django_db
def test_a_failure_is_logged_without_the_address(cast: Cast, flaky: type[FlakyBackend], caplog: Any) -> None:
    pending(cast, 1)
    send_pending_emails()
    assert "SMTPException" in caplog.text
    assert cast.ngo_worker.email not in caplog.text


# --- Concurrent runs (transactional: each thread has its own database connection) --------------


def run_concurrently(count: int, work: Callable[[], object]) -> None:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            work()
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


@pytest.mark.django_db(transaction=True)
def test_two_reminder_runs_at_once_send_each_mail_exactly_once(cast: Cast, flaky: type[FlakyBackend]) -> None:
    flaky.accept, flaky.delay = 1000, 0.02  # slow enough for the two runs to interleave
    now = timezone.now()
    for hours in (-3, -1, 1, 5, 12, 23):
        case = CaseFactory.create(owner=cast.ngo, municipality=cast.oslo)
        CaseAssignment.objects.create(case=case, user=cast.ngo_worker, organisation=cast.ngo)
        deadline(case, cast.ngo, now + timedelta(hours=hours))

    run_concurrently(2, run_reminders)

    keys = list(Notification.objects.values_list("dedupe_key", flat=True))
    assert len(keys) == 12  # six deadlines × (admin + assigned worker)
    assert sent_message_ids() == Counter({services.message_id(key): 1 for key in keys})
    assert set(Notification.objects.values_list("email_status", flat=True)) == {Status.SENT}


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_after_a_crash_send_each_remaining_mail_exactly_once(
    cast: Cast, flaky: type[FlakyBackend]
) -> None:
    notifications = pending(cast, 8)
    flaky.accept, flaky.failure = 3, "crash"
    with pytest.raises(ProcessDied):
        send_pending_emails()
    flaky.accept, flaky.delay = 1000, 0.02
    later = timezone.now() + services.EMAIL_CLAIM_LEASE + timedelta(seconds=1)
    run_concurrently(2, lambda: send_pending_emails(now=later))
    assert sent_message_ids() == Counter({services.message_id(n.dedupe_key): 1 for n in notifications})


# --- The command and the task ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_runs_reminders_then_emails(cast: Cast) -> None:
    worker = member(cast.ngo_worker, cast.ngo)
    deadline(new_case(worker, cast.oslo), cast.ngo, timezone.now() + timedelta(hours=1), owner=cast.ngo_worker)
    out = StringIO()
    call_command("send_reminders", stdout=out)
    # The checks the apps above registered (chain, placements, log review), in INSTALLED_APPS order, then the e-mail.
    assert out.getvalue().splitlines() == [
        "deadline_reminders: 1",
        "missing_child_alerts: 0",
        "log_review_reminders: 0",
        "emails_sent: 1",
    ]
    call_command("send_reminders", stdout=out)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_task_runs_the_same_reminders(cast: Cast) -> None:
    worker = member(cast.ngo_worker, cast.ngo)
    deadline(new_case(worker, cast.oslo), cast.ngo, timezone.now() + timedelta(hours=1), owner=cast.ngo_worker)
    result = send_reminders.enqueue()
    assert result.return_value["emails_sent"] == 1


# --- The notifications page and the header -----------------------------------------------------


@pytest.mark.django_db
def test_the_page_lists_the_members_notifications_newest_first(cast: Cast) -> None:
    now = timezone.now()
    older, newer = (CaseFactory.create(owner=cast.ngo) for _ in range(2))
    for case, created in ((older, now - timedelta(hours=2)), (newer, now)):
        services.notify(
            user_ids=[cast.ngo_worker.pk],
            organisation_id=cast.ngo.pk,
            kind=Kind.DEADLINE_OVERDUE,
            case=case,
            link_path=f"/cases/{case.code}/",
            event_key=f"x:{case.pk}",
            now=created,
        )
    services.notify(
        user_ids=[cast.ngo_admin.pk],
        organisation_id=cast.ngo.pk,
        kind=Kind.DEADLINE_OVERDUE,
        case=CaseFactory.create(code="TST-2026-9999", owner=cast.ngo),
        link_path="/cases/",
        event_key="someone-else",
    )
    page = client_acting_in(cast.ngo_worker, cast.ngo).get(reverse("notifications:list")).text
    assert page.index(newer.code) < page.index(older.code)
    assert "TST-2026-9999" not in page
    assert 'data-count="2"' in page


@pytest.mark.django_db
def test_notifications_show_only_in_the_organisation_they_concern(cast: Cast) -> None:
    case = CaseFactory.create(owner=cast.tot)
    services.notify(
        user_ids=[cast.nav_worker.pk],
        organisation_id=cast.tot.pk,
        kind=Kind.REFERRAL,
        case=case,
        link_path="/",
        event_key="tot",
    )
    assert case.code in client_acting_in(cast.nav_worker, cast.tot).get(reverse("notifications:list")).text
    assert case.code not in client_acting_in(cast.nav_worker, cast.nav).get(reverse("notifications:list")).text


@pytest.mark.django_db
def test_a_member_marks_one_or_all_as_read_but_never_someone_elses(cast: Cast) -> None:
    notifications = pending(cast, 3)
    services.notify(
        user_ids=[cast.ngo_admin.pk],
        organisation_id=cast.ngo.pk,
        kind=Kind.REFERRAL,
        case=notifications[0].case,
        link_path="/",
        event_key="admin",
    )
    admins = Notification.objects.get(recipient=cast.ngo_admin)
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    url = reverse("notifications:mark_read")

    assert client.post(url, {"notification": notifications[0].pk}).status_code == 302
    assert client.post(url, {"notification": admins.pk}).status_code == 302
    assert client.post(url, {"notification": "nonsense"}).status_code == 302
    read = set(Notification.objects.filter(read_at__isnull=False).values_list("pk", flat=True))
    assert read == {notifications[0].pk}

    client.post(url)
    assert Notification.objects.filter(recipient=cast.ngo_worker, read_at__isnull=True).count() == 0
    assert Notification.objects.get(pk=admins.pk).read_at is None
    assert "data-count" not in client.get(reverse("home")).text


@pytest.mark.django_db
def test_the_page_and_the_header_cost_the_same_queries_for_3_and_30_notifications(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    url = reverse("notifications:list")
    client.get(url)
    counts = []
    for count in (3, 30):
        while (existing := Notification.objects.count()) < count:
            services.notify(
                user_ids=[cast.ngo_worker.pk],
                organisation_id=cast.ngo.pk,
                kind=Kind.REFERRAL,
                case=CaseFactory.create(owner=cast.ngo),
                link_path="/",
                event_key=f"grow:{existing}",
            )
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.text.count('data-testid="notification-referral"') == count
        counts.append(len(queries))
    assert counts[0] == counts[1]
