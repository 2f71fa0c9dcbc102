"""The access log: recording every read of a case, verifying the chain, and reading the log back.

Each entry's hash covers its content and the previous entry's hash, so changing
or removing any entry breaks the chain from that point; `ChainHead` catches the
removal of the newest entries. The hash is unkeyed: it shows tampering by
anyone who does not also rewrite every later entry and the head, so keep the
head hash printed by `verify_audit_log` somewhere the database's users cannot
write (a rewritten chain ends in a different hash).
"""

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import batched
from typing import Any, TypedDict

from django.db import connection, models, transaction
from django.db.models import F, Max, QuerySet
from django.utils import timezone

from accounts.models import User
from audit.models import GENESIS_HASH, HEAD_PK, REASON_MAX_LENGTH, AccessEntry, ChainHead
from cases.models import Case, FieldGroup
from organisations.models import Organisation

# The fields an entry's hash covers, in this order (see _hash_of).
HASHED_FIELDS = (
    "sequence",
    "at",
    "user_id",
    "organisation_id",
    "case_id",
    "field_groups",
    "action",
    "reason",
    "assigned",
    "previous_hash",
)
# Entries read per query by verify_chain: memory stays flat however long the log grows.
VERIFY_BATCH_SIZE = 5000


def _iso(at: datetime) -> str:
    # Databases hand times back in UTC; hash the same instant the same way whatever zone it came in.
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _hash_of(content: Mapping[str, Any]) -> str:
    """SHA-256 of a canonical serialisation of an entry's HASHED_FIELDS."""
    values = [
        "vern-access-v1",
        content["sequence"],
        _iso(content["at"]),
        content["user_id"],
        content["organisation_id"],
        content["case_id"],
        sorted(content["field_groups"]),
        content["action"],
        content["reason"],
        bool(content["assigned"]),
        content["previous_hash"],
    ]
    serialised = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(serialised.encode()).hexdigest()


def _validated_field_groups(field_groups: Iterable[str]) -> list[str]:
    groups = sorted(set(field_groups))
    unknown = set(groups) - set(FieldGroup.values)
    if unknown:
        raise ValueError(f"Unknown field groups: {sorted(unknown)}")
    return groups


def _locked_head() -> ChainHead:
    """The chain head, locked until the surrounding transaction ends, so entries are chained one at a time."""
    if connection.vendor == "sqlite":
        # SQLite ignores SELECT ... FOR UPDATE. A write first takes the database's write lock now, so
        # a concurrent writer waits here instead of failing later with "database is locked".
        ChainHead.objects.filter(pk=HEAD_PK).update(sequence=F("sequence"))
    head, _created = ChainHead.objects.select_for_update().get_or_create(pk=HEAD_PK)
    return head


@transaction.atomic
def record_access(
    *,
    user: User | None,
    organisation: Organisation,
    case: Case,
    field_groups: Iterable[str],
    action: str,
    reason: str = "",
    assigned: bool = False,
    at: datetime | None = None,
) -> AccessEntry:
    """Log that `user`, acting in `organisation`, read or disclosed `field_groups` of `case`.

    Call it in the transaction that reads the data, as late as possible: the
    chain head stays locked until that transaction ends. `at` is for imports and
    tests; it defaults to now.
    """
    action = AccessEntry.Action(action)  # ValueError for an unknown action
    reason = reason.strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise ValueError(f"The reason is longer than {REASON_MAX_LENGTH} characters.")
    if action == AccessEntry.Action.BREAK_THE_GLASS and not reason:
        raise ValueError("Breaking the glass needs a reason.")
    groups = _validated_field_groups(field_groups)
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise ValueError("The access time must be timezone-aware.")
    head = _locked_head()
    entry = AccessEntry(
        sequence=head.sequence + 1,
        at=at,
        user=user,
        organisation=organisation,
        case=case,
        field_groups=groups,
        action=action,
        reason=reason,
        assigned=assigned,
        previous_hash=head.hash,
    )
    entry.hash = _hash_of({name: getattr(entry, name) for name in HASHED_FIELDS})
    entry.save()
    head.sequence, head.hash = entry.sequence, entry.hash
    head.save(update_fields=["sequence", "hash"])
    return entry


@dataclass(frozen=True, slots=True)
class PendingEntry:
    """An access to log with `append_entries_in_bulk`: record_access's arguments, by id, with an explicit time."""

    user_id: int | None
    organisation_id: int
    case_id: int
    action: str
    at: datetime
    field_groups: tuple[str, ...] = ()
    reason: str = ""
    assigned: bool = False


# Entries inserted per statement by append_entries_in_bulk.
BULK_BATCH_SIZE = 5000


def _checked_content(entry: PendingEntry, groups: dict[tuple[str, ...], list[str]]) -> dict[str, Any]:
    """The entry's hashed content, refused for exactly what record_access refuses.

    `groups` caches validated field-group lists: bulk entries repeat a handful of combinations.
    """
    action = AccessEntry.Action(entry.action)  # ValueError for an unknown action
    reason = entry.reason.strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise ValueError(f"The reason is longer than {REASON_MAX_LENGTH} characters.")
    if action == AccessEntry.Action.BREAK_THE_GLASS and not reason:
        raise ValueError("Breaking the glass needs a reason.")
    if timezone.is_naive(entry.at):
        raise ValueError("The access time must be timezone-aware.")
    key = tuple(entry.field_groups)
    if key not in groups:
        groups[key] = _validated_field_groups(key)
    return {
        "at": entry.at,
        "user_id": entry.user_id,
        "organisation_id": entry.organisation_id,
        "case_id": entry.case_id,
        "field_groups": list(groups[key]),
        "action": str(action),
        "reason": reason,
        "assigned": entry.assigned,
    }


@transaction.atomic
def append_entries_in_bulk(*, entries: Iterable[PendingEntry]) -> int:
    """Append many entries to the log, in the order given, in batched INSERTs; returns how many.

    For imports and national-scale demo data (demo.seeding), where one
    record_access call per entry would take hours. It is safe to bypass the
    queryset's refusal of bulk_create because this function does what
    record_access does, only in batches: it takes the same lock on the chain
    head, numbers each entry after the head, links it to the previous entry's
    hash, hashes the same canonical content (`_hash_of`), and moves the head to
    the last entry in the same transaction. It only appends — it never changes
    or removes an entry — so `verify_chain` finds the result intact, and a
    following record_access continues the chain. The head stays locked until
    the surrounding transaction ends.
    """
    head = _locked_head()
    sequence, previous_hash = head.sequence, head.hash
    # A plain QuerySet: AccessEntryQuerySet refuses bulk_create so that nothing else inserts unchained rows.
    plain: models.QuerySet[AccessEntry] = models.QuerySet(model=AccessEntry)
    groups: dict[tuple[str, ...], list[str]] = {}
    for batch in batched(entries, BULK_BATCH_SIZE):
        rows = []
        for pending in batch:
            sequence += 1
            content = _checked_content(pending, groups) | {"sequence": sequence, "previous_hash": previous_hash}
            previous_hash = _hash_of(content)
            rows.append(AccessEntry(**content, hash=previous_hash))
        plain.bulk_create(rows)
    appended = sequence - head.sequence
    if appended:
        head.sequence, head.hash = sequence, previous_hash
        head.save(update_fields=["sequence", "hash"])
    return appended


# --- Verification -------------------------------------------------------------------------------


def _entries_up_to(last: int | None) -> Iterator[dict[str, Any]]:
    """Entries in sequence order, fetched in batches by key (short queries, no open cursor).

    Short queries keep SQLite's read lock brief, so writers are not held up while
    a million entries are checked, and need no server-side cursor on PostgreSQL.
    """
    after = -1
    while True:
        batch = AccessEntry.objects.filter(sequence__gt=after)
        if last is not None:
            batch = batch.filter(sequence__lte=last)
        rows = list(batch.order_by("sequence").values(*HASHED_FIELDS, "hash")[:VERIFY_BATCH_SIZE])
        yield from rows
        if len(rows) < VERIFY_BATCH_SIZE:
            return
        after = rows[-1]["sequence"]


def _missing(first: int, last: int) -> str:
    return f"entry {first} missing" if first == last else f"entries {first}–{last} missing"


def _hash_matches(row: Mapping[str, Any]) -> bool:
    try:
        return _hash_of(row) == row["hash"]
    except (TypeError, ValueError, AttributeError):
        # Content edited into a shape record_access never writes (e.g. field groups that are not a list).
        return False


def _chain_problems(rows: Iterable[Mapping[str, Any]]) -> tuple[list[str], int, str]:
    """Problems within the entries, plus the last sequence and hash seen."""
    problems: list[str] = []
    expected, previous_hash = 1, GENESIS_HASH
    for row in rows:
        sequence = row["sequence"]
        if sequence > expected:
            # The link cannot be checked across a gap; the gap itself is the finding.
            problems.append(_missing(expected, sequence - 1))
        elif row["previous_hash"] != previous_hash:
            problems.append(f"entry {sequence}: does not link to the entry before it")
        if not _hash_matches(row):
            problems.append(f"entry {sequence}: hash does not match its content")
        expected, previous_hash = sequence + 1, row["hash"]
    return problems, expected - 1, previous_hash


def _head_problems(head: ChainHead | None, *, last_sequence: int, last_hash: str) -> list[str]:
    if head is None:
        return [f"the chain head is missing (log ends at {last_sequence})"] if last_sequence else []
    if head.sequence > last_sequence:
        return [f"the newest entries were removed (head says {head.sequence}, log ends at {last_sequence})"]
    if head.hash != last_hash:
        return [f"entry {last_sequence} does not match the chain head"]
    return []


def _entries_beyond_head() -> list[str]:
    """Entries numbered past the head were not written by record_access."""
    # The highest sequence is read before the head: a legitimate entry committed
    # in between has moved the head past it, so concurrent writes raise no alarm.
    highest = AccessEntry.objects.aggregate(highest=Max("sequence"))["highest"] or 0
    head = ChainHead.objects.filter(pk=HEAD_PK).first()
    head_sequence = head.sequence if head else 0
    if highest > head_sequence:
        return [f"entries after the chain head were added (head says {head_sequence}, log goes to {highest})"]
    return []


def verify_chain() -> list[str]:
    """Walk the whole log and describe every break in it; an empty list means the log is intact.

    Only entries up to the head read at the start are checked, so entries written
    while this runs (it may take a while) do not look like tampering.
    """
    head = ChainHead.objects.filter(pk=HEAD_PK).first()
    problems, last_sequence, last_hash = _chain_problems(_entries_up_to(head.sequence if head else None))
    problems += _head_problems(head, last_sequence=last_sequence, last_hash=last_hash)
    if head is not None:
        problems += _entries_beyond_head()
    return problems


# --- Reading the log back ------------------------------------------------------------------------


def who_has_seen(*, case: Case) -> QuerySet[AccessEntry]:
    """Every access to `case`, newest first, with user and organisation loaded (one query)."""
    return AccessEntry.objects.filter(case=case).select_related("user", "organisation").order_by("-at", "-sequence")


class AccessSummary(TypedDict):
    """What one organisation has done with a person's data, for the person's right of access."""

    organisation: str
    actions: list[str]  # AccessEntry.Action codes
    field_groups: list[str]  # cases.models.FieldGroup codes
    first_at: datetime
    last_at: datetime
    count: int
    reasons: list[str]  # justifications given for breaking the glass or disclosing


def _in_choice_order(codes: Iterable[str], choices: list[str]) -> list[str]:
    present = set(codes)
    return [code for code in choices if code in present]


def subject_access_report(*, case: Case) -> list[AccessSummary]:
    """Per organisation, who has seen what of the person and when, from the log alone (Normen factsheet 15).

    Organisations appear in the order they first accessed the case. Individual
    users are not named: the person learns which bodies saw their data.
    """
    summaries: dict[int, AccessSummary] = {}
    rows = AccessEntry.objects.filter(case=case).order_by("at", "sequence")
    for row in rows.values("organisation_id", "organisation__name", "action", "field_groups", "reason", "at"):
        summary = summaries.setdefault(
            row["organisation_id"],
            AccessSummary(
                organisation=row["organisation__name"],
                actions=[],
                field_groups=[],
                first_at=row["at"],
                last_at=row["at"],
                count=0,
                reasons=[],
            ),
        )
        summary["actions"].append(row["action"])
        summary["field_groups"].extend(row["field_groups"])
        summary["last_at"] = row["at"]
        summary["count"] += 1
        justified = row["action"] in (AccessEntry.Action.BREAK_THE_GLASS, AccessEntry.Action.DISCLOSURE)
        if justified and row["reason"] and row["reason"] not in summary["reasons"]:
            summary["reasons"].append(row["reason"])
    for summary in summaries.values():
        summary["actions"] = _in_choice_order(summary["actions"], AccessEntry.Action.values)
        summary["field_groups"] = _in_choice_order(summary["field_groups"], FieldGroup.values)
    return list(summaries.values())
