"""An NDJSON file as a Channel: one Delivery per non-blank line, read as it is asked for."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from ordex.domain.positions import Position
from ordex.orchestrate.ports import Delivery


class NdjsonFileChannel:
    """The lines of one NDJSON file in order; lines handed out and not acknowledged come again."""

    name = "ndjson"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle = path.open("rb")
        self._lock = threading.Lock()
        self._line = 0
        self._unacked: dict[str, Delivery] = {}
        self.at_end = False
        """True once the last line was handed out."""
        self.acknowledged = 0
        """Lines acknowledged so far (kept for the report: the file itself records nothing)."""

    def receive(self, *, max_items: int, timeout: float) -> list[Delivery]:
        """The next `max_items` non-blank lines; a file never waits, so `timeout` is unused."""
        with self._lock:
            if self._unacked:  # as a broker would after its ack wait, without the wait
                return list(self._unacked.values())[:max_items]
            batch = self._read(max_items)
            self._unacked = {d.position: d for d in batch}
        return batch

    def _read(self, max_items: int) -> list[Delivery]:
        batch: list[Delivery] = []
        while len(batch) < max_items and not self.at_end:
            raw = self._handle.readline()
            self.at_end = not raw
            self._line += bool(raw)
            if raw.strip():
                batch.append(Delivery(body=raw.rstrip(b"\r\n"), source=str(self.path),
                                      position=f"{self.path}:{self._line}",
                                      at=Position(str(self.path), line=self._line)))
        return batch

    def acknowledge(self, deliveries: Sequence[Delivery]) -> None:
        """These lines are committed: never hand them out again."""
        with self._lock:
            done = [d for d in deliveries if self._unacked.pop(d.position, None) is not None]
            self.acknowledged += len(done)

    def close(self) -> None:
        """Close the file."""
        self._handle.close()

    def __enter__(self) -> NdjsonFileChannel:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
