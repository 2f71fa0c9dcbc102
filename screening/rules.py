"""The identification toolkit's routing, as plain functions (Helsedirektoratet's toolkit, 6.4).

1. Acute danger → police 02800, emergency 112: the advice is shown and recorded.
2. Possibly under 18 (also: age unknown with reason to believe so) → child track;
   the duty to notify child welfare at once (barnevernsloven § 13-2,
   helsepersonelloven § 33) becomes a task addressed to the service on duty;
   Bufdir's guidance line is shown.
3. The outcome picks the advice; a person who confirms and wants help gets a
   case. A child cannot decline protection: 'confirms but wants no help' is not
   an ending on the child track.
"""

from dataclasses import dataclass
from datetime import datetime, time

from django.utils import timezone

from cases.models import Case
from core.holidays import is_working_day
from organisations.models import Organisation
from screening.models import Screening

PossiblyMinor = Screening.PossiblyMinor
CHILD_WELFARE_KINDS = frozenset({Organisation.Kind.CHILD_WELFARE, Organisation.Kind.CHILD_WELFARE_OUT_OF_HOURS})
Outcome = Screening.Outcome

CHILD_SIGNS = frozenset({PossiblyMinor.YES, PossiblyMinor.UNKNOWN_WITH_REASON})
# Child welfare offices' usual opening hours; outside them the out-of-hours service (barnevernvakten) answers.
OFFICE_OPENS, OFFICE_CLOSES = time(8, 0), time(15, 30)
ADULT_AGE = 18

OUTCOME_ADVICE = {
    Outcome.CONCERN_STRENGTHENED: "outcome_concern_strengthened",
    Outcome.CONCERN_WEAKENED: "outcome_concern_weakened",
    Outcome.CONFIRMED_NO_HELP: "outcome_confirmed_no_help",
    Outcome.CONFIRMED_WANTS_HELP: "outcome_confirmed_wants_help",
    Outcome.NOT_TRAFFICKING: "not_trafficking",
}


def track_for(*, possibly_minor: str, stated_age: int | None) -> str:
    """The child track when the person may be under 18; the benefit of the doubt goes to the child."""
    if possibly_minor in CHILD_SIGNS or (stated_age is not None and stated_age < ADULT_AGE):
        return Case.Track.CHILD
    return Case.Track.ADULT


def contradictions(*, possibly_minor: str, stated_age: int | None) -> list[str]:
    """Answers that do not fit together; allowed, but shown to the worker to resolve."""
    found = []
    if stated_age is not None and stated_age >= ADULT_AGE and possibly_minor in CHILD_SIGNS:
        found.append("adult_age_but_possibly_minor")
    if stated_age is not None and stated_age < ADULT_AGE and possibly_minor == PossiblyMinor.NO:
        found.append("minor_age_but_adult")
    return found


def outcomes_for(track: str) -> list[str]:
    if track == Case.Track.CHILD:
        return [o for o in Outcome.values if o != Outcome.CONFIRMED_NO_HELP]
    return list(Outcome.values)


@dataclass(frozen=True)
class Routing:
    advice: tuple[str, ...]
    track: str
    notify_child_welfare: bool
    creates_case: bool


def route(
    *, acute_danger: bool, possibly_minor: str, stated_age: int | None, outcome: str, by_child_welfare: bool = False
) -> Routing:
    """`by_child_welfare`: the screening is child welfare's own, so there is no one to notify; it is their case."""
    track = track_for(possibly_minor=possibly_minor, stated_age=stated_age)
    is_child = track == Case.Track.CHILD
    if outcome not in outcomes_for(track):
        raise ValueError("A child cannot decline protection.")
    advice = []
    if acute_danger:
        advice.append("acute_danger")
    if is_child and not by_child_welfare:
        advice.append("possibly_minor")
    advice.append(OUTCOME_ADVICE[Outcome(outcome)])
    return Routing(
        advice=tuple(advice),
        track=track,
        notify_child_welfare=is_child and not by_child_welfare,
        creates_case=outcome == Outcome.CONFIRMED_WANTS_HELP,
    )


def is_child_welfare(organisation: Organisation) -> bool:
    return organisation.kind in CHILD_WELFARE_KINDS


def is_office_hours(moment: datetime) -> bool:
    local = timezone.localtime(moment)
    return is_working_day(local.date()) and OFFICE_OPENS <= local.time() < OFFICE_CLOSES
