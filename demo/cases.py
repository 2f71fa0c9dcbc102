"""Fictional cases for the demo, and national-scale volume for benchmarks.

Scale 1 (`make demo`) gets a dozen cases in Oslo and Bergen that show every kind
of sharing and one protected case. `--scale N` (N ≥ 2) adds about N × 1,000
cases spread over every municipality's organisations, each with an encrypted
identity (and often contact) group, a timeline and an access log: about ten
timeline events and access-log entries per case, so scale 100 gives about
100,000 cases and 1,000,000 rows, the volume of a national service after some
years.

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
from core import crypto
from organisations.models import Membership, Municipality, Organisation
from sharing.models import Consent, Disclosure, LegalBasis

Kind = Organisation.Kind
Role = Membership.Role
Event = CaseEvent.Kind
Action = AccessEntry.Action

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

# The showcase for scale 1: (city, owner kind, story), in the order the cases were opened.
SHOWCASE_HISTORY_DAYS = 45
SHOWCASE = [
    ("Oslo", Kind.TOT_COORDINATOR, {"contact", "consent"}),
    ("Oslo", Kind.NGO_PROJECT, {"consent", "assigned"}),
    ("Oslo", Kind.CHILD_WELFARE, {"contact", "disclosure"}),
    ("Bergen", Kind.TOT_COORDINATOR, {"contact", "consent"}),
    ("Oslo", Kind.TOT_COORDINATOR, {"protected", "contact"}),
    ("Oslo", Kind.SHELTER, {"consent", "withdrawn"}),
    ("Bergen", Kind.NGO_PROJECT, {"assigned"}),
    ("Oslo", Kind.NGO_PROJECT, {"contact"}),
    ("Oslo", Kind.POLICE_DISTRICT, {"contact", "disclosure"}),
    ("Bergen", Kind.LOW_THRESHOLD_SERVICE, {"consent"}),
    ("Oslo", Kind.STREET_OUTREACH, {"consent", "contact"}),
    ("Bergen", Kind.SHELTER, {"contact"}),
]

NATIONALITIES = ["Nigeria", "Romania", "Bulgaria", "Vietnam", "Albania", "Thailand", "Eritrea", "Ukraina", "Norge"]
LANGUAGES = {
    "Nigeria": "Engelsk, edo",
    "Romania": "Rumensk",
    "Bulgaria": "Bulgarsk",
    "Vietnam": "Vietnamesisk",
    "Albania": "Albansk",
    "Thailand": "Thai",
    "Eritrea": "Tigrinja",
    "Ukraina": "Ukrainsk, russisk",
    "Norge": "Norsk",
}
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
    events: int = 0
    access_entries: int = 0


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


@dataclass
class _Plan:
    """One case to create: where, by whom, when, and which parts of the story it has."""

    city: _City
    owner: _Staff
    opened: datetime
    story: set[str]
    code: str = ""


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
        self.last_numbers: dict[tuple[str, int], int] = {}  # the last case number per prefix and year

    def run(self) -> SeededCases:
        if Case.objects.filter(municipality__in=self.municipalities).exists():
            return SeededCases()  # seeded before (make demo runs seed_demo every time): leave them as they are
        cities = self._cities()
        plans = self._showcase(cities)
        if self.scale > 1:
            plans += self._volume(cities)
        self._number(plans)
        with transaction.atomic(), _explicit_times(), _large_sqlite_cache(), _no_cyclic_gc():
            for batch in batched(plans, BATCH_SIZE):
                self._write(list(batch))
            self.entries.sort(key=lambda entry: entry.at)  # stable: the log grows in time order
            logged = append_entries_in_bulk(entries=self.entries)
            self._advance_sequences()
        return SeededCases(cases=len(plans), events=self.events, access_entries=logged)

    # --- Planning ---------------------------------------------------------------------------------

    def _cities(self) -> list[_City]:
        organisations = Organisation.objects.filter(municipality__in=self.municipalities).order_by("pk")
        by_role: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        memberships = Membership.objects.filter(organisation__in=organisations).order_by("pk")
        for organisation_id, role, user_id in memberships.values_list("organisation_id", "role", "user_id"):
            by_role[organisation_id][role].append(user_id)
        staff: dict[int | None, dict[str, _Staff]] = defaultdict(dict)
        for organisation in organisations:
            staff[organisation.municipality_id][organisation.kind] = _Staff(
                organisation, dict(by_role[organisation.pk])
            )
        return [_City(municipality, staff[municipality.pk]) for municipality in self.municipalities]

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
        kinds = list(OWNER_KINDS)
        kind_weights = list(accumulate(OWNER_KINDS.values()))
        plans = []
        for city, count in zip(cities, shares, strict=True):
            for _n in range(count):
                kind = kinds[bisect(kind_weights, self.rng.random() * kind_weights[-1])]
                days_ago = self.rng.randint(1, VOLUME_HISTORY_DAYS)  # yesterday at the latest
                opened = self._working_time((self.end - timedelta(days=days_ago)).date())
                plans.append(_Plan(city, city.staff[kind], opened, self._story()))
        return plans

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
        people = [self._identity() for _plan in plans]
        cases = Case.objects.bulk_create(
            [
                Case(
                    code=plan.code,
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
        for model in (FieldGroupRecord, CaseAssignment, ProtectedCaseAccess, Consent, Disclosure, CaseEvent):
            model._default_manager.bulk_create(rows[model], batch_size=BATCH_SIZE)
        self.events += len(rows[CaseEvent])

    # --- The fictional person ---------------------------------------------------------------------

    def _identity(self) -> dict[str, Any]:
        nationality = self.rng.choice(NATIONALITIES)
        identity: dict[str, Any] = {
            "first_name": self.rng.choice(self.first_names),
            "last_name": self.rng.choice(self.last_names),
            "gender": self.rng.choice(["female", "female", "male", "other"]),
            "nationality": nationality,
            "languages": LANGUAGES[nationality],
        }
        age = self.rng.randint(15, 45)
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
        # Day-to-day work: the owner's staff open the case now and then, the creator most often.
        for _n in range(self.rng.randint(2, 7)):
            user = self.creator if self.rng.random() < 0.6 else self.rng.choice(self.readers)
            at = self.seeder.later(recorded, within_days=ACTIVE_DAYS)
            self._log(user, self.owner.organisation, at, Action.VIEW, self.groups)

    def _record(self, group: str, data: dict[str, Any], at: datetime) -> None:
        record = FieldGroupRecord(case=self.case, group=group, updated_at=at, updated_by_id=self.creator)
        record.ciphertext = crypto.encrypt_json(data, aad=record.associated_data, ring=self.seeder.ring)
        self.rows[FieldGroupRecord].append(record)
        self.groups.append(group)
        self._event(Event.FIELD_GROUP_CHANGED, at, self.creator, [group])
        self._log(self.creator, self.owner.organisation, at, Action.EDIT, [group])

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
        code, receiver_kind = self.rng.choice(DISCLOSURES)
        basis = self.seeder.bases.get(code)
        if basis is None or self.owner.organisation.kind == receiver_kind:
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
    ) -> None:
        self.rows[CaseEvent].append(
            CaseEvent(
                case=self.case,
                kind=kind,
                at=at,
                actor_id=actor,
                organisation=self.owner.organisation,
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
