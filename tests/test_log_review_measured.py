"""What the log review finds: snooping of every kind planted among a month of legitimate work.

Four organisations work a month of cases as they do: a municipality (an admin, coordinators who read the
organisation's cases unassigned, caseworkers assigned to theirs), an NGO's night outreach (20:00–04:00 every
night), the police (around the clock) and a shelter (07:00–22:00, weekends too). Each member reads only cases
where the organisation has a part — owning it, a referral, a meeting, a deadline — within the organisation's
hours, and writes progress on some of the days (work leaves traces). A few members then snoop, one of each
kind. The test asserts that every planted kind is flagged with its reads, and that fewer than 2 % of the
legitimate reads are flagged; run with `-s` to see the figures (README, "Log review: what it finds").
"""

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.models import User
from audit.models import AccessEntry, ChainHead
from audit.services import PendingEntry, append_entries_in_bulk
from cases.models import Case, ProtectedCaseAccess
from chain.models import Deadline
from log_review.services import FlagKind, review_flags
from meetings.models import Meeting
from organisations.models import Membership, Organisation
from referrals.models import Referral
from tests.factories import CaseFactory, MembershipFactory, MunicipalityFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")
DAYS = 30
WRITE_SHARE = 0.5  # on this share of the days a member works on a case, they also write in it
SEARCH_SHARE = 0.3  # and on this share they first search by name or date of birth


@dataclass
class Member:
    user: User
    organisation: Organisation
    role: str
    cases: list[Case] = field(default_factory=list)  # the cases this member reads in ordinary work

    @property
    def assigned_only(self) -> bool:
        return self.role == Membership.Role.CASEWORKER


@dataclass
class World:
    organisations: dict[str, Organisation]
    members: dict[str, list[Member]]
    related: dict[int, list[Case]]  # organisation id → the cases it has a part in
    unrelated_to_municipality: list[Case]
    inactive_municipal_case: Case
    protected_shelter_case: Case
    since: datetime
    until: datetime


def _organisation(name: str, kind: str, municipality: object, **hours: object) -> Organisation:
    return OrganisationFactory.create(name=name, kind=kind, municipality=municipality, **hours)


def _members(organisation: Organisation, roles: list[str]) -> list[Member]:
    return [
        Member(
            MembershipFactory.create(organisation=organisation, role=role, user__totp=False).user, organisation, role
        )
        for role in roles
    ]


def build_world(rng: random.Random, *, cases: int, caseworkers: int) -> World:
    """The organisations, their members and cases, and each organisation's part in the cases."""
    oslo = MunicipalityFactory.create()
    kind = Organisation.Kind
    organisations = {
        "municipality": _organisation("Kommunen", kind.TOT_COORDINATOR, oslo),
        "outreach": _organisation(
            "Natteravn", kind.STREET_OUTREACH, oslo, works_from=time(20), works_until=time(4), works_weekends=True
        ),
        "police": _organisation("Politiet", kind.POLICE_DISTRICT, oslo, works_around_the_clock=True),
        "shelter": _organisation(
            "Krisesenteret", kind.SHELTER, oslo, works_from=time(7), works_until=time(22), works_weekends=True
        ),
    }
    role = Membership.Role
    members = {
        "municipality": _members(
            organisations["municipality"],
            [role.ORG_ADMIN, role.COORDINATOR, role.COORDINATOR, *[role.CASEWORKER] * caseworkers],
        ),
        "outreach": _members(organisations["outreach"], [role.COORDINATOR, *[role.CASEWORKER] * 4]),
        "police": _members(organisations["police"], [role.COORDINATOR, *[role.CASEWORKER] * 4]),
        "shelter": _members(organisations["shelter"], [role.COORDINATOR, *[role.CASEWORKER] * 2]),
    }
    owners = ["municipality"] * 5 + ["outreach"] * 3 + ["shelter"] * 2
    related: dict[int, list[Case]] = defaultdict(list)
    start = timezone.now() - timedelta(days=DAYS)
    for _n in range(cases):
        owner = organisations[rng.choice(owners)]
        case = CaseFactory.create(owner=owner)
        related[owner.pk].append(case)
        if owner != organisations["municipality"]:
            # The municipality follows every case in town: a support cycle's deadline.
            Deadline.objects.create(
                case=case,
                organisation=organisations["municipality"],
                title="Oppfølging",
                starts_at=start,
                due_at=start + timedelta(days=14),
            )
            related[organisations["municipality"].pk].append(case)
        if rng.random() < 0.5:
            Referral.objects.create(
                case=case,
                from_organisation=owner,
                to_organisation=organisations["police"],
                purpose="Anmeldelse",
                field_groups=["identity"],
            )
            related[organisations["police"].pk].append(case)
        if owner != organisations["shelter"] and rng.random() < 0.3:
            meeting = Meeting.objects.create(
                case=case, kind=Meeting.Kind.CASE, scheduled_at=start + timedelta(days=10), organisation=owner
            )
            meeting.invited.set([owner, organisations["shelter"]])
            related[organisations["shelter"].pk].append(case)
    for name, group in members.items():
        own_cases = list(dict.fromkeys(related[organisations[name].pk]))
        assignable = [member for member in group if member.assigned_only]
        for case in own_cases:
            rng.choice(assignable).cases.append(case)
        for member in group:
            if not member.assigned_only:
                member.cases = own_cases
    # Cases the snoopers reach for: the outreach's, where the municipality has no part; one the municipality
    # owns where nothing happens this month; a protected shelter case with its readers named.
    unrelated = [CaseFactory.create(owner=organisations["outreach"]) for _n in range(3)]
    inactive = CaseFactory.create(owner=organisations["municipality"])
    protected = CaseFactory.create(owner=organisations["shelter"], is_protected=True)
    named = [member for member in members["shelter"] if not member.assigned_only]
    for member in named:
        member.cases.append(protected)
        ProtectedCaseAccess.objects.create(case=protected, user=member.user)
    return World(
        organisations,
        members,
        related,
        unrelated,
        inactive,
        protected,
        since=start.replace(hour=0, minute=0, second=0, microsecond=0),
        until=timezone.now() + timedelta(minutes=1),
    )


def working_moment(rng: random.Random, organisation: Organisation, day: date) -> datetime | None:
    """A random moment of the organisation's working hours that start on `day`, or None on a day off."""
    if day.weekday() >= 5 and not organisation.works_weekends and not organisation.works_around_the_clock:
        return None
    if organisation.works_around_the_clock:
        begin, minutes = time(0), 24 * 60
    else:
        begin = organisation.works_from
        end = organisation.works_until
        minutes = (end.hour * 60 + end.minute) - (begin.hour * 60 + begin.minute)
        minutes += 24 * 60 if minutes <= 0 else 0
    # The last half hour is left for the session's further reads.
    return datetime.combine(day, begin, tzinfo=OSLO) + timedelta(minutes=rng.randrange(minutes - 30))


def entry(
    member: Member,
    case: Case,
    at: datetime,
    action: str = AccessEntry.Action.VIEW,
    *,
    reason: str = "",
    assigned: bool | None = None,
) -> PendingEntry:
    return PendingEntry(
        user_id=member.user.pk,
        organisation_id=member.organisation.pk,
        case_id=case.pk,
        action=action,
        at=at,
        field_groups=("identity",),
        reason=reason,
        assigned=member.assigned_only if assigned is None else assigned,
    )


def search(member: Member, at: datetime, *, hits: int) -> PendingEntry:
    return PendingEntry(
        user_id=member.user.pk,
        organisation_id=member.organisation.pk,
        case_id=None,
        action=AccessEntry.Action.SEARCH,
        at=at,
        field_groups=("identity",),
        hits=hits,
    )


def legitimate_reads(rng: random.Random, world: World) -> list[PendingEntry]:
    """A month of work: each member, on each working day, opens a few of their cases and sometimes writes."""
    entries = []
    today = timezone.localdate()
    for group in world.members.values():
        for member in group:
            for offset in range(DAYS - 1, 0, -1):
                day = today - timedelta(days=offset)
                start = working_moment(rng, member.organisation, day)
                if start is None or not member.cases or rng.random() < 0.15:  # a day off now and then
                    continue
                for case in rng.sample(member.cases, k=min(len(member.cases), rng.randint(2, 8))):
                    at = start + timedelta(minutes=rng.randrange(25))
                    for read in range(rng.randint(1, 4)):
                        entries.append(entry(member, case, at + timedelta(seconds=40 * read)))
                    if rng.random() < SEARCH_SHARE:  # looking up a new contact, found or not
                        entries.append(search(member, at - timedelta(minutes=1), hits=rng.randint(0, 1)))
                    if rng.random() < WRITE_SHARE:
                        entries.append(
                            entry(member, case, at + timedelta(minutes=2), AccessEntry.Action.PROGRESS_WRITTEN)
                        )
    return entries


def planted_snooping(rng: random.Random, world: World) -> dict[FlagKind, list[PendingEntry]]:
    """One member snooping in each way the review should find."""
    municipality, outreach, police, shelter = (
        world.members[name] for name in ("municipality", "outreach", "police", "shelter")
    )
    today = timezone.localdate()
    weekday = today - timedelta(days=(today.weekday() + 3) % 7 + 7)  # a weekday a week or two back
    office = datetime.combine(weekday, time(10), tzinfo=OSLO)
    # The police's own cases first, then any: a search through the cases.
    every_case = [case for cases in world.related.values() for case in cases]
    police_cases = list(dict.fromkeys(world.related[world.organisations["police"].pk] + every_case))
    snooper = municipality[3]
    return {
        FlagKind.NO_RELATIONSHIP: [
            entry(snooper, case, office + timedelta(minutes=3 * n), assigned=False)
            for n, case in enumerate(world.unrelated_to_municipality)
        ],
        # A coordinator, unassigned, rereading a case the municipality does nothing in this month.
        FlagKind.CURIOSITY: [
            entry(municipality[1], world.inactive_municipal_case, office - timedelta(days=days, hours=1))
            for days in (0, 2, 5, 6)
        ],
        # A shelter caseworker who is not named for the protected case.
        FlagKind.PROTECTED: [
            entry(shelter[1], world.protected_shelter_case, office + timedelta(minutes=minutes)) for minutes in (0, 1)
        ],
        FlagKind.MANY_CASES: [
            entry(police[2], case, office + timedelta(hours=2, minutes=n)) for n, case in enumerate(police_cases[:25])
        ],
        # The night outreach's worker, in their own cases, at lunchtime.
        FlagKind.OUTSIDE_HOURS: [
            entry(outreach[1], case, datetime.combine(weekday, time(13), tzinfo=OSLO) + timedelta(minutes=5 * n))
            for n, case in enumerate(outreach[1].cases[:3])
        ],
        # A police caseworker guessing a date of birth: a search every few minutes all afternoon, one hit.
        FlagKind.MANY_SEARCHES: [
            search(police[3], office + timedelta(hours=4, minutes=4 * n), hits=int(n == 30)) for n in range(40)
        ],
        FlagKind.BREAK_THE_GLASS: [
            entry(
                police[1],
                world.protected_shelter_case,
                office + timedelta(hours=3),
                AccessEntry.Action.BREAK_THE_GLASS,
                reason="Annet: ville bare se hvordan det går",
                assigned=False,
            )
        ],
    }


def appended(entries: list[PendingEntry]) -> list[int]:
    """Append the entries to the log and return their sequence numbers."""
    first = ChainHead.objects.get_or_create(pk=1)[0].sequence + 1
    count = append_entries_in_bulk(entries=entries)
    return list(range(first, first + count))


@dataclass
class Figures:
    legitimate: int
    legitimate_flagged: int
    planted: dict[FlagKind, tuple[int, int]]  # kind → (reads planted, of them flagged as that kind)
    flags: int
    false_by_kind: dict[FlagKind, int]  # kind → legitimate reads it flagged

    @property
    def false_share(self) -> float:
        return self.legitimate_flagged / self.legitimate

    def report(self, seed: int, cases: int, caseworkers: int) -> str:
        planted = sum(count for count, _found in self.planted.values())
        found = sum(found for _count, found in self.planted.values())
        kinds = ", ".join(f"{kind.value} {found}/{count}" for kind, (count, found) in self.planted.items())
        return (
            f"seed {seed}, {cases} cases, {caseworkers} municipal caseworkers: "
            f"{self.legitimate} legitimate reads, {self.legitimate_flagged} flagged "
            f"({100 * self.false_share:.2f} %); planted {planted} reads of {len(self.planted)} kinds, "
            f"{found} flagged ({100 * found / planted:.0f} %): {kinds}; {self.flags} flags in all; "
            f"legitimate reads flagged by kind: {dict((kind.value, n) for kind, n in self.false_by_kind.items() if n)}"
        )


def measure(seed: int, cases: int, caseworkers: int) -> Figures:
    rng = random.Random(seed)
    world = build_world(rng, cases=cases, caseworkers=caseworkers)
    legitimate = set(appended(legitimate_reads(rng, world)))
    planted = {kind: set(appended(entries)) for kind, entries in planted_snooping(rng, world).items()}
    flagged_as: dict[FlagKind, set[int]] = defaultdict(set)
    flags = 0
    for organisation in world.organisations.values():
        for flag in review_flags(organisation=organisation, since=world.since, until=world.until):
            flags += 1
            flagged_as[flag.kind] |= {read.sequence for read in flag.reads}
    flagged = set().union(*flagged_as.values())
    reads = AccessEntry.objects.filter(sequence__in=legitimate).exclude(action=AccessEntry.Action.PROGRESS_WRITTEN)
    legitimate_reads_only = set(reads.values_list("sequence", flat=True))
    return Figures(
        legitimate=len(legitimate_reads_only),
        legitimate_flagged=len(legitimate_reads_only & flagged),
        planted={kind: (len(sequences), len(sequences & flagged_as[kind])) for kind, sequences in planted.items()},
        flags=flags,
        false_by_kind={kind: len(legitimate_reads_only & flagged_as[kind]) for kind in FlagKind},
    )


# (seed, cases, the municipality's caseworkers): sizes and draws apart, so the rules are not tuned to one.
@pytest.mark.parametrize(("seed", "cases", "caseworkers"), [(1, 60, 5), (2, 150, 16), (3, 40, 4)])
def test_every_kind_of_snooping_is_found_among_a_month_of_work(seed: int, cases: int, caseworkers: int) -> None:
    figures = measure(seed, cases, caseworkers)
    print(figures.report(seed, cases, caseworkers))
    assert all(found == count for count, found in figures.planted.values()), figures.planted
    assert figures.false_share < 0.02
