"""Whole files stored raw before they are read: their processing state and what resuming needs."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class FileState(StrEnum):
    """Where a stored file stands (`raw_payloads.state`)."""

    RECEIVED = "received"
    """Stored raw; not every unit of work of it has committed (in progress, or interrupted)."""
    PROCESSED = "processed"
    """Its last unit of work committed, and set this state in the same transaction."""


MOVES: dict[FileState, frozenset[FileState]] = {
    FileState.RECEIVED: frozenset({FileState.PROCESSED}),
    FileState.PROCESSED: frozenset(),
}
"""The allowed moves of a file's state: received → processed, once."""


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A raw file as stored: id, hash, size, and an earlier copy with the same hash if any.

    When `earlier` is set the bytes were received before: `raw_id` is that first copy's id,
    nothing new was stored, and `processed` says whether that copy was processed to its end.
    """

    raw_id: str
    sha256: str
    size: int
    earlier: str | None
    processed: bool = False


@dataclass(frozen=True, slots=True)
class UnfinishedFile:
    """A stored file whose processing has not reached its end."""

    raw_id: str
    channel: str
    source: str
    profile: dict[str, Any] | None


def resumed_note(raw_id: str) -> str:
    """The file-report note of an identical file whose stored copy was not processed to its end."""
    return (f"resumed: identical file received before (raw {raw_id}) and not processed to "
            "its end; processed again from the stored copy")
