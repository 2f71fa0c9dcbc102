"""Deadline rules, table-tested: weekends, Norwegian public holidays and DST changes; and the board."""

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.access import get_case_for
from cases.models import CaseAssignment, CaseEvent
from chain import rules
from chain.models import CaseStep, Deadline, DeadlineRule
from chain.services import Board, board, complete_deadline, finish_step, set_deadline
from organisations.models import Membership
from tests.conftest import Cast
from tests.helpers import client_acting_in

OSLO = ZoneInfo("Europe/Oslo")
RULES = Path(__file__).resolve().parents[1] / "chain" / "fixtures" / "deadline_rules.json"


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OSLO)


@pytest.mark.parametrize(
    ("unit", "amount", "start", "due"),
    [
        # Reflection period: six months from the decision date, month ends clamp.
        ("months", 6, at(2026, 3, 10, 14, 0), at(2026, 9, 10, 14, 0)),
        ("months", 6, at(2026, 8, 31, 9, 0), at(2027, 2, 28, 9, 0)),
        ("months", 6, at(2027, 8, 31, 9, 0), at(2028, 2, 29, 9, 0)),  # leap year
        # 14-day support cycle across the autumn DST change keeps the wall-clock time.
        ("days", 14, at(2026, 10, 20, 10, 0), at(2026, 11, 3, 10, 0)),
        ("days", 42, at(2026, 3, 1, 12, 0), at(2026, 4, 12, 12, 0)),  # six weeks across the spring change
        # TOT meeting within one working day.
        ("working_days", 1, at(2026, 11, 20, 23, 0), at(2026, 11, 23, 23, 0)),  # Friday night → Monday
        ("working_days", 1, at(2026, 3, 27, 23, 0), at(2026, 3, 30, 23, 0)),  # Friday before Easter week
        ("working_days", 1, at(2026, 4, 1, 23, 0), at(2026, 4, 7, 23, 0)),  # Wednesday before Easter → Tuesday
        ("working_days", 1, at(2026, 5, 16, 10, 0), at(2026, 5, 18, 10, 0)),  # 17 May on a Sunday
        ("working_days", 1, at(2027, 5, 16, 10, 0), at(2027, 5, 18, 10, 0)),  # 17 May on a Monday
        ("working_days", 1, at(2026, 12, 24, 10, 0), at(2026, 12, 28, 10, 0)),  # Christmas
        # Guardian the next morning.
        ("next_working_day", 0, at(2026, 3, 27, 23, 0), at(2026, 3, 30, 9, 0)),
        ("next_working_day", 0, at(2026, 11, 23, 2, 0), at(2026, 11, 24, 9, 0)),
    ],
)
def test_due_at(unit: str, amount: int, start: datetime, due: datetime) -> None:
    assert rules.due_at(unit=unit, amount=amount, start=start) == due


BEFORE, AFTER = DeadlineRule.FallsOn.WORKING_DAY_BEFORE, DeadlineRule.FallsOn.WORKING_DAY_AFTER


@pytest.mark.parametrize(
    ("falls_on", "start", "due"),
    [
        (BEFORE, at(2026, 10, 6, 10, 0), at(2026, 10, 20, 10, 0)),  # a Tuesday stays
        (BEFORE, at(2026, 5, 3, 10, 0), at(2026, 5, 15, 10, 0)),  # Sunday 17 May → Friday 15 May
        (BEFORE, at(2026, 4, 30, 10, 0), at(2026, 5, 13, 10, 0)),  # Ascension Day (Thursday) → Wednesday
        (BEFORE, at(2026, 3, 20, 10, 0), at(2026, 4, 1, 10, 0)),  # Good Friday → before Maundy Thursday
        (AFTER, at(2026, 3, 20, 10, 0), at(2026, 4, 7, 10, 0)),  # Good Friday → after Easter Monday
        (BEFORE, at(2026, 10, 11, 10, 0), at(2026, 10, 23, 10, 0)),  # Sunday after the DST change → Friday 10:00
    ],
)
def test_a_14_day_cycle_falls_on_the_working_day_its_rule_says(falls_on: str, start: datetime, due: datetime) -> None:
    assert rules.due_at(unit="days", amount=14, start=start, falls_on=falls_on) == due


def test_the_support_cycle_rule_falls_on_the_working_day_before() -> None:
    """As data: the shipped 14-day cycle moves off weekends and holidays to the day before, and asks who confirmed."""
    cycle = next(item for item in json.loads(RULES.read_text(encoding="utf-8")) if item["code"] == "support-cycle")
    assert cycle["falls_on"] == BEFORE
    assert cycle["repeats"]
    assert cycle["confirms_nb"]
    assert cycle["confirms_en"]


def test_a_cycle_moved_off_a_holiday_does_not_drag_the_next_one() -> None:
    rule = DeadlineRule(unit="days", amount=14, falls_on=BEFORE)
    first_start = at(2026, 4, 30, 10, 0)
    assert rules.due_at_for(rule, first_start) == at(2026, 5, 13, 10, 0)  # off Ascension Day
    second_start = rules.next_cycle_start(rule, first_start)
    assert second_start == at(2026, 5, 14, 10, 0)  # counted from the day the rule counts to
    assert rules.due_at_for(rule, second_start) == at(2026, 5, 28, 10, 0)  # a Thursday again, not Wednesday


def test_a_wall_clock_time_survives_the_spring_dst_gap() -> None:
    due = rules.due_at(unit="days", amount=1, start=at(2026, 3, 28, 2, 30))  # 29 March 02:30 does not exist
    assert timezone.localtime(due).date() == at(2026, 3, 29).date()


@pytest.mark.django_db
def test_every_rule_has_a_legal_reference_and_a_source() -> None:
    assert DeadlineRule.objects.count() >= 5
    for rule in DeadlineRule.objects.all():
        assert rule.legal_reference.strip()
        assert rule.source.strip()
        assert rule.unit in DeadlineRule.Unit.values


def member(cast: Cast) -> Membership:
    return Membership.objects.select_related("user", "organisation").get(user=cast.ngo_worker)


@pytest.mark.django_db
def test_a_deadline_is_set_from_the_case_and_done_from_the_board(cast: Cast) -> None:
    worker = member(cast)
    case = case_services.create_case(membership=worker, municipality=cast.oslo)
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    rule = DeadlineRule.objects.get(code="tot-meeting")
    response = client.post(
        reverse("cases:add_deadline", args=[case.code]), {"rule": rule.pk, "start": "2026-11-20T23:00"}
    )
    assert response.status_code == 302
    deadline = Deadline.objects.get()
    assert deadline.due_at == at(2026, 11, 23, 23, 0)
    assert rule.title_nb in client.get(reverse("chain:board")).text
    client.post(reverse("chain:complete", args=[deadline.pk]))
    deadline.refresh_from_db()
    assert deadline.done_at is not None
    assert (
        client_acting_in(cast.bergen_admin, cast.bergen_org)
        .post(reverse("chain:complete", args=[deadline.pk]))
        .status_code
        == 404
    )


@pytest.mark.django_db
def test_the_board_has_a_constant_number_of_queries(cast: Cast) -> None:
    worker = member(cast)
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    client.get(reverse("chain:board"))
    rule = DeadlineRule.objects.get(code="support-cycle")
    counts: list[int] = []
    for extra in (2, 10):
        for _ in range(extra):
            case = case_services.create_case(membership=worker, municipality=cast.oslo)
            set_deadline(
                access=get_case_for(worker, case.code),
                membership=worker,
                rule=rule,
                start=timezone.now() - timedelta(days=15),
            )
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("chain:board"))
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- The 14-day support cycle, confirmed by NAV (sosialtjenesteloven § 18) ----------------------------------


def nav_member(cast: Cast) -> Membership:
    return Membership.objects.select_related("user", "organisation").get(user=cast.nav_coordinator)


def support_cycle(cast: Cast, started: datetime) -> Deadline:
    """A case NAV Oslo owns, on the Oslo adult relay, at the support step since `started`: its first cycle."""
    nav = nav_member(cast)
    case = case_services.create_case(membership=nav, municipality=cast.oslo)
    access = get_case_for(nav, case.code)
    case.steps.filter(status=CaseStep.Status.ACTIVE).update(started_at=started)
    for code in ("identified", "lawyer", "reflection-application"):
        finish_step(access=access, membership=nav, case_step=case.steps.get(step__code=code), at=started)
    return Deadline.objects.get(case=case, rule__code="support-cycle", done_at=None)


def confirm(deadline: Deadline, nav: Membership, by: str, on: datetime) -> Deadline:
    following = complete_deadline(deadline=deadline, membership=nav, confirmed_by=by, confirmed_at=on)
    assert following is not None
    return following


@pytest.mark.django_db
@pytest.mark.usefixtures("chain_templates")
def test_three_cycles_each_count_from_the_previous_due_date_and_record_who_confirmed(cast: Cast) -> None:
    nav = nav_member(cast)
    first = support_cycle(cast, at(2026, 10, 6, 10, 0))
    assert first.due_at == at(2026, 10, 20, 10, 0)
    # Confirmed two days late at 22:29, early, and on a holiday-free Friday: the dates never move with the click.
    second = confirm(first, nav, Deadline.ConfirmedBy.PERSON, at(2026, 10, 22, 22, 29))
    assert second.starts_at == at(2026, 10, 20, 10, 0)
    assert second.due_at == at(2026, 11, 3, 10, 0)  # across the DST change, the same wall-clock time
    third = confirm(second, nav, Deadline.ConfirmedBy.LAWYER, at(2026, 10, 30, 9, 0))
    assert third.due_at == at(2026, 11, 17, 10, 0)
    fourth = confirm(third, nav, Deadline.ConfirmedBy.UDI, at(2026, 11, 13, 14, 0))
    assert fourth.due_at == at(2026, 12, 1, 10, 0)
    done = list(Deadline.objects.filter(case=first.case, done_at__isnull=False).order_by("due_at"))
    assert [(d.confirmed_by, d.confirmed_at, d.done_by_id) for d in done] == [
        ("person", at(2026, 10, 22, 22, 29), nav.user_id),
        ("lawyer", at(2026, 10, 30, 9, 0), nav.user_id),
        ("udi", at(2026, 11, 13, 14, 0), nav.user_id),
    ]
    assert [d.follows_id for d in (second, third, fourth)] == [first.pk, second.pk, third.pk]
    assert CaseEvent.objects.filter(case=first.case, kind=CaseEvent.Kind.DEADLINE_SET, note="support-cycle: udi")


@pytest.mark.django_db
@pytest.mark.usefixtures("chain_templates", "english")
def test_a_cycle_is_done_only_with_who_confirmed_it_and_a_confirmation_from_this_cycle(cast: Cast) -> None:
    nav = nav_member(cast)
    first = support_cycle(cast, at(2026, 10, 6, 10, 0))
    refusals = [
        ("", at(2026, 10, 19, 9, 0), "Choose who confirmed that the application is still pending."),
        ("nav", at(2026, 10, 19, 9, 0), "Choose who confirmed"),
        ("udi", None, "Give the date it was confirmed."),
        ("udi", timezone.now() + timedelta(days=1), "cannot be in the future"),
        ("udi", at(2026, 10, 5, 9, 0), "a confirmation from before then does not count"),
    ]
    for by, on, message in refusals:
        with pytest.raises(ValidationError, match=message):
            complete_deadline(deadline=first, membership=nav, confirmed_by=by, confirmed_at=on)
    first.refresh_from_db()
    assert first.done_at is None
    assert Deadline.objects.filter(case=first.case).count() == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("chain_templates")
def test_a_cycle_confirmed_twice_is_refused_and_starts_one_next_cycle(cast: Cast) -> None:
    nav = nav_member(cast)
    first = support_cycle(cast, at(2026, 10, 6, 10, 0))
    other_tab = Deadline.objects.select_related("rule", "case_step").get(pk=first.pk)  # loaded before either submit
    confirm(first, nav, Deadline.ConfirmedBy.UDI, at(2026, 10, 19, 9, 0))
    with pytest.raises(ValidationError) as refused:
        complete_deadline(
            deadline=other_tab, membership=nav, confirmed_by="person", confirmed_at=at(2026, 10, 19, 10, 0)
        )
    assert refused.value.code == "already_done"
    assert "allerede merket som utført" in refused.value.messages[0]
    assert "Neste periode er allerede satt opp, med frist 03.11.2026 10:00" in refused.value.messages[0]
    assert Deadline.objects.filter(case=first.case).count() == 2
    first.refresh_from_db()
    assert first.confirmed_by == "udi"  # the first confirmation is kept


@pytest.mark.django_db
@pytest.mark.usefixtures("chain_templates")
def test_confirming_twice_from_the_board_says_so_in_bokmal_and_loses_nothing(cast: Cast) -> None:
    first = support_cycle(cast, at(2026, 10, 6, 10, 0))
    client = client_acting_in(cast.nav_coordinator, cast.nav)
    url = reverse("chain:complete", args=[first.pk])
    page = client.get(url)
    assert "Hvem bekreftet at søknaden fortsatt er til behandling?" in page.text
    assert "sosialtjenesteloven § 18" in page.text
    missing = client.post(url, {"confirmed_at": "2026-10-19T09:00"})
    assert missing.status_code == 200
    assert "Velg hvem som bekreftet det." in missing.text
    too_early = client.post(url, {"confirmed_by": "udi", "confirmed_at": "2026-10-01T09:00"})
    assert "En bekreftelse fra før det gjelder ikke." in too_early.text
    assert not Deadline.objects.filter(case=first.case, done_at__isnull=False).exists()
    data = {"confirmed_by": "lawyer", "confirmed_at": "2026-10-19T09:00"}
    done = client.post(url, data, follow=True)
    assert "Bekreftet. Neste periode har frist 03.11.2026 10:00." in done.text
    again = client.post(url, {**data, "confirmed_by": "person"}, follow=True)
    assert again.redirect_chain[-1][0] == reverse("chain:board")
    assert "Denne fristen ble allerede merket som utført" in again.text
    assert Deadline.objects.filter(case=first.case).count() == 2
    first.refresh_from_db()
    assert (first.confirmed_by, first.done_by_id) == ("lawyer", cast.nav_coordinator.pk)


# --- The board ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_board_sorts_deadlines_into_overdue_today_this_week_and_later(cast: Cast) -> None:
    worker = member(cast)
    access = get_case_for(worker, case_services.create_case(membership=worker, municipality=cast.oslo).code)
    placement_end = DeadlineRule.objects.get(code="protective-placement-end")  # 42 calendar days, any day
    now = at(2026, 12, 2, 12, 0)  # a Wednesday
    dues = {
        "overdue": at(2026, 12, 1, 10, 0),
        "today": at(2026, 12, 2, 15, 0),
        "this_week": at(2026, 12, 6, 20, 0),  # Sunday evening
        "later": at(2027, 1, 3, 23, 0),  # the last day of the four weeks after this one
        "beyond": at(2027, 1, 4, 9, 0),
    }
    made = {
        name: set_deadline(access=access, membership=worker, rule=placement_end, start=due - timedelta(days=42))
        for name, due in dues.items()
    }
    assert all(made[name].due_at == due for name, due in dues.items())
    result = board(membership=worker, mine=False, now=now)
    assert result.overdue == [made["overdue"]]
    assert result.today == [made["today"]]
    assert result.this_week == [made["this_week"]]
    assert result.later == [made["later"]]
    assert result.later_until == at(2027, 1, 3).date()
    other = Membership.objects.select_related("user", "organisation").get(user=cast.bergen_admin)
    assert board(membership=other, mine=False, now=now) == Board([], [], [], [], result.later_until)


@pytest.mark.django_db
@pytest.mark.usefixtures("chain_templates")
def test_the_board_names_the_rule_its_legal_reference_and_who_is_responsible(cast: Cast) -> None:
    nav = nav_member(cast)
    first = support_cycle(cast, at(2026, 10, 6, 10, 0))
    second = confirm(first, nav, Deadline.ConfirmedBy.UDI, at(2026, 10, 19, 9, 0))
    Deadline.objects.filter(pk=second.pk).update(due_at=timezone.now() + timedelta(days=15))  # in "later"
    CaseAssignment.objects.create(case=first.case, user=cast.nav_worker, organisation=cast.nav)
    response = client_acting_in(cast.nav_coordinator, cast.nav).get(reverse("chain:board"))
    later = response.text.split('data-testid="later"')[1].split("</section>")[0]
    assert "Senere, til og med" in later
    assert first.case.code in later
    assert "sosialtjenesteloven § 18" in later
    assert "NAV Oslo" in later
    assert str(cast.nav_worker) in later  # the step's deadline has no owner: the caseworkers of the case
    assert "Bekreftet av: UDI, 19.10.2026 09:00." in later
    assert reverse("chain:complete", args=[second.pk]) in later
    headings = [h.split("</th>")[0] for h in later.split('<th scope="col">')[1:]]
    assert headings == ["Frist", "Sak", "Hva skal gjøres", "Rettslig henvisning", "Ansvarlig", "Handling"]
    mine = board(membership=Membership.objects.get(user=cast.nav_worker, organisation=cast.nav), mine=True)
    assert mine.later == [second]  # a caseworker's own: the cases she is assigned to, too


@pytest.mark.django_db
@pytest.mark.usefixtures("chain_templates")
def test_the_board_queries_do_not_grow_with_cycles_assignees_and_buckets(cast: Cast) -> None:
    nav = nav_member(cast)
    client = client_acting_in(cast.nav_coordinator, cast.nav)
    client.get(reverse("chain:board"))
    counts: list[int] = []
    for extra in (2, 8):
        for index in range(extra):
            first = support_cycle(cast, at(2026, 10, 6, 10, 0))
            second = confirm(first, nav, Deadline.ConfirmedBy.PERSON, at(2026, 10, 19, 9, 0))
            due = timezone.now() + timedelta(days=[-3, 0, 10, 20][index % 4], minutes=5)
            Deadline.objects.filter(pk=second.pk).update(due_at=due)
            CaseAssignment.objects.create(case=first.case, user=cast.nav_worker, organisation=cast.nav)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("chain:board"))
        assert response.text.count("Bekreftet av:") == len(Deadline.objects.filter(done_at=None))
        counts.append(len(queries))
    assert counts[0] == counts[1]
