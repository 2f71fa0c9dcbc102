"""Deadlines computed from their rules, in Europe/Oslo wall-clock time (DST-safe).

Calendar days and months keep the local time of day across a DST change;
working days skip weekends and Norwegian public holidays (core/holidays.py);
"the next morning" is the next working day at 09:00.
"""

import calendar
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from chain.models import DeadlineRule
from core.holidays import is_working_day

MORNING = time(9, 0)
Unit = DeadlineRule.Unit


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later, or the month's last day (31 Aug + 6 months = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_working_days(day: date, count: int) -> date:
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def next_working_day(day: date) -> date:
    return add_working_days(day, 1)


def due_at(*, unit: str, amount: int, start: datetime) -> datetime:
    """When a deadline of `amount` `unit`s from `start` falls due, as an aware datetime."""
    local = timezone.localtime(start)
    day, clock = local.date(), local.time().replace(tzinfo=None)
    if unit == Unit.DAYS:
        day = day + timedelta(days=amount)
    elif unit == Unit.MONTHS:
        day = add_months(day, amount)
    elif unit == Unit.WORKING_DAYS:
        day = add_working_days(day, amount)
    elif unit == Unit.NEXT_WORKING_DAY:
        day, clock = next_working_day(day), MORNING
    else:
        raise ValueError(f"Unknown deadline unit {unit!r}.")
    return timezone.make_aware(datetime.combine(day, clock))
