"""Deadline rules, table-tested: weekends, Norwegian public holidays and DST changes; and the board."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.access import get_case_for
from chain import rules
from chain.models import Deadline, DeadlineRule
from chain.services import board, set_deadline
from organisations.models import Membership
from tests.conftest import Cast
from tests.helpers import client_acting_in

OSLO = ZoneInfo("Europe/Oslo")


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
def test_the_board_sorts_deadlines_into_overdue_today_and_this_week(cast: Cast) -> None:
    worker = member(cast)
    case = case_services.create_case(membership=worker, municipality=cast.oslo)
    access = get_case_for(worker, case.code)
    cycle = DeadlineRule.objects.get(code="support-cycle")
    now = timezone.localtime()
    set_deadline(access=access, membership=worker, rule=cycle, start=now - timedelta(days=15))  # overdue
    set_deadline(access=access, membership=worker, rule=cycle, start=now - timedelta(days=14) + timedelta(minutes=1))
    result = board(membership=worker, mine=False)
    assert len(result.overdue) == 1
    assert len(result.today) + len(result.this_week) == 1
    other = Membership.objects.select_related("user", "organisation").get(user=cast.bergen_admin)
    assert board(membership=other, mine=False).overdue == []


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
