"""Two writer processes on one PostgreSQL over overlapping input, without any process lock.

Each process is `ordex ingest` over its own file; the files share a third of their orders
and both run at once in small units of work, so their batches interleave. The state they
leave must be one some serial run would give: every order judged exactly once, stock
conserved (every allocated unit belongs to a line), no customer's credit exposure counted
short, and — where stock and credit are ample — exactly the state of a serial run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from feed import Feed, feed, write_ndjson
from ordex.adapters.db import tables as t
from ordex.adapters.db.dialect import make_engine, wipe
from ordex.adapters.db.migrate import upgrade
from ordex.adapters.db.reference_repo import save_reference
from ordex.interpret.build import context_from_reference
from ordex.interpret.settings import DetectionSettings

from fakes import FakePostal

pytestmark = pytest.mark.postgres
ORDERS = 600


def _fresh(url: str, data: Feed) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        wipe(conn, list(t.metadata.sorted_tables))
    save_reference(engine, data.ref)
    return engine


def _ingest_at_once(url: str, files: list[Path]) -> None:
    """One `ordex ingest` process per file, all started before any is waited for."""
    env = {**os.environ, "ORDEX_BATCH_SIZE": "20"}
    procs = [subprocess.Popen([sys.executable, "-m", "ordex", "ingest", "--db", url,
                               "--format", "json", str(f)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for f in files]
    for proc in procs:
        _out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err.decode()[-2000:]


def _halves(tmp_path: Path, data: Feed) -> list[Path]:
    third = len(data.bodies) // 3
    return [write_ndjson(tmp_path / "a.ndjson", data.bodies[: 2 * third]),
            write_ndjson(tmp_path / "b.ndjson", data.bodies[third:])]


def _state(engine: Engine) -> dict[str, Any]:
    """What a run leaves, without ids and moments that differ from run to run."""
    with engine.connect() as conn:
        def rows(query: Any) -> list[tuple[Any, ...]]:
            return sorted(tuple(r) for r in conn.execute(query))
        return {
            "orders": rows(select(t.orders.c.order_id, t.orders.c.status)),
            "lines": rows(select(t.order_lines.c.order_id, t.order_lines.c.line_no,
                                 t.order_lines.c.allocated_base_qty)),
            "cases": rows(select(t.cases.c.case_id, t.cases.c.state, t.cases.c.queue,
                                 t.cases.c.priority)),
            "inventory": rows(select(t.inventory.c.item_id, t.inventory.c.warehouse_id,
                                     t.inventory.c.on_hand, t.inventory.c.allocated)),
            "reserved": rows(select(t.line_allocations)),
            "commands": rows(select(t.outbox.c.command, t.outbox.c.order_id)),
        }


def test_two_writers_judge_every_order_once_and_conserve_stock_and_credit(
        postgres_url: str, tmp_path: Path) -> None:
    data = feed(ORDERS)
    engine = _fresh(postgres_url, data)
    _ingest_at_once(postgres_url, _halves(tmp_path, data))
    with engine.connect() as conn:
        orders = conn.execute(select(func.count()).select_from(t.orders)).scalar_one()
        results = conn.execute(select(func.count()).select_from(t.intake_results)).scalar_one()
        stock = {(r.item_id, r.warehouse_id): r for r in conn.execute(select(t.inventory))}
        la = t.line_allocations.c
        reserved = {(i, w): Decimal(q) for i, w, q in conn.execute(
            select(la.item_id, la.warehouse_id, func.sum(la.quantity))
            .group_by(la.item_id, la.warehouse_id))}
        exposure = _unheld_open_value(conn)
    assert orders == results == ORDERS  # each order judged exactly once
    start = {(p.item_id, p.warehouse_id): p for p in data.ref.inventory}
    inbound: dict[tuple[str, str], Decimal] = {}
    for po in data.ref.inbound_pos:
        key = (po.item_id, po.warehouse_id)
        inbound[key] = inbound.get(key, Decimal(0)) + po.quantity
    for key, row in stock.items():
        before = start[key]
        held = reserved.get(key, Decimal(0))
        assert row.allocated == before.allocated + held, key  # every unit belongs to a line
        room = max(Decimal(0), before.on_hand - before.allocated - before.safety_stock)
        assert held <= room + inbound.get(key, Decimal(0)), key  # never promised twice
    assert any(reserved.values())
    ctx = context_from_reference(data.ref, settings=DetectionSettings(), postal=FakePostal())
    limits = {c.customer_id: c.credit_limit for c in data.ref.customers}
    over = {cid: value for cid, value in exposure.items()
            if ctx.exposure_before(cid)[0] + value > limits[cid]}
    assert over == {}  # credit exposure was never counted short by a concurrent writer
    engine.dispose()


def _unheld_open_value(conn: Any) -> dict[str, Decimal]:
    """Per customer, the value of open orders no open credit case holds."""
    held = select(t.cases.c.order_id).where(t.cases.c.code == "CREDIT_LIMIT_EXCEEDED",
                                            t.cases.c.state.in_(("open", "in_progress")))
    query = (select(t.orders.c.customer_id, func.sum(t.orders.c.total_value))
             .where(t.orders.c.status == "open", t.orders.c.order_id.not_in(held))
             .group_by(t.orders.c.customer_id))
    return {cid: Decimal(v) for cid, v in conn.execute(query)}


def test_with_ample_stock_and_credit_two_writers_leave_exactly_the_serial_state(
        postgres_url: str, tmp_path: Path) -> None:
    data = feed(ORDERS, ample=True)
    files = _halves(tmp_path, data)
    engine = _fresh(postgres_url, data)
    _ingest_at_once(postgres_url, files)
    concurrent = _state(engine)
    serial = []
    for order in (files, files[::-1]):  # either serial order: this input does not depend on it
        _fresh(postgres_url, data).dispose()
        for path in order:
            _ingest_at_once(postgres_url, [path])
        serial.append(_state(engine))
    assert serial[0] == serial[1], _diff(serial[0], serial[1])
    assert concurrent == serial[0], _diff(concurrent, serial[0])
    assert len(concurrent["orders"]) == ORDERS and concurrent["cases"]
    engine.dispose()


def _diff(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    return {k: (sorted(set(a[k]) - set(b[k]))[:5], sorted(set(b[k]) - set(a[k]))[:5])
            for k in a if a[k] != b[k]}
