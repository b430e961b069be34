"""Work claims on SQLite and PostgreSQL: idempotent enqueue, disjoint claims, leases, exactly once."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from ordex.adapters.db import tables as t
from ordex.adapters.db.claims import SqlClaims, claim, complete, enqueue
from ordex.adapters.db.dialect import make_engine, write_transaction
from ordex.adapters.db.migrate import pending_migrations, upgrade
from ordex.orchestrate.work import ClaimLostError, NewWork, WorkItem, WorkKind

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
LEASE = timedelta(minutes=5)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


def work(n: int, kind: str = WorkKind.INTAKE, **kw: object) -> list[NewWork]:
    return [NewWork(kind, f"k{i}", {"n": i}, **kw) for i in range(n)]  # type: ignore[arg-type]


def states(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(t.work_items.c.key, t.work_items.c.state)).all())


def take(engine: Engine, worker: str, *, limit: int = 100, at: datetime = NOW,
         kinds: tuple[str, ...] = (WorkKind.INTAKE,)) -> list[WorkItem]:
    return claim(engine, kinds=kinds, worker=worker, limit=limit, lease=LEASE, now=at)


def test_the_schema_is_at_the_latest_migration(engine: Engine) -> None:
    assert pending_migrations(engine) == []


def test_enqueue_is_idempotent_by_kind_and_key_within_and_across_calls(engine: Engine) -> None:
    claims = SqlClaims(engine)
    claims.enqueue(work(3) + work(2), now=NOW)
    claims.enqueue(work(5) + work(2, WorkKind.REEVALUATE), now=NOW)
    with engine.connect() as conn:
        counts = dict(conn.execute(select(t.work_items.c.kind, func.count())
                                   .group_by(t.work_items.c.kind)).all())
    assert counts == {"intake": 5, "reevaluate": 2}


def test_work_enqueued_in_a_transaction_that_rolls_back_is_not_queued(engine: Engine) -> None:
    with pytest.raises(RuntimeError), engine.begin() as conn:
        enqueue(conn, work(2), now=NOW)
        raise RuntimeError("the change that caused the work failed")
    assert states(engine) == {}


def test_claims_take_due_work_of_the_asked_kinds_oldest_first_up_to_the_limit(
        engine: Engine) -> None:
    claims = SqlClaims(engine)
    claims.enqueue([NewWork(WorkKind.INTAKE, "late", {}, not_before=NOW + timedelta(hours=1)),
                    NewWork(WorkKind.INTAKE, "second", {}, not_before=NOW - timedelta(minutes=1)),
                    NewWork(WorkKind.INTAKE, "first", {}, not_before=NOW - timedelta(minutes=2)),
                    NewWork(WorkKind.INTAKE, "third", {}),
                    NewWork(WorkKind.TIMER, "other-kind", {})], now=NOW)
    got = take(engine, "w1", limit=2)
    assert [i.key for i in got] == ["first", "second"]
    assert all(i.claimed_by == "w1" and i.lease_until == NOW + LEASE for i in got)
    third = take(engine, "w1")
    assert [i.key for i in third] == ["third"]
    assert take(engine, "w1") == []
    with write_transaction(engine) as conn:
        complete(conn, [i.id for i in got + third], worker="w1", now=NOW)
    assert [i.key for i in take(engine, "w1", at=NOW + timedelta(hours=1))] == ["late"]
    assert states(engine)["other-kind"] == "queued"


def test_two_claiming_threads_never_get_the_same_item_and_together_get_all(
        engine: Engine) -> None:
    SqlClaims(engine).enqueue(work(600), now=NOW)
    got: dict[str, list[int]] = {"a": [], "b": [], "c": []}

    def claimer(name: str) -> None:
        while batch := take(engine, name, limit=7):
            got[name].extend(i.id for i in batch)

    threads = [threading.Thread(target=claimer, args=(n,)) for n in got]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    every = [i for ids in got.values() for i in ids]
    assert len(every) == len(set(every)) == 600
    assert all(got.values()), "every claimer should have taken some work"


CLAIMER = textwrap.dedent("""
    import json, sys
    from datetime import UTC, datetime, timedelta
    from ordex.adapters.db.claims import claim
    from ordex.adapters.db.dialect import make_engine
    engine = make_engine(sys.argv[1])
    ids = []
    while batch := claim(engine, kinds=["intake"], worker=sys.argv[2], limit=5,
                         lease=timedelta(minutes=5), now=datetime(2026, 11, 23, 9, tzinfo=UTC)):
        ids.extend(i.id for i in batch)
    print(json.dumps(ids))
""")


@pytest.mark.postgres
def test_two_claiming_processes_never_get_the_same_item_and_together_get_all(
        postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(t.work_items.delete())
    SqlClaims(engine).enqueue(work(2000), now=NOW)
    procs = [subprocess.Popen([sys.executable, "-c", CLAIMER, postgres_url, f"p{n}"],
                              stdout=subprocess.PIPE, text=True) for n in range(2)]
    results = [json.loads(p.communicate(timeout=120)[0]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    every = [i for ids in results for i in ids]
    assert len(every) == len(set(every)) == 2000
    assert all(results), "both processes should have taken some work"
    engine.dispose()


def test_work_whose_lease_expired_is_claimed_again_counting_a_failed_attempt(
        engine: Engine) -> None:
    SqlClaims(engine).enqueue(work(2), now=NOW)
    first = take(engine, "crashed")
    assert take(engine, "w2", at=NOW + LEASE - timedelta(seconds=1)) == []
    again = take(engine, "w2", at=NOW + LEASE + timedelta(seconds=1))
    assert [i.id for i in again] == [i.id for i in first]
    assert all(i.attempts == 1 and i.last_error == "lease of crashed expired" for i in again)


def test_a_worker_whose_lease_was_taken_over_completes_nothing_and_its_effects_roll_back(
        engine: Engine) -> None:
    SqlClaims(engine).enqueue(work(3), now=NOW)
    slow = take(engine, "slow")
    later = NOW + LEASE + timedelta(seconds=1)
    fast = take(engine, "fast", at=later)

    def finish(items: list[WorkItem], worker: str) -> None:
        """The effects and the completion in one transaction, as a handler writes them."""
        with write_transaction(engine) as conn:
            conn.execute(t.events.insert(), [{"kind": f"done-by-{worker}", "at": later,
                                              "payload": {"id": i.id}} for i in items])
            if complete(conn, [i.id for i in items], worker=worker, now=later) != {
                    i.id for i in items}:
                raise ClaimLostError()

    with pytest.raises(ClaimLostError):
        finish(slow, "slow")
    finish(fast, "fast")
    with engine.connect() as conn:
        effects = conn.execute(select(t.events.c.kind, func.count()).group_by(t.events.c.kind))
        assert dict(effects.all()) == {"done-by-fast": 3}
    assert set(states(engine).values()) == {"done"}


def test_an_expired_lease_nobody_took_over_still_completes(engine: Engine) -> None:
    SqlClaims(engine).enqueue(work(1), now=NOW)
    items = take(engine, "w1")
    with write_transaction(engine) as conn:
        done = complete(conn, [items[0].id], worker="w1", now=NOW + 2 * LEASE)
    assert done == {items[0].id} and states(engine) == {"k0": "done"}


def test_completed_work_is_never_claimed_again(engine: Engine) -> None:
    SqlClaims(engine).enqueue(work(2), now=NOW)
    items = take(engine, "w1")
    with write_transaction(engine) as conn:
        complete(conn, [i.id for i in items], worker="w1", now=NOW)
    assert take(engine, "w2", at=NOW + 10 * LEASE) == []


def test_failed_work_waits_for_its_retry_time_and_failed_for_good_is_never_claimed(
        engine: Engine) -> None:
    claims = SqlClaims(engine)
    claims.enqueue(work(2), now=NOW)
    retry, give_up = take(engine, "w1")
    retry_at = NOW + timedelta(seconds=30)
    assert claims.fail([retry, give_up], error="ValueError: " + "x" * 5000,
                       retry_at={retry.id: retry_at, give_up.id: None}) == 2
    assert states(engine) == {"k0": "queued", "k1": "failed"}
    assert take(engine, "w2", at=retry_at - timedelta(seconds=1)) == []
    [again] = take(engine, "w2", at=retry_at)
    assert again.id == retry.id and again.attempts == 1 and again.not_before == retry_at
    assert again.last_error is not None and len(again.last_error) == 2000
    later = take(engine, "w3", at=NOW + timedelta(days=365))  # w2's lease has expired by then
    assert [i.id for i in later] == [retry.id]


def test_a_failure_reported_by_a_worker_that_lost_the_claim_changes_nothing(
        engine: Engine) -> None:
    claims = SqlClaims(engine)
    claims.enqueue(work(1), now=NOW)
    [mine] = take(engine, "slow")
    [theirs] = take(engine, "fast", at=NOW + LEASE + timedelta(seconds=1))
    assert claims.fail([mine], error="late", retry_at={mine.id: None}) == 0
    assert states(engine) == {"k0": "claimed"} and theirs.claimed_by == "fast"
