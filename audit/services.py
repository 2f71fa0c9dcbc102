"""The access log: recording every read of personal data, verifying the chain, and reading the log back.

Each entry's hash covers its content and the previous entry's hash, so changing
or removing any entry breaks the chain from that point; `ChainHead` catches the
removal of the newest entries. Since hash version 2 the hash is an HMAC under
`VERN_AUDIT_KEY`, which is kept outside the database: someone who can write the
database cannot compute a valid hash for a forged or rewritten entry. Cutting the
newest entries off and pointing the head back needs no new hash, so the head is
also checkpointed, signed, to a file outside the database (`audit.checkpoints`,
`manage.py checkpoint_audit_log`), and `verify_chain` compares the log with every
checkpoint. Entries written before the key (version 1) keep their unkeyed
SHA-256; the checkpoints cover them too.
"""

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import batched
from typing import Any, TypedDict

from django.db import connection, models, transaction
from django.db.models import F, Max, QuerySet
from django.utils import timezone

from accounts.models import ApiToken, User
from audit import checkpoints
from audit.keys import keyed_digest
from audit.models import GENESIS_HASH, HEAD_PK, KEYED_HASH, REASON_MAX_LENGTH, UNKEYED_HASH, AccessEntry, ChainHead
from cases.models import Case, FieldGroup
from core.text import is_real_reason
from organisations.models import Organisation

# The fields an entry's hash covers (see _hash_of); version 1 hashes leave out hits and api_token_id.
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
    "hits",
    "api_token_id",
    "hash_version",
    "previous_hash",
)
# Entries read per query by verify_chain: memory stays flat however long the log grows.
VERIFY_BATCH_SIZE = 5000


def _iso(at: datetime) -> str:
    # Databases hand times back in UTC; hash the same instant the same way whatever zone it came in.
    return at.astimezone(UTC).isoformat(timespec="microseconds")


# json.dumps arguments for the one serialisation of an entry that is hashed.
_CANONICAL: dict[str, Any] = {"ensure_ascii": False, "separators": (",", ":")}


def _hash_of(content: Mapping[str, Any]) -> str:
    """The hash of a canonical serialisation of an entry's HASHED_FIELDS, as its hash_version makes it.

    Version 1 is the unkeyed SHA-256 of the entries written before the audit key;
    version 2 an HMAC under the key that also covers the hits and the API token.
    """
    values = [
        content["sequence"],
        _iso(content["at"]),
        content["user_id"],
        content["organisation_id"],
        content["case_id"],
        sorted(content["field_groups"]),
        content["action"],
        content["reason"],
        bool(content["assigned"]),
    ]
    version = content["hash_version"]
    if version == UNKEYED_HASH:
        serialised = json.dumps(["vern-access-v1", *values, content["previous_hash"]], **_CANONICAL)
        return hashlib.sha256(serialised.encode()).hexdigest()
    if version == KEYED_HASH:
        values += [content["hits"], content["api_token_id"], content["previous_hash"]]
        return keyed_digest(json.dumps(["vern-access-v2", *values], **_CANONICAL).encode())
    raise ValueError(f"Unknown hash version {version!r}.")


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


def _checked_reason(action: str, reason: str) -> str:
    reason = reason.strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise ValueError(f"The reason is longer than {REASON_MAX_LENGTH} characters.")
    if action == AccessEntry.Action.BREAK_THE_GLASS and not is_real_reason(reason):
        # Also here, not only in the form: no way into a protected case without a reason one can read.
        raise ValueError("Breaking the glass needs a reason in words (core.text.is_real_reason).")
    return reason


def _checked_time(at: datetime) -> datetime:
    if timezone.is_naive(at):
        raise ValueError("The access time must be timezone-aware.")
    return at


@transaction.atomic
def _append(
    *,
    user: User | None,
    organisation: Organisation,
    case: Case | None,
    field_groups: Iterable[str],
    action: str,
    reason: str = "",
    assigned: bool = False,
    hits: int | None = None,
    api_token: ApiToken | None = None,
    at: datetime | None = None,
) -> AccessEntry:
    """Check, chain and save one entry; the head stays locked until the caller's transaction ends."""
    action = AccessEntry.Action(action)  # ValueError for an unknown action
    reason = _checked_reason(action, reason)
    groups = _validated_field_groups(field_groups)
    at = _checked_time(at or timezone.now())
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
        hits=hits,
        api_token=api_token,
        hash_version=KEYED_HASH,
        previous_hash=head.hash,
    )
    entry.hash = _hash_of({name: getattr(entry, name) for name in HASHED_FIELDS})
    entry.save()
    head.sequence, head.hash = entry.sequence, entry.hash
    head.save(update_fields=["sequence", "hash"])
    return entry


def record_access(
    *,
    user: User | None,
    organisation: Organisation,
    case: Case,
    field_groups: Iterable[str],
    action: str,
    reason: str = "",
    assigned: bool = False,
    api_token: ApiToken | None = None,
    at: datetime | None = None,
) -> AccessEntry:
    """Log that `user`, acting in `organisation`, read or disclosed `field_groups` of `case`.

    Call it in the transaction that reads the data, as late as possible: the
    chain head stays locked until that transaction ends. `api_token` is the token
    an API read went through. `at` is for imports and tests; it defaults to now.
    """
    return _append(
        user=user,
        organisation=organisation,
        case=case,
        field_groups=field_groups,
        action=action,
        reason=reason,
        assigned=assigned,
        api_token=api_token,
        at=at,
    )


def record_search(*, user: User, organisation: Organisation, hits: int, at: datetime | None = None) -> AccessEntry:
    """Log that `user` searched cases by identity and found `hits` of them; what was searched for is not kept.

    The search matches names and dates of birth, so it is a read of the identity
    group even though it opens no case; the log review sees who searches how often.
    `at` is for imports and tests; it defaults to now.
    """
    return _append(
        user=user,
        organisation=organisation,
        case=None,
        field_groups=[FieldGroup.IDENTITY],
        action=AccessEntry.Action.SEARCH,
        hits=hits,
        at=at,
    )


def record_token_event(*, token: ApiToken, action: str, by: User | None = None) -> AccessEntry:
    """Log that an API token was created or revoked, in its member's organisation, by `by` (default: the member,
    as whom the token reads; an organisation admin who revokes it is named instead)."""
    if action not in (AccessEntry.Action.TOKEN_CREATED, AccessEntry.Action.TOKEN_REVOKED):
        raise ValueError(f"{action!r} is not an API token event.")
    return _append(
        user=by or token.user,
        organisation=token.membership.organisation,
        case=None,
        field_groups=[],
        action=action,
        api_token=token,
    )


INVITATION_ACTIONS = (
    AccessEntry.Action.INVITATION_SENT,
    AccessEntry.Action.INVITATION_WITHDRAWN,
    AccessEntry.Action.INVITATION_ACCEPTED,
)


def record_invitation_event(*, organisation: Organisation, action: str, by: User) -> AccessEntry:
    """Log that `by` sent or withdrew an invitation to the organisation, or joined it by accepting one.

    Who may act in an organisation belongs in the log beside what they read; the invitee's address does not, the
    invitation itself keeps it.
    """
    if action not in INVITATION_ACTIONS:
        raise ValueError(f"{action!r} is not an invitation event.")
    return _append(user=by, organisation=organisation, case=None, field_groups=[], action=action)


@dataclass(frozen=True, slots=True)
class PendingEntry:
    """An access to log with `append_entries_in_bulk`: record_access's arguments, by id, with an explicit time."""

    user_id: int | None
    organisation_id: int
    case_id: int | None  # None for an entry about no case (a search, an API token event)
    action: str
    at: datetime
    field_groups: tuple[str, ...] = ()
    reason: str = ""
    assigned: bool = False
    hits: int | None = None
    api_token_id: int | None = None


# Entries inserted per statement by append_entries_in_bulk.
BULK_BATCH_SIZE = 5000


def _checked_content(entry: PendingEntry, groups: dict[tuple[str, ...], list[str]]) -> dict[str, Any]:
    """The entry's hashed content, refused for exactly what record_access refuses.

    `groups` caches validated field-group lists: bulk entries repeat a handful of combinations.
    """
    action = AccessEntry.Action(entry.action)  # ValueError for an unknown action
    reason = _checked_reason(action, entry.reason)
    _checked_time(entry.at)
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
        "hits": entry.hits,
        "api_token_id": entry.api_token_id,
        "hash_version": KEYED_HASH,
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


def _entries_between(after: int, last: int | None) -> Iterator[dict[str, Any]]:
    """Entries after `after` up to `last`, in sequence order, fetched in batches by key (short queries, no open cursor).

    Short queries keep SQLite's read lock brief, so writers are not held up while
    a million entries are checked, and need no server-side cursor on PostgreSQL.
    """
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


@dataclass
class _Walk:
    """Where a walk along the chain starts, and then how far it got.

    Unkeyed (version 1) hashes are the entries from before the key: once an entry
    is keyed, or after the first checkpoint (`keyed_after`, written once the key
    was in use), an unkeyed entry is one forged by someone without the key.
    """

    last_sequence: int = 0
    last_hash: str = GENESIS_HASH
    keyed_after: int | None = None
    keyed: bool = False

    def must_be_keyed(self, sequence: int) -> bool:
        return self.keyed or (self.keyed_after is not None and sequence > self.keyed_after)


def _chain_problems(
    rows: Iterable[Mapping[str, Any]], walk: _Walk, checkpointed: Mapping[int, list[checkpoints.Checkpoint]]
) -> list[str]:
    """Problems within the entries after `walk`'s start, which it moves to the last entry seen.

    `checkpointed` maps a sequence to the checkpoints that recorded its hash: a
    rewritten chain can be internally consistent, but not with them.
    """
    problems: list[str] = []
    for row in rows:
        sequence = row["sequence"]
        if sequence > walk.last_sequence + 1:
            # The link cannot be checked across a gap; the gap itself is the finding.
            problems.append(_missing(walk.last_sequence + 1, sequence - 1))
        elif row["previous_hash"] != walk.last_hash:
            problems.append(f"entry {sequence}: does not link to the entry before it")
        if not _hash_matches(row):
            problems.append(f"entry {sequence}: hash does not match its content")
        if row["hash_version"] != KEYED_HASH and walk.must_be_keyed(sequence):
            problems.append(f"entry {sequence}: hashed without the key after the log was keyed")
        walk.keyed = walk.keyed or row["hash_version"] == KEYED_HASH
        problems += [
            f"entry {sequence} does not match the hash of {checkpoint.describe()}"
            for checkpoint in checkpointed.get(sequence, [])
            if checkpoint.hash != row["hash"]
        ]
        walk.last_sequence, walk.last_hash = sequence, row["hash"]
    return problems


def _head_problems(head: ChainHead | None, walk: _Walk) -> list[str]:
    if head is None:
        return [f"the chain head is missing (log ends at {walk.last_sequence})"] if walk.last_sequence else []
    if head.sequence > walk.last_sequence:
        return [f"the newest entries were removed (head says {head.sequence}, log ends at {walk.last_sequence})"]
    if head.hash != walk.last_hash:
        return [f"entry {walk.last_sequence} does not match the chain head"]
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


def _truncation_problems(latest: checkpoints.Checkpoint | None, walk: _Walk) -> list[str]:
    if latest is None or walk.last_sequence >= latest.sequence:
        return []
    return [f"the log ends at entry {walk.last_sequence} but {latest.describe()} says entry {latest.sequence}"]


@dataclass(frozen=True)
class Verification:
    """What verify_chain found: `problems` (empty if the log is intact), the head, and the checkpoint checked last."""

    problems: list[str]
    head: ChainHead | None
    checkpoint: checkpoints.Checkpoint | None


def _by_sequence(found: Iterable[checkpoints.Checkpoint]) -> dict[int, list[checkpoints.Checkpoint]]:
    grouped: dict[int, list[checkpoints.Checkpoint]] = defaultdict(list)
    for checkpoint in found:
        grouped[checkpoint.sequence].append(checkpoint)
    return grouped


def verify_chain() -> Verification:
    """Walk the whole log, compare it with every checkpoint, and describe every break; none means intact.

    Only entries up to the head read at the start are checked, so entries written
    while this runs (it may take a while) do not look like tampering.
    """
    found, problems = checkpoints.read_checkpoints()
    head = ChainHead.objects.filter(pk=HEAD_PK).first()
    walk = _Walk(keyed_after=found[0].sequence if found else None)
    problems += _chain_problems(_entries_between(0, head.sequence if head else None), walk, _by_sequence(found))
    problems += _head_problems(head, walk)
    latest = found[-1] if found else None
    problems += _truncation_problems(latest, walk)
    if head is not None:
        problems += _entries_beyond_head()
    return Verification(problems=problems, head=head, checkpoint=latest)


def checkpoint_head() -> Verification:
    """Check the entries written since the latest checkpoint, and if they are intact, checkpoint the head.

    For a timer (`manage.py checkpoint_audit_log`): the work grows with the
    entries since the last checkpoint, not with the log. The checkpoint it
    writes is returned as `checkpoint`; with problems, none is written.
    """
    found, problems = checkpoints.read_checkpoints()
    latest = found[-1] if found else None
    head = ChainHead.objects.filter(pk=HEAD_PK).first()
    # Without a checkpointed entry to start from (none yet, or it is gone), walk the whole log.
    keyed_after = found[0].sequence if found else None
    walk, checkpointed = _Walk(keyed_after=keyed_after), _by_sequence(found)
    anchor = AccessEntry.objects.filter(sequence=latest.sequence).values("previous_hash").first() if latest else None
    if latest is not None and anchor is not None:
        # Start at the checkpointed entry, which must still have the checkpointed hash.
        walk = _Walk(latest.sequence - 1, anchor["previous_hash"], keyed_after=keyed_after)
        checkpointed = _by_sequence([latest])
    problems += _chain_problems(
        _entries_between(walk.last_sequence, head.sequence if head else None), walk, checkpointed
    )
    problems += _head_problems(head, walk)
    problems += _truncation_problems(latest, walk)
    if problems or head is None:
        return Verification(problems=problems, head=head, checkpoint=None)
    return Verification(
        problems=[], head=head, checkpoint=checkpoints.append_checkpoint(sequence=head.sequence, entry_hash=head.hash)
    )


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
