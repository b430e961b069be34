"""`ordex worker`: claim work and deliver the outbox from the database until told to stop.

The CLI registers the command; this module is typer-free so `ordex serve` can run the same
loop in a thread. SIGTERM or SIGINT lets the batch in hand finish, then `main` returns 0.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import secrets
import signal
import socket
import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from types import FrameType

from ordex.adapters.db.claims import SqlClaims
from ordex.adapters.db.dialect import make_engine
from ordex.adapters.db.migrate import pending_migrations
from ordex.adapters.db.notifications_repo import SqlNotifications
from ordex.adapters.erp_sandbox import SqlOutbox
from ordex.bootstrap import erp_connector, notifier, notify_policy, outbox_policy, utcnow
from ordex.config import Settings
from ordex.domain.errors import ConfigurationError
from ordex.orchestrate.notify_delivery import deliver_notifications
from ordex.orchestrate.outbox import deliver
from ordex.orchestrate.retry import RetryPolicy
from ordex.orchestrate.work import WorkItem, WorkKind
from ordex.orchestrate.worker import (
    WRITER_TURN,
    Handler,
    WorkerConfig,
    WorkerStats,
    run_worker,
)

log = logging.getLogger(__name__)
TIMER = WorkKind.TIMER.value
TIMER_IDLE_SECONDS = 0.5
"""Longest pause of the timer loop when nothing is due: a step fires at most this late."""


def default_worker_id() -> str:
    """host:pid:random — unique per process, readable in `claimed_by`."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(3)}"


def worker_config(settings: Settings, *, worker_id: str) -> WorkerConfig:
    """The worker's batch, lease and retry policy from the settings."""
    retry = RetryPolicy(base=timedelta(seconds=settings.retry_base_seconds),
                        cap=timedelta(seconds=settings.retry_cap_seconds),
                        max_attempts=settings.retry_max_attempts)
    return WorkerConfig(worker=worker_id, batch=settings.worker_batch,
                        lease=timedelta(seconds=settings.worker_lease_seconds), retry=retry)


def main(settings: Settings, *, worker_id: str | None = None, once: bool = False,
         stop: threading.Event | None = None, handlers: Mapping[str, Handler] | None = None,
         clock: Callable[[], datetime] = utcnow,
         on_stop: Callable[[str, WorkerStats], None] | None = None) -> int:
    """Run one worker on `settings.database_url`; 0 once stopped (or, with `once`, idle).

    `on_stop` hears each loop's tally (the main loop and the timers' loop) when it stops.
    """
    engine = make_engine(settings.database_url)
    try:
        if pending := pending_migrations(engine):
            raise ConfigurationError(f"the database schema lacks migrations {', '.join(pending)}:"
                                     " run `ordex migrate` first")
        config = worker_config(settings, worker_id=worker_id or default_worker_id())
        claims, outbox = SqlClaims(engine), SqlOutbox(engine)
        erp, resend = erp_connector(settings, engine), outbox_policy(settings)
        notices, notify = SqlNotifications(engine), notifier(settings, clock=clock)
        renotify = notify_policy(settings)

        def deliver_outbox() -> int:  # ERP commands, then notifications (docs/notifications.md)
            return deliver(outbox, erp, worker=config.worker, now=clock(), limit=config.batch,
                           lease=config.lease, policy=resend) + deliver_notifications(
                notices, notify, worker=config.worker, now=clock(), limit=config.batch,
                lease=config.lease, policy=renotify)

        stop = stop or threading.Event()
        work = dict(handlers or {})
        timers = {k: work.pop(k) for k in [TIMER] if k in work}
        report = functools.partial(_report, on_stop=on_stop)
        with stop_on_signals(stop), _timer_loop(claims, timers, stop=stop, clock=clock,
                                                config=config, once=once,
                                                idle=settings.worker_idle_seconds,
                                                report=report):
            stats = run_worker(claim=claims, handlers=work,
                               deliver_outbox=deliver_outbox, stop=stop,
                               idle_sleep=settings.worker_idle_seconds, clock=clock,
                               config=config, once=once)
        report(config.worker, stats)
        return 0
    finally:
        engine.dispose()


@contextmanager
def _timer_loop(claims: SqlClaims, handlers: Mapping[str, Handler], *, stop: threading.Event,
                clock: Callable[[], datetime], config: WorkerConfig, once: bool,
                idle: float, report: Callable[[str, WorkerStats], None]) -> Iterator[None]:
    """SLA and escalation timers in a loop of their own beside the main one, so a long intake
    batch never holds a due step back (docs/benchmarks.md, "Escalation timers")."""
    if not handlers:
        yield
        return
    own = dataclasses.replace(config, worker=f"{config.worker}/timers")
    failed: list[BaseException] = []
    urgent = {k: _urgently(h) for k, h in handlers.items()}

    def loop() -> None:
        try:
            report(own.worker, run_worker(claim=_UrgentClaims(claims), handlers=urgent,
                                           deliver_outbox=None, stop=stop,
                                           idle_sleep=min(idle, TIMER_IDLE_SECONDS),
                                           clock=clock, config=own, once=once))
        except BaseException as exc:  # `once` re-raises: the main thread says so
            failed.append(exc)

    thread = threading.Thread(target=loop, name="ordex-timers", daemon=True)
    thread.start()
    try:
        yield
    finally:
        if not once:
            stop.set()
        thread.join()
    if failed:
        raise failed[0]


class _UrgentClaims:
    """The timer loop's claims, taken as an urgent writer (see WriterTurn)."""

    def __init__(self, claims: SqlClaims) -> None:
        self.claims = claims

    def claim(self, *, kinds: Collection[str], worker: str, limit: int, lease: timedelta,
              now: datetime) -> list[WorkItem]:
        """Claim due timers, the intake loop waiting meanwhile; with timers claimed the turn
        is kept until their handler has run (`_urgently`)."""
        WRITER_TURN.hold()
        found: list[WorkItem] = []
        try:
            found = self.claims.claim(kinds=kinds, worker=worker, limit=limit, lease=lease,
                                      now=now)
            return found
        finally:
            if not found:
                WRITER_TURN.release()

    def fail(self, items: Sequence[WorkItem], *, error: str,
             retry_at: Mapping[int, datetime | None]) -> int:
        """Record a failed attempt."""
        return self.claims.fail(items, error=error, retry_at=retry_at)


def _urgently(handler: Handler) -> Handler:
    """The handler of timers claimed by `_UrgentClaims`, giving back the turn they took (a
    claim whose items all gave up gives it back at the next claim, half a second later)."""
    def run(items: list[WorkItem]) -> None:
        try:
            handler(items)
        finally:
            WRITER_TURN.release()
    return run


@contextmanager
def in_background(settings: Settings, *, handlers: Mapping[str, Handler] | None = None,
                  clock: Callable[[], datetime] = utcnow, join_seconds: float = 30.0
                  ) -> Iterator[threading.Thread]:
    """Run a worker in a thread while inside (`ordex serve` embedded); stop it on the way out."""
    stop = threading.Event()
    thread = threading.Thread(target=main, name="ordex-worker", daemon=True, args=(settings,),
                              kwargs={"stop": stop, "handlers": handlers, "clock": clock})
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(timeout=join_seconds)


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """While inside, SIGTERM and SIGINT set `stop` (only the main thread may catch signals)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: finishing the current batch, then stopping", signum)
        stop.set()

    previous = {s: signal.signal(s, _stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _report(worker: str, stats: WorkerStats, *,
            on_stop: Callable[[str, WorkerStats], None] | None) -> None:
    if on_stop is not None:
        on_stop(worker, stats)
    log.info("worker %s stopped: %d done, %d failed for good, %d sent, %d rounds", worker,
             stats.done, stats.failed, stats.sent, stats.rounds)
