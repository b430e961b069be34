"""A worker killed with SIGKILL at random moments, restarted each time, ends exactly where
a clean run over the same input ends: every order judged once, no case missing or twice,
every ERP command applied once in the sandbox ERP.

Orders are streamed into the queue while the worker runs (half before it starts, half while
it is being killed); the lease is short so that a restarted worker takes over the killed
one's claim. Stock and credit are ample, so the order in which work is redone cannot change
any decision and the two runs must agree exactly.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from feed import feed
from ordex.adapters.db import tables as t
from ordex.bootstrap import App, bootstrap
from ordex.config import Settings
from ordex.domain.commands import QueueOrders

ORDERS = int(os.environ.get("ORDEX_CRASH_ORDERS", "2000"))
KILLS = int(os.environ.get("ORDEX_CRASH_KILLS", "5"))
BATCH = 100
ENV = {"ORDEX_BATCH_SIZE": str(BATCH), "ORDEX_WORKER_LEASE_SECONDS": "1.5",
       "ORDEX_WORKER_IDLE_SECONDS": "0.1", "ORDEX_RETRY_BASE_SECONDS": "0.1",
       "ORDEX_RETRY_CAP_SECONDS": "0.5", "ORDEX_RETRY_MAX_ATTEMPTS": "1000"}


def _app(url: str, bodies_ref: Any) -> App:
    app = bootstrap(Settings(database_url=url, batch_size=BATCH))
    app.migrate()
    app.wipe()
    app.save_reference(bodies_ref)
    return app


def _queue(app: App, bodies: list[bytes], first: int) -> None:
    for i in range(0, len(bodies), BATCH):
        items = tuple((b, f"stream:{first + i + n}", None)
                      for n, b in enumerate(bodies[i:i + BATCH]))
        app.bus.handle(QueueOrders(items, "broker"))


def _worker(url: str, *, once: bool) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "ordex", "worker", "--db", url] + (["--once"] if once else [])
    return subprocess.Popen(args, env={**os.environ, **ENV}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def _finish(url: str) -> None:
    proc = _worker(url, once=True)
    _out, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err.decode()[-2000:]


def _done(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.work_items).where(
            t.work_items.c.kind == "intake", t.work_items.c.state == "done")).scalar_one())


def _wait_for_progress(engine: Engine, done: int) -> None:
    """Until the worker has committed work since it started (it is in its stride)."""
    deadline = time.monotonic() + 60
    while _done(engine) == done and _pending(engine) and time.monotonic() < deadline:
        time.sleep(0.05)


def _pending(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.work_items).where(
            t.work_items.c.kind == "intake", t.work_items.c.state != "done")).scalar_one())


def _state(engine: Engine) -> dict[str, Any]:
    """What a run leaves, without ids and moments that differ from run to run."""
    with engine.connect() as conn:
        def rows(query: Any) -> list[tuple[Any, ...]]:
            return sorted(tuple(r) for r in conn.execute(query))
        o, c, s = t.outbox.c, t.cases.c, t.erp_sandbox_inbox.c
        return {
            "orders": rows(select(t.orders.c.order_id, t.orders.c.status)),
            "results": rows(select(t.intake_results.c.order_id)),
            "lines": rows(select(t.order_lines.c.order_id, t.order_lines.c.line_no,
                                 t.order_lines.c.allocated_base_qty)),
            "cases": rows(select(c.case_id, c.state, c.queue, c.code)),
            "inventory": rows(select(t.inventory.c.item_id, t.inventory.c.warehouse_id,
                                     t.inventory.c.allocated)),
            "reserved": rows(select(t.line_allocations)),
            "commands": rows(select(o.command, o.order_id)),
            "applied": rows(select(s.command, s.order_id)),
            "unsent": rows(select(o.message_id).where(o.sent_at.is_(None))),
        }


def _run(url: str, data: Any, *, kills: int, rng: random.Random) -> tuple[dict[str, Any], int]:
    """Queue the orders, run a worker killed `kills` times mid-work, finish; state, kills."""
    app = _app(url, data.ref)
    half = len(data.bodies) // 2
    _queue(app, data.bodies[:half], 0)
    landed = 0
    for n in range(kills):
        done = _done(app.engine)
        proc = _worker(url, once=False)
        if n == 0:
            _queue(app, data.bodies[half:], half)  # the rest arrives while it works
        _wait_for_progress(app.engine, done)
        time.sleep(rng.uniform(0.0, 0.6))  # mid-batch, mid-commit or mid-delivery
        landed += _pending(app.engine) > 0  # killed with work still to do
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    if kills == 0:
        _queue(app, data.bodies[half:], half)
    _finish(url)
    state = _state(app.engine)
    app.engine.dispose()
    return state, landed


def _clean_and_crashed(url: str) -> tuple[dict[str, Any], dict[str, Any], int]:
    """A clean run and a run killed KILLS times over the same input: both states, kills landed."""
    data = feed(ORDERS, ample=True, seed=11)
    clean, _ = _run(url, data, kills=0, rng=random.Random(1))
    crashed, landed = _run(url, data, kills=KILLS, rng=random.Random(2))
    return clean, crashed, landed


def test_a_worker_killed_at_random_moments_ends_like_a_clean_run_on_sqlite(
        tmp_path: Path) -> None:
    clean, crashed, landed = _clean_and_crashed(f"sqlite:///{tmp_path / 'crash.db'}")
    assert landed >= 2, "the kills must land while the worker still had work"
    assert len(clean["orders"]) == len(clean["results"]) == ORDERS
    assert clean["applied"] == clean["commands"] and clean["unsent"] == []
    assert crashed == clean


def test_a_worker_killed_at_random_moments_ends_like_a_clean_run_on_postgres(
        postgres_url: str) -> None:
    clean, crashed, landed = _clean_and_crashed(postgres_url)
    assert landed >= 2, "the kills must land while the worker still had work"
    assert len(clean["orders"]) == len(clean["results"]) == ORDERS
    assert clean["applied"] == clean["commands"] and clean["unsent"] == []
    assert crashed == clean
