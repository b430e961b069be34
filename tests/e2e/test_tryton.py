"""ordex against a real Tryton (trytond from PyPI) over JSON-RPC: poll, judge, hold, release.

One trytond serves the session (`tryton_url` in tests/conftest.py); each test makes its own sales and its
own ordex database, and asserts on its own sales only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from auth_kit import add_people
from ordex.adapters.db import tables as t
from ordex.adapters.erp_sandbox import _message as message_of
from ordex.adapters.erp_tryton import TrytonErp, TrytonRpc
from ordex.adapters.erp_tryton.connector import SaleAlreadyProcessedError
from ordex.adapters.erp_tryton.rpc import TrytonUnreachableError
from ordex.bootstrap import App, bootstrap, worker_handlers
from ordex.config import Settings
from ordex.domain.commands import ResolveCase
from ordex.domain.events import (
    AddNote,
    ApplyDecision,
    CancelOrder,
    ChangeQuantity,
    HoldLines,
    SplitLine,
    SubstituteItem,
    UpdateShipTo,
)
from ordex.domain.model import Address
from ordex.entrypoints.tryton import poll
from ordex.entrypoints.worker import main as run_worker
from ordex.orchestrate.changes import OutboxMessage

from tryton_kit import DATABASE, PASSWORD, TrytonDesk, free_port


@pytest.fixture
def desk(tryton_url: str) -> TrytonDesk:
    return TrytonDesk(TrytonRpc(tryton_url, DATABASE, user="admin", password=PASSWORD))


def _settings(db_url: str, tryton_url: str) -> Settings:
    return Settings(database_url=db_url, erp_connector="tryton", tryton_url=tryton_url,
                    tryton_database=DATABASE, tryton_user="admin", tryton_password=PASSWORD,
                    tryton_ship_via="UPS-GROUND")


@pytest.fixture
def ordex(tryton_url: str, db_url: str) -> App:
    app = bootstrap(_settings(db_url, tryton_url))
    app.migrate()
    return app


@pytest.fixture
def ordex_with_worker(tryton_url: str, db_url: str) -> App:
    """ordex as `ordex serve` runs it: commands wait in the outbox for a worker to deliver."""
    app = bootstrap(_settings(db_url, tryton_url), deliver_inline=False)
    app.migrate()
    add_people(app, {"credit.analyst": ("credit_analyst",)})  # may release up to 25,000
    return app


def _run_worker(app: App) -> None:
    """`ordex worker --once`: claim and deliver the outbox to Tryton until nothing is left."""
    assert run_worker(app.settings, worker_id="w1", once=True,
                      handlers=worker_handlers(app)) == 0


def _case(app: App, case_id: str) -> dict[str, object] | None:
    with app.engine.connect() as conn:
        row = conn.execute(select(t.cases).where(t.cases.c.case_id == case_id)).mappings().first()
    return dict(row) if row else None


def _sent(app: App, order_id: str) -> list[OutboxMessage]:
    """Every command ordex wrote for the order, all delivered already."""
    with app.engine.connect() as conn:
        rows = conn.execute(select(t.outbox).where(t.outbox.c.order_id == order_id)
                            .order_by(t.outbox.c.created_at)).mappings().all()
    assert rows and all(r["sent_at"] is not None for r in rows)
    return [message_of(r) for r in rows]


def test_sale_over_credit_is_held_in_tryton_then_released_by_a_person(
        ordex_with_worker: App, desk: TrytonDesk) -> None:
    ordex = ordex_with_worker
    over = desk.sell("ACME", [("WIDGET", 10, "150")], reference="PO-ACME-1")
    clean = desk.sell("BOLT", [("BOLT-M8", 100, "2")], reference="PO-BOLT-1")
    assert over["state"] == clean["state"] == "confirmed"
    assert any("credit limit" in w for w in over["warnings"])  # Tryton's own warning, skipped
    assert over["shipments"] == [] and clean["shipments"] == []  # the gate: nothing processed

    report = poll(ordex)
    assert desk.notes(over["id"]) == []  # the hold waits in the outbox for a worker
    _run_worker(ordex)

    held_id, clean_id = f"TRY-{over['number']}", f"TRY-{clean['number']}"
    case_id = f"{held_id}:CREDIT_LIMIT_EXCEEDED"
    case = _case(ordex, case_id)
    assert case is not None and case["state"] == "open" and case["queue"] == "credit"
    assert clean_id in report["processed"] and held_id not in report["processed"]
    assert report["reference"]["customers"] >= 2
    held_now, clean_now = desk.sale(over["id"]), desk.sale(clean["id"])
    assert held_now["state"] == "confirmed" and held_now["shipments"] == []
    assert clean_now["state"] == "processing" and len(clean_now["shipments"]) == 1
    assert any(n.startswith("[ordex ") and " hold lines=all " in n
               for n in desk.notes(over["id"]))
    assert desk.notes(clean["id"]) == []  # a clean sale needs no command

    ordex.bus.handle(ResolveCase(case_id, "credit.analyst", "RELEASE", "Paid by wire"))
    assert desk.sale(over["id"])["state"] == "confirmed"  # until the worker delivers
    _run_worker(ordex)

    released = desk.sale(over["id"])
    assert released["state"] == "processing" and len(released["shipments"]) == 1
    assert released["shipment_state"] == "waiting"
    notes = desk.notes(over["id"])
    assert [n.split("] ")[1].split(" ")[0] for n in notes] == ["hold", "release"]
    assert _case(ordex, case_id)["state"] == "resolved"  # type: ignore[index]

    messages = _sent(ordex, held_id)  # a resend of everything is harmless
    ordex.erp.send(messages)
    assert desk.notes(over["id"]) == notes
    assert len(desk.sale(over["id"])["shipments"]) == 1

    again = poll(ordex)  # the sales are read again by no later poll: nothing new, no new case
    assert held_id not in again["processed"] and clean_id not in again["processed"]
    with ordex.engine.connect() as conn:
        cases = conn.execute(select(t.cases.c.case_id).where(
            t.cases.c.order_id.in_([held_id, clean_id]))).scalars().all()
    assert cases == [case_id]


def test_short_stock_is_flagged_and_a_repriced_line_is_written_back(
        ordex: App, desk: TrytonDesk, tryton_url: str) -> None:
    short = desk.sell("BOLT", [("WIDGET", 60, "150"), ("BOLT-M8", 10, "2")],
                      reference="PO-BOLT-SHORT")

    report = poll(ordex)

    assert report["reference"]["inbound_pos"] == 1  # Tryton's purchase of 30 widgets
    with ordex.engine.connect() as conn:
        (po,) = conn.execute(select(t.inbound_pos)).mappings().all()
    assert (po["item_id"], po["warehouse_id"], po["quantity"], po["received"]) == (
        "WIDGET", "WH", 30, False)
    assert po["due_date"] == date.today() + timedelta(days=10)  # after the requested date
    order_id = f"TRY-{short['number']}"
    case = _case(ordex, f"{order_id}:INVENTORY_SHORTFALL")
    assert case is not None and case["state"] == "open"
    assert case["lines"] == [1]  # the widget line: 60 wanted, 40 on hand in Tryton
    assert desk.sale(short["id"])["state"] == "confirmed"

    erp = TrytonErp(TrytonRpc(tryton_url, DATABASE, user="admin", password=PASSWORD),
                    prefix="TRY-")
    now = datetime.now(UTC)
    erp.send([OutboxMessage("m-reprice", now, ApplyDecision(
        order_id, f"{order_id}:X", "REPRICE", {"prices": {"2": "1.75"}}, "contract", "p1"))])
    lines = desk.lines(short["id"])
    assert [str(ln["unit_price"]) for ln in lines] == ["150", "1.75"]
    assert desk.sale(short["id"])["state"] == "confirmed"  # draft, write, quote, confirm

    report = erp.send([
        OutboxMessage("m-qty", now, ChangeQuantity(order_id, 1, Decimal(40), "EA", "on hand",
                                                   "c", "CHANGE_QUANTITY")),
        OutboxMessage("m-sub", now, SubstituteItem(order_id, 2, "WIDGET", "BOLT-M8",
                                                   Decimal(1), "EA", "WH", "sub", "c")),
        OutboxMessage("m-ship", now, UpdateShipTo(order_id, Address(
            "Acme Dock", "5 Lake Rd", "", "Springfield", "IL", "62702", "US"), None, "dock",
            "c")),
        OutboxMessage("m-note", now, AddNote(order_id, "expedite lines 1", "rush", "c")),
        OutboxMessage("m-split", now, SplitLine(order_id, 1, (), Decimal(40), "EA", "wait",
                                                "c"))])
    assert report.applied == {"m-qty", "m-sub", "m-ship", "m-note"}
    assert report.failed["m-split"].permanent and "SplitLine" in report.failed["m-split"].error
    lines = desk.lines(short["id"])
    assert lines[0]["quantity"] == 40.0
    assert [ln["product."]["code"] for ln in lines] == ["WIDGET", "WIDGET"]
    address = desk.rpc.model("sale.sale", "read", [short["id"]], ["shipment_address"])[0]
    street = desk.rpc.model("party.address", "read", [address["shipment_address"]],
                            ["street", "city"])[0]
    assert (street["street"], street["city"]) == ("5 Lake Rd", "Springfield")
    assert desk.sale(short["id"])["state"] == "confirmed"
    assert any(n.startswith("[ordex m-note] note case=c expedite lines 1")
               for n in desk.notes(short["id"]))

    erp.send([OutboxMessage("m-cancel", now, CancelOrder(order_id, "customer asked", "c"))])
    erp.send([OutboxMessage("m-cancel", now, CancelOrder(order_id, "customer asked", "c"))])
    assert desk.sale(short["id"])["state"] == "cancelled"
    assert sum(n.startswith("[ordex m-cancel]") for n in desk.notes(short["id"])) == 1

    clean = desk.sell("BOLT", [("BOLT-M8", 1, "2")], reference="PO-BOLT-X")
    desk.rpc.model("sale.sale", "process", [clean["id"]])
    with pytest.raises(SaleAlreadyProcessedError, match="is processing: it cannot be held"):
        erp.send([OutboxMessage("m-late-hold", now, HoldLines(
            f"TRY-{clean['number']}", (), "late", "c"))])
    assert desk.notes(clean["id"]) == []  # nothing recorded as applied


def test_the_cli_polls_tryton_and_a_wrong_password_is_one_line(
        tryton_url: str, desk: TrytonDesk, tmp_path: Path) -> None:
    sale = desk.sell("BOLT", [("BOLT-M8", 3, "2")], reference="PO-CLI")
    env = {**os.environ, "ORDEX_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
           "ORDEX_ERP_CONNECTOR": "tryton", "ORDEX_TRYTON_URL": tryton_url,
           "ORDEX_TRYTON_DATABASE": DATABASE, "ORDEX_TRYTON_PASSWORD": PASSWORD,
           "ORDEX_TRYTON_SHIP_VIA": "UPS-GROUND"}
    ordex = [str(Path(sys.executable).parent / "ordex")]
    run = subprocess.run([*ordex, "tryton", "poll", "--once", "--format", "json"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert f"TRY-{sale['number']}" in report["processed"]
    assert desk.sale(sale["id"])["state"] == "processing"

    bad = subprocess.run([*ordex, "tryton", "sync-reference"],
                         env={**env, "ORDEX_TRYTON_PASSWORD": "wrong"},
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().splitlines() == [
        f"error: Tryton refused the login of 'admin' on {tryton_url}/{DATABASE}/rpc/"]


def test_unreachable_tryton_fails_the_delivery_with_a_clear_error() -> None:
    erp = TrytonErp(TrytonRpc(f"http://127.0.0.1:{free_port()}", DATABASE, user="admin",
                              password="x", timeout=2), prefix="TRY-")
    with pytest.raises(TrytonUnreachableError, match="unreachable"):
        erp.send([OutboxMessage("m1", datetime.now(UTC), HoldLines("TRY-1", (), "r", "c"))])
