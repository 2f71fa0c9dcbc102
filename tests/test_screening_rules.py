"""The toolkit's routing, table-driven: every combination of acute danger, possibly minor and outcome."""

from datetime import datetime
from itertools import product
from zoneinfo import ZoneInfo

import pytest

from cases.models import Case
from screening import rules
from screening.models import Screening

M, Out = Screening.PossiblyMinor, Screening.Outcome
OSLO = ZoneInfo("Europe/Oslo")
CHILD_SIGNS = {M.YES, M.UNKNOWN_WITH_REASON}


@pytest.mark.parametrize(("acute", "minor", "outcome"), list(product([True, False], list(M), list(Out))))
def test_every_combination_routes_as_the_toolkit_prescribes(acute: bool, minor: str, outcome: str) -> None:
    is_child = minor in CHILD_SIGNS
    if is_child and outcome == Out.CONFIRMED_NO_HELP:
        with pytest.raises(ValueError, match="cannot decline"):
            rules.route(acute_danger=acute, possibly_minor=minor, stated_age=None, outcome=outcome)
        return
    routing = rules.route(acute_danger=acute, possibly_minor=minor, stated_age=None, outcome=outcome)
    assert ("acute_danger" in routing.advice) is acute
    assert ("possibly_minor" in routing.advice) is is_child
    assert routing.notify_child_welfare is is_child
    assert routing.track == (Case.Track.CHILD if is_child else Case.Track.ADULT)
    assert routing.creates_case is (outcome == Out.CONFIRMED_WANTS_HELP)
    assert routing.advice[-1] == rules.OUTCOME_ADVICE[Out(outcome)]
    if acute:
        assert routing.advice[0] == "acute_danger", "the acute advice comes first"


@pytest.mark.parametrize(
    ("minor", "age", "track"),
    [
        (M.NO, None, "adult"),
        (M.NO, 30, "adult"),
        (M.NO, 16, "child"),  # a stated age under 18 wins: benefit of the doubt to the child
        (M.UNKNOWN, None, "adult"),
        (M.UNKNOWN_WITH_REASON, None, "child"),
        (M.YES, 30, "child"),
    ],
)
def test_the_track_follows_the_age_rules(minor: str, age: int | None, track: str) -> None:
    assert rules.track_for(possibly_minor=minor, stated_age=age) == track


def test_contradictory_answers_are_flagged_not_refused() -> None:
    assert rules.contradictions(possibly_minor=M.YES, stated_age=30) == ["adult_age_but_possibly_minor"]
    assert rules.contradictions(possibly_minor=M.NO, stated_age=15) == ["minor_age_but_adult"]
    assert rules.contradictions(possibly_minor=M.NO, stated_age=30) == []


def test_a_child_cannot_choose_declined_help() -> None:
    assert Out.CONFIRMED_NO_HELP not in rules.outcomes_for("child")
    assert Out.CONFIRMED_NO_HELP in rules.outcomes_for("adult")


@pytest.mark.parametrize(
    ("moment", "office"),
    [
        (datetime(2026, 11, 23, 10, 0, tzinfo=OSLO), True),  # Monday morning
        (datetime(2026, 11, 23, 23, 0, tzinfo=OSLO), False),  # Monday 23:00
        (datetime(2026, 11, 23, 15, 30, tzinfo=OSLO), False),  # closes at 15:30
        (datetime(2026, 11, 21, 12, 0, tzinfo=OSLO), False),  # Saturday
        (datetime(2026, 4, 2, 10, 0, tzinfo=OSLO), False),  # Maundy Thursday
        (datetime(2026, 3, 29, 9, 0, tzinfo=OSLO), False),  # Sunday, the night summer time starts
    ],
)
def test_office_hours(moment: datetime, office: bool) -> None:
    assert rules.is_office_hours(moment) is office


def test_child_welfare_is_not_told_to_notify_itself() -> None:
    own = rules.route(
        acute_danger=True, possibly_minor="yes", stated_age=None, outcome="concern_strengthened", by_child_welfare=True
    )
    assert own.track == "child"
    assert not own.notify_child_welfare
    assert "possibly_minor" not in own.advice
    assert "acute_danger" in own.advice  # the police notice stays
    other = rules.route(acute_danger=True, possibly_minor="yes", stated_age=None, outcome="concern_strengthened")
    assert other.notify_child_welfare
    assert "possibly_minor" in other.advice
