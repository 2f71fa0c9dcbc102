"""The access log: a tamper-evident chain of every read, read back for owners, people and admins."""

import base64
import dataclasses
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from audit import checkpoints, services
from audit.models import GENESIS_HASH, KEYED_HASH, UNKEYED_HASH, AccessEntry, AppendOnlyError, ChainHead
from audit.services import (
    PendingEntry,
    append_entries_in_bulk,
    record_access,
    subject_access_report,
    verify_chain,
    who_has_seen,
)
from cases.models import Case, FieldGroup
from organisations.models import Organisation
from tests.conftest import Cast
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")
# A Monday in winter, mid-morning: inside working hours.
MONDAY_MORNING = datetime(2026, 1, 12, 10, 0, tzinfo=OSLO)
# Review periods are given explicitly, so the tests do not depend on today's date.
SINCE = datetime(2026, 1, 1, tzinfo=UTC)
UNTIL = datetime(2027, 1, 1, tzinfo=UTC)


@pytest.fixture
def case(cast: Cast) -> Case:
    return CaseFactory.create(owner=cast.ngo, municipality=cast.ngo.municipality)


def log(
    case: Case,
    user: User,
    organisation: Organisation,
    *,
    at: datetime = MONDAY_MORNING,
    action: str = AccessEntry.Action.VIEW,
    field_groups: tuple[str, ...] = (FieldGroup.IDENTITY,),
    reason: str = "",
    assigned: bool = True,
) -> AccessEntry:
    """An access that review does not flag unless a test says otherwise."""
    return record_access(
        user=user,
        organisation=organisation,
        case=case,
        field_groups=field_groups,
        action=action,
        reason=reason,
        assigned=assigned,
        at=at,
    )


def log_three(cast: Cast, case: Case) -> list[AccessEntry]:
    return [log(case, cast.ngo_worker, cast.ngo, at=MONDAY_MORNING + timedelta(minutes=n)) for n in range(3)]


def raw_sql(sql: str, params: list[Any]) -> None:
    """What someone with database access could do, bypassing the application."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- Building the chain -------------------------------------------------------------------------


def test_it_starts_the_chain_at_one_from_the_genesis_hash(cast: Cast, case: Case) -> None:
    entry = log(case, cast.ngo_worker, cast.ngo)
    assert entry.sequence == 1
    assert entry.previous_hash == GENESIS_HASH
    assert len(entry.hash) == 64
    head = ChainHead.objects.get()
    assert (head.sequence, head.hash) == (1, entry.hash)


def test_it_links_each_entry_to_the_one_before(cast: Cast, case: Case) -> None:
    first, second, third = log_three(cast, case)
    assert [first.sequence, second.sequence, third.sequence] == [1, 2, 3]
    assert second.previous_hash == first.hash
    assert third.previous_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3
    assert ChainHead.objects.get().hash == third.hash


def test_it_hashes_an_instant_alike_whatever_zone_it_came_in(cast: Cast, case: Case) -> None:
    log(case, cast.ngo_worker, cast.ngo, at=datetime(2026, 7, 1, 9, 30, 15, 123456, tzinfo=OSLO))
    log(case, cast.ngo_worker, cast.ngo, at=datetime(2026, 7, 1, 7, 31, tzinfo=UTC))
    assert verify_chain().problems == []


def test_it_stores_field_groups_sorted_and_once(cast: Cast, case: Case) -> None:
    groups = (FieldGroup.HEALTH, FieldGroup.CONTACT, FieldGroup.HEALTH)
    entry = log(case, cast.ngo_worker, cast.ngo, field_groups=groups)
    entry.refresh_from_db()
    assert entry.field_groups == ["contact", "health"]


def test_it_logs_access_without_a_user(cast: Cast, case: Case) -> None:
    entry = record_access(
        user=None, organisation=cast.ngo, case=case, field_groups=[], action=AccessEntry.Action.EXPORT
    )
    assert entry.user is None
    assert verify_chain().problems == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"field_groups": ("identity", "shoe_size")}, "Unknown field groups"),
        ({"action": "peek"}, "is not a valid"),
        ({"action": AccessEntry.Action.BREAK_THE_GLASS, "reason": "  "}, "needs a reason"),
        ({"reason": "x" * 501}, "longer than 500"),
        ({"at": datetime(2026, 1, 12, 10, 0)}, "timezone-aware"),  # noqa: DTZ001 - the naive time is the point
    ],
)
def test_it_refuses_what_it_cannot_log(cast: Cast, case: Case, change: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {
        "user": cast.ngo_worker,
        "organisation": cast.ngo,
        "case": case,
        "field_groups": ("identity",),
        "action": AccessEntry.Action.VIEW,
        **change,
    }
    with pytest.raises(ValueError, match=message):
        record_access(**arguments)  # type: ignore[arg-type]
    assert not AccessEntry.objects.exists()


# --- Append-only ---------------------------------------------------------------------------------


def test_it_refuses_to_save_an_entry_again(cast: Cast, case: Case) -> None:
    entry = log(case, cast.ngo_worker, cast.ngo)
    entry.reason = "changed afterwards"
    with pytest.raises(AppendOnlyError, match="append-only"):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.save(update_fields=["reason"])
    entry.refresh_from_db()
    assert entry.reason == ""


def test_it_refuses_to_overwrite_an_entry_with_a_new_instance(cast: Cast, case: Case) -> None:
    entry = log(case, cast.ngo_worker, cast.ngo)
    forged = AccessEntry(pk=entry.pk, sequence=entry.sequence, organisation=cast.ngo, case=case, action="view")
    with pytest.raises(IntegrityError), transaction.atomic():
        forged.save()
    assert AccessEntry.objects.get().hash == entry.hash


def test_it_refuses_to_delete_an_entry(cast: Cast, case: Case) -> None:
    entry = log(case, cast.ngo_worker, cast.ngo)
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert AccessEntry.objects.count() == 1


def test_it_refuses_bulk_changes(cast: Cast, case: Case) -> None:
    entry = log(case, cast.ngo_worker, cast.ngo)
    with pytest.raises(AppendOnlyError):
        AccessEntry.objects.filter(case=case).update(reason="changed")
    with pytest.raises(AppendOnlyError):
        AccessEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AccessEntry.objects.bulk_create([AccessEntry(sequence=2, organisation=cast.ngo, case=case, action="view")])
    assert list(AccessEntry.objects.values_list("reason", "hash")) == [("", entry.hash)]


def test_it_keeps_a_case_with_logged_access_from_being_deleted(cast: Cast, case: Case) -> None:
    log(case, cast.ngo_worker, cast.ngo)
    with pytest.raises(ProtectedError):
        case.delete()


# --- Verification --------------------------------------------------------------------------------


def test_it_finds_an_empty_log_intact() -> None:
    assert verify_chain().problems == []


def test_it_finds_an_intact_chain_intact(cast: Cast, case: Case) -> None:
    log_three(cast, case)
    assert verify_chain().problems == []


def test_it_detects_a_changed_reason(cast: Cast, case: Case) -> None:
    log_three(cast, case)
    raw_sql("UPDATE audit_accessentry SET reason = %s WHERE sequence = %s", ["routine check", 2])
    assert verify_chain().problems == ["entry 2: hash does not match its content"]


def test_it_detects_a_changed_time(cast: Cast, case: Case) -> None:
    entries = log_three(cast, case)
    later = connection.ops.adapt_datetimefield_value(entries[0].at + timedelta(hours=9))
    raw_sql("UPDATE audit_accessentry SET at = %s WHERE sequence = %s", [later, 1])
    assert verify_chain().problems == ["entry 1: hash does not match its content"]


def test_it_detects_content_in_a_shape_it_never_writes(cast: Cast, case: Case) -> None:
    log_three(cast, case)
    raw_sql("UPDATE audit_accessentry SET field_groups = %s WHERE sequence = %s", ["5", 3])
    assert verify_chain().problems == ["entry 3: hash does not match its content"]


def test_it_detects_a_deleted_middle_entry(cast: Cast, case: Case) -> None:
    log_three(cast, case)
    raw_sql("DELETE FROM audit_accessentry WHERE sequence = %s", [2])
    assert verify_chain().problems == ["entry 2 missing"]


def test_it_detects_a_deleted_run_of_entries(cast: Cast, case: Case) -> None:
    log_three(cast, case)
    log_three(cast, case)
    raw_sql("DELETE FROM audit_accessentry WHERE sequence BETWEEN %s AND %s", [2, 4])
    assert verify_chain().problems == ["entries 2–4 missing"]


def test_it_detects_removed_newest_entries(cast: Cast, case: Case) -> None:
    log_three(cast, case)
    log_three(cast, case)
    raw_sql("DELETE FROM audit_accessentry WHERE sequence > %s", [4])
    assert verify_chain().problems == ["the newest entries were removed (head says 6, log ends at 4)"]


def test_it_detects_an_entry_rehashed_onto_a_forged_link(cast: Cast, case: Case) -> None:
    log_three(cast, case)
    row = AccessEntry.objects.filter(sequence=2).values(*services.HASHED_FIELDS).get()
    row["previous_hash"] = "f" * 64
    raw_sql(
        "UPDATE audit_accessentry SET previous_hash = %s, hash = %s WHERE sequence = %s",
        [row["previous_hash"], services._hash_of(row), 2],
    )
    assert verify_chain().problems == [
        "entry 2: does not link to the entry before it",
        "entry 3: does not link to the entry before it",
    ]


def test_it_detects_a_missing_chain_head(cast: Cast, case: Case) -> None:
    log_three(cast, case)
    raw_sql("DELETE FROM audit_chainhead", [])
    assert verify_chain().problems == ["the chain head is missing (log ends at 3)"]


def test_it_detects_entries_added_past_the_head(cast: Cast, case: Case) -> None:
    log_three(cast, case)
    raw_sql("UPDATE audit_chainhead SET sequence = %s", [2])
    assert verify_chain().problems == [
        "entry 2 does not match the chain head",
        "entries after the chain head were added (head says 2, log goes to 3)",
    ]


def test_it_verifies_across_batches(cast: Cast, case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "VERIFY_BATCH_SIZE", 2)
    log_three(cast, case)
    log_three(cast, case)
    assert verify_chain().problems == []
    raw_sql("DELETE FROM audit_accessentry WHERE sequence IN (%s, %s)", [3, 5])
    assert verify_chain().problems == ["entry 3 missing", "entry 5 missing"]


def test_it_verifies_in_queries_that_do_not_grow_with_the_batch(
    cast: Cast, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "VERIFY_BATCH_SIZE", 2)
    log_three(cast, case)
    log_three(cast, case)
    with CaptureQueriesContext(connection) as queries:
        verify_chain()
    # Head, four batches of at most two entries (the last one empty), highest sequence, head again.
    assert len(queries) == 7


def test_the_command_reports_an_intact_log(cast: Cast, case: Case) -> None:
    entries = log_three(cast, case)
    out = StringIO()
    call_command("verify_audit_log", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[:3] == [
        "Audit log intact: 3 entries.",
        "No checkpoint to check against yet.",
        f"Chain head: entry 3, hash {entries[-1].hash}",
    ]
    assert re.fullmatch(r"Wrote checkpoint 1 of \S+ \(entry 3\)\.", lines[3])
    out = StringIO()
    call_command("verify_audit_log", stdout=out)
    assert re.fullmatch(r"Intact up to checkpoint 1 of \S+ \(entry 3\)\.", out.getvalue().splitlines()[1])


@pytest.mark.parametrize(
    ("sql", "params", "problem"),
    [
        ("UPDATE audit_accessentry SET reason = %s WHERE sequence = %s", ["nothing to see", 2], "entry 2: hash"),
        ("DELETE FROM audit_accessentry WHERE sequence = %s", [2], "entry 2 missing"),
        ("DELETE FROM audit_accessentry WHERE sequence = %s", [3], "the newest entries were removed"),
    ],
)
def test_the_command_fails_on_a_tampered_log(cast: Cast, case: Case, sql: str, params: list[Any], problem: str) -> None:
    log_three(cast, case)
    raw_sql(sql, params)
    out = StringIO()
    with pytest.raises(CommandError, match="tampered with: 1 problem") as error:
        call_command("verify_audit_log", stdout=out)
    assert error.value.returncode == 1
    assert problem in out.getvalue()
    assert "intact" not in out.getvalue()


# --- The key and the checkpoints ------------------------------------------------------------------


def rehash(first: int, *, version: int = KEYED_HASH, **change: Any) -> None:
    """Rewrite entries from `first` on as someone with database access but without the key would.

    `change` alters entry `first`; every later entry is relinked and rehashed with
    `version`'s hash made under whatever key `settings.VERN_AUDIT_KEY` holds at the time,
    and the head is pointed at the last one, so the chain is consistent in itself.
    """
    previous = AccessEntry.objects.filter(sequence=first - 1).values_list("hash", flat=True).first() or GENESIS_HASH
    for row in AccessEntry.objects.filter(sequence__gte=first).order_by("sequence").values(*services.HASHED_FIELDS):
        if row["sequence"] == first:
            row.update(change)
        row.update(previous_hash=previous, hash_version=version)
        previous = services._hash_of(row)
        raw_sql(
            "UPDATE audit_accessentry SET reason = %s, previous_hash = %s, hash = %s, hash_version = %s"
            " WHERE sequence = %s",
            [row["reason"], row["previous_hash"], previous, version, row["sequence"]],
        )
        raw_sql("UPDATE audit_chainhead SET sequence = %s, hash = %s", [row["sequence"], previous])


def checkpoint_lines() -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(settings.VERN_AUDIT_CHECKPOINT_FILE).read_text().splitlines()]


def write_checkpoint_lines(lines: list[dict[str, Any]]) -> None:
    Path(settings.VERN_AUDIT_CHECKPOINT_FILE).write_text("".join(json.dumps(line) + "\n" for line in lines))


def test_it_hashes_new_entries_under_the_key(cast: Cast, case: Case) -> None:
    entry = log(case, cast.ngo_worker, cast.ngo)
    content = {name: getattr(entry, name) for name in services.HASHED_FIELDS}
    assert entry.hash_version == KEYED_HASH
    assert services._hash_of(content | {"hash_version": UNKEYED_HASH}) != entry.hash
    with override_settings(VERN_AUDIT_KEY=base64.urlsafe_b64encode(b"k" * 32).decode()):
        assert services._hash_of(content) != entry.hash


def test_it_detects_a_chain_rewritten_without_the_key(cast: Cast, case: Case) -> None:
    log_three(cast, case)
    with override_settings(VERN_AUDIT_KEY=base64.urlsafe_b64encode(b"a guess at the key, 32 bytes....").decode()):
        rehash(2, reason="nothing happened")
    assert verify_chain().problems == [
        "entry 2: hash does not match its content",
        "entry 3: hash does not match its content",
    ]


def test_it_detects_keyed_entries_rehashed_without_the_key(cast: Cast, case: Case) -> None:
    log_three(cast, case)
    rehash(2, version=UNKEYED_HASH, reason="nothing happened")
    assert verify_chain().problems == [
        "entry 2: hashed without the key after the log was keyed",
        "entry 3: hashed without the key after the log was keyed",
    ]


def test_it_still_verifies_entries_hashed_before_the_key(cast: Cast, case: Case) -> None:
    log_three(cast, case)
    rehash(1, version=UNKEYED_HASH)  # as the migration left the entries written before it
    assert list(AccessEntry.objects.values_list("hash_version", flat=True)) == [UNKEYED_HASH] * 3
    assert verify_chain().problems == []
    services.checkpoint_head()
    assert log(case, cast.ngo_worker, cast.ngo).hash_version == KEYED_HASH
    assert verify_chain().problems == []


def test_it_checkpoints_the_head_signed_outside_the_database(cast: Cast, case: Case) -> None:
    entries = log_three(cast, case)
    written = services.checkpoint_head()
    assert written.problems == []
    assert written.checkpoint is not None
    [line] = checkpoint_lines()
    assert line["checkpoint"] == 1
    assert (line["sequence"], line["hash"]) == (3, entries[-1].hash)
    assert set(line) == {"checkpoint", "sequence", "hash", "at", "key_id", "signature"}
    assert verify_chain().checkpoint == written.checkpoint


def test_it_detects_truncation_with_the_head_pointed_back(cast: Cast, case: Case) -> None:
    log_three(cast, case)
    services.checkpoint_head()
    second = AccessEntry.objects.get(sequence=2)
    raw_sql("DELETE FROM audit_accessentry WHERE sequence > %s", [2])
    raw_sql("UPDATE audit_chainhead SET sequence = %s, hash = %s", [2, second.hash])
    [problem] = verify_chain().problems
    assert re.fullmatch(r"the log ends at entry 2 but checkpoint 1 of \S+ says entry 3", problem)


def test_it_detects_a_whole_chain_rewritten_unkeyed_since_a_checkpoint(cast: Cast, case: Case) -> None:
    log_three(cast, case)
    services.checkpoint_head()
    rehash(1, version=UNKEYED_HASH, reason="nothing happened")
    [problem] = verify_chain().problems
    assert re.fullmatch(r"entry 3 does not match the hash of checkpoint 1 of \S+", problem)


def test_it_detects_unkeyed_entries_after_the_first_checkpoint(cast: Cast, case: Case) -> None:
    log_three(cast, case)
    rehash(1, version=UNKEYED_HASH)
    services.checkpoint_head()
    log_three(cast, case)
    rehash(4, version=UNKEYED_HASH, reason="nothing happened")
    assert verify_chain().problems == [
        f"entry {sequence}: hashed without the key after the log was keyed" for sequence in (4, 5, 6)
    ]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"sequence": 2}, "checkpoint 1: signature invalid"),
        ({"hash": "0" * 64}, "checkpoint 1: signature invalid"),
        ({"key_id": "0" * 16}, "checkpoint 1: signed with another key (0000000000000000)"),
        ({"checkpoint": 2}, "checkpoint file line 1: numbered 2 (a line was removed or added)"),
        ({"at": "yesterday"}, "checkpoint file line 1: not a checkpoint"),
    ],
)
def test_it_detects_a_tampered_checkpoint(cast: Cast, case: Case, change: dict[str, Any], problem: str) -> None:
    log_three(cast, case)
    services.checkpoint_head()
    write_checkpoint_lines([checkpoint_lines()[0] | change])
    assert verify_chain().problems == [problem]
    assert services.checkpoint_head().problems == [problem]


def test_it_detects_a_checkpoint_removed_from_the_middle(cast: Cast, case: Case) -> None:
    for _round in range(3):
        log(case, cast.ngo_worker, cast.ngo)
        services.checkpoint_head()
    first, _second, third = checkpoint_lines()
    write_checkpoint_lines([first, third])
    assert verify_chain().problems == ["checkpoint file line 2: numbered 3 (a line was removed or added)"]


def test_it_checkpoints_only_an_intact_log_and_checks_only_what_is_new(
    cast: Cast, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "VERIFY_BATCH_SIZE", 2)
    log_three(cast, case)
    services.checkpoint_head()
    log_three(cast, case)
    with CaptureQueriesContext(connection) as queries:
        assert services.checkpoint_head().problems == []
    # Head, the checkpointed entry, then entries 3–6 in batches of two (the last one empty).
    assert len(queries) == 5
    raw_sql("UPDATE audit_accessentry SET reason = %s WHERE sequence = %s", ["routine check", 6])
    assert services.checkpoint_head() == services.Verification(
        problems=["entry 6: hash does not match its content"], head=ChainHead.objects.get(), checkpoint=None
    )
    assert len(checkpoint_lines()) == 2


def test_a_checkpoint_of_an_older_head_after_a_newer_one_is_not_written(cast: Cast, case: Case) -> None:
    """Two timers at once: the one that read the head first may write last; the checkpoints never go back."""
    first = log(case, cast.ngo_worker, cast.ngo)
    log(case, cast.ngo_worker, cast.ngo)
    newer = services.checkpoint_head().checkpoint
    assert checkpoints.append_checkpoint(sequence=first.sequence, entry_hash=first.hash) == newer
    assert len(checkpoint_lines()) == 1


def test_the_checkpoint_command_writes_a_checkpoint_or_refuses(cast: Cast, case: Case) -> None:
    out = StringIO()
    call_command("checkpoint_audit_log", stdout=out)
    assert out.getvalue() == "The audit log is empty: nothing to checkpoint.\n"
    log_three(cast, case)
    out = StringIO()
    call_command("checkpoint_audit_log", stdout=out)
    assert re.fullmatch(r"Wrote checkpoint 1 of \S+ \(entry 3\)\.\n", out.getvalue())
    log_three(cast, case)
    raw_sql("DELETE FROM audit_accessentry WHERE sequence = %s", [5])
    with pytest.raises(CommandError, match="no checkpoint written") as error:
        call_command("checkpoint_audit_log", stdout=StringIO())
    assert error.value.returncode == 1
    assert len(checkpoint_lines()) == 1


# --- Who has seen this person ---------------------------------------------------------------------


def test_it_lists_who_has_seen_a_case_newest_first(cast: Cast, case: Case) -> None:
    other_case = CaseFactory.create(owner=cast.ngo, municipality=cast.ngo.municipality)
    first = log(case, cast.ngo_worker, cast.ngo, at=MONDAY_MORNING)
    log(other_case, cast.ngo_worker, cast.ngo, at=MONDAY_MORNING + timedelta(minutes=5))
    latest = log(case, cast.nav_worker, cast.nav, at=MONDAY_MORNING + timedelta(minutes=10))
    # Logged later, but about an earlier access: the time decides the order, not the sequence.
    backdated = log(case, cast.ngo_admin, cast.ngo, at=MONDAY_MORNING - timedelta(days=1))
    assert list(who_has_seen(case=case)) == [latest, first, backdated]


def test_it_lists_who_has_seen_in_one_query(
    cast: Cast, case: Case, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    for user, organisation in [(cast.ngo_worker, cast.ngo), (cast.nav_worker, cast.nav), (cast.nav_worker, cast.tot)]:
        log(case, user, organisation)
    with django_assert_num_queries(1):
        seen = [(entry.user.email if entry.user else "", entry.organisation.name) for entry in who_has_seen(case=case)]
    assert {name for _email, name in seen} == {"Trygg havn Oslo", "NAV Oslo", "TOT Oslo"}


# --- The person's right of access -----------------------------------------------------------------


def test_it_reports_access_per_organisation_from_the_log(cast: Cast, case: Case) -> None:
    day = timedelta(days=1)
    log(case, cast.ngo_worker, cast.ngo, at=MONDAY_MORNING, field_groups=("contact",))
    log(case, cast.nav_worker, cast.nav, at=MONDAY_MORNING + day, action="disclosure", reason="fvl § 13 b nr. 7")
    log(case, cast.ngo_worker, cast.ngo, at=MONDAY_MORNING + 2 * day, action="edit", field_groups=("identity",))
    log(case, cast.nav_worker, cast.nav, at=MONDAY_MORNING + 3 * day, action="disclosure", reason="fvl § 13 b nr. 7")
    log(
        case,
        cast.nav_worker,
        cast.tot,
        at=MONDAY_MORNING + 4 * day,
        action="break_the_glass",
        reason="Acute danger, police called",
    )
    log(case, cast.ngo_worker, cast.ngo, at=MONDAY_MORNING + 5 * day, reason="not a justification")
    log(CaseFactory.create(), cast.bergen_admin, cast.bergen_org, at=MONDAY_MORNING)  # another person

    assert subject_access_report(case=case) == [
        {
            "organisation": "Trygg havn Oslo",
            "actions": ["view", "edit"],
            "field_groups": ["identity", "contact"],
            "first_at": MONDAY_MORNING,
            "last_at": MONDAY_MORNING + 5 * day,
            "count": 3,
            "reasons": [],
        },
        {
            "organisation": "NAV Oslo",
            "actions": ["disclosure"],
            "field_groups": ["identity"],
            "first_at": MONDAY_MORNING + day,
            "last_at": MONDAY_MORNING + 3 * day,
            "count": 2,
            "reasons": ["fvl § 13 b nr. 7"],
        },
        {
            "organisation": "TOT Oslo",
            "actions": ["break_the_glass"],
            "field_groups": ["identity"],
            "first_at": MONDAY_MORNING + 4 * day,
            "last_at": MONDAY_MORNING + 4 * day,
            "count": 1,
            "reasons": ["Acute danger, police called"],
        },
    ]


def test_it_reports_nothing_for_a_case_nobody_has_opened(case: Case) -> None:
    assert subject_access_report(case=case) == []


# --- Appending in bulk ---------------------------------------------------------------------------


def pending(cast: Cast, case: Case, count: int, *, start: datetime = MONDAY_MORNING) -> Iterator[PendingEntry]:
    """`count` accesses a minute apart, varied in every hashed field, as a generator (never a list)."""
    users = [cast.ngo_worker, cast.ngo_admin, None]
    for n in range(count):
        user = users[n % 3]
        yield PendingEntry(
            user_id=user.pk if user else None,
            organisation_id=cast.ngo.pk,
            case_id=case.pk,
            action=AccessEntry.Action.BREAK_THE_GLASS if n % 7 == 0 else AccessEntry.Action.VIEW,
            at=start + timedelta(minutes=n, microseconds=n),
            field_groups=(FieldGroup.IDENTITY, FieldGroup.HEALTH)[: n % 3],
            reason="Akutt fare, politiet ringte" if n % 7 == 0 else "",
            assigned=n % 2 == 0,
        )


def test_it_appends_in_bulk_onto_the_chain_and_a_later_access_continues_it(cast: Cast, case: Case) -> None:
    log_three(cast, case)
    assert append_entries_in_bulk(entries=pending(cast, case, 1000)) == 1000
    assert verify_chain().problems == []
    head = ChainHead.objects.get()
    last = AccessEntry.objects.get(sequence=1003)
    assert (head.sequence, head.hash) == (1003, last.hash)
    assert last.previous_hash == AccessEntry.objects.get(sequence=1002).hash
    assert AccessEntry.objects.get(sequence=4).previous_hash == AccessEntry.objects.get(sequence=3).hash
    following = log(case, cast.ngo_worker, cast.ngo)
    assert (following.sequence, following.previous_hash) == (1004, last.hash)
    assert verify_chain().problems == []


def test_it_stores_bulk_entries_as_record_access_would(cast: Cast, case: Case) -> None:
    at = MONDAY_MORNING
    append_entries_in_bulk(
        entries=[
            PendingEntry(
                user_id=cast.ngo_worker.pk,
                organisation_id=cast.ngo.pk,
                case_id=case.pk,
                action="edit",
                at=at,
                field_groups=(FieldGroup.HEALTH, FieldGroup.IDENTITY, FieldGroup.HEALTH),
                reason="  ",
                assigned=True,
            )
        ]
    )
    entry = AccessEntry.objects.get()
    assert (entry.sequence, entry.at, entry.user, entry.action, entry.reason, entry.assigned) == (
        1,
        at,
        cast.ngo_worker,
        AccessEntry.Action.EDIT,
        "",
        True,
    )
    assert entry.field_groups == [FieldGroup.HEALTH, FieldGroup.IDENTITY]
    assert entry.previous_hash == GENESIS_HASH


def test_it_appends_in_bulk_across_batches(cast: Cast, case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "BULK_BATCH_SIZE", 7)
    with CaptureQueriesContext(connection) as queries:
        append_entries_in_bulk(entries=pending(cast, case, 50))
    inserts = [query for query in queries if query["sql"].startswith('INSERT INTO "audit_accessentry"')]
    assert len(inserts) == 8  # 50 entries, 7 per INSERT
    assert verify_chain().problems == []


def test_it_appends_nothing_in_bulk_for_nothing(cast: Cast, case: Case) -> None:
    entries = log_three(cast, case)
    assert append_entries_in_bulk(entries=[]) == 0
    head = ChainHead.objects.get()
    assert (head.sequence, head.hash) == (3, entries[-1].hash)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"action": "peek"}, "not a valid"),
        ({"action": "break_the_glass", "reason": " "}, "needs a reason"),
        ({"field_groups": ("diary",)}, "Unknown field groups"),
        ({"reason": "x" * 501}, "longer than 500"),
        ({"at": datetime(2026, 1, 12, 10, 0)}, "timezone-aware"),  # noqa: DTZ001 - the naive time is the point
    ],
)
def test_it_refuses_in_bulk_what_record_access_refuses_and_appends_nothing(
    cast: Cast, case: Case, change: dict[str, Any], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "BULK_BATCH_SIZE", 4)  # the good entries before the bad one are inserted first
    log_three(cast, case)
    good = list(pending(cast, case, 10))
    bad = dataclasses.replace(good[0], **change)
    with pytest.raises(ValueError, match=message):
        append_entries_in_bulk(entries=[*good, bad])
    assert AccessEntry.objects.count() == 3
    assert ChainHead.objects.get().sequence == 3
    assert verify_chain().problems == []
