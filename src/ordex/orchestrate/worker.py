"""The worker loop: claim work per kind, hand it to its handler, deliver the outbox, repeat.

A handler writes the work's effects and completes its items in one transaction of its own
(adapters.db.claims.complete), so the loop never commits anything itself; it only records
failures, with backoff, and stops between batches when asked to.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ordex.orchestrate.ports import ClaimStore
from ordex.orchestrate.retry import RetryPolicy
from ordex.orchestrate.work import ClaimLostError, WorkItem

log = logging.getLogger(__name__)

Handler = Callable[[list[WorkItem]], None]
"""Does the work of a batch of claimed items and completes them in the same transaction."""

MAX_ERROR_PAUSE = 60.0
"""Longest pause, in seconds, after the loop itself fails (the database is unreachable)."""


class WriterTurn:
    """Lets urgent writers (the timer loop) in between another loop's units of work.

    SQLite has one writer at a time and its busy handler is not fair: a thread that commits and
    begins again at once starves one that waits. The intake handler calls `let_urgent_pass`
    before each unit of work; the timer loop writes inside `urgent()`.
    """

    def __init__(self) -> None:
        self._urgent, self._held = 0, False
        self._lock = threading.Condition()

    def hold(self) -> None:
        """The timer loop takes the turn (idempotent): `let_urgent_pass` waits until released."""
        with self._lock:
            self._held = True

    def release(self) -> None:
        """The timer loop gives the turn back (idempotent)."""
        with self._lock:
            self._held = False
            self._lock.notify_all()

    @contextmanager
    def urgent(self) -> Iterator[None]:
        """While inside, `let_urgent_pass` waits."""
        with self._lock:
            self._urgent += 1
        try:
            yield
        finally:
            with self._lock:
                self._urgent -= 1
                self._lock.notify_all()

    def let_urgent_pass(self, *, timeout: float = 10.0) -> None:
        """Wait (at most `timeout` seconds) until no urgent writer is inside."""
        with self._lock:
            self._lock.wait_for(lambda: self._urgent == 0 and not self._held, timeout=timeout)


WRITER_TURN = WriterTurn()
"""The process's one turn: every loop of a process shares its database's writer lock."""


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    """Who the worker is and how much it takes at a time."""

    worker: str
    """Unique per running process: completion checks that the item is still held by it."""
    batch: int = 500
    lease: timedelta = timedelta(minutes=5)
    """How long a claim holds; longer than a batch ever takes, short enough to recover."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass
class WorkerStats:
    """What a worker has done so far."""

    done: int = 0
    failed: int = 0
    sent: int = 0
    rounds: int = 0
    loop_errors: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    """Items done per work kind."""


def run_worker(*, claim: ClaimStore, handlers: Mapping[str, Handler],
               deliver_outbox: Callable[[], int] | None, stop: threading.Event,
               idle_sleep: float, clock: Callable[[], datetime], config: WorkerConfig,
               once: bool = False, rand: Callable[[], float] = random.random) -> WorkerStats:
    """Work until `stop` is set (or, with `once`, until nothing is due); return the tally.

    Each round claims one batch per kind and hands it to that kind's handler, then delivers
    the outbox; an idle round sleeps `idle_sleep` seconds, waking at once on `stop`. A batch
    already claimed is always finished before the loop stops.
    """
    stats, errors = WorkerStats(), 0
    while not stop.is_set():
        try:
            busy = _round(claim=claim, handlers=handlers, deliver_outbox=deliver_outbox,
                          stop=stop, clock=clock, config=config, rand=rand, stats=stats)
            errors = 0
        except Exception:  # the loop survives a database outage; the log says why
            if once:
                raise
            errors += 1
            stats.loop_errors += 1
            log.exception("worker %s: round failed; pausing", config.worker)
            stop.wait(min(MAX_ERROR_PAUSE, idle_sleep * 2 ** min(errors, 10)))
            continue
        stats.rounds += 1
        if busy == 0:
            if once:
                break
            stop.wait(idle_sleep)
    return stats


def _round(*, claim: ClaimStore, handlers: Mapping[str, Handler],
           deliver_outbox: Callable[[], int] | None, stop: threading.Event,
           clock: Callable[[], datetime], config: WorkerConfig, rand: Callable[[], float],
           stats: WorkerStats) -> int:
    """One batch per kind, then the outbox; how many items and messages it moved."""
    busy = 0
    for kind, handler in handlers.items():
        if stop.is_set():
            return busy
        items = claim.claim(kinds=[kind], worker=config.worker, limit=config.batch,
                            lease=config.lease, now=clock())
        busy += len(items)
        before = stats.done
        _handle(items, handler, claim=claim, clock=clock, config=config, rand=rand,
                stats=stats)
        if stats.done > before:
            stats.by_kind[kind] = stats.by_kind.get(kind, 0) + stats.done - before
    if deliver_outbox is not None and not stop.is_set():
        sent = deliver_outbox()
        stats.sent += sent
        busy += sent
    return busy


def _handle(items: list[WorkItem], handler: Handler, *, claim: ClaimStore,
            clock: Callable[[], datetime], config: WorkerConfig, rand: Callable[[], float],
            stats: WorkerStats) -> None:
    """Items that never failed go in one call; each that failed before goes alone, so one
    bad item cannot fail its neighbours; items past the policy's attempts fail for good."""
    spent = [i for i in items if config.retry.gives_up(i.attempts)]
    if spent:
        stats.failed += claim.fail(spent, retry_at=dict.fromkeys((i.id for i in spent), None),
                                   error=f"gave up: {spent[0].last_error or 'no error kept'}")
    live = [i for i in items if not config.retry.gives_up(i.attempts)]
    fresh = [i for i in live if i.attempts == 0]
    for call in ([fresh] if fresh else []) + [[i] for i in live if i.attempts]:
        _call(call, handler, claim=claim, clock=clock, retry=config.retry, rand=rand,
              stats=stats)


def _call(items: list[WorkItem], handler: Handler, *, claim: ClaimStore,
          clock: Callable[[], datetime], retry: RetryPolicy, rand: Callable[[], float],
          stats: WorkerStats) -> None:
    """Run the handler on these items; a failure is recorded with each item's retry time."""
    try:
        handler(items)
    except ClaimLostError as exc:  # another worker has the items now: nothing to record
        log.warning("%s (%d item(s))", exc, len(items))
        return
    except Exception as exc:  # any handler failure: the items are retried or given up
        log.exception("handler for %s failed on %d item(s)", items[0].kind, len(items))
        _record_failure(items, claim=claim, now=clock(), retry=retry, rand=rand,
                        error=f"{type(exc).__name__}: {exc}", stats=stats)
        return
    stats.done += len(items)


def _record_failure(items: Sequence[WorkItem], *, claim: ClaimStore, now: datetime,
                    retry: RetryPolicy, rand: Callable[[], float], error: str,
                    stats: WorkerStats) -> None:
    retry_at = {i.id: retry.retry_at(attempts=i.attempts + 1, now=now, rand=rand())
                for i in items}
    claim.fail(items, error=error, retry_at=retry_at)
    stats.failed += sum(1 for at in retry_at.values() if at is None)
