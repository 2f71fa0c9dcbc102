"""Norwegian public holidays (helligdager og høytidsdager), for office hours and deadlines.

Fixed: 1 January, 1 May, 17 May, 25 and 26 December. Moving with Easter: Maundy
Thursday, Good Friday, Easter Sunday and Monday, Ascension Day (Easter + 39),
Whit Sunday and Monday (Easter + 49, + 50). Source: lov om helligdager og
helligdagsfred (LOV-1995-02-24-12) § 2, and lov om 1. og 17. mai som høgtidsdager.
"""

from datetime import date, timedelta
from functools import cache


def easter_sunday(year: int) -> date:
    """Gregorian Easter (the anonymous Gregorian algorithm, 'Meeus/Jones/Butcher')."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


@cache
def public_holidays(year: int) -> frozenset[date]:
    easter = easter_sunday(year)
    moving = [-3, -2, 0, 1, 39, 49, 50]
    fixed = [date(year, 1, 1), date(year, 5, 1), date(year, 5, 17), date(year, 12, 25), date(year, 12, 26)]
    return frozenset(fixed + [easter + timedelta(days=offset) for offset in moving])


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)
