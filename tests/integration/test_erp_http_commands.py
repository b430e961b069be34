"""Every command kind of a decision through the HTTP connector to the real local ERP process
that fails on purpose, on SQLite and PostgreSQL: each applied once, in order, with its fields."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from erp_kit import NEW_KINDS, ErpServer, erp_server, mapping_data, write_mapping
from ordex.adapters.db import tables as t
from ordex.adapters.db.dialect import make_engine
from ordex.adapters.db.migrate import upgrade
from ordex.adapters.db.store import SqlChangeStore
from ordex.adapters.erp_http import HttpErp, load_mapping
from ordex.adapters.erp_sandbox import SqlOutbox
from ordex.domain.erp_commands import (
    AddNote,
    CancelLine,
    ChangePrice,
    ChangeQuantity,
    ChangeShipVia,
    ChangeWarehouse,
    ErpCommand,
    Shipment,
    SplitLine,
    SubstituteItem,
    UpdateShipTo,
)
from ordex.domain.model import Address
from ordex.orchestrate.changes import Changes, OutboxMessage
from ordex.orchestrate.outbox import deliver
from ordex.orchestrate.retry import RetryPolicy

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
D = Decimal
POLICY = RetryPolicy(base=timedelta(seconds=2), cap=timedelta(seconds=8), max_attempts=4,
                     jitter="full")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ErpServer]:
    with erp_server(tmp_path) as running:
        yield running


def commands(order: str) -> list[ErpCommand]:
    c = f"{order}:X"
    return [
        ChangeWarehouse(order, (1,), "WH2", "stock there", c, "ALTERNATE_WAREHOUSE"),
        SplitLine(order, 1, (Shipment("WIDGET", "WH1", D(10)),
                             Shipment("WIDGET", "WH2", D(30), "2026-11-25")), D(0), "EA",
                  "split", c, "SPLIT_SHIPMENT"),
        ChangeQuantity(order, 2, D("12.5"), "KG", "keying", c, "CHANGE_QUANTITY"),
        ChangePrice(order, 2, D("4.50"), "USD", "K1", "contract", c, "REPRICE"),
        SubstituteItem(order, 3, "GIZMO", "WIDGET", D(2), "EA", "WH1", "sub", c,
                       "SUBSTITUTE_ITEM"),
        CancelLine(order, 4, "customer asked", c, "CANCEL_LINE"),
        UpdateShipTo(order, Address("Acme", "9 Dock Rd", "", "Chicago", "IL", "60607"), None,
                     "fixed", c, "CORRECT_ADDRESS"),
        ChangeShipVia(order, "UPSN-GND", "fits", c, "ASSIGN_CARRIER"),
        AddNote(order, "expedite lines 1", "rush", c, "EXPEDITE"),
    ]


def test_each_new_kind_is_applied_exactly_once_in_order_despite_failures(
        engine: Engine, server: ErpServer, tmp_path: Path) -> None:
    messages = [OutboxMessage(f"{o}-{i}", NOW + timedelta(milliseconds=10 * n + i), command)
                for n, o in enumerate(("FIVE", "DROP", "OK"))
                for i, command in enumerate(commands(o))]
    assert {type(m.command).__name__ for m in messages} == set(NEW_KINDS)
    SqlChangeStore(engine).save(Changes(outbox=messages))
    server.plan(FIVE=["ok", "500", "ok", "500"], DROP=["ok", "ok", "drop", "ok", "ok", "drop"])
    erp = HttpErp(load_mapping(write_mapping(tmp_path / "m.yaml",
                                             mapping_data(server.url, timeout=0.5))), env={})
    outbox, rng, now = SqlOutbox(engine), random.Random(3), NOW
    for _ in range(30):
        deliver(outbox, erp, worker="w1", now=now, limit=100, policy=POLICY, rand=rng.random)
        now += timedelta(seconds=10)
    record = server.record()
    assert record["applied"] == {m.message_id: 1 for m in messages}
    with engine.connect() as conn:
        assert set(conn.execute(select(t.outbox.c.state)).scalars()) == {"sent"}
    for order in ("FIVE", "DROP", "OK"):
        assert [k for o, k in record["order"] if o == order] == [
            m.message_id for m in messages if m.command.order_id == order]
    assert record["requests"]["FIVE-1"] == 2 and record["requests"]["DROP-2"] == 2
    bodies = record["bodies"]
    split = bodies["OK-1"]
    assert split["path"] == "/api/orders/OK/splitline"
    assert split["body"]["command"]["shipments"] == [
        {"item_id": "WIDGET", "warehouse_id": "WH1", "quantity": "10", "ship_date": None},
        {"item_id": "WIDGET", "warehouse_id": "WH2", "quantity": "30",
         "ship_date": "2026-11-25"}]
    price = bodies["OK-3"]["body"]["command"]
    assert (price["unit_price"], price["contract_id"], price["reason_code"]) == (
        "4.50", "K1", "REPRICE")
    assert bodies["OK-2"]["body"]["command"]["quantity"] == "12.5"
    assert bodies["OK-6"]["body"]["command"]["ship_to"]["line1"] == "9 Dock Rd"
    assert bodies["OK-4"]["body"]["kind"] == "SubstituteItem"
