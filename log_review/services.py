"""The data protection officer's review of the access log: reads that need a second look (Normen).

The rules follow the organisation's part in each case (log_review.relationships), not assignment alone:
coordinators and admins read every case of the organisation by design, so "not assigned" by itself says
nothing. Each rule below names what it finds and why; the thresholds are parameters, with the measurement in
tests/test_log_review_measured.py (figures in the README).
"""

import hashlib
from collections import defaultdict
from collections.abc import Callable, Collection, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.models import AccessEntry
from cases.access import GLASS_SECONDS
from log_review import relationships
from log_review.models import LogReview, ReviewedFlag
from organisations.models import Membership, Organisation

# Working hours and days are Norwegian local time, whatever the server's zone.
OSLO = ZoneInfo("Europe/Oslo")
# A caseworker follows a handful of people: more than 20 different cases within an hour looks like searching
# for someone rather than working on one's own cases.
MANY_CASES_THRESHOLD = 20
MANY_CASES_WINDOW = timedelta(minutes=60)
# Curiosity: reading one case on this many different days while the reader's organisation recorded nothing
# in it. Work leaves traces (an event, a progress entry, a step); reading again and again where one's own
# organisation does nothing is what looking someone up looks like. Three days: twice is checking back.
CURIOSITY_MIN_DAYS = 3
# Searching by name or date of birth: a caseworker looks up a new contact a handful of times a day, while
# guessing a date of birth takes dozens of searches (365 for a year). cases.services limits the pace
# (VERN_SEARCH_LIMIT); this finds the persistence, day by day.
MANY_SEARCHES_PER_DAY = 10
# The reads a broken glass opens: cases.access rule 5.
GLASS_OPEN = timedelta(seconds=GLASS_SECONDS)
# What a read is, for the rules: changing who is assigned reads nothing.
NOT_A_READ = frozenset({AccessEntry.Action.ASSIGNMENT})
# Writing in the case is work in it: the user and the organisation did something there.
WRITES = frozenset({AccessEntry.Action.EDIT, AccessEntry.Action.PROGRESS_WRITTEN, AccessEntry.Action.DISCLOSURE})


class FlagKind(models.TextChoices):
    """Why reads need the data protection officer's attention, in the order the page lists them."""

    BREAK_THE_GLASS = "break_the_glass", _("Broke the glass")
    PROTECTED = "protected", _("Protected case, not named for it")
    NO_RELATIONSHIP = "no_relationship", _("Case the organisation has no part in")
    CURIOSITY = "curiosity", _("Read again and again, nothing recorded")
    MANY_CASES = "many_cases", _("Many cases in a short time")
    OUTSIDE_HOURS = "outside_hours", _("Outside the organisation's working hours")
    MANY_SEARCHES = "many_searches", _("Many searches by name or date of birth")


@dataclass(frozen=True, slots=True)
class Read:
    """One access log entry behind a flag: codes and ids only, never the person's data.

    A search by identity opens no case: its case id and owner are 0 (no row has pk 0), its code empty, and
    `hits` says how many cases it found.
    """

    sequence: int
    at: datetime
    user_id: int | None
    organisation_id: int
    case_id: int
    case_code: str
    case_owner_id: int
    case_is_protected: bool
    action: str
    assigned: bool
    reason: str
    hits: int | None = None

    @property
    def action_label(self) -> str:
        return str(AccessEntry.Action(self.action).label)


@dataclass
class Flag:
    """Reads by one user that the reviewer should look at, with the reads themselves."""

    kind: FlagKind
    user: User | None
    detail: str
    reads: list[Read]
    reviewed: ReviewedFlag | None = field(default=None)

    @property
    def key(self) -> str:
        """Stable for the same reads: kind, user, first and last sequence, and a digest of all of them."""
        sequences = ",".join(str(read.sequence) for read in self.reads)
        digest = hashlib.sha256(sequences.encode()).hexdigest()[:16]
        user_id = self.reads[0].user_id or 0
        return f"{self.kind}:{user_id}:{self.reads[0].sequence}:{self.reads[-1].sequence}:{digest}"

    @property
    def first_at(self) -> datetime:
        return self.reads[0].at

    @property
    def last_at(self) -> datetime:
        return self.reads[-1].at

    @property
    def count(self) -> int:
        return len(self.reads)

    @property
    def case_codes(self) -> list[str]:
        return sorted({read.case_code for read in self.reads if read.case_code})


@dataclass(frozen=True)
class _Context:
    """What the rules know beyond the reads, each fetched once for the whole period."""

    organisation: Organisation
    users: dict[int | None, User]
    related: set[relationships.Pair]
    organisation_work: set[relationships.Pair]
    user_work: set[relationships.Pair]
    named: set[relationships.Pair]


def _grouped[K: Hashable](reads: Iterable[Read], key: Callable[[Read], K]) -> dict[K, list[Read]]:
    groups: dict[K, list[Read]] = defaultdict(list)
    for read in reads:
        groups[key(read)].append(read)
    return groups


def _local_day(read: Read) -> date:
    return timezone.localtime(read.at, OSLO).date()


def _own(reads: Iterable[Read], context: _Context) -> list[Read]:
    return [read for read in reads if read.organisation_id == context.organisation.pk]


def _behind_the_glass(reads: list[Read]) -> dict[int, list[Read]]:
    """Each broken glass (by sequence) with the breaker's reads of the case while the glass stays open."""
    opened: dict[tuple[int | None, int], Read] = {}
    behind: dict[int, list[Read]] = {}
    for read in reads:
        key = (read.user_id, read.case_id)
        if read.action == AccessEntry.Action.BREAK_THE_GLASS:
            opened[key] = read
            behind[read.sequence] = [read]
        elif key in opened and read.at - opened[key].at <= GLASS_OPEN:
            behind[opened[key].sequence].append(read)
    return behind


def _break_the_glass_flags(reads: list[Read], context: _Context) -> list[Flag]:
    """Every broken glass with the reads it opened: the breaker's organisation reviews its staff's, the owner
    everyone's in its cases."""
    flags = []
    for group in _behind_the_glass(reads).values():
        # The reason is in words (the log refuses one without: core.text.is_real_reason); the reviewer judges it.
        broken = group[0]
        flags.append(Flag(FlagKind.BREAK_THE_GLASS, context.users.get(broken.user_id), broken.reason, group))
    return flags


def _protected_flags(reads: list[Read], context: _Context) -> list[Flag]:
    """Reads of a protected case by someone not named for it, other than through a broken glass."""
    through_glass = {read.sequence for group in _behind_the_glass(reads).values() for read in group}
    unnamed = [
        read
        for read in _own(reads, context)
        if read.case_is_protected
        and read.sequence not in through_glass
        and (read.user_id, read.case_id) not in context.named
    ]
    return [
        Flag(
            FlagKind.PROTECTED,
            context.users.get(user_id),
            gettext("Read a protected case without being named for it"),
            group,
        )
        for (user_id, _case), group in _grouped(unnamed, lambda read: (read.user_id, read.case_id)).items()
    ]


def _no_relationship_flags(reads: list[Read], context: _Context) -> list[Flag]:
    """Reads by someone not assigned, in a case where the organisation has no part during the period."""
    without = [
        read
        for read in _own(reads, context)
        if not read.assigned
        and read.action != AccessEntry.Action.BREAK_THE_GLASS
        and (read.organisation_id, read.case_id) not in context.related
    ]
    return [
        Flag(
            FlagKind.NO_RELATIONSHIP,
            context.users.get(user_id),
            gettext("Neither assigned nor any part of the organisation in the case"),
            group,
        )
        for (user_id, _case), group in _grouped(without, lambda read: (read.user_id, read.case_id)).items()
    ]


def _curiosity_flags(reads: list[Read], context: _Context) -> list[Flag]:
    """One user reading one case on CURIOSITY_MIN_DAYS days or more while nobody of the organisation wrote in it."""
    flags = []
    by_user_and_case = _grouped(_own(reads, context), lambda read: (read.user_id, read.case_id))
    for (user_id, case_id), group in by_user_and_case.items():
        if user_id is None or (user_id, case_id) in context.user_work:
            continue
        if (context.organisation.pk, case_id) in context.organisation_work:
            continue
        days = len({_local_day(read) for read in group})
        if days >= CURIOSITY_MIN_DAYS:
            detail = ngettext(
                "Read on %(days)d day, nothing recorded in the case",
                "Read on %(days)d days, nothing recorded in the case",
                days,
            ) % {"days": days}
            flags.append(Flag(FlagKind.CURIOSITY, context.users.get(user_id), detail, group))
    return flags


def _bursts(reads: list[Read]) -> list[list[Read]]:
    """Stretches of one user's reads (in time order) where some window holds too many distinct cases.

    A sliding window over the reads; overlapping windows over the threshold merge into one burst, so a long
    search gives one flag, not hundreds.
    """
    spans: list[tuple[int, int]] = []
    in_window: dict[int, int] = defaultdict(int)
    start = 0
    for end, read in enumerate(reads):
        in_window[read.case_id] += 1
        while read.at - reads[start].at > MANY_CASES_WINDOW:
            in_window[reads[start].case_id] -= 1
            if not in_window[reads[start].case_id]:
                del in_window[reads[start].case_id]
            start += 1
        if len(in_window) > MANY_CASES_THRESHOLD:
            if spans and start <= spans[-1][1]:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
    return [reads[first : last + 1] for first, last in spans]


def _many_cases_flags(reads: list[Read], context: _Context) -> list[Flag]:
    flags = []
    for user_id, own in _grouped(_own(reads, context), lambda read: read.user_id).items():
        for burst in _bursts(own):
            cases = len({read.case_id for read in burst})
            minutes = max(1, round((burst[-1].at - burst[0].at).total_seconds() / 60))
            detail = ngettext(
                "%(cases)d different cases within %(minutes)d minute",
                "%(cases)d different cases within %(minutes)d minutes",
                minutes,
            ) % {"cases": cases, "minutes": minutes}
            flags.append(Flag(FlagKind.MANY_CASES, context.users.get(user_id), detail, burst))
    return flags


def is_outside_hours(organisation: Organisation, at: datetime) -> bool:
    local = timezone.localtime(at, OSLO)
    return not organisation.works_at(local.time(), weekday=local.weekday())


def _outside_hours_flags(reads: list[Read], context: _Context) -> list[Flag]:
    """Reads outside the organisation's own working hours: a night outreach service sets its nights."""
    outside = [read for read in _own(reads, context) if is_outside_hours(context.organisation, read.at)]
    # One flag per user and local day: a late evening is one thing to ask about.
    flags = []
    for (user_id, _day), group in _grouped(outside, lambda read: (read.user_id, _local_day(read))).items():
        detail = ngettext(
            "%(count)d read outside the organisation's working hours",
            "%(count)d reads outside the organisation's working hours",
            len(group),
        ) % {"count": len(group)}
        flags.append(Flag(FlagKind.OUTSIDE_HOURS, context.users.get(user_id), detail, group))
    return flags


def _many_searches_flags(searches: list[Read], context: _Context) -> list[Flag]:
    """A user searching by identity more than MANY_SEARCHES_PER_DAY times in a day: one flag per user and day."""
    flags = []
    for (user_id, _day), group in _grouped(searches, lambda read: (read.user_id, _local_day(read))).items():
        if len(group) <= MANY_SEARCHES_PER_DAY:
            continue
        detail = ngettext(
            "%(count)d search by name or date of birth in a day, %(empty)d of them found nothing",
            "%(count)d searches by name or date of birth in a day, %(empty)d of them found nothing",
            len(group),
        ) % {"count": len(group), "empty": sum(1 for read in group if not read.hits)}
        flags.append(Flag(FlagKind.MANY_SEARCHES, context.users.get(user_id), detail, group))
    return flags


RULES = (
    _break_the_glass_flags,
    _protected_flags,
    _no_relationship_flags,
    _curiosity_flags,
    _many_cases_flags,
    _outside_hours_flags,
)
READ_FIELDS = {
    "sequence": "sequence",
    "at": "at",
    "user_id": "user_id",
    "organisation_id": "organisation_id",
    "case_id": "case_id",
    "case_code": "case__code",
    "case_owner_id": "case__owner_id",
    "case_is_protected": "case__is_protected",
    "action": "action",
    "assigned": "assigned",
    "reason": "reason",
}


def _reads_for(organisation: Organisation, *, since: datetime, until: datetime) -> list[Read]:
    """The organisation's own staff's entries, and the broken glass by anyone in the organisation's cases."""
    broke_into_own = Q(action=AccessEntry.Action.BREAK_THE_GLASS, case__owner=organisation)
    entries = (
        AccessEntry.objects.filter(Q(organisation=organisation) | broke_into_own, at__gte=since, at__lt=until)
        .filter(case__isnull=False)
        .exclude(action__in=NOT_A_READ)
        .order_by("at", "sequence")
    )
    return [Read(**dict(zip(READ_FIELDS, row, strict=True))) for row in entries.values_list(*READ_FIELDS.values())]


def _searches_for(organisation: Organisation, *, since: datetime, until: datetime) -> list[Read]:
    """The organisation's staff's searches by identity (audit.services.record_search): who, when, how many hits."""
    entries = AccessEntry.objects.filter(
        organisation=organisation, action=AccessEntry.Action.SEARCH, at__gte=since, at__lt=until
    ).order_by("at", "sequence")
    return [
        Read(
            sequence=sequence,
            at=at,
            user_id=user_id,
            organisation_id=organisation.pk,
            case_id=0,
            case_code="",
            case_owner_id=0,
            case_is_protected=False,
            action=AccessEntry.Action.SEARCH,
            assigned=False,
            reason="",
            hits=hits,
        )
        for sequence, at, user_id, hits in entries.values_list("sequence", "at", "user_id", "hits")
    ]


def _context(
    organisation: Organisation, reads: list[Read], searches: list[Read], *, since: datetime, until: datetime
) -> _Context:
    case_ids: Collection[int] = {read.case_id for read in reads}
    organisation_work, user_work = relationships.recorded_work(case_ids, since=since, until=until)
    for read in reads:
        if read.action in WRITES:
            organisation_work.add((read.organisation_id, read.case_id))
            if read.user_id is not None:
                user_work.add((read.user_id, read.case_id))
    protected = {read.case_id for read in reads if read.case_is_protected}
    return _Context(
        organisation=organisation,
        users=dict(User.objects.in_bulk({read.user_id for read in [*reads, *searches] if read.user_id is not None})),
        related=relationships.related_pairs(case_ids, since=since, until=until),
        organisation_work=organisation_work,
        user_work=user_work,
        named=relationships.named_for_protected(protected),
    )


def review_flags(*, organisation: Organisation, since: datetime, until: datetime) -> list[Flag]:
    """The flags of the organisation's log between `since` and `until`, with what was concluded on each.

    A fixed number of queries however many entries: the entries, the users, one per relationship concept, the
    events, the named users and the conclusions.
    """
    reads = _reads_for(organisation, since=since, until=until)
    searches = _searches_for(organisation, since=since, until=until)
    context = _context(organisation, reads, searches, since=since, until=until)
    flags = [flag for rule in RULES for flag in rule(reads, context)] + _many_searches_flags(searches, context)
    reviewed = {
        each.key: each
        for each in ReviewedFlag.objects.filter(organisation=organisation, key__in=[flag.key for flag in flags])
    }
    for flag in flags:
        flag.reviewed = reviewed.get(flag.key)
    order = list(FlagKind)
    return sorted(flags, key=lambda flag: (order.index(flag.kind), flag.first_at))


@transaction.atomic
def mark_flag_reviewed(
    *, membership: Membership, key: str, outcome: str, note: str, now: datetime | None = None
) -> ReviewedFlag:
    """Record the reviewer's conclusion on a flag; a second conclusion replaces the first."""
    reviewed, _created = ReviewedFlag.objects.update_or_create(
        organisation=membership.organisation,
        key=key,
        defaults={
            "outcome": ReviewedFlag.Outcome(outcome),
            "note": note.strip(),
            "reviewed_by": membership.user,
            "reviewed_at": now or timezone.now(),
        },
    )
    return reviewed


def record_review(*, membership: Membership, period_start: date, period_end: date, flags: list[Flag]) -> LogReview:
    """Record that the period's log was reviewed: the record Normen's regular review asks for."""
    return LogReview.objects.create(
        organisation=membership.organisation,
        period_start=period_start,
        period_end=period_end,
        flags=len(flags),
        flags_reviewed=sum(1 for flag in flags if flag.reviewed is not None),
        reviewed_by=membership.user,
    )


def last_review(organisation: Organisation) -> LogReview | None:
    return LogReview.objects.filter(organisation=organisation).select_related("reviewed_by").first()
