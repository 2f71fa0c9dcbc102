"""The data protection officer's log review: rules that follow the organisation's part in each case."""

import csv
import io
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from accounts.services import create_api_token
from audit.models import AccessEntry
from audit.services import record_access, record_search
from cases.models import Case, CaseEvent, FieldGroup, ProtectedCaseAccess
from log_review.models import LogReview, ReviewedFlag
from log_review.services import MANY_SEARCHES_PER_DAY, FlagKind, review_flags
from organisations.models import Membership, Organisation
from referrals.models import Referral
from tests.conftest import Cast
from tests.factories import CaseFactory, MembershipFactory
from tests.helpers import client_acting_in

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")
# A Monday in winter, mid-morning: inside the default working hours.
MONDAY_MORNING = datetime(2026, 1, 12, 10, 0, tzinfo=OSLO)
SINCE = datetime(2026, 1, 1, tzinfo=UTC)
UNTIL = datetime(2027, 1, 1, tzinfo=UTC)


# A reason in words (the log takes no other) that no duty calls for: what the review is there to catch.
IDLE_REASON = "Annet: ville bare se hvordan det går"


@pytest.fixture
def case(cast: Cast) -> Case:
    return CaseFactory.create(owner=cast.ngo, municipality=cast.ngo.municipality)


def log(
    case: Case,
    user: User,
    organisation: Organisation,
    *,
    at: datetime = MONDAY_MORNING,
    action: str = AccessEntry.Action.VIEW,
    reason: str = "",
    assigned: bool = True,
) -> AccessEntry:
    """A read that the review does not flag unless a test says otherwise."""
    return record_access(
        user=user,
        organisation=organisation,
        case=case,
        field_groups=(FieldGroup.IDENTITY,),
        action=action,
        reason=reason,
        assigned=assigned,
        at=at,
    )


def kinds(
    organisation: Organisation, *, since: datetime = SINCE, until: datetime = UNTIL
) -> list[tuple[str, str, int]]:
    """The organisation's flags as (kind, user's first name, count)."""
    flags = review_flags(organisation=organisation, since=since, until=until)
    return [(flag.kind, flag.user.first_name if flag.user else "", flag.count) for flag in flags]


def dpo_of(organisation: Organisation) -> User:
    return MembershipFactory.create(organisation=organisation, role=Membership.Role.DATA_PROTECTION_OFFICER).user


# --- The rules ----------------------------------------------------------------------------------


def test_it_flags_a_user_searching_by_identity_many_times_in_a_day(cast: Cast) -> None:
    """Issue 15, hole 1: guessing a date of birth takes dozens of searches; the rate limit slows it, this finds it."""
    for minute in range(MANY_SEARCHES_PER_DAY + 2):
        at = MONDAY_MORNING + timedelta(minutes=20 * minute)
        record_search(user=cast.ngo_worker, organisation=cast.ngo, hits=int(minute == 3), at=at)
    for minute in range(MANY_SEARCHES_PER_DAY):  # a busy day of looking up new contacts: not flagged
        record_search(user=cast.ngo_admin, organisation=cast.ngo, hits=1, at=MONDAY_MORNING + timedelta(minutes=minute))
    with translation.override("en"):
        [flag] = review_flags(organisation=cast.ngo, since=SINCE, until=UNTIL)
    assert (flag.kind, flag.user, flag.count) == (FlagKind.MANY_SEARCHES, cast.ngo_worker, MANY_SEARCHES_PER_DAY + 2)
    assert flag.detail == "12 searches by name or date of birth in a day, 11 of them found nothing"
    assert flag.case_codes == []
    page = client_acting_in(cast.ngo_admin, cast.ngo).get(
        reverse("log_review:review"), {"since": "2026-01-01", "until": "2026-01-31"}
    )
    assert "Mange søk på navn eller fødselsdato" in page.text


def test_entries_about_no_case_are_not_taken_for_reads_of_a_case(cast: Cast, case: Case) -> None:
    """Searches and API token events open no case: no rule about cases counts them (25 searches would be a burst of
    cases, and unassigned reads); only the searches' own rule looks at them."""
    worker = Membership.objects.select_related("organisation").get(user=cast.ngo_worker, organisation=cast.ngo)
    log(case, cast.ngo_worker, cast.ngo)
    for _search in range(MANY_SEARCHES_PER_DAY):
        record_search(user=cast.ngo_worker, organisation=cast.ngo, hits=0)
    create_api_token(membership=worker, name="Skript")
    assert kinds(cast.ngo, until=timezone.now() + timedelta(minutes=1)) == []


def test_it_flags_nothing_in_ordinary_work(cast: Cast, case: Case) -> None:
    for n in range(3):
        log(case, cast.ngo_worker, cast.ngo, at=MONDAY_MORNING + timedelta(minutes=n))
    assert kinds(cast.ngo) == []


def test_a_coordinator_or_admin_reading_the_organisations_own_cases_unassigned_is_not_flagged(
    cast: Cast, case: Case
) -> None:
    # The issue: 44 % of coordinators' and admins' legitimate reads were flagged "not assigned".
    log(case, cast.ngo_admin, cast.ngo, assigned=False)
    log(CaseFactory.create(owner=cast.nav), cast.nav_coordinator, cast.nav, assigned=False)
    assert kinds(cast.ngo) == kinds(cast.nav) == []


def test_it_flags_a_read_in_a_case_the_organisation_has_no_part_in(cast: Cast) -> None:
    navs = CaseFactory.create(owner=cast.nav, code="OSL-2026-0101")
    log(navs, cast.ngo_worker, cast.ngo, assigned=False)
    log(navs, cast.ngo_worker, cast.ngo, assigned=False, at=MONDAY_MORNING + timedelta(minutes=5))
    with translation.override("en"):
        [flag] = review_flags(organisation=cast.ngo, since=SINCE, until=UNTIL)
    assert (flag.kind, flag.user, flag.count, flag.case_codes) == (
        FlagKind.NO_RELATIONSHIP,
        cast.ngo_worker,
        2,
        ["OSL-2026-0101"],
    )


def test_a_referral_gives_the_organisation_a_part_in_the_case(cast: Cast) -> None:
    navs = CaseFactory.create(owner=cast.nav)
    Referral.objects.create(
        case=navs, from_organisation=cast.nav, to_organisation=cast.ngo, purpose="Bolig", field_groups=["identity"]
    )
    log(navs, cast.ngo_worker, cast.ngo, assigned=False)
    assert kinds(cast.ngo) == []


def test_it_flags_one_case_read_on_three_days_with_nothing_recorded(cast: Cast, case: Case) -> None:
    for day in range(3):
        log(case, cast.ngo_admin, cast.ngo, assigned=False, at=MONDAY_MORNING + timedelta(days=day))
    assert kinds(cast.ngo) == [(FlagKind.CURIOSITY, "Kari", 3)]


def test_two_days_of_reading_is_checking_back_not_curiosity(cast: Cast, case: Case) -> None:
    for day in range(2):
        log(case, cast.ngo_admin, cast.ngo, assigned=False, at=MONDAY_MORNING + timedelta(days=day))
    assert kinds(cast.ngo) == []


def test_work_recorded_by_the_organisation_makes_repeated_reading_ordinary(cast: Cast, case: Case) -> None:
    for day in range(4):
        log(case, cast.ngo_admin, cast.ngo, assigned=False, at=MONDAY_MORNING + timedelta(days=day))
    event = CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.PROGRESS_WRITTEN, organisation=cast.ngo)
    CaseEvent.objects.filter(pk=event.pk).update(at=MONDAY_MORNING + timedelta(days=1))
    assert kinds(cast.ngo) == []


def test_it_flags_reads_of_a_protected_case_by_someone_not_named(cast: Cast, case: Case) -> None:
    Case.objects.filter(pk=case.pk).update(is_protected=True)
    ProtectedCaseAccess.objects.create(case=case, user=cast.ngo_worker)
    log(case, cast.ngo_worker, cast.ngo)
    log(case, cast.ngo_colleague, cast.ngo)
    [(kind, _name, count)] = kinds(cast.ngo)
    assert (kind, count) == (FlagKind.PROTECTED, 1)


def test_it_flags_every_break_the_glass_with_its_reason(cast: Cast, case: Case) -> None:
    acute = "Akutt fare: politiet ba om kontakt"
    curious = IDLE_REASON
    log(case, cast.ngo_worker, cast.ngo, action="break_the_glass", reason=acute, assigned=False)
    log(case, cast.ngo_worker, cast.ngo, action="break_the_glass", reason=curious, assigned=False)
    flags = review_flags(organisation=cast.ngo, since=SINCE, until=UNTIL)
    assert [(flag.kind, flag.detail) for flag in flags] == [
        (FlagKind.BREAK_THE_GLASS, acute),
        (FlagKind.BREAK_THE_GLASS, curious),
    ]


def test_the_owner_reviews_the_broken_glass_of_anyone_in_its_cases(cast: Cast, case: Case) -> None:
    log(case, cast.nav_worker, cast.tot, action="break_the_glass", reason="Acute danger, the police called")
    assert [kind for kind, _name, _count in kinds(cast.ngo)] == [FlagKind.BREAK_THE_GLASS]
    assert [kind for kind, _name, _count in kinds(cast.tot)] == [FlagKind.BREAK_THE_GLASS]
    assert kinds(cast.nav) == []


def test_it_reviews_only_its_own_staff_otherwise(cast: Cast, case: Case) -> None:
    saturday = datetime(2026, 1, 17, 12, 0, tzinfo=OSLO)
    log(case, cast.nav_worker, cast.nav, at=saturday, assigned=False)
    log(CaseFactory.create(), cast.bergen_admin, cast.bergen_org, at=saturday)
    assert kinds(cast.ngo) == []


def test_it_flags_more_than_20_cases_within_an_hour_once(cast: Cast) -> None:
    for n, other in enumerate(CaseFactory.create_batch(60, owner=cast.ngo)):
        log(other, cast.ngo_worker, cast.ngo, at=MONDAY_MORNING + timedelta(minutes=2 * n))
    for n, other in enumerate(CaseFactory.create_batch(20, owner=cast.ngo)):
        log(other, cast.ngo_admin, cast.ngo, at=MONDAY_MORNING + timedelta(minutes=2 * n))
    with translation.override("en"):
        [flag] = review_flags(organisation=cast.ngo, since=SINCE, until=UNTIL)
    assert (flag.kind, flag.user, flag.count) == (FlagKind.MANY_CASES, cast.ngo_worker, 60)
    assert flag.detail == "60 different cases within 118 minutes"


def test_it_does_not_flag_many_cases_spread_over_more_than_an_hour(cast: Cast) -> None:
    for n, other in enumerate(CaseFactory.create_batch(21, owner=cast.ngo)):
        log(other, cast.ngo_worker, cast.ngo, at=MONDAY_MORNING + timedelta(minutes=3.5 * n))
    assert kinds(cast.ngo) == []


@pytest.mark.parametrize(
    ("local_time", "outside"),
    [
        (datetime(2026, 1, 12, 6, 59, tzinfo=OSLO), True),  # Monday, before seven
        (datetime(2026, 1, 12, 7, 0, tzinfo=OSLO), False),
        (datetime(2026, 1, 12, 17, 30, tzinfo=OSLO), False),  # winter: 16:30 UTC
        (datetime(2026, 1, 12, 18, 0, tzinfo=OSLO), True),
        (datetime(2026, 1, 17, 12, 0, tzinfo=OSLO), True),  # Saturday
        (datetime(2026, 3, 30, 7, 30, tzinfo=OSLO), False),  # 05:30 UTC: a fixed UTC+1 would say 06:30
        (datetime(2026, 3, 30, 18, 30, tzinfo=OSLO), True),  # 16:30 UTC, inside hours in winter
    ],
)
def test_the_default_working_hours_are_weekdays_seven_to_six_oslo_time(
    cast: Cast, case: Case, local_time: datetime, outside: bool
) -> None:
    log(case, cast.ngo_worker, cast.ngo, at=local_time)
    assert kinds(cast.ngo) == ([(FlagKind.OUTSIDE_HOURS, "Ola", 1)] if outside else [])


@pytest.mark.parametrize(
    ("local_time", "outside"),
    [
        (datetime(2026, 1, 12, 23, 0, tzinfo=OSLO), False),  # Monday night
        (datetime(2026, 1, 13, 3, 59, tzinfo=OSLO), False),  # the same shift, past midnight
        (datetime(2026, 1, 13, 4, 0, tzinfo=OSLO), True),
        (datetime(2026, 1, 12, 12, 0, tzinfo=OSLO), True),  # the office day is outside a night service's hours
        (datetime(2026, 1, 17, 1, 0, tzinfo=OSLO), False),  # Friday's shift, early Saturday
        (datetime(2026, 1, 17, 23, 0, tzinfo=OSLO), True),  # Saturday night: no weekends
    ],
)
def test_a_night_outreach_service_works_at_night(cast: Cast, case: Case, local_time: datetime, outside: bool) -> None:
    Organisation.objects.filter(pk=cast.ngo.pk).update(works_from=time(20, 0), works_until=time(4, 0))
    cast.ngo.refresh_from_db()
    log(case, cast.ngo_worker, cast.ngo, at=local_time)
    assert kinds(cast.ngo) == ([(FlagKind.OUTSIDE_HOURS, "Ola", 1)] if outside else [])


def test_around_the_clock_nothing_is_outside_working_hours(cast: Cast, case: Case) -> None:
    Organisation.objects.filter(pk=cast.ngo.pk).update(works_around_the_clock=True)
    cast.ngo.refresh_from_db()
    log(case, cast.ngo_worker, cast.ngo, at=datetime(2026, 1, 18, 3, 0, tzinfo=OSLO))
    assert kinds(cast.ngo) == []


def test_it_reviews_only_the_period_asked_for(cast: Cast, case: Case) -> None:
    saturday = datetime(2026, 1, 17, 12, 0, tzinfo=OSLO)
    log(case, cast.ngo_worker, cast.ngo, at=saturday)
    assert kinds(cast.ngo, since=saturday, until=saturday + timedelta(minutes=1)) == [
        (FlagKind.OUTSIDE_HOURS, "Ola", 1)
    ]
    assert kinds(cast.ngo, since=saturday + timedelta(seconds=1), until=saturday + timedelta(days=1)) == []


def test_it_reviews_in_a_fixed_number_of_queries(
    cast: Cast, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    def review_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            review_flags(organisation=cast.ngo, since=SINCE, until=UNTIL)
        return len(queries)

    saturday = datetime(2026, 1, 17, 12, 0, tzinfo=OSLO)
    log(CaseFactory.create(owner=cast.nav, is_protected=True), cast.ngo_worker, cast.ngo, at=saturday, assigned=False)
    few = review_queries()
    cases = CaseFactory.create_batch(25, owner=cast.ngo)
    Case.objects.filter(pk=cases[1].pk).update(is_protected=True)
    for n, other in enumerate(cases):
        for user in (cast.ngo_worker, cast.ngo_admin):
            log(other, user, cast.ngo, at=saturday + timedelta(minutes=n), assigned=n % 2 == 0)
    for day in range(3):
        log(cases[2], cast.ngo_admin, cast.ngo, at=MONDAY_MORNING + timedelta(days=day))
    log(CaseFactory.create(owner=cast.nav), cast.ngo_worker, cast.ngo, assigned=False)
    log(cases[0], cast.ngo_admin, cast.ngo, action="break_the_glass", reason="Acute danger, the police called")
    for minute in range(MANY_SEARCHES_PER_DAY + 1):
        record_search(user=cast.ngo_worker, organisation=cast.ngo, hits=0, at=saturday + timedelta(minutes=minute))
    with django_assert_max_num_queries(few):
        flags = review_flags(organisation=cast.ngo, since=SINCE, until=UNTIL)
    assert {flag.kind for flag in flags} == set(FlagKind)
    assert review_queries() == few


# --- The page -----------------------------------------------------------------------------------


def test_the_data_protection_officer_sees_the_flags_with_their_reads_and_case_codes(cast: Cast, case: Case) -> None:
    dpo = dpo_of(cast.ngo)
    log(case, cast.ngo_worker, cast.ngo, action="break_the_glass", reason=IDLE_REASON, assigned=False)
    response = client_acting_in(dpo, cast.ngo).get(
        reverse("log_review:review"), {"since": "2026-01-01", "until": "2026-12-31"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert case.code in page
    assert reverse("cases:who_has_seen", args=[case.code]) in page
    assert "<details>" in page


def test_a_caseworker_may_not_review_the_log(cast: Cast) -> None:
    assert client_acting_in(cast.ngo_worker, cast.ngo).get(reverse("log_review:review")).status_code == 403


def test_a_flag_is_marked_reviewed_with_a_note_and_outcome(cast: Cast, case: Case) -> None:
    dpo = dpo_of(cast.ngo)
    log(case, cast.ngo_worker, cast.ngo, action="break_the_glass", reason=IDLE_REASON, assigned=False)
    [flag] = review_flags(organisation=cast.ngo, since=SINCE, until=UNTIL)
    period = {"since": "2026-01-01", "until": "2026-12-31"}
    response = client_acting_in(dpo, cast.ngo).post(
        reverse("log_review:mark_flag"),
        {"key": flag.key, "outcome": "asked_user", "note": "Asked; a call from the police", **period},
    )
    assert response.status_code == 302
    reviewed = ReviewedFlag.objects.get()
    assert (reviewed.key, reviewed.outcome, reviewed.reviewed_by, reviewed.note) == (
        flag.key,
        "asked_user",
        dpo,
        "Asked; a call from the police",
    )
    [again] = review_flags(organisation=cast.ngo, since=SINCE, until=UNTIL)
    assert again.reviewed == reviewed


def test_a_key_that_is_no_flag_of_the_period_concludes_nothing(cast: Cast, case: Case) -> None:
    log(case, cast.ngo_worker, cast.ngo, action="break_the_glass", reason=IDLE_REASON, assigned=False)
    [flag] = review_flags(organisation=cast.ngo, since=SINCE, until=UNTIL)
    client = client_acting_in(cast.ngo_admin, cast.ngo)
    url = reverse("log_review:mark_flag")
    outside = {"since": "2025-01-01", "until": "2025-12-31", "outcome": "nothing_found"}
    assert client.post(url, {"key": flag.key, **outside}).status_code == 404
    assert (
        client.post(url, {"key": "made:up", **outside, "since": "2026-01-01", "until": "2026-12-31"}).status_code == 404
    )
    assert not ReviewedFlag.objects.exists()


def test_marking_the_period_reviewed_records_the_review_and_the_page_shows_it(cast: Cast, case: Case) -> None:
    dpo = dpo_of(cast.ngo)
    log(case, cast.ngo_worker, cast.ngo, action="break_the_glass", reason=IDLE_REASON, assigned=False)
    client = client_acting_in(dpo, cast.ngo)
    client.post(reverse("log_review:mark_period"), {"since": "2026-01-01", "until": "2026-12-31"})
    review = LogReview.objects.get()
    assert (review.organisation, review.reviewed_by, review.flags, review.flags_reviewed) == (cast.ngo, dpo, 1, 0)
    assert str(review.period_start) == "2026-01-01"
    page = client.get(reverse("log_review:review")).content.decode()
    assert "Siste gjennomgang" in page


def test_the_flags_export_as_csv_and_xlsx_with_their_reads(cast: Cast, case: Case) -> None:
    log(case, cast.ngo_worker, cast.ngo, action="break_the_glass", reason=IDLE_REASON, assigned=False)
    client = client_acting_in(cast.ngo_admin, cast.ngo)
    period = {"since": "2026-01-01", "until": "2026-12-31"}
    response = client.get(reverse("log_review:export", args=["csv"]), period)
    assert response["Content-Disposition"] == 'attachment; filename="log-review.csv"'
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert case.code in lines[2]
    response = client.get(reverse("log_review:export", args=["xlsx"]), period)
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert case.code in [cell.value for cell in sheet[3]]
    assert client.get(reverse("log_review:export", args=["pdf"]), period).status_code == 404


# --- Who has seen this person ---------------------------------------------------------------------


def test_the_data_protection_officer_opens_who_has_seen_for_the_organisations_cases_only(
    cast: Cast, case: Case
) -> None:
    client = client_acting_in(dpo_of(cast.ngo), cast.ngo)
    assert client.get(reverse("cases:who_has_seen", args=[case.code])).status_code == 200
    assert client.get(reverse("cases:detail", args=[case.code])).status_code == 404
    navs = CaseFactory.create(owner=cast.nav)
    assert client.get(reverse("cases:who_has_seen", args=[navs.code])).status_code == 404


def test_the_owners_admin_opens_who_has_seen_for_a_protected_case_without_breaking_the_glass(
    cast: Cast, case: Case
) -> None:
    Case.objects.filter(pk=case.pk).update(is_protected=True)
    client = client_acting_in(cast.ngo_admin, cast.ngo)
    assert client.get(reverse("cases:who_has_seen", args=[case.code])).status_code == 200


# --- Working hours --------------------------------------------------------------------------------


def test_the_org_admin_sets_the_organisations_working_hours(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_admin, cast.ngo)
    assert "Arbeidstid" in client.get(reverse("organisations:members")).content.decode()
    data = {"hours-works_from": "20:00", "hours-works_until": "04:00", "hours-works_weekends": "on"}
    assert client.post(reverse("organisations:working_hours"), data).status_code == 302
    cast.ngo.refresh_from_db()
    assert (cast.ngo.works_from, cast.ngo.works_until, cast.ngo.works_weekends) == (time(20), time(4), True)
    assert not cast.ngo.works_around_the_clock


def test_a_working_day_that_ends_when_it_starts_is_refused(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_admin, cast.ngo)
    client.post(reverse("organisations:working_hours"), {"hours-works_from": "08:00", "hours-works_until": "08:00"})
    cast.ngo.refresh_from_db()
    assert (cast.ngo.works_from, cast.ngo.works_until) == (time(7), time(18))


def test_a_caseworker_may_not_set_the_working_hours(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    assert client.post(reverse("organisations:working_hours"), {}).status_code == 403


def test_the_reads_a_broken_glass_opens_stand_behind_its_flag_not_as_protected_reads(cast: Cast, case: Case) -> None:
    Case.objects.filter(pk=case.pk).update(is_protected=True)
    log(case, cast.ngo_worker, cast.ngo, action="break_the_glass", reason="The police called about acute danger")
    log(case, cast.ngo_worker, cast.ngo, at=MONDAY_MORNING + timedelta(minutes=10))
    log(case, cast.ngo_worker, cast.ngo, at=MONDAY_MORNING + timedelta(hours=2))  # the glass has closed
    assert kinds(cast.ngo) == [(FlagKind.BREAK_THE_GLASS, "Ola", 2), (FlagKind.PROTECTED, "Ola", 1)]


# --- The monthly reminder -------------------------------------------------------------------------


def test_the_reviewers_are_reminded_once_a_month_when_nobody_reviewed_the_log(cast: Cast, case: Case) -> None:
    from django.core import mail

    from log_review.reminders import remind_of_monthly_review
    from notifications.models import Notification
    from notifications.services import send_pending_emails

    dpo = dpo_of(cast.ngo)
    now = datetime(2026, 3, 20, 9, 0, tzinfo=OSLO)
    log(case, cast.ngo_worker, cast.ngo, at=now - timedelta(days=3))
    assert remind_of_monthly_review(now) == 2  # the data protection officer and the admin; NAV read nothing
    assert remind_of_monthly_review(now + timedelta(days=1)) == 0  # once a month
    assert set(Notification.objects.values_list("recipient", "kind", "case")) == {
        (dpo.pk, "log_review_due", None),
        (cast.ngo_admin.pk, "log_review_due", None),
    }
    send_pending_emails(now=now)
    assert {message.to[0] for message in mail.outbox} == {dpo.email, cast.ngo_admin.email}
    page = client_acting_in(dpo, cast.ngo).get(reverse("notifications:list")).content.decode()
    assert reverse("log_review:review") in page

    LogReview.objects.create(
        organisation=cast.ngo,
        period_start=now.date(),
        period_end=now.date(),
        flags=0,
        flags_reviewed=0,
        reviewed_by=dpo,
    )
    next_month = now + timedelta(days=15)
    log(case, cast.ngo_worker, cast.ngo, at=next_month - timedelta(days=1))
    # reviewed_at is the real now, months before `next_month` would count it as old: review at the month's time.
    LogReview.objects.update(reviewed_at=next_month - timedelta(days=2))
    assert remind_of_monthly_review(next_month) == 0


def test_a_data_protection_officer_sees_no_case_even_when_assigned_as_a_caseworker_before(
    cast: Cast, case: Case
) -> None:
    from cases.access import visible_cases
    from cases.models import CaseAssignment

    membership = Membership.objects.get(user=cast.ngo_worker, organisation=cast.ngo)
    CaseAssignment.objects.create(case=case, user=cast.ngo_worker, organisation=cast.ngo)
    assert list(visible_cases(membership)) == [case]
    Membership.objects.filter(pk=membership.pk).update(role=Membership.Role.DATA_PROTECTION_OFFICER)
    membership.refresh_from_db()
    assert not visible_cases(membership).exists()
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    assert client.get(reverse("cases:detail", args=[case.code])).status_code == 404
    assert client.get(reverse("cases:create")).status_code == 403
    assert client.get(reverse("cases:who_has_seen", args=[case.code])).status_code == 200
