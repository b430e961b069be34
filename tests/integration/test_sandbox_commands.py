"""The sandbox ERP applies every command kind to its own record, once, on SQLite and PostgreSQL;
old outbox rows of the legacy kind still read and deliver."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select, text

from ordex.adapters.db import tables as t
from ordex.adapters.db.dialect import make_engine
from ordex.adapters.db.migrate import upgrade
from ordex.adapters.db.store import SqlChangeStore
from ordex.adapters.erp_sandbox import SandboxErp, SqlOutbox, sandbox_records
from ordex.adapters.erp_sandbox_record import APPLY
from ordex.domain.erp_commands import (
    COMMAND_KINDS,
    AddNote,
    ApplyDecision,
    CancelLine,
    CancelOrder,
    ChangePrice,
    ChangeQuantity,
    ChangeShipVia,
    ChangeWarehouse,
    HoldLines,
    ReleaseLines,
    RevisePromise,
    Shipment,
    SplitLine,
    SubstituteItem,
    UpdateShipTo,
)
from ordex.domain.model import Address, RawPayload
from ordex.orchestrate.changes import Changes, OutboxMessage
from ordex.orchestrate.outbox import dispatch

from builders import line, order

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
D = Decimal
C = "O-1:X"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    upgrade(eng)
    o = order(line(1, qty="40"), line(2, item="GADGET", qty="5", price="5.00"),
              line(3, qty="2"))
    SqlChangeStore(eng).save(Changes(
        raw_payloads=[RawPayload("raw-1", "test", "api", NOW, "0" * 64, b"{}")],
        orders=[(o, "raw-1", None)]))
    yield eng
    eng.dispose()


def every_kind() -> list[OutboxMessage]:
    commands = [
        HoldLines("O-1", (), "credit", C, "CREDIT_LIMIT_EXCEEDED"),
        HoldLines("O-1", (2,), "price", "O-1:Y", "PRICE_MISMATCH"),
        ReleaseLines("O-1", (1, 2, 3), "paid", C, "CREDIT_LIMIT_EXCEEDED"),
        ChangeWarehouse("O-1", (3,), "WH2", "stock there", C, "ALTERNATE_WAREHOUSE"),
        SplitLine("O-1", 1, (Shipment("WIDGET", "WH1", D(10)),
                             Shipment("WIDGET", "WH2", D(20), "2026-11-25")), D(10), "EA",
                  "split", C, "SPLIT_SHIPMENT"),
        ChangeQuantity("O-1", 3, D(1), "EA", "keying", C, "CHANGE_QUANTITY"),
        ChangePrice("O-1", 2, D("4.50"), "USD", "K1", "contract", "O-1:Y", "REPRICE"),
        SubstituteItem("O-1", 3, "GIZMO", "WIDGET", D(1), "EA", "WH2", "sub", C,
                       "SUBSTITUTE_ITEM"),
        RevisePromise("O-1", (2,), "2026-12-01", "late", C, "REVISE_PROMISE"),
        UpdateShipTo("O-1", Address("Acme", "9 Dock Rd", "", "Chicago", "IL", "60607"), "ST-9",
                     "master", C, "CORRECT_ADDRESS"),
        ChangeShipVia("O-1", "UPSN-GND", "fits", C, "ASSIGN_CARRIER"),
        AddNote("O-1", "expedite lines 1", "rush", C, "EXPEDITE"),
        ApplyDecision("O-1", C, "WAIT_FOR_RECEIPT", {"until": "2026-12-01"}, "legacy", "v1"),
        CancelLine("O-1", 3, "customer asked", C, "CANCEL_LINE"),
    ]
    return [OutboxMessage(f"m{i:02d}", NOW + timedelta(seconds=i), c)
            for i, c in enumerate(commands)]


def test_the_sandbox_applies_each_kind_to_its_record_once(engine: Engine) -> None:
    erp = SandboxErp(engine)
    messages = every_kind()
    assert {type(m.command).__name__ for m in messages} == set(COMMAND_KINDS) - {"CancelOrder"}
    erp.send(messages[:5])
    erp.send(messages)  # the first five again: recognised by message id, not applied twice
    with engine.connect() as conn:
        [record] = sandbox_records(conn, ["O-1"]).values()
        received = conn.execute(select(t.erp_sandbox_inbox.c.message_id)).all()
    lines = record["lines"]
    assert len(received) == len(messages)
    assert record["order_held"] is False and record["held_lines"] == [] and record["holds"] == {
        "O-1:Y": "PRICE_MISMATCH"}  # the credit hold was released; the price hold's line too
    assert lines["1"]["shipments"] == [
        {"item_id": "WIDGET", "warehouse_id": "WH1", "quantity": "10", "ship_date": None},
        {"item_id": "WIDGET", "warehouse_id": "WH2", "quantity": "20",
         "ship_date": "2026-11-25"}]
    assert lines["1"]["backorder_quantity"] == "10" and lines["1"]["quantity"] == "40"
    assert (lines["2"]["unit_price"], lines["2"]["contract_id"],
            lines["2"]["promise_date"]) == ("4.50", "K1", "2026-12-01")
    assert (lines["3"]["item_id"], lines["3"]["ordered_item_id"], lines["3"]["quantity"],
            lines["3"]["warehouse_id"], lines["3"]["status"]) == (
        "GIZMO", "WIDGET", "1", "WH2", "cancelled")
    assert record["ship_to"]["line1"] == "9 Dock Rd" and record["ship_to_id"] == "ST-9"
    assert record["ship_via"] == "UPSN-GND" and record["warehouse_id"] == "WH1"
    assert record["notes"] == [{"text": "expedite lines 1", "case_id": C,
                                "reason_code": "EXPEDITE"}]
    assert record["decisions"] == [{"action": "WAIT_FOR_RECEIPT",
                                    "detail": {"until": "2026-12-01"}, "case_id": C}]
    assert record["last_message_id"] == messages[-1].message_id
    assert set(APPLY) == set(COMMAND_KINDS.values())


def test_cancel_order_cancels_the_record_and_an_unknown_order_gets_a_record_of_its_own(
        engine: Engine) -> None:
    SandboxErp(engine).send([
        OutboxMessage("c1", NOW, CancelOrder("O-1", "duplicate", "O-1:DUPLICATE_ORDER",
                                             "CANCEL_DUPLICATE")),
        OutboxMessage("c2", NOW, ChangePrice("ZZ-9", 4, D(1), "USD", None, "r", "ZZ-9:X"))])
    with engine.connect() as conn:
        records = sandbox_records(conn, ["O-1", "ZZ-9"])
    assert records["O-1"]["status"] == "cancelled"
    assert {ln["status"] for ln in records["O-1"]["lines"].values()} == {"cancelled"}
    assert records["ZZ-9"]["lines"]["4"]["unit_price"] == "1"


def test_outbox_rows_of_every_kind_and_of_the_legacy_kind_read_back_and_deliver(
        engine: Engine) -> None:
    messages = every_kind()
    SqlChangeStore(engine).save(Changes(outbox=messages))
    with engine.begin() as conn:  # a row as an earlier release wrote it: no reason_code
        conn.execute(text("INSERT INTO outbox (message_id, created_at, command, order_id, "
                          "payload) VALUES ('old-1', :at, 'HoldLines', 'O-1', :p)"),
                     {"at": NOW + timedelta(minutes=5),
                      "p": '{"order_id": "O-1", "lines": [1], "reason": "r", "case_id": "c"}'})
    outbox = SqlOutbox(engine)
    read = outbox.pending(limit=100)
    assert [m.command for m in read[:-1]] == [m.command for m in messages]
    assert read[-1].command == HoldLines("O-1", (1,), "r", "c")
    assert dispatch(outbox, SandboxErp(engine), now=NOW) == len(messages) + 1
