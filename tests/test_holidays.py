from datetime import date

import pytest

from core.holidays import easter_sunday, is_working_day, public_holidays


@pytest.mark.parametrize(
    ("year", "easter"),
    [(2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)), (2026, date(2026, 4, 5)), (2027, date(2027, 3, 28))],
)
def test_easter(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 4, 2), False),  # Maundy Thursday
        (date(2026, 4, 3), False),  # Good Friday
        (date(2026, 4, 6), False),  # Easter Monday
        (date(2026, 4, 7), True),
        (date(2026, 5, 14), False),  # Ascension Day
        (date(2026, 5, 17), False),  # Constitution Day (a Sunday in 2026)
        (date(2026, 5, 25), False),  # Whit Monday
        (date(2026, 12, 24), True),  # Christmas Eve is not a public holiday
        (date(2026, 11, 23), True),
        (date(2026, 11, 22), False),  # Sunday
    ],
)
def test_working_days(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_there_are_twelve_public_holidays_a_year() -> None:
    assert len(public_holidays(2026)) == 12
