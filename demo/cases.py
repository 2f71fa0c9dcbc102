"""Fictional cases for the demo, and national-scale volume for benchmarks.

Scale 1 (`make demo`) gets a dozen cases in Oslo and Bergen that show every kind
of sharing and one protected case. `--scale N` (N ≥ 2) adds about N × 1,000
cases spread over every municipality's organisations, each with an encrypted
identity group (often contact too, and for most foreign adults where their
applications for a reflection period and residence stand), a timeline and an access log: about ten
timeline events and access-log entries per case, so scale 100 gives about
100,000 cases and 1,000,000 rows, the volume of a national service after some
years.

Every case in a municipality with an active chain template for its track (the
shipped Oslo adult relay and Bergen child TOT model; a share of the cases where
a municipality has a chain for children are children) is on that chain, as far
as its age allows — seeded cases bypass cases.services.create_case, whose signal
starts the chain of a case opened in the app. Steps are done in order; the step
in progress has the organisation responsible for it (the owner when it takes
the step, else one that accepted a referral, with the person's consent to share
what the step needs), now and then nobody, and its deadlines as the chain app
computes them. Some steps stall, some cases end before their chain does, and
people who seek asylum wait for the reception centre to accept the hand-over:
what the coordinators' overview and the deadlines board exist to show. A case on
a chain has a dozen or two more timeline events (steps and referrals); at scale
100 about one case in twenty is on one.

Some people are registered twice, as they are in real life: for a share of the
adult cases in Oslo and Bergen (at least three, so the dozen demo cases have
some) a second organisation of the city opens a case of its own for the same
person a little later, and writes them down its own way — a typo, another
spelling, given and family name swapped, or an estimated age for the date of
birth. National statistics must count such a person once (national_statistics,
docs/linkage.md).

Rows are written with bulk_create in batches (and the access log with
`audit.services.append_entries_in_bulk`), not through the per-row services,
which would take hours at that volume. Everything is drawn from one seeded
random generator, with times relative to the start of the day the seeding
runs: the same seed on the same day gives the same cases, people, timelines
and log. Nobody is real: names come from the demo's name lists, and no case
holds an address, a phone number or an identity number.
"""

import gc
import random
from bisect import bisect
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import accumulate, batched
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.db import connection, models, transaction
from django.utils import timezone

from audit.models import AccessEntry
from audit.services import PendingEntry, append_entries_in_bulk
from cases.models import (
    Case,
    CaseAssignment,
    CaseEvent,
    CaseSequence,
    FieldGroup,
    FieldGroupRecord,
    ProtectedCaseAccess,
)
from cases.services import _blind_indexes  # the same normalisation, so the demo people can be found by name
from chain import rules
from chain.models import CaseChain, CaseStep, ChainStep, ChainTemplate, Deadline, DeadlineRule
from core import crypto
from linkage.synthetic import typo
from organisations.models import Membership, Municipality, Organisation
from referrals.models import Referral
from sharing.models import Consent, Disclosure, LegalBasis

Kind = Organisation.Kind
Role = Membership.Role
Event = CaseEvent.Kind
Action = AccessEntry.Action
Track = Case.Track
Step = CaseStep.Status
Ended = CaseChain.EndReason

OSLO = ZoneInfo("Europe/Oslo")
BATCH_SIZE = 5000

# Volume: cases per unit of --scale, from scale 2 on; Oslo and Bergen carry more than a small municipality.
CASES_PER_SCALE = 1000
CITY_WEIGHTS = {"Oslo": 4, "Bergen": 2}
# Who opens cases, and how often (relative weights).
OWNER_KINDS = {
    Kind.TOT_COORDINATOR: 3,
    Kind.NGO_PROJECT: 3,
    Kind.LOW_THRESHOLD_SERVICE: 1,
    Kind.SHELTER: 1,
    Kind.STREET_OUTREACH: 1,
    Kind.CHILD_WELFARE: 1,
    Kind.POLICE_DISTRICT: 1,
}
# How often a volume case has each part of its story.
CONTACT_SHARE = 0.6
SECOND_ASSIGNEE_SHARE = 0.2
NAV_CONSENT_SHARE = 0.35
CONSENT_WITHDRAWN_SHARE = 0.1
DISCLOSURE_SHARE = 0.03
PROTECTED_SHARE = 0.005
OUTSIDE_HOURS_SHARE = 0.03
VOLUME_HISTORY_DAYS = 730  # cases were opened over the last two years …
ACTIVE_DAYS = 180  # … and are worked on for up to half a year

# The chain. Where a municipality has a chain for children, this share of its cases are children, opened by:
CHILD_SHARE = 0.4
CHILD_OWNER_KINDS = {Kind.POLICE_DISTRICT: 3, Kind.TOT_COORDINATOR: 2, Kind.CHILD_WELFARE: 2, Kind.NGO_PROJECT: 1}
# How long a step of the shipped templates takes at most, in days, by step code (a step whose time has not run out
# yet may still be in progress).
STEP_DAYS = {
    "identified": 3,
    "lawyer": 14,
    "reflection-application": 21,
    "support-while-pending": 90,  # until UDI decides
    "reflection-period": 180,
    "residence": 540,  # temporary residence after a year, or asylum
    "police-notice": 1,
    "tot-meeting": 2,
    "emergency-placement": 2,
    "guardian": 3,
    "protective-placement": 84,
    "follow-up": 540,  # until the case ends: trials take years
    "evaluation": 30,
}
OTHER_STEP_DAYS = 30
STALLED_SHARE = 0.05  # a step that does not move, however long it has been in progress
UNASSIGNED_SHARE = 0.04  # a step in progress nobody has taken on (when the owner does not take it) …
PENDING_REFERRAL_SHARE = 0.5  # … of which this share has a referral waiting for an answer
REFERRAL_ANSWER_DAYS = 3
EARLY_END_SHARE = 0.03  # a case that ends before its chain does
EARLY_END_REASONS = [Ended.RETURNED, Ended.MOVED_ON, Ended.INVESTIGATION_DROPPED]
FINAL_END_REASONS = [Ended.JUDGMENT, Ended.INVESTIGATION_DROPPED, Ended.MOVED_ON]
MISSED_ROUND_SHARE = 0.1  # a repeating deadline (the 14-day support cycle) missed in its latest round
PAID_DAYS_BEFORE_DUE = 3
# Steps the state takes over by a hand-over of the whole case (the Oslo relay's state reception): the person
# sought asylum (the hand-over waits for the reception centre), or else residence was granted and the case ended.
HANDED_OVER_KINDS = {Kind.RECEPTION_CENTRE}
ASYLUM_SHARE = 0.1
RECORDED_AFTER = timedelta(microseconds=1)
REFERRAL_PURPOSE = "Henvist for steget «{step}»"
HANDOVER_PURPOSE = "Personen har søkt asyl: overføring av ansvaret til statlig mottak"
HANDOVER_REASON = "Asylsøknaden er levert hos politiet; den registreres i saken når kvitteringen kommer"

# The same person registered by a second organisation of the city: this share of the adult cases in Oslo and
# Bergen, at least MIN_TWINS, within TWIN_WITHIN_DAYS of the first case.
TWIN_SHARE = 0.08
MIN_TWINS = 3
TWIN_WITHIN_DAYS = 60
# How another office spells names of the demo's lists.
SPELLINGS = {
    "Sofie": "Sophie",
    "Maja": "Maya",
    "Thea": "Tea",
    "Leah": "Lea",
    "Eirik": "Erik",
    "Amir": "Ameer",
    "Kristiansen": "Christiansen",
    "Karlsen": "Carlsen",
    "Nilsen": "Nielsen",
    "Pedersen": "Petersen",
    "Jensen": "Jenssen",
    "Johansen": "Johanssen",
}

# The showcase for scale 1: (city, owner kind, story), in the order the cases were opened. On the chain:
# "child" is on the child track, "unassigned" has a step in progress nobody has taken on (a referral waits),
# "stalled" stops at its first step with a deadline, "asylum" waits for the reception centre to accept a hand-over.
SHOWCASE_HISTORY_DAYS = 45
SHOWCASE = [
    ("Oslo", Kind.TOT_COORDINATOR, {"contact", "consent"}),
    ("Oslo", Kind.NGO_PROJECT, {"consent", "assigned", "unassigned"}),
    ("Oslo", Kind.CHILD_WELFARE, {"contact", "disclosure"}),
    ("Bergen", Kind.TOT_COORDINATOR, {"contact", "consent", "child"}),
    ("Oslo", Kind.TOT_COORDINATOR, {"protected", "contact"}),
    ("Oslo", Kind.SHELTER, {"consent", "withdrawn"}),
    ("Bergen", Kind.NGO_PROJECT, {"assigned", "child", "stalled"}),
    ("Oslo", Kind.NGO_PROJECT, {"contact", "asylum"}),
    ("Oslo", Kind.POLICE_DISTRICT, {"contact", "disclosure"}),
    ("Bergen", Kind.LOW_THRESHOLD_SERVICE, {"consent"}),
    ("Oslo", Kind.STREET_OUTREACH, {"consent", "contact"}),
    ("Bergen", Kind.SHELTER, {"contact"}),
]

NATIONALITIES = ["NG", "RO", "BG", "VN", "AL", "TH", "ER", "UA", "NO"]  # ISO 3166-1 alpha-2, as the form stores them
NORWEGIAN = "NO"
LANGUAGES = {
    "NG": "Engelsk, edo",
    "RO": "Rumensk",
    "BG": "Bulgarsk",
    "VN": "Vietnamesisk",
    "AL": "Albansk",
    "TH": "Thai",
    "ER": "Tigrinja",
    "UA": "Ukrainsk, russisk",
    "NO": "Norsk",
}
# Adults who are not Norwegian: most apply for a reflection period (utlendingsforskriften § 8-3 first paragraph),
# fewer for the temporary residence after it (second paragraph); how the applications stand, by weight.
REFLECTION_PERIOD_SHARE = 0.75
TEMPORARY_RESIDENCE_SHARE = 0.3
REFLECTION_PERIOD_OUTCOMES = {"granted": 66, "refused": 19, "applied": 15}
TEMPORARY_RESIDENCE_OUTCOMES = {"granted": 60, "refused": 25, "applied": 15}
IMMIGRATION_RECORDED_WITHIN_DAYS = 60
PLACEMENTS = ["Krisesenteret i {city}", "Midlertidig bolig, {city}", "Bor hos venner i {city}", "Hospits, {city}"]
CONSENT_PURPOSES = ["Økonomisk sosialhjelp og bolig", "Oppfølging av rettigheter", "Arbeid og aktivitet"]
BREAK_THE_GLASS_REASONS = ["Akutt henvendelse utenom kontortid", "Politiet ber om bistand nå"]
# Legal bases the demo discloses under: (basis code, kind of the receiving organisation).
DISCLOSURES = [("danger-to-life-or-health", Kind.POLICE_DISTRICT), ("child-welfare-duty-to-notify", Kind.CHILD_WELFARE)]
DISCLOSURE_JUSTIFICATION = "Demo: nødvendig for å verne personen (fiktiv begrunnelse)."


@dataclass(frozen=True)
class SeededCases:
    """What the case step created; all zero when the demo municipalities already had cases."""

    cases: int = 0
    twins: int = 0  # of the cases, those of a person another organisation had registered already
    events: int = 0
    access_entries: int = 0
    chains: int = 0
    deadlines: int = 0
    referrals: int = 0


@dataclass
class _Staff:
    organisation: Organisation
    by_role: dict[str, list[int]]

    @property
    def workers(self) -> list[int]:
        """Who does the casework: caseworkers and coordinators, else anyone."""
        users = self.by_role.get(Role.CASEWORKER, []) + self.by_role.get(Role.COORDINATOR, [])
        return users or self.everyone

    @property
    def leads(self) -> list[int]:
        """Who sees every case of the organisation: coordinators and admins."""
        return self.by_role.get(Role.COORDINATOR, []) + self.by_role.get(Role.ORG_ADMIN, [])

    @property
    def everyone(self) -> list[int]:
        return [user for users in self.by_role.values() for user in users]


@dataclass
class _City:
    municipality: Municipality
    staff: dict[str, _Staff]  # by organisation kind
    chains: dict[str, tuple[ChainTemplate, list[ChainStep]]]  # the active template and its steps, by track


@dataclass
class _Plan:
    """One case to create: where, by whom, when, and which parts of the story it has."""

    city: _City
    owner: _Staff
    opened: datetime
    story: set[str]
    code: str = ""
    person: dict[str, Any] | None = None  # drawn when the case is written, unless given before
    twin: "_Plan | None" = None  # the later case of the same person at another organisation


# Rows of one batch waiting for bulk_create, by model.
type Rows = dict[type[models.Model], list[Any]]


@contextmanager
def _explicit_times() -> Iterator[None]:
    """Keep the seeded times: auto_now(_add) fields would otherwise stamp every row with the time of seeding.

    bulk_create calls each field's pre_save, which overwrites those fields; the
    flags are switched off for the seeding only (a management command, one thread).
    """
    stamped = [
        (Case, "created_at"),
        (Case, "updated_at"),
        (CaseEvent, "at"),
        (FieldGroupRecord, "updated_at"),
        (CaseAssignment, "assigned_at"),
        (ProtectedCaseAccess, "granted_at"),
        (Consent, "recorded_at"),
        (Disclosure, "created_at"),
        (Deadline, "created_at"),
        (Referral, "created_at"),
    ]
    fields = [cast(models.DateField, model._meta.get_field(name)) for model, name in stamped]
    saved = [(f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, (auto_now, auto_now_add) in zip(fields, saved, strict=True):
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause Python's cycle collector while the rows are written.

    At scale 100 about two million long-lived objects (plans, queued log entries)
    are alive, and every full collection walks all of them: measured, a third of
    the seeding time went to the collector. The rows made here hold no reference
    cycles, so nothing piles up meanwhile; reference counting still frees them.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def _large_sqlite_cache() -> Iterator[None]:
    """A 256 MB page cache while seeding SQLite: its default 2 MB makes every index insert a read from the OS.

    The access log's indexes (by case, organisation and user) are written in
    scattered order; with the default cache, scale 100 spends minutes re-reading pages.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (saved,) = cursor.fetchone()
        cursor.execute("PRAGMA cache_size = -262144")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(saved)}")


class CaseSeeder:
    """Plans every case first (cheap), then writes them in batches, then appends the access log in time order."""

    def __init__(
        self,
        *,
        rng: random.Random,
        scale: int,
        municipalities: list[Municipality],
        today: date,
        first_names: list[str],
        last_names: list[str],
    ) -> None:
        self.rng = rng
        self.scale = scale
        self.municipalities = municipalities
        # Everything happens before the start of `today`, so a day's seeding is reproducible.
        self.end = datetime.combine(today, time.min, tzinfo=OSLO)
        self.first_names = first_names
        self.last_names = last_names
        self.ring = crypto.keyring()
        self.bases = {basis.code: basis for basis in LegalBasis.objects.filter(code__in=[c for c, _k in DISCLOSURES])}
        self.entries: list[PendingEntry] = []
        self.events = 0
        self.chains = self.deadlines = self.referrals = 0
        self.national: dict[str, _Staff] = {}  # national bodies (UDI) by kind, for the steps they take
        self.last_numbers: dict[tuple[str, int], int] = {}  # the last case number per prefix and year

    def run(self) -> SeededCases:
        if Case.objects.filter(municipality__in=self.municipalities).exists():
            return SeededCases()  # seeded before (make demo runs seed_demo every time): leave them as they are
        cities = self._cities()
        plans = self._showcase(cities)
        if self.scale > 1:
            plans += self._volume(cities)
        twins = self._twins(plans)
        plans += twins
        self._number(plans)
        with transaction.atomic(), _explicit_times(), _large_sqlite_cache(), _no_cyclic_gc():
            for batch in batched(plans, BATCH_SIZE):
                self._write(list(batch))
            self.entries.sort(key=lambda entry: entry.at)  # stable: the log grows in time order
            logged = append_entries_in_bulk(entries=self.entries)
            self._advance_sequences()
        return SeededCases(
            cases=len(plans),
            twins=len(twins),
            events=self.events,
            access_entries=logged,
            chains=self.chains,
            deadlines=self.deadlines,
            referrals=self.referrals,
        )

    # --- Planning ---------------------------------------------------------------------------------

    def _cities(self) -> list[_City]:
        organisations = Organisation.objects.filter(
            models.Q(municipality__in=self.municipalities) | models.Q(municipality=None)
        ).order_by("pk")
        by_role: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        memberships = Membership.objects.filter(organisation__in=organisations).order_by("pk")
        for organisation_id, role, user_id in memberships.values_list("organisation_id", "role", "user_id"):
            by_role[organisation_id][role].append(user_id)
        staff: dict[int | None, dict[str, _Staff]] = defaultdict(dict)
        for organisation in organisations:
            staff[organisation.municipality_id][organisation.kind] = _Staff(
                organisation, dict(by_role[organisation.pk])
            )
        self.national = staff[None]
        chains: dict[int, dict[str, tuple[ChainTemplate, list[ChainStep]]]] = defaultdict(dict)
        templates = ChainTemplate.objects.filter(
            municipality__in=self.municipalities, status=ChainTemplate.Status.ACTIVE
        ).prefetch_related(
            models.Prefetch(
                "steps",
                queryset=ChainStep.objects.select_related("deadline_rule", "responsible_organisation").order_by(
                    "order"
                ),
            )
        )
        for template in templates.order_by("pk"):
            chains[template.municipality_id][template.track] = (template, list(template.steps.all()))
        return [
            _City(municipality, staff[municipality.pk], chains[municipality.pk]) for municipality in self.municipalities
        ]

    def _showcase(self, cities: list[_City]) -> list[_Plan]:
        by_name = {city.municipality.name: city for city in cities}
        start = self.end - timedelta(days=SHOWCASE_HISTORY_DAYS)
        plans = []
        for index, (name, kind, story) in enumerate(SHOWCASE):
            city = by_name[name]
            day = start + timedelta(days=index * SHOWCASE_HISTORY_DAYS // (len(SHOWCASE) + 1))
            plans.append(_Plan(city, city.staff[kind], self._working_time(day.date()), set(story)))
        return plans

    def _volume(self, cities: list[_City]) -> list[_Plan]:
        weights = [CITY_WEIGHTS.get(city.municipality.name, 1) for city in cities]
        total = self.scale * CASES_PER_SCALE
        shares = [total * weight // sum(weights) for weight in weights]
        shares[0] += total - sum(shares)
        plans = []
        for city, count in zip(cities, shares, strict=True):
            for _n in range(count):
                child = Track.CHILD in city.chains and self.rng.random() < CHILD_SHARE
                kind = self._draw(CHILD_OWNER_KINDS if child else OWNER_KINDS)
                days_ago = self.rng.randint(1, VOLUME_HISTORY_DAYS)  # yesterday at the latest
                opened = self._working_time((self.end - timedelta(days=days_ago)).date())
                story = self._story() | ({"child"} if child else set())
                plans.append(_Plan(city, city.staff[kind], opened, story))
        return plans

    def _twins(self, plans: list[_Plan]) -> list[_Plan]:
        """Second cases of people already planned: another organisation of the city opens one later."""
        adults = [
            plan
            for plan in plans
            if plan.city.municipality.name in CITY_WEIGHTS and not plan.story & {"child", "protected"}
        ]
        count = min(len(adults), max(MIN_TWINS, round(TWIN_SHARE * len(adults))))
        twins = []
        for first in self.rng.sample(adults, count):
            others = {kind: weight for kind, weight in OWNER_KINDS.items() if kind != first.owner.organisation.kind}
            opened = self.later(first.opened, within_days=TWIN_WITHIN_DAYS)
            first.twin = _Plan(first.city, first.city.staff[self._draw(others)], opened, self._story() - {"protected"})
            twins.append(first.twin)
        return twins

    def _draw(self, weights: dict[Kind, int]) -> Kind:
        kinds, cumulative = list(weights), list(accumulate(weights.values()))
        return kinds[bisect(cumulative, self.rng.random() * cumulative[-1])]

    def _story(self) -> set[str]:
        chances = {
            "contact": CONTACT_SHARE,
            "assigned": SECOND_ASSIGNEE_SHARE,
            "consent": NAV_CONSENT_SHARE,
            "disclosure": DISCLOSURE_SHARE,
            "protected": PROTECTED_SHARE,
        }
        story = {part for part, chance in chances.items() if self.rng.random() < chance}
        if "consent" in story and self.rng.random() < CONSENT_WITHDRAWN_SHARE:
            story.add("withdrawn")
        return story

    def _number(self, plans: list[_Plan]) -> None:
        """Pseudonym codes per municipality and year, in the order the cases were opened (OSL-2026-0042)."""
        plans.sort(key=lambda plan: plan.opened)
        numbers = self.last_numbers
        for plan in plans:
            prefix, year = plan.city.municipality.case_prefix, plan.opened.year
            numbers[prefix, year] = numbers.get((prefix, year), 0) + 1
            plan.code = f"{prefix}-{year}-{numbers[prefix, year]:04d}"

    # --- Times ------------------------------------------------------------------------------------

    def _working_time(self, day: date) -> datetime:
        """A moment on `day` in Oslo office hours, or now and then in the evening (which review flags)."""
        if self.rng.random() < OUTSIDE_HOURS_SHARE:
            hour = self.rng.randrange(19, 23)
        else:
            day -= timedelta(days=max(0, day.weekday() - 4))  # weekend work moves to Friday
            hour = self.rng.randrange(8, 16)
        moment = time(hour, self.rng.randrange(60), self.rng.randrange(60), self.rng.randrange(1_000_000))
        return datetime.combine(day, moment, tzinfo=OSLO)

    def later(self, after: datetime, *, within_days: int) -> datetime:
        """A working moment after `after`, within `within_days`, before the end of the seeded history."""
        last = min(after + timedelta(days=within_days), self.end - timedelta(seconds=1))
        days = max(0, (last.date() - after.date()).days)
        for _attempt in range(5):
            moment = self._working_time(after.date() + timedelta(days=self.rng.randint(0, days)))
            if after < moment <= last:
                return moment
        return after + (last - after) * self.rng.random()

    # --- Writing ----------------------------------------------------------------------------------

    def _write(self, plans: list[_Plan]) -> None:
        """Create a batch of cases, then their records, sharings and timelines; queue their log entries."""
        people = [self._person(plan) for plan in plans]
        cases = Case.objects.bulk_create(
            [
                Case(
                    code=plan.code,
                    track=Track.CHILD if "child" in plan.story else Track.ADULT,
                    owner=plan.owner.organisation,
                    municipality=plan.city.municipality,
                    is_protected="protected" in plan.story,
                    created_at=plan.opened,
                    updated_at=plan.opened,
                    created_by_id=self.rng.choice(plan.owner.workers),
                    **_blind_indexes(person),
                )
                for plan, person in zip(plans, people, strict=True)
            ],
            batch_size=BATCH_SIZE,
        )
        rows: Rows = defaultdict(list)
        for plan, case, person in zip(plans, cases, people, strict=True):
            _Story(self, plan, case, rows).tell(person)
        # In dependency order: referrals point to consents and case steps, deadlines to case steps.
        for model in (
            FieldGroupRecord,
            CaseAssignment,
            ProtectedCaseAccess,
            Consent,
            Disclosure,
            CaseChain,
            CaseStep,
            Deadline,
            Referral,
            CaseEvent,
        ):
            model._default_manager.bulk_create(rows[model], batch_size=BATCH_SIZE)
        self.events += len(rows[CaseEvent])
        self.chains += len(rows[CaseChain])
        self.deadlines += len(rows[Deadline])
        self.referrals += len(rows[Referral])

    # --- The fictional person ---------------------------------------------------------------------

    def _person(self, plan: _Plan) -> dict[str, Any]:
        """The plan's person; when a second organisation registers them later, its version of them too."""
        person = plan.person or self._identity(child="child" in plan.story)
        if plan.twin is not None:  # opened later, so written after this plan
            plan.twin.person = written_elsewhere(person, self.rng, on=plan.twin.opened.date())
        return person

    def _identity(self, *, child: bool) -> dict[str, Any]:
        nationality = self.rng.choice(NATIONALITIES)
        identity: dict[str, Any] = {
            "first_name": self.rng.choice(self.first_names),
            "last_name": self.rng.choice(self.last_names),
            "gender": self.rng.choice(["female", "female", "male", "other"]),
            "nationality": nationality,
            "languages": LANGUAGES[nationality],
        }
        age = self.rng.randint(12, 17) if child else self.rng.randint(15, 45)
        if self.rng.random() < 0.8:
            born = self.end.date() - timedelta(days=age * 365 + self.rng.randrange(365))
            identity["birth_date"] = born.isoformat()
        else:
            identity["estimated_age"] = age
        return identity

    def _advance_sequences(self) -> None:
        """Cases opened later in the app continue after the seeded codes instead of colliding with them."""
        for (prefix, year), number in self.last_numbers.items():
            sequence, _created = CaseSequence.objects.get_or_create(prefix=prefix, year=year)
            if sequence.last_number < number:
                sequence.last_number = number
                sequence.save(update_fields=["last_number"])


def written_elsewhere(identity: dict[str, Any], rng: random.Random, *, on: date) -> dict[str, Any]:
    """The same person as another office writes them down: a typo, another spelling, given and family name
    swapped, or only the age it estimated `on` a day instead of the date of birth."""
    other = dict(identity)
    names = [name for name in ("first_name", "last_name") if other.get(name)]
    spelled = [name for name in names if other[name] in SPELLINGS]
    way = rng.choice(["typo", "spelling", "swapped", "estimated age"])
    if way == "spelling" and spelled:
        name = rng.choice(spelled)
        other[name] = SPELLINGS[other[name]]
    elif way == "swapped" and len(names) == 2:
        other["first_name"], other["last_name"] = other["last_name"], other["first_name"]
    elif way == "estimated age" and other.get("birth_date"):
        born = date.fromisoformat(other.pop("birth_date"))
        other["estimated_age"] = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    elif names:
        name = rng.choice(names)
        other[name] = typo(rng, other[name])
    return other


class _Story:
    """One case's life, from opening to its last access: records, sharings, timeline events and log entries."""

    def __init__(self, seeder: CaseSeeder, plan: _Plan, case: Case, rows: Rows) -> None:
        self.seeder, self.rng, self.plan, self.case, self.rows = seeder, seeder.rng, plan, case, rows
        self.owner = plan.owner
        self.creator = cast(int, case.created_by_id)
        self.assigned: set[int] = set()
        # A protected case opens for its named users only; anyone else must break the glass.
        self.readers = list(self.owner.everyone)
        self.groups: list[str] = []

    def tell(self, person: dict[str, Any]) -> None:
        opened, story = self.plan.opened, self.plan.story
        self._assign(self.creator, opened)
        self._event(Event.CREATED, opened, self.creator)
        # The first meeting: identity (and often whereabouts) recorded, encrypted with the case as associated data.
        recorded = opened + timedelta(minutes=self.rng.randint(5, 50))
        self._record(FieldGroup.IDENTITY, person, recorded)
        if "contact" in story:
            placement = self.rng.choice(PLACEMENTS).format(city=self.plan.city.municipality.name)
            self._record(FieldGroup.CONTACT, {"placement_location": placement}, recorded)
        if "assigned" in story and len(self.owner.everyone) > 1:
            self._assign_colleague(self.seeder.later(recorded, within_days=14))
        if "protected" in story:
            self._protect(self.seeder.later(recorded, within_days=7))
        elif "consent" in story:
            self._consent_to_nav(self.seeder.later(recorded, within_days=21))
        if "disclosure" in story:
            self._disclose(self.seeder.later(recorded, within_days=30))
        if self.case.track == Track.ADULT and person["nationality"] != NORWEGIAN:
            self._immigration(recorded)
        # Day-to-day work: the owner's staff open the case now and then, the creator most often (as often as keeps
        # the story at about ten timeline events and log entries).
        for _n in range(self.rng.randint(1, 6)):
            user = self.creator if self.rng.random() < 0.6 else self.rng.choice(self.readers)
            at = self.seeder.later(recorded, within_days=ACTIVE_DAYS)
            self._log(user, self.owner.organisation, at, Action.VIEW, self.groups)
        chain = self.plan.city.chains.get(self.case.track)
        if chain is not None:
            _ChainStory(self, *chain).walk()

    def _record(self, group: str, data: dict[str, Any], at: datetime) -> None:
        record = FieldGroupRecord(case=self.case, group=group, updated_at=at, updated_by_id=self.creator)
        record.ciphertext = crypto.encrypt_json(data, aad=record.associated_data, ring=self.seeder.ring)
        self.rows[FieldGroupRecord].append(record)
        self.groups.append(group)
        self._event(Event.FIELD_GROUP_CHANGED, at, self.creator, [group])
        self._log(self.creator, self.owner.organisation, at, Action.EDIT, [group])

    def _immigration(self, recorded: datetime) -> None:
        """Where the person's applications for a reflection period and temporary residence stand, if any."""
        facts = {}
        if self.rng.random() < REFLECTION_PERIOD_SHARE:
            facts["reflection_period"] = self._outcome(REFLECTION_PERIOD_OUTCOMES)
        if self.rng.random() < TEMPORARY_RESIDENCE_SHARE:
            facts["temporary_residence"] = self._outcome(TEMPORARY_RESIDENCE_OUTCOMES)
        if facts:
            self._record(
                FieldGroup.IMMIGRATION,
                facts,
                self.seeder.later(recorded, within_days=IMMIGRATION_RECORDED_WITHIN_DAYS),
            )

    def _outcome(self, weights: dict[str, int]) -> str:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def _assign_colleague(self, at: datetime) -> None:
        lead = self.rng.choice(self.owner.leads or self.owner.everyone)
        colleague = self.rng.choice([user for user in self.owner.everyone if user != self.creator])
        self._assign(colleague, at)
        self._event(Event.ASSIGNED, at, lead)

    def _assign(self, user: int, at: datetime) -> None:
        self.assigned.add(user)
        self.rows[CaseAssignment].append(
            CaseAssignment(case=self.case, user_id=user, organisation=self.owner.organisation, assigned_at=at)
        )

    def _protect(self, at: datetime) -> None:
        lead = self.rng.choice(self.owner.leads or self.owner.everyone)
        named = sorted({self.creator, lead})
        self.rows[ProtectedCaseAccess].extend(
            ProtectedCaseAccess(case=self.case, user_id=user, granted_by_id=lead, granted_at=at) for user in named
        )
        self._event(Event.PROTECTED, at, lead)
        outsiders = [user for user in self.owner.everyone if user not in named]
        self.readers = named
        if outsiders:
            user, glass = self.rng.choice(outsiders), self.seeder.later(at, within_days=30)
            self._event(Event.BREAK_THE_GLASS, glass, user)
            reason = self.rng.choice(BREAK_THE_GLASS_REASONS)
            self._log(user, self.owner.organisation, glass, Action.BREAK_THE_GLASS, [], reason=reason)

    def _consent_to_nav(self, given: datetime) -> None:
        nav = self.plan.city.staff[Kind.NAV_OFFICE]
        if nav.organisation.pk == self.owner.organisation.pk:
            return
        shared: list[str] = self.groups if self.rng.random() < 0.5 else [FieldGroup.IDENTITY]
        withdrawn = self.seeder.later(given, within_days=90) if "withdrawn" in self.plan.story else None
        self.rows[Consent].append(
            Consent(
                case=self.case,
                organisation=nav.organisation,
                field_groups=sorted(shared),
                purpose=self.rng.choice(CONSENT_PURPOSES),
                form=self.rng.choice([Consent.Form.WRITTEN, Consent.Form.ORAL]),
                given_on=given.date(),
                expires_on=given.date() + timedelta(days=365) if self.rng.random() < 0.5 else None,
                recorded_by_id=self.creator,
                recorded_at=given,
                withdrawn_at=withdrawn,
                withdrawn_by_id=self.creator if withdrawn else None,
            )
        )
        self._event(Event.CONSENT_GIVEN, given, self.creator, shared, audience=nav.organisation)
        if withdrawn:
            self._event(Event.CONSENT_WITHDRAWN, withdrawn, self.creator, shared, audience=nav.organisation)
        # NAV opens what it was given while the consent lasts; NAV's staff are not assigned to the case.
        for _n in range(self.rng.randint(1, 3)):
            at = self.seeder.later(given, within_days=60)
            if withdrawn is None or at < withdrawn:
                self._log(self.rng.choice(nav.everyone), nav.organisation, at, Action.VIEW, shared)

    def _disclose(self, at: datetime) -> None:
        # Never to the owner's own kind of service (it holds the file already), whatever the draw.
        code, receiver_kind = self.rng.choice([d for d in DISCLOSURES if d[1] != self.owner.organisation.kind])
        basis = self.seeder.bases.get(code)
        if basis is None:
            return
        receiver = self.plan.city.staff[receiver_kind].organisation
        informed = self.rng.random() < 0.5
        self.rows[Disclosure].append(
            Disclosure(
                case=self.case,
                organisation=receiver,
                field_groups=[FieldGroup.IDENTITY],
                legal_basis=basis,
                justification=DISCLOSURE_JUSTIFICATION,
                person_informed=informed,
                informed_on=at.date() if informed else None,
                created_by_id=self.creator,
                created_at=at,
            )
        )
        self._event(Event.DISCLOSED, at, self.creator, [FieldGroup.IDENTITY], audience=receiver, note=code)

    def _event(
        self,
        kind: str,
        at: datetime,
        actor: int,
        field_groups: list[str] | None = None,
        *,
        audience: Organisation | None = None,
        note: str = "",
        by: Organisation | None = None,
    ) -> None:
        self.rows[CaseEvent].append(
            CaseEvent(
                case=self.case,
                kind=kind,
                at=at,
                actor_id=actor,
                organisation=by or self.owner.organisation,
                audience=audience,
                field_groups=sorted(field_groups or []),
                note=note,
            )
        )

    def _log(
        self, user: int, organisation: Organisation, at: datetime, action: str, groups: list[str], *, reason: str = ""
    ) -> None:
        self.seeder.entries.append(
            PendingEntry(
                user_id=user,
                organisation_id=organisation.pk,
                case_id=self.case.pk,
                action=action,
                at=at,
                field_groups=tuple(groups),
                reason=reason,
                assigned=organisation.pk == self.owner.organisation.pk and user in self.assigned,
            )
        )


class _ChainStory:
    """A case's way through its chain, recorded as chain.services and referrals.services would have recorded it.

    The walk starts at the case's opening. Each step is done once its time has
    run out (a step of STEP_DAYS days opened 10 days ago is done with a chance of
    10/STEP_DAYS) unless it stalls; the first step not done is in progress and the
    rest wait. The organisation responsible for a step is the one the template
    names, the owner when it takes the step, or the city's (else the national)
    organisation of the step's kind, which accepted a referral and got the
    person's consent to the field groups the step needs.
    """

    def __init__(self, story: _Story, template: ChainTemplate, steps: list[ChainStep]) -> None:
        self.story, self.seeder, self.rng, self.rows = story, story.seeder, story.rng, story.rows
        self.case, self.owner, self.city = story.case, story.owner, story.plan.city
        self.flags = story.plan.story
        self.chain = CaseChain(case=self.case, template=template, started_at=story.plan.opened)
        self.steps = steps
        self.case_steps: list[CaseStep] = []
        self.current: CaseStep | None = None
        self.assigned: set[tuple[int, int]] = set()  # (user, organisation) assigned by accepting a referral
        self.handed_over = False

    def walk(self) -> None:
        self.rows[CaseChain].append(self.chain)
        at = self.chain.started_at
        for step in self.steps:
            if self.chain.ended_at is not None or self.current is not None:
                status = Step.SKIPPED if self.chain.ended_at is not None else Step.WAITING
                self._add(CaseStep(case=self.case, step=step, status=status))
                continue
            case_step = self._add(CaseStep(case=self.case, step=step, status=Step.ACTIVE, started_at=at))
            # Recorded just after what started it (the case's creation, the step before), as the services do.
            self.story._event(Event.STEP_STARTED, at + RECORDED_AFTER, self.story.creator, note=step.code)
            if step.responsible_kind in HANDED_OVER_KINDS:
                self._hand_over_or_end(case_step)
            else:
                at = self._run(case_step) or at
        if self.chain.ended_at is None and self.current is None and self.case_steps:
            self._end(at, self.rng.choice(FINAL_END_REASONS))  # every step done: the case is over
        if "asylum" in self.flags and self.current is not None and not self.handed_over:
            self._asylum_sought(self.seeder.later(self.current.started_at or at, within_days=7))

    def _add(self, case_step: CaseStep) -> CaseStep:
        self.case_steps.append(case_step)
        self.rows[CaseStep].append(case_step)
        return case_step

    def _run(self, case_step: CaseStep) -> datetime | None:
        """Take the step through to done (returns when), or leave it in progress or end the case at it."""
        step, started = case_step.step, cast(datetime, case_step.started_at)
        done = self._finished(step, started)
        ends = done is None and self.rng.random() < EARLY_END_SHARE
        if ends:
            done = self.seeder.later(started, within_days=STEP_DAYS.get(step.code, OTHER_STEP_DAYS))
        case_step.responsible = self._responsible(case_step, done)
        if done is None:
            self.current = case_step
            if case_step.responsible is not None and step.deadline_rule is not None:
                self._deadlines(case_step, step.deadline_rule)
            return None
        case_step.status, case_step.done_at = (Step.SKIPPED if ends else Step.DONE), done
        if ends:
            self._end(done, self.rng.choice(EARLY_END_REASONS))
        else:
            by = self._staff(case_step.responsible) if case_step.responsible else self.owner
            self.story._event(
                Event.STEP_COMPLETED, done, self.rng.choice(by.workers), note=step.code, by=by.organisation
            )
        return done

    def _finished(self, step: ChainStep, started: datetime) -> datetime | None:
        """When the step was done, or None while it is in progress."""
        days = STEP_DAYS.get(step.code, OTHER_STEP_DAYS)
        left = (self.seeder.end - started) / timedelta(days=1)
        stalled = self.rng.random() < STALLED_SHARE or ("stalled" in self.flags and step.deadline_rule is not None)
        if stalled or self.rng.random() * days >= left:
            return None
        return self.seeder.later(started, within_days=days)

    def _responsible(self, case_step: CaseStep, done: datetime | None) -> Organisation | None:
        """Who is responsible for the step: as chain.services.default_responsible, else by an accepted referral."""
        step, started = case_step.step, cast(datetime, case_step.started_at)
        if step.responsible_organisation is not None:
            return step.responsible_organisation
        if step.takes(self.owner.organisation):
            return self.owner.organisation
        receiver = self.city.staff.get(step.responsible_kind) or self.seeder.national.get(step.responsible_kind)
        if receiver is None:
            return None
        if done is None and ("unassigned" in self.flags or self.rng.random() < UNASSIGNED_SHARE):
            # Nobody has taken the step on: the coordinators' overview raises it.
            if "unassigned" in self.flags or self.rng.random() < PENDING_REFERRAL_SHARE:
                self._refer(case_step, receiver, self.seeder.later(started, within_days=REFERRAL_ANSWER_DAYS))
            return None
        # Referred as the step starts, accepted within days (before the step was done).
        sent = started + RECORDED_AFTER
        accepted = min(self.seeder.later(started, within_days=REFERRAL_ANSWER_DAYS), done or self.seeder.end)
        self._refer(case_step, receiver, sent, accepted=max(sent, accepted))
        return receiver.organisation

    def _refer(self, case_step: CaseStep, to: _Staff, at: datetime, *, accepted: datetime | None = None) -> None:
        step = case_step.step
        referral = self._send(
            Referral.Kind.REFERRAL,
            case_step,
            to,
            at,
            groups=step.field_groups or [FieldGroup.IDENTITY],  # a referral shares at least who the person is
            purpose=REFERRAL_PURPOSE.format(step=step.title_nb),
        )
        if accepted is None:
            return
        member = self.rng.choice(to.workers)
        referral.status, referral.decided_by_id, referral.decided_at = Referral.Status.ACCEPTED, member, accepted
        if (member, to.organisation.pk) not in self.assigned:  # referrals.services.accept assigns the member
            self.assigned.add((member, to.organisation.pk))
            self.rows[CaseAssignment].append(
                CaseAssignment(case=self.case, user_id=member, organisation=to.organisation, assigned_at=accepted)
            )
        # The timeline gets the chain's events and the referral itself; the services' CONSENT_GIVEN and
        # REFERRAL_ACCEPTED are left out, as the consent and the referral rows say the same at a third fewer rows.
        note = f"{step.code}: {to.organisation.name}"
        self.story._event(Event.RESPONSIBILITY_ASSIGNED, accepted, member, note=note, by=to.organisation)

    def _send(
        self, kind: str, case_step: CaseStep | None, to: _Staff, at: datetime, *, groups: list[str], purpose: str
    ) -> Referral:
        """A referral or hand-over waiting for an answer, with the consent that lets the receiver read the case."""
        groups, creator = sorted(set(groups)), self.story.creator
        consent = Consent(
            case=self.case,
            organisation=to.organisation,
            field_groups=groups,
            purpose=purpose,
            form=self.rng.choice([Consent.Form.WRITTEN, Consent.Form.ORAL]),
            given_on=timezone.localdate(at),
            recorded_by_id=creator,
            recorded_at=at,
        )
        referral = Referral(
            case=self.case,
            kind=kind,
            case_step=case_step,
            from_organisation=self.owner.organisation,
            to_organisation=to.organisation,
            purpose=purpose,
            field_groups=groups,
            consent=consent,
            created_by_id=creator,
            created_at=at,
        )
        self.rows[Consent].append(consent)
        self.rows[Referral].append(referral)
        sent = Event.HANDOVER_REQUESTED if kind == Referral.Kind.HANDOVER else Event.REFERRAL_SENT
        self.story._event(sent, at, creator, audience=to.organisation, note=case_step.step.code if case_step else "")
        return referral

    def _deadlines(self, case_step: CaseStep, rule: DeadlineRule) -> None:
        """The deadline of the step in progress, from its start (overdue once its time has passed); a repeating
        one (the 14-day support cycle) round after round, each confirmed a little before it fell due (by the
        person, the lawyer or UDI) and each counted from the previous round's due date.

        Steps already done get none: the board and the overview show open deadlines only, and at national
        scale the closed ones would be most of the rows.
        """
        start = cast(datetime, case_step.started_at)
        while True:
            due = rules.due_at_for(rule, start)
            if not rule.repeats or due >= self.seeder.end:
                self._deadline(case_step, rule, start, due, done=None)
                return
            following = rules.next_cycle_start(rule, start)
            latest_round = rules.due_at_for(rule, following) >= self.seeder.end
            if latest_round and self.rng.random() < MISSED_ROUND_SHARE:
                self._deadline(case_step, rule, start, due, done=None)  # missed: overdue on the board
                return
            paid = self.seeder.later(due - timedelta(days=PAID_DAYS_BEFORE_DUE), within_days=PAID_DAYS_BEFORE_DUE)
            self._deadline(case_step, rule, start, due, done=max(paid, start))
            start = following

    def _deadline(
        self, case_step: CaseStep, rule: DeadlineRule, start: datetime, due: datetime, *, done: datetime | None
    ) -> None:
        organisation = cast(Organisation, case_step.responsible)
        worker = self.rng.choice(self._staff(organisation).workers)
        confirmed = done is not None and bool(rule.confirms_en)
        self.rows[Deadline].append(
            Deadline(
                case=self.case,
                rule=rule,
                case_step=case_step,
                organisation=organisation,
                starts_at=start,
                due_at=due,
                done_at=done,
                done_by_id=worker if done is not None else None,
                confirmed_by=self.rng.choice(Deadline.ConfirmedBy.values) if confirmed else "",
                confirmed_at=done if confirmed else None,
                created_by_id=worker,
                created_at=start,
            )
        )

    def _staff(self, organisation: Organisation) -> _Staff:
        staff = self.city.staff.get(organisation.kind) or self.seeder.national.get(organisation.kind)
        if staff is None or staff.organisation.pk != organisation.pk:
            return self.owner  # a named organisation from elsewhere: the owner records for it
        return staff

    def _hand_over_or_end(self, case_step: CaseStep) -> None:
        """The state takes over: the person sought asylum and the hand-over waits, or residence was granted."""
        started = cast(datetime, case_step.started_at)
        if self.rng.random() < ASYLUM_SHARE:
            self.current = case_step
            self._asylum_sought(started)
        else:
            case_step.status, case_step.done_at = Step.SKIPPED, started
            self._end(started, Ended.RESIDENCE_GRANTED)

    def _asylum_sought(self, at: datetime) -> None:
        """A hand-over to the city's reception centre, not yet accepted, with the information the step needs.

        The demo's immigration group records no asylum claim, so the hand-over goes on a reason (on the
        timeline), as `referrals.services.hand_over` requires for the step's precondition."""
        centre = self.city.staff.get(Kind.RECEPTION_CENTRE)
        if centre is None:
            return
        reception = next(
            (case_step for case_step in self.case_steps if case_step.step.responsible_kind in HANDED_OVER_KINDS), None
        )
        groups = (reception.step.field_groups if reception is not None else []) or [FieldGroup.IDENTITY]
        referral = self._send(Referral.Kind.HANDOVER, reception, centre, at, groups=groups, purpose=HANDOVER_PURPOSE)
        if reception is not None and reception.step.precondition:
            referral.precondition_reason = HANDOVER_REASON
            overridden, creator = Event.PRECONDITION_OVERRIDDEN, self.story.creator
            self.story._event(overridden, at, creator, audience=centre.organisation, note=HANDOVER_REASON)
        self.handed_over = True

    def _end(self, at: datetime, reason: str) -> None:
        self.chain.ended_at, self.chain.end_reason = at, reason
        self.story._event(Event.CASE_ENDED, at, self.story.creator, note=reason)


def seed_cases(
    *,
    rng: random.Random,
    scale: int,
    municipalities: list[Municipality],
    first_names: list[str],
    last_names: list[str],
    today: date | None = None,
) -> SeededCases:
    return CaseSeeder(
        rng=rng,
        scale=scale,
        municipalities=municipalities,
        today=today or timezone.localdate(),
        first_names=first_names,
        last_names=last_names,
    ).run()
