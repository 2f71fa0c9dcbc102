"""Deadlines computed from their rules, in Europe/Oslo wall-clock time (DST-safe).

Calendar days and months keep the local time of day across a DST change;
working days skip weekends and Norwegian public holidays (core/holidays.py);
"the next morning" is the next working day at 09:00. A rule may say that its
deadline falls on a working day (`DeadlineRule.falls_on`): a count that ends on a
weekend or holiday then moves to the working day before or after it, at the same
time of day. A repeating rule counts each cycle from the previous cycle's counted
due date — before that move, so a holiday does not shift every later cycle.
"""

import calendar
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from chain.models import DeadlineRule
from core.holidays import is_working_day

MORNING = time(9, 0)
Unit = DeadlineRule.Unit
FallsOn = DeadlineRule.FallsOn


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


def previous_working_day(day: date) -> date:
    day -= timedelta(days=1)
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def on_working_day(day: date, falls_on: str) -> date:
    """`day`, or the working day before or after it when it is not one and the rule says so."""
    if falls_on == FallsOn.ANY_DAY or is_working_day(day):
        return day
    if falls_on == FallsOn.WORKING_DAY_BEFORE:
        return previous_working_day(day)
    if falls_on == FallsOn.WORKING_DAY_AFTER:
        return next_working_day(day)
    raise ValueError(f"Unknown working-day rule {falls_on!r}.")


def counted_due_at(*, unit: str, amount: int, start: datetime) -> datetime:
    """`amount` `unit`s from `start` in Oslo wall-clock time, before any move to a working day."""
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


def due_at(*, unit: str, amount: int, start: datetime, falls_on: str = FallsOn.ANY_DAY) -> datetime:
    """When a deadline of `amount` `unit`s from `start` falls due, as an aware datetime."""
    counted = counted_due_at(unit=unit, amount=amount, start=start)
    if falls_on == FallsOn.ANY_DAY:
        return counted
    local = timezone.localtime(counted)
    day = on_working_day(local.date(), falls_on)
    return timezone.make_aware(datetime.combine(day, local.time().replace(tzinfo=None)))


def due_at_for(rule: DeadlineRule, start: datetime) -> datetime:
    """When a deadline of `rule` counted from `start` falls due."""
    return due_at(unit=rule.unit, amount=rule.amount, start=start, falls_on=rule.falls_on)


def next_cycle_start(rule: DeadlineRule, previous_start: datetime) -> datetime:
    """Where the next cycle of a repeating rule counts from: the previous cycle's counted due date.

    Never the moment the previous one was marked done: a payment confirmed late (or early) does not move
    the ones after it. The count is taken before any move to a working day (`falls_on`), so a cycle moved
    off a holiday does not drag every later cycle with it.
    """
    return counted_due_at(unit=rule.unit, amount=rule.amount, start=previous_start)
