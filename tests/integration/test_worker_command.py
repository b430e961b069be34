"""`ordex worker`'s main: delivers the outbox, runs plugged-in handlers, stops on signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from ordex.adapters.db import tables as t
from ordex.adapters.db.claims import SqlClaims, complete
from ordex.adapters.db.dialect import make_engine, write_transaction
from ordex.adapters.db.migrate import upgrade
from ordex.adapters.db.store import SqlChangeStore
from ordex.config import Settings
from ordex.domain.errors import ConfigurationError
from ordex.domain.events import HoldLines
from ordex.entrypoints.worker import main
from ordex.orchestrate.changes import Changes, OutboxMessage
from ordex.orchestrate.work import NewWork, WorkItem, WorkKind

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


def migrated(url: str) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    return engine


def write_outbox(engine: Engine, *orders: str) -> None:
    SqlChangeStore(engine).save(Changes(outbox=[
        OutboxMessage(f"m-{order}", NOW, HoldLines(order, (1,), "r", f"{order}:X"))
        for order in orders]))


def column(engine: Engine, col: object) -> list[object]:
    with engine.connect() as conn:
        return list(conn.execute(select(col)).scalars())  # type: ignore[call-overload]


def test_a_single_pass_delivers_the_outbox_to_the_erp_and_returns_zero(db_url: str) -> None:
    engine = migrated(db_url)
    write_outbox(engine, "A", "B")
    assert main(Settings(database_url=db_url), worker_id="w1", once=True, clock=lambda: NOW) == 0
    assert sorted(column(engine, t.erp_sandbox_inbox.c.message_id)) == ["m-A", "m-B"]
    assert column(engine, t.outbox.c.state) == ["sent", "sent"]
    assert set(column(engine, t.outbox.c.claimed_by)) == {"w1"}


def test_handlers_passed_in_do_their_kind_of_work_and_complete_it(db_url: str) -> None:
    engine = migrated(db_url)
    SqlClaims(engine).enqueue([NewWork(WorkKind.INTAKE, f"raw-{n}", {"n": n}) for n in range(3)],
                              now=NOW)

    def intake(items: list[WorkItem]) -> None:
        with write_transaction(engine) as conn:
            conn.execute(t.events.insert(), [{"kind": "judged", "at": NOW, "payload": i.payload}
                                             for i in items])
            complete(conn, [i.id for i in items], worker=items[0].claimed_by, now=NOW)

    main(Settings(database_url=db_url), once=True, handlers={WorkKind.INTAKE: intake},
         clock=lambda: NOW)
    assert column(engine, t.work_items.c.state) == ["done"] * 3
    assert sorted(p["n"] for p in column(engine, t.events.c.payload)) == [0, 1, 2]  # type: ignore[index]


def test_a_database_without_the_latest_migrations_is_refused_naming_the_fix(
        tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="run `ordex migrate` first"):
        main(Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}"), once=True)


CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from ordex.adapters.db.claims import complete
    from ordex.adapters.db.dialect import make_engine, write_transaction
    from ordex.config import Settings
    from ordex.entrypoints.worker import main
    url, marker = sys.argv[1], Path(sys.argv[2])
    engine = make_engine(url)

    def slow_intake(items):
        marker.write_text("in batch")
        time.sleep(1.0)  # the signal arrives now
        with write_transaction(engine) as conn:
            complete(conn, [i.id for i in items], worker=items[0].claimed_by,
                     now=items[0].lease_until)

    sys.exit(main(Settings(database_url=url), worker_id="child", handlers={"intake": slow_intake}))
""")


def start_child(url: str, marker: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, ORDEX_WORKER_IDLE_SECONDS="30")
    return subprocess.Popen([sys.executable, "-c", CHILD, url, str(marker)], env=env, text=True,
                            stderr=subprocess.PIPE)


def wait_for(check: object, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_during_a_batch_lets_it_finish_then_the_worker_exits_zero(
        tmp_path: Path, signum: int) -> None:
    url = f"sqlite:///{tmp_path / 'ordex.db'}"
    engine = migrated(url)
    SqlClaims(engine).enqueue([NewWork(WorkKind.INTAKE, "raw-1", {})],
                              now=datetime.now(UTC) - timedelta(seconds=1))
    marker = tmp_path / "marker"
    child = start_child(url, marker)
    wait_for(marker.exists, "the child to start its batch")
    child.send_signal(signum)
    _, err = child.communicate(timeout=20)
    assert child.returncode == 0, err
    assert column(engine, t.work_items.c.state) == ["done"]


def test_a_signal_wakes_an_idle_worker_which_exits_zero_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ordex.db'}"
    engine = migrated(url)
    write_outbox(engine, "A")
    child = start_child(url, tmp_path / "unused")
    wait_for(lambda: column(engine, t.outbox.c.state) == ["sent"], "the child to deliver")
    started = time.monotonic()
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=20)
    assert child.returncode == 0, err
    assert time.monotonic() - started < 10, "it slept out its 30 s idle pause"


def test_a_worker_in_a_background_thread_delivers_while_the_server_runs_and_stops_with_it(
        tmp_path: Path) -> None:
    from ordex.entrypoints.worker import in_background
    url = f"sqlite:///{tmp_path / 'ordex.db'}"
    engine = migrated(url)
    with in_background(Settings(database_url=url, worker_idle_seconds=0.05)) as thread:
        write_outbox(engine, "A")  # written by the request path while the worker runs
        wait_for(lambda: column(engine, t.outbox.c.state) == ["sent"], "the worker to deliver")
    assert not thread.is_alive()
    assert column(engine, t.erp_sandbox_inbox.c.message_id) == ["m-A"]


def test_due_timers_fire_while_a_long_intake_batch_is_in_hand(db_url: str) -> None:
    engine = migrated(db_url)
    SqlClaims(engine).enqueue([NewWork(WorkKind.INTAKE, "big", {}),
                               NewWork(WorkKind.TIMER, "case:step:0", {}, NOW)], now=NOW)
    fired, waited = threading.Event(), []

    def intake(items: list[WorkItem]) -> None:  # a long batch: it ends once the timer fired
        waited.append(fired.wait(timeout=20))
        with write_transaction(engine) as conn:
            complete(conn, [i.id for i in items], worker=items[0].claimed_by, now=NOW)

    def timer(items: list[WorkItem]) -> None:
        with write_transaction(engine) as conn:
            complete(conn, [i.id for i in items], worker=items[0].claimed_by, now=NOW)
        fired.set()

    main(Settings(database_url=db_url), worker_id="w1", once=True,
         handlers={WorkKind.INTAKE: intake, WorkKind.TIMER: timer}, clock=lambda: NOW)
    assert waited == [True]  # the timer did not wait for the intake batch to end
    assert column(engine, t.work_items.c.state) == ["done", "done"]
    assert sorted(column(engine, t.work_items.c.claimed_by)) == ["w1", "w1/timers"]
