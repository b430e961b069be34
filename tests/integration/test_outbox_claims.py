"""Outbox delivery by workers on SQLite and PostgreSQL: per-order order, leases, backoff."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, func, select, text

from ordex.adapters.db import tables as t
from ordex.adapters.db.dialect import make_engine
from ordex.adapters.db.migrate import alembic_config, upgrade
from ordex.adapters.db.store import SqlChangeStore
from ordex.adapters.erp_sandbox import SandboxErp, SqlOutbox
from ordex.domain.events import HoldLines
from ordex.orchestrate.changes import Changes, OutboxMessage
from ordex.orchestrate.outbox import deliver, dispatch
from ordex.orchestrate.retry import RetryPolicy

from fakes import FlakyErp

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
LEASE = timedelta(minutes=5)
POLICY = RetryPolicy(base=timedelta(seconds=10), cap=timedelta(minutes=5), max_attempts=10**6)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


class Writer:
    """Writes outbox messages through the change store, each a millisecond after the last."""

    def __init__(self, engine: Engine) -> None:
        self.store, self.seq = SqlChangeStore(engine), 0

    def write(self, *orders: str) -> list[str]:
        messages = []
        for order in orders:
            self.seq += 1
            messages.append(OutboxMessage(
                f"{order}-{self.seq:05d}", NOW + timedelta(milliseconds=self.seq),
                HoldLines(order_id=order, lines=(1,), reason="r", case_id=f"{order}:X")))
        self.store.save(Changes(outbox=messages))
        return [m.message_id for m in messages]


def claimed(outbox: SqlOutbox, worker: str, *, at: datetime = NOW, limit: int = 100
            ) -> list[str]:
    return [c.message.message_id
            for c in outbox.claim_outbox(worker=worker, limit=limit, lease=LEASE, now=at)]


def test_a_claim_takes_each_orders_messages_in_created_order(engine: Engine) -> None:
    writer, outbox = Writer(engine), SqlOutbox(engine)
    ids = writer.write("A", "B", "A", "A")
    assert claimed(outbox, "w1") == ids
    assert claimed(outbox, "w2") == []


def test_the_limit_counts_orders_and_takes_the_oldest_first(engine: Engine) -> None:
    writer, outbox = Writer(engine), SqlOutbox(engine)
    a1, b1, c1, a2 = writer.write("A", "B", "C", "A")
    assert claimed(outbox, "w1", limit=2) == [a1, b1, a2]
    assert claimed(outbox, "w2", limit=2) == [c1]


def test_a_message_behind_one_another_worker_holds_waits_until_that_one_is_sent(
        engine: Engine) -> None:
    writer, outbox = Writer(engine), SqlOutbox(engine)
    a1, b1 = writer.write("A", "B")
    assert claimed(outbox, "w1", limit=1) == [a1]
    [a2] = writer.write("A")
    assert claimed(outbox, "w2") == [b1]
    outbox.mark_sent([a1], at=NOW)
    assert claimed(outbox, "w2") == [a2]


def test_messages_behind_one_waiting_for_its_retry_wait_too(engine: Engine) -> None:
    writer, outbox = Writer(engine), SqlOutbox(engine)
    a1, a2, a3, b1 = writer.write("A", "A", "A", "B")
    claimed(outbox, "w1")
    outbox.mark_failed({a1: NOW + timedelta(seconds=10), a2: NOW + timedelta(seconds=30),
                        a3: NOW, b1: NOW}, worker="w1", error="ERP down")
    assert claimed(outbox, "w2", at=NOW + timedelta(seconds=5)) == [b1]
    assert claimed(outbox, "w3", at=NOW + timedelta(seconds=15)) == [a1]  # a2 is not due
    outbox.mark_sent([a1], at=NOW)
    assert claimed(outbox, "w3", at=NOW + timedelta(seconds=30)) == [a2, a3]


def test_messages_whose_lease_expired_are_claimed_again(engine: Engine) -> None:
    writer, outbox = Writer(engine), SqlOutbox(engine)
    ids = writer.write("A", "A")
    claimed(outbox, "crashed")
    assert claimed(outbox, "w2", at=NOW + LEASE - timedelta(seconds=1)) == []
    assert claimed(outbox, "w2", at=NOW + LEASE + timedelta(seconds=1)) == ids


def test_a_failure_reported_by_a_worker_that_lost_the_lease_changes_nothing(
        engine: Engine) -> None:
    writer, outbox = Writer(engine), SqlOutbox(engine)
    [a1] = writer.write("A")
    claimed(outbox, "slow")
    claimed(outbox, "fast", at=NOW + LEASE + timedelta(seconds=1))
    outbox.mark_failed({a1: NOW + timedelta(hours=1)}, worker="slow", error="late")
    with engine.connect() as conn:
        row = conn.execute(select(t.outbox)).mappings().one()
    assert row["claimed_by"] == "fast" and row["attempts"] == 0 and row["last_error"] is None


def test_messages_delivered_in_process_are_sent_for_the_workers_too(engine: Engine) -> None:
    writer, outbox = Writer(engine), SqlOutbox(engine)
    writer.write("A", "B")
    assert dispatch(outbox, SandboxErp(engine), now=NOW) == 2
    assert claimed(outbox, "w1") == []
    with engine.connect() as conn:
        assert set(conn.execute(select(t.outbox.c.state)).scalars()) == {"sent"}


class RecordingErp:
    """The sandbox ERP, slowed a little, noting every message id each call carried."""

    def __init__(self, engine: Engine) -> None:
        self.sandbox, self.lock, self.log = SandboxErp(engine), threading.Lock(), []

    def send(self, messages: Sequence[OutboxMessage]) -> None:
        time.sleep(0.002)  # widen the window in which another deliverer could interleave
        self.sandbox.send(messages)
        with self.lock:
            self.log.extend(m.message_id for m in messages)


def test_two_concurrent_deliverers_send_every_message_once_in_created_order_per_order(
        engine: Engine) -> None:
    writer, outbox, erp = Writer(engine), SqlOutbox(engine), RecordingErp(engine)
    orders = [f"O{n:02d}" for n in range(25)]
    written = writer.write(*orders)
    done = threading.Event()

    def deliverer(name: str) -> None:
        while not done.is_set():
            deliver(outbox, erp, worker=name, now=NOW, limit=3, lease=LEASE)

    threads = [threading.Thread(target=deliverer, args=(n,)) for n in ("d1", "d2")]
    for th in threads:
        th.start()
    for _ in range(4):  # more messages for the same orders arrive while delivery runs
        time.sleep(0.01)
        written += writer.write(*orders)
    deadline = time.monotonic() + 60
    while len(erp.log) < len(written) and time.monotonic() < deadline:
        time.sleep(0.01)
    done.set()
    for th in threads:
        th.join()
    assert sorted(erp.log) == sorted(written), "every message sent exactly once"
    for order in orders:
        mine = [m for m in erp.log if m.startswith(order)]
        assert mine == sorted(mine), f"{order} delivered out of created order"
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.erp_sandbox_inbox)).scalar() \
            == len(written)
        assert set(conn.execute(select(t.outbox.c.state)).scalars()) == {"sent"}


def test_a_failing_connector_backs_off_and_the_messages_go_once_due(engine: Engine) -> None:
    writer, outbox, erp = Writer(engine), SqlOutbox(engine), FlakyErp(failures=1)
    ids = writer.write("A", "A")

    def run(at: datetime) -> int:
        return deliver(outbox, erp, worker="w1", now=at, limit=10, policy=POLICY,
                       rand=lambda: 0.0)

    assert run(NOW) == 0
    with engine.connect() as conn:
        rows = conn.execute(select(t.outbox)).mappings().all()
    due = NOW + POLICY.delay(1, rand=0.0)
    first, second = sorted(rows, key=lambda r: r["message_id"])
    assert all(r["claimed_by"] is None and r["state"] == "pending" for r in rows)
    assert first["attempts"] == 1
    assert first["last_error"] == "ConnectionError: ERP unreachable (call 1)"
    assert first["next_attempt_at"].replace(tzinfo=UTC) == due
    # the order stopped at its first message: the second was not tried, so counts nothing,
    # and waits behind the first
    assert second["attempts"] == 0 and second["next_attempt_at"] is None
    assert run(due - timedelta(seconds=1)) == 0 and erp.calls == 1
    assert run(due) == 2 and list(erp.received) == ids


def test_migration_0007_marks_messages_sent_before_it_as_sent(db_url: str) -> None:
    engine, cfg = make_engine(db_url), alembic_config()
    upgrade(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0006")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO outbox (message_id, created_at, command, order_id, "
                          "payload, sent_at) VALUES (:id, :at, 'HoldLines', 'A', '{}', :sent)"),
                     [{"id": "old", "at": NOW, "sent": NOW}, {"id": "new", "at": NOW, "sent": None}])
    upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(select(t.outbox.c.message_id, t.outbox.c.state, t.outbox.c.attempts))
        assert sorted(rows.all()) == [("new", "pending", 0), ("old", "sent", 0)]
        ours = {"work_items", "outbox"}
        drift = compare_metadata(MigrationContext.configure(conn, opts={
            "include_object": lambda obj, name, kind, *_: (
                name in ours if kind == "table" else obj.table.name in ours)}), t.metadata)
    assert drift == [], "migration 0007 and tables.py disagree"
    engine.dispose()
