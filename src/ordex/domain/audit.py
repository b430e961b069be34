"""The audit trail's hash chain: each entry seals the one before it in its stream.

A stream is one case's history (its id) or a named system stream (`policy`, `people`,
`tokens`). Chains are per stream, not global: a global chain would make every writer in
every process wait for one row, while a case's entries are already written one unit of work
at a time. What a per-stream chain alone cannot show (a whole stream removed, or its last
entries cut off) the stored heads show: each stream's last sequence number and hash are kept
apart from the entries, and `anchor` folds every head into one digest that can be written
down elsewhere (docs/architecture.md, "Audit trail").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS = "0" * 64
"""The `prev_hash` of a stream's first entry."""

SYSTEM_STREAMS = ("policy", "people", "tokens")
"""Streams that are not a case's history (a case id always holds `:` before its code)."""


@dataclass(frozen=True, slots=True)
class Sealed:
    """An entry's place in its stream: its sequence number, the hash before it and its own."""

    seq: int
    prev_hash: str
    hash: str


def instant(at: datetime) -> str:
    """The entry's moment as the hash reads it: UTC to the microsecond (naive is UTC)."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(stream: str, seq: int, fields: Mapping[str, object], prev_hash: str) -> str:
    """SHA-256 of the entry's stream, place, content and the hash before it (canonical JSON)."""
    at = fields["at"]
    body = [stream, seq, instant(at) if isinstance(at, datetime) else str(at),
            fields["actor"], fields["action"], fields["from_state"], fields["to_state"],
            fields["reason"], prev_hash]
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def seal(stream: str, fields: Mapping[str, object], *, after: tuple[int, str]) -> Sealed:
    """Seal the next entry of a stream whose head is `after` = (seq, hash)."""
    seq, prev = after[0] + 1, after[1]
    return Sealed(seq, prev, entry_hash(stream, seq, fields, prev))


@dataclass(frozen=True, slots=True)
class Break:
    """The first entry where a stream's chain does not hold, and what is wrong there."""

    stream: str
    entry_id: int | None
    seq: int | None
    problem: str

    def message(self) -> str:
        """One line naming the entry."""
        where = (f"entry {self.entry_id} (seq {self.seq})" if self.entry_id is not None
                 else "its end")
        return f"audit chain broken in stream {self.stream!r} at {where}: {self.problem}"


def first_break(stream: str, rows: Iterable[Mapping[str, object]],
                head: tuple[int, str] | None) -> Break | None:
    """Walk one stream's rows in sequence order; the first that breaks the chain, or None.

    `head` is the stored (seq, hash) of the stream's last entry; None when no head is stored.
    """
    seq, prev = 0, GENESIS
    for row in rows:
        entry_id, at_seq = int(str(row["entry_id"])), row["seq"]
        if at_seq is None or row["hash"] is None:
            return Break(stream, entry_id, None, "the entry carries no seal")
        if int(str(at_seq)) != seq + 1:
            return Break(stream, entry_id, int(str(at_seq)),
                         f"sequence {at_seq} follows {seq}: an entry is missing or moved")
        if row["prev_hash"] != prev:
            return Break(stream, entry_id, seq + 1, "it does not seal the entry before it")
        if entry_hash(stream, seq + 1, row, prev) != row["hash"]:
            return Break(stream, entry_id, seq + 1, "its content was changed after it was written")
        seq, prev = seq + 1, str(row["hash"])
    if head is None:
        return Break(stream, None, None, "no stored head: the stream was written around the chain")
    if head != (seq, prev):
        return Break(stream, None, head[0], f"the stored head is at seq {head[0]} but the stream "
                     f"ends at seq {seq}: entries were removed from its end")
    return None


def anchor(heads: Iterable[tuple[str, int, str]]) -> str:
    """One digest over every stream's head, in stream order: write it down to prove a later
    copy of the trail neither lost nor gained a stream."""
    digest = hashlib.sha256()
    for stream, seq, head_hash in sorted(heads):
        digest.update(f"{stream}\x1f{seq}\x1f{head_hash}\x1e".encode())
    return digest.hexdigest()
