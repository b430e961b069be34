"""`ordex worker` delivering to the real local HTTP ERP is killed with SIGKILL in the middle of
a delivery; a new worker takes over once the lease expires and resends what the killed one
had sent but not marked: the ERP's own record shows every command applied exactly once, each
order's in the order written, and the resent ones answered as already applied (409)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select

from erp_kit import erp_server, mapping_data, write_mapping
from ordex.adapters.db import tables as t
from ordex.adapters.db.dialect import make_engine
from ordex.adapters.db.migrate import upgrade
from ordex.adapters.db.store import SqlChangeStore
from ordex.domain.events import HoldLines, ReleaseLines, RevisePromise
from ordex.orchestrate.changes import Changes, OutboxMessage

ORDERS, PER_ORDER = 60, 3
NOW = datetime.now(UTC) - timedelta(minutes=1)


def write(engine: Engine) -> dict[str, list[str]]:
    messages, ids = [], {}
    for n in range(ORDERS):
        order = f"SO-{n:03d}"
        for i, command in enumerate((HoldLines(order, (1,), "credit", f"{order}:C"),
                                     ReleaseLines(order, (1,), "paid", f"{order}:C"),
                                     RevisePromise(order, (2,), "2026-12-01", "late",
                                                   f"{order}:S"))[:PER_ORDER]):
            mid = f"{order}-{i}"
            messages.append(OutboxMessage(mid, NOW + timedelta(milliseconds=n * 10 + i),
                                          command))
            ids.setdefault(order, []).append(mid)
    SqlChangeStore(engine).save(Changes(outbox=messages))
    return ids


def wait_for(check: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def sent(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(
            t.outbox.c.state == "sent")).scalar_one())


def sent_ids(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(t.outbox.c.message_id).where(
            t.outbox.c.state == "sent")).scalars())


def test_a_worker_killed_during_http_delivery_leaves_every_command_applied_once(
        db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    ids = write(engine)
    total = ORDERS * PER_ORDER
    with erp_server(tmp_path) as server:
        server.plan(**{o: ["sleep:0.02"] * PER_ORDER for o in ids})
        server.plan(**{o: ["500", "sleep:0.02"] for o in list(ids)[::10]})
        mapping = write_mapping(tmp_path / "m.yaml", mapping_data(server.url, timeout=2))
        env = {**os.environ, "ORDEX_ERP_CONNECTOR": "http",
               "ORDEX_ERP_MAPPING_FILE": str(mapping), "ORDEX_WORKER_LEASE_SECONDS": "1.5",
               "ORDEX_WORKER_IDLE_SECONDS": "0.1", "ORDEX_OUTBOX_RETRY_BASE_SECONDS": "0.1",
               "ORDEX_OUTBOX_RETRY_CAP_SECONDS": "0.5"}
        args = [sys.executable, "-m", "ordex", "worker", "--db", db_url]

        def applied() -> int:
            return len(server.record()["applied"])

        first = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE)
        wait_for(lambda: applied() >= 40, "the first worker to be well into its delivery")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        applied_at_kill = set(server.record()["applied"])
        unmarked = applied_at_kill - sent_ids(engine)  # applied by the ERP, not marked sent
        assert len(applied_at_kill) < total and unmarked

        second = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
        try:
            wait_for(lambda: sent(engine) == total, "every message to be marked sent", 120)
        finally:
            second.send_signal(signal.SIGTERM)
            _, err = second.communicate(timeout=30)
        assert second.returncode == 0, err.decode()[-2000:]
        record = server.record()
    every = [m for mids in ids.values() for m in mids]
    assert record["applied"] == dict.fromkeys(every, 1)
    # the takeover resent what the killed worker had not marked, with the same key: harmless
    assert all(record["requests"][k] >= 2 for k in unmarked)
    for order, mids in ids.items():
        assert [k for o, k in record["order"] if o == order] == mids
    engine.dispose()
