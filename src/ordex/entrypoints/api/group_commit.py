"""Group commit: work that arrives together is run as one group, committed once.

Every unit of work pays a fixed cost (its transaction, the context it loads, the policy it
reads) and on SQLite only one writes at a time. Concurrent POST /orders requests that each ran
their own would wait in line for the write lock. Instead they put their item on a queue. One
committer thread per process takes whatever is waiting, runs the group in one call and hands
each request its own result through a future. If a group fails as a whole, each of its items
is run again alone, so one bad request never fails its neighbours. docs/scaling.md, "API
intake: group commit", gives the bounds and the measurements.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass
from typing import Generic, TypeVar

from ordex.domain.errors import OrdexError

T = TypeVar("T")
R = TypeVar("R")
RECENT = 16
"""Groups remembered to know the usual group size (the linger waits for that many at most)."""

log = logging.getLogger("ordex.api.group_commit")


class IntakeStoppedError(OrdexError):
    """ordex is shutting down and takes no more orders here: send again shortly."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, field="(server)")


@dataclass(frozen=True, slots=True)
class GroupBounds:
    """How large a group may grow, and how long the committer lingers for it to gather."""

    max_items: int = 200
    """Items in one group at most."""
    max_bytes: int = 2 * 1024 * 1024
    """Bytes in one group at most (an item larger than this still runs, alone)."""
    max_wait: float = 0.005
    """Seconds the committer waits, once work is waiting, for the usual group to gather."""
    idle_exit: float = 30.0
    """Seconds without work after which the thread ends (the next item starts a new one)."""


@dataclass(frozen=True, slots=True)
class _Pending(Generic[T, R]):
    item: T
    future: Future[R]


class GroupCommitter(Generic[T, R]):
    """One committer thread running queued items in groups; each submitter gets its own result."""

    def __init__(self, run: Callable[[list[T]], list[R]], *, size_of: Callable[[T], int],
                 bounds: GroupBounds | None = None, name: str = "ordex-group-commit") -> None:
        self.run, self.size_of, self.bounds = run, size_of, bounds or GroupBounds()
        self.name = name
        self._cond = threading.Condition()
        self._waiting: deque[_Pending[T, R]] = deque()
        self._running: list[_Pending[T, R]] = []
        self._recent: deque[int] = deque(maxlen=RECENT)
        self._thread: threading.Thread | None = None
        self._closed = False

    def submit(self, item: T) -> Future[R]:
        """Queue an item for the next group; never blocks on the group being run."""
        future: Future[R] = Future()
        with self._cond:
            if self._closed:
                raise IntakeStoppedError()
            self._waiting.append(_Pending(item, future))
            if self._thread is None:
                self._start()
            self._cond.notify()
        return future

    def _start(self) -> None:
        """Start the committer thread (called holding the lock)."""
        self._thread = threading.Thread(target=self._serve, name=self.name, daemon=True)
        self._thread.start()

    def close(self, *, timeout: float = 30.0) -> None:
        """Take no more items, answer those queued, then stop the thread.

        Whatever is still unanswered after `timeout` seconds gets IntakeStoppedError.
        """
        with self._cond:
            self._closed = True
            thread = self._thread
            self._cond.notify_all()
        if thread is not None:
            thread.join(timeout)
        with self._cond:
            left = [*self._running, *self._waiting]
            self._waiting.clear()
        for pending in left:
            _settle(pending.future, error=IntakeStoppedError())

    @property
    def group_sizes(self) -> list[int]:
        """Sizes of the latest groups taken, oldest first."""
        with self._cond:
            return list(self._recent)

    @property
    def queued(self) -> int:
        """Items waiting for a group (not counting the group being run)."""
        with self._cond:
            return len(self._waiting)

    def _serve(self) -> None:
        """The committer: take a group, run it, answer it; until closed or idle."""
        ended = False
        try:
            while (group := self._take()) is not None:
                self._answer([p for p in group if p.future.set_running_or_notify_cancel()])
                with self._cond:
                    self._running = []
            ended = True
        finally:
            if not ended:  # the thread is dying: nothing it was given may wait for ever
                self._abandon()

    def _abandon(self) -> None:
        """The thread is dying: fail the group it held, hand what waits to a new thread."""
        with self._cond:
            held, self._running = self._running, []
            if self._thread is threading.current_thread():
                self._thread = None
                if self._waiting and not self._closed:
                    self._start()
        for pending in held:
            _settle(pending.future, error=IntakeStoppedError("the intake stopped unexpectedly"))

    def _take(self) -> list[_Pending[T, R]] | None:
        """The next group: what waits, once the usual number gathered or `max_wait` passed."""
        bounds = self.bounds
        with self._cond:
            while not self._waiting:
                idle = self._closed or not self._cond.wait(bounds.idle_exit)
                if idle and not self._waiting:  # closed, or nothing came for `idle_exit`
                    self._thread = None
                    return None
            usual = min(max(self._recent, default=1), bounds.max_items)
            deadline = time.monotonic() + bounds.max_wait
            while len(self._waiting) < usual and not self._closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            group = self._pop_group()
            self._running = group
            self._recent.append(len(group))
        return group

    def _pop_group(self) -> list[_Pending[T, R]]:
        """Items from the head of the queue within the bounds (at least one)."""
        group = [self._waiting.popleft()]
        size = self.size_of(group[0].item)
        while self._waiting and len(group) < self.bounds.max_items:
            size += self.size_of(self._waiting[0].item)
            if size > self.bounds.max_bytes:
                break
            group.append(self._waiting.popleft())
        return group

    def _answer(self, group: list[_Pending[T, R]]) -> None:
        """Run a group and settle its futures; a group that fails is run again item by item."""
        if not group:
            return
        try:
            results = self.run([p.item for p in group])
            if len(results) != len(group):
                raise RuntimeError(f"{len(results)} results for a group of {len(group)}")
        except Exception as exc:  # any failure: the items must still each get their own answer
            if len(group) == 1:
                _settle(group[0].future, error=exc)
                return
            log.warning("a group of %d failed as a whole (%s); running each alone", len(group),
                        type(exc).__name__)
            for pending in group:
                self._answer([pending])
            return
        for pending, result in zip(group, results, strict=True):
            _settle(pending.future, result=result)


def _settle(future: Future[R], *, result: R | None = None,
            error: BaseException | None = None) -> None:
    """Resolve a future once (close() may have answered it already)."""
    try:
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]
    except InvalidStateError:
        pass
