"""The one batching rule: how every channel's items are cut into units of work."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Batching:
    """Items per unit of work, the same for every channel (`ORDEX_BATCH_SIZE`).

    JSON and NDJSON files, CSV and EDI files, broker batches and the intake work a worker
    claims are all cut here. The API's group commit (entrypoints/api/group_commit.py) joins
    concurrent requests under its own latency bounds instead: a request must not wait for a
    batch to fill.
    """

    size: int

    def full(self, count: int) -> bool:
        """Whether a batch of `count` items is to be committed now."""
        return count >= self.size

    def batches(self, items: Iterable[T], *,
                weight: Callable[[T], int] | None = None) -> Iterator[list[T]]:
        """Items in batches of `size` (by `weight`, e.g. payloads per work item); the last
        may be smaller. Each batch is taken before the next item is read."""
        batch: list[T] = []
        count = 0
        for item in items:
            batch.append(item)
            count += weight(item) if weight is not None else 1
            if self.full(count):
                yield batch
                batch, count = [], 0
        if batch:
            yield batch


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Items in lists of `size` (the last may be shorter): one unit of work each."""
    return Batching(size).batches(items)


def with_last(items: Iterable[list[T]]) -> Iterator[tuple[list[T], bool]]:
    """Each batch with whether it is the last; one empty last batch when there is none."""
    it = iter(items)
    current = next(it, None)
    if current is None:
        yield [], True
        return
    for following in it:
        yield current, False
        current = following
    yield current, True
