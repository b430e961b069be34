"""What the file handlers share: the adapters they are given, the file lock, batch ends."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from ordex.domain.errors import ParseError
from ordex.orchestrate.batching import Batching
from ordex.orchestrate.ports import FileLookups, FileUnitOfWork, Need, RawFileStore
from ordex.orchestrate.stored_files import StoredFile, resumed_note


@dataclass(frozen=True)
class FileTools:
    """What bootstrap gives a file handler besides its unit of work."""

    files: RawFileStore
    """The raw file store: a file is stored (committed) before it is read."""
    lookups: FileLookups
    batching: Batching
    """Orders (or EDI transactions) per unit of work."""
    clock: Callable[[], datetime]
    """Stamps each batch's progress on its file."""


def claim_file(uow: FileUnitOfWork, raw_id: str) -> None:
    """Lock a stored file for one unit of work: two runs over the same file take turns."""
    uow.lock(Need(keys=frozenset({f"file:{raw_id}"})))


def end_batch(uow: FileUnitOfWork, raw_id: str, *, last: bool, at: datetime) -> None:
    """Record a batch's progress on its file; the last batch marks the file processed."""
    uow.files.end_batch(raw_id, last=last, at=at)


@contextlib.contextmanager
def opened(*, path: Path | None, stream: BinaryIO | None) -> Iterator[BinaryIO]:
    """The bytes of a file command: its path opened, or its stream from the start."""
    if path is not None:
        with path.open("rb") as handle:
            yield handle
        return
    if stream is None:
        raise ParseError("a file command needs a path, a stream or a stored raw id")
    if stream.seekable():
        stream.seek(0)
    yield stream


def note_resumed(report_skipped: list[str], stored: StoredFile, *, when: bool) -> None:
    """Say first in a report that an identical, unfinished file was resumed from its copy."""
    if stored.earlier is not None and when:
        report_skipped.insert(0, resumed_note(stored.earlier))
