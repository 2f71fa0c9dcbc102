"""Signed checkpoints of the access log's chain head, in an append-only file outside the database.

The chain and its head live in the database, so someone who can write the
database can delete the newest entries and point the head back, and no hash in
the database shows it. A checkpoint is a copy of the head (which entry, its
hash, when) that such a person cannot reach: a JSON line appended to
VERN_AUDIT_CHECKPOINT_FILE, signed with VERN_AUDIT_KEY. `verify_chain` checks
the log against every checkpoint: a log that ends before the latest checkpoint
was truncated; an entry whose hash differs from its checkpoint's was rewritten.

Each line is numbered, so a line removed from the middle of the file shows; the
newest lines are protected only by where the file lives (append-only storage, a
log server, chattr +a), which is why it must not be on the database server.
"""

import fcntl
import hmac
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings

from audit.keys import key_id, keyed_digest


@dataclass(frozen=True)
class Checkpoint:
    """Line `number` of the checkpoint file: at `at`, the newest entry was `sequence` with `hash`."""

    number: int
    sequence: int
    hash: str
    at: datetime
    key_id: str

    def describe(self) -> str:
        return f"checkpoint {self.number} of {self.at.isoformat(timespec='seconds')}"


def _signature(number: int, sequence: int, entry_hash: str, at: str, signer: str) -> str:
    message = json.dumps(["vern-checkpoint-v1", number, sequence, entry_hash, at, signer], separators=(",", ":"))
    return keyed_digest(message.encode())


def _parsed(number: int, line: str) -> Checkpoint | str:
    """The checkpoint on a line, or what is wrong with it."""
    try:
        fields: dict[str, Any] = json.loads(line)
        checkpoint = Checkpoint(
            number=int(fields["checkpoint"]),
            sequence=int(fields["sequence"]),
            hash=str(fields["hash"]),
            at=datetime.fromisoformat(fields["at"]),
            key_id=str(fields["key_id"]),
        )
        signature = str(fields["signature"])
    except (ValueError, TypeError, KeyError):
        return f"checkpoint file line {number}: not a checkpoint"
    if checkpoint.number != number:
        return f"checkpoint file line {number}: numbered {checkpoint.number} (a line was removed or added)"
    if checkpoint.key_id != key_id():
        return f"checkpoint {number}: signed with another key ({checkpoint.key_id})"
    expected = _signature(number, checkpoint.sequence, checkpoint.hash, fields["at"], checkpoint.key_id)
    # Constant time, so a signature cannot be found byte by byte from how fast it is refused.
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        return f"checkpoint {number}: signature invalid"
    return checkpoint


def _read(file: IO[str]) -> tuple[list[Checkpoint], list[str]]:
    checkpoints: list[Checkpoint] = []
    problems: list[str] = []
    for number, line in enumerate(file, start=1):
        parsed = _parsed(number, line)
        if isinstance(parsed, str):
            problems.append(parsed)
            continue
        if checkpoints and parsed.sequence < checkpoints[-1].sequence:
            problems.append(
                f"{parsed.describe()} goes back from entry {checkpoints[-1].sequence} to entry {parsed.sequence}"
            )
        checkpoints.append(parsed)
    return checkpoints, problems


def read_checkpoints() -> tuple[list[Checkpoint], list[str]]:
    """The valid checkpoints in file order, and what is wrong with the file; none if there is no file yet."""
    path = Path(settings.VERN_AUDIT_CHECKPOINT_FILE)
    if not path.exists():
        return [], []
    with path.open(encoding="utf-8") as file:
        return _read(file)


@contextmanager
def _locked_for_append() -> Iterator[IO[str]]:
    """The checkpoint file open for reading and appending, locked against a concurrent checkpoint."""
    path = Path(settings.VERN_AUDIT_CHECKPOINT_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        try:
            file.seek(0)
            yield file
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)


def append_checkpoint(*, sequence: int, entry_hash: str) -> Checkpoint:
    """Append a signed checkpoint saying the newest entry is now `sequence` with `entry_hash`, and sync it to disk.

    A concurrent run that checkpointed a newer head first wins: its checkpoint is
    returned and none is appended, so the checkpoints never go back.
    """
    with _locked_for_append() as file:
        lines = file.readlines()
        newest = _parsed(len(lines), lines[-1]) if lines else None
        if isinstance(newest, Checkpoint) and newest.sequence > sequence:
            return newest
        number = len(lines) + 1
        at = datetime.now(UTC).isoformat(timespec="microseconds")
        signer = key_id()
        line = {
            "checkpoint": number,
            "sequence": sequence,
            "hash": entry_hash,
            "at": at,
            "key_id": signer,
            "signature": _signature(number, sequence, entry_hash, at, signer),
        }
        file.write(json.dumps(line, separators=(",", ":")) + "\n")
        file.flush()
        os.fsync(file.fileno())
    return Checkpoint(number=number, sequence=sequence, hash=entry_hash, at=datetime.fromisoformat(at), key_id=signer)
