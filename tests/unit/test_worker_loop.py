"""The worker loop on a fake claim store: handlers per kind, failures with backoff, stopping."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from ordex.orchestrate.retry import RetryPolicy
from ordex.orchestrate.work import (
    WORK_MOVES,
    ClaimLostError,
    NewWork,
    WorkItem,
    WorkKind,
    WorkState,
    moves_into,
)
from ordex.orchestrate.worker import WorkerConfig, WorkerStats, run_worker

from fakes import FakeClaims

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
RETRY = RetryPolicy(base=timedelta(seconds=10), cap=timedelta(minutes=5), max_attempts=3)
CONFIG = WorkerConfig(worker="w1", batch=100, lease=timedelta(minutes=1), retry=RETRY)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def completing(claims: FakeClaims, seen: list[list[int]], *, poison: set[str] = frozenset()
               ) -> object:
    """A handler that completes its items (as a real one does in its transaction)."""
    def handle(items: list[WorkItem]) -> None:
        seen.append([i.id for i in items])
        if bad := [i.key for i in items if i.key in poison]:
            raise ValueError(f"cannot judge {bad[0]}")
        claims.complete([i.id for i in items], worker=items[0].claimed_by)
    return handle


def once(claims: FakeClaims, handlers: dict[str, object], clock: Clock,
         deliver: object = None) -> WorkerStats:
    return run_worker(claim=claims, handlers=handlers, deliver_outbox=deliver,  # type: ignore[arg-type]
                      stop=threading.Event(), idle_sleep=0.01, clock=clock, config=CONFIG,
                      once=True, rand=lambda: 0.0)


def test_claims_can_come_only_from_queued_or_an_expired_claim_and_done_and_failed_are_final(
) -> None:
    assert moves_into(WorkState.CLAIMED) == {WorkState.QUEUED, WorkState.CLAIMED}
    assert WORK_MOVES[WorkState.DONE] == WORK_MOVES[WorkState.FAILED] == frozenset()
    assert moves_into(WorkState.DONE) == {WorkState.CLAIMED}


def test_each_kind_goes_to_its_own_handler_in_one_batch_and_is_completed() -> None:
    claims, clock, seen_intake, seen_re = FakeClaims(), Clock(), [], []
    claims.enqueue([NewWork(WorkKind.INTAKE, f"i{n}", {}) for n in range(3)]
                   + [NewWork(WorkKind.REEVALUATE, "r1", {})], now=NOW)
    stats = once(claims, {WorkKind.INTAKE: completing(claims, seen_intake),
                          WorkKind.REEVALUATE: completing(claims, seen_re)}, clock)
    assert seen_intake == [[1, 2, 3]] and seen_re == [[4]]
    assert all(claims.state(i) is WorkState.DONE for i in range(1, 5))
    assert stats.done == 4 and stats.failed == 0


def test_a_kind_without_a_handler_is_left_queued() -> None:
    claims, clock = FakeClaims(), Clock()
    claims.enqueue([NewWork(WorkKind.TIMER, "t1", {})], now=NOW)
    once(claims, {WorkKind.INTAKE: completing(claims, [])}, clock)
    assert claims.state(1) is WorkState.QUEUED


def test_work_not_due_yet_waits_for_its_time() -> None:
    claims, clock, seen = FakeClaims(), Clock(), []
    claims.enqueue([NewWork(WorkKind.TIMER, "t1", {}, not_before=NOW + timedelta(hours=1))],
                   now=NOW)
    once(claims, {WorkKind.TIMER: completing(claims, seen)}, clock)
    assert seen == []
    clock.now = NOW + timedelta(hours=1)
    once(claims, {WorkKind.TIMER: completing(claims, seen)}, clock)
    assert seen == [[1]] and claims.state(1) is WorkState.DONE


def test_a_failing_batch_is_queued_again_after_its_backoff_with_the_error_kept() -> None:
    claims, clock, seen = FakeClaims(), Clock(), []
    claims.enqueue([NewWork(WorkKind.INTAKE, "bad", {})], now=NOW)
    once(claims, {WorkKind.INTAKE: completing(claims, seen, poison={"bad"})}, clock)
    row = claims.rows[1]
    assert row.state is WorkState.QUEUED and row.item.attempts == 1
    assert row.item.not_before == NOW + RETRY.delay(1, rand=0.0) == NOW + timedelta(seconds=5)
    assert claims.errors[1] == ["ValueError: cannot judge bad"]


def test_one_bad_item_fails_its_batch_once_then_each_is_retried_alone_and_the_bad_one_gives_up(
) -> None:
    claims, clock, seen = FakeClaims(), Clock(), []
    claims.enqueue([NewWork(WorkKind.INTAKE, k, {}) for k in ("a", "bad", "c")], now=NOW)
    handlers = {WorkKind.INTAKE: completing(claims, seen, poison={"bad"})}
    for _ in range(RETRY.max_attempts):
        once(claims, handlers, clock)
        clock.now += RETRY.cap
    assert seen == [[1, 2, 3], [1], [2], [3], [2]]  # then the third failure gives up
    assert claims.state(1) is claims.state(3) is WorkState.DONE
    assert claims.state(2) is WorkState.FAILED and claims.rows[2].item.attempts == 3


def test_work_whose_leases_expired_too_often_fails_for_good_without_running() -> None:
    claims, clock, seen = FakeClaims(), Clock(), []
    claims.enqueue([NewWork(WorkKind.INTAKE, "crashes-its-worker", {})], now=NOW)
    for n in range(RETRY.max_attempts):  # a worker claims it and dies, each time
        claims.claim(kinds=[WorkKind.INTAKE], worker=f"dead-{n}", limit=1,
                     lease=timedelta(minutes=1), now=clock.now)
        clock.now += timedelta(minutes=2)
    stats = once(claims, {WorkKind.INTAKE: completing(claims, seen)}, clock)
    assert seen == [] and stats.failed == 1
    assert claims.state(1) is WorkState.FAILED
    assert claims.errors[1] == ["gave up: lease of dead-2 expired"]


def test_a_lost_claim_records_no_failure_for_work_another_worker_now_holds() -> None:
    claims, clock = FakeClaims(), Clock()
    claims.enqueue([NewWork(WorkKind.INTAKE, "slow", {})], now=NOW)

    def too_slow(items: list[WorkItem]) -> None:
        claims.claim(kinds=[WorkKind.INTAKE], worker="w2", limit=1, lease=timedelta(minutes=1),
                     now=NOW + timedelta(minutes=2))
        if claims.complete([i.id for i in items], worker="w1") != {1}:
            raise ClaimLostError()

    stats = once(claims, {WorkKind.INTAKE: too_slow}, clock)
    assert claims.rows[1].item.claimed_by == "w2" and claims.state(1) is WorkState.CLAIMED
    assert 1 not in claims.errors and stats.done == 0 and stats.failed == 0


def test_each_round_delivers_the_outbox_and_counts_what_it_sent() -> None:
    claims, clock, pending = FakeClaims(), Clock(), [3, 2]
    stats = once(claims, {}, clock, deliver=lambda: pending.pop() if pending else 0)
    assert stats.sent == 5 and stats.rounds == 3


def test_stop_wakes_an_idle_worker_at_once() -> None:
    stop, claims = threading.Event(), FakeClaims()
    thread = threading.Thread(target=run_worker, kwargs={
        "claim": claims, "handlers": {WorkKind.INTAKE: completing(claims, [])},
        "deliver_outbox": None, "stop": stop, "idle_sleep": 60.0, "clock": Clock(),
        "config": CONFIG})
    thread.start()
    time.sleep(0.05)
    started = time.monotonic()
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive() and time.monotonic() - started < 1.0


def test_stop_during_a_batch_lets_the_batch_finish_and_claims_nothing_more() -> None:
    stop, claims, clock, seen = threading.Event(), FakeClaims(), Clock(), []
    claims.enqueue([NewWork(WorkKind.INTAKE, "i1", {}), NewWork(WorkKind.REEVALUATE, "r1", {})],
                   now=NOW)
    finish = completing(claims, seen)

    def stopped_midway(items: list[WorkItem]) -> None:
        stop.set()  # SIGTERM arrives while the batch is in hand
        finish(items)  # type: ignore[operator]

    run_worker(claim=claims, handlers={WorkKind.INTAKE: stopped_midway,
                                       WorkKind.REEVALUATE: completing(claims, seen)},
               deliver_outbox=lambda: 1, stop=stop, idle_sleep=60.0, clock=clock, config=CONFIG)
    assert claims.state(1) is WorkState.DONE and claims.state(2) is WorkState.QUEUED


class BrokenOnce(FakeClaims):
    """A claim store whose first claim fails, as when the database is briefly unreachable."""

    def __init__(self) -> None:
        super().__init__()
        self.broken = True

    def claim(self, **kwargs: object) -> list[WorkItem]:  # type: ignore[override]
        if self.broken:
            self.broken = False
            raise ConnectionError("database unreachable")
        return super().claim(**kwargs)  # type: ignore[arg-type]


def test_the_loop_survives_a_failing_claim_store_and_goes_on() -> None:
    claims, stop, seen = BrokenOnce(), threading.Event(), []
    claims.enqueue([NewWork(WorkKind.INTAKE, "i1", {})], now=NOW)

    def handle(items: list[WorkItem]) -> None:
        completing(claims, seen)(items)  # type: ignore[operator]
        stop.set()

    stats = run_worker(claim=claims, handlers={WorkKind.INTAKE: handle}, deliver_outbox=None,
                       stop=stop, idle_sleep=0.001, clock=Clock(), config=CONFIG)
    assert stats.loop_errors == 1 and seen == [[1]]


def test_a_single_pass_reports_a_failing_claim_store_instead_of_retrying() -> None:
    with pytest.raises(ConnectionError):
        once(BrokenOnce(), {WorkKind.INTAKE: lambda items: None}, Clock())
