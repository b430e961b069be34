"""Careful actions on a real database (SQLite and PostgreSQL): late receipts, people's actions."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ordex.bootstrap import App
from ordex.config import Settings
from ordex.domain.events import StockReceived
from ordex.sense.reference import load_reference

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


@pytest.fixture
def app(db_url: str) -> App:
    ordex = App(Settings(database_url=db_url), clock=lambda: NOW)
    ordex.migrate()
    ordex.save_reference(load_reference(ROOT / "examples" / "reference"))
    yield ordex
    ordex.engine.dispose()


def example(order_id: str) -> bytes:
    import json
    for ln in (ROOT / "examples" / "orders.ndjson").read_text().splitlines():
        if json.loads(ln)["order_id"] == order_id:
            return ln.encode()
    raise LookupError(order_id)


def test_late_receipt_revises_the_promise_on_the_stored_case_and_order(app: App) -> None:
    app.ingest([(example("EX-1002"), "t")], channel="api")  # wants 2026-11-24, short at CHI
    late = datetime(2026, 11, 26, 7, tzinfo=UTC)
    assert app.stock_received(StockReceived("VALVE-100", "CHI", Decimal(500), late)) == [
        "EX-1002:INVENTORY_SHORTFALL"]
    case = app.queries.case("EX-1002:INVENTORY_SHORTFALL")
    assert case is not None and case["state"] == "auto_resolved"
    assert case["evidence"]["promise"]["promise_date"] == "2026-11-26"
    order = app.queries.order("EX-1002")
    assert order is not None and order["promised_ship_date"] == "2026-11-26"
    revise = [e for e in order["erp_commands"] if e["command"] == "RevisePromise"]
    assert revise and revise[0]["payload"]["lines"] == [1]


def test_on_time_receipt_leaves_the_requested_date_standing(app: App) -> None:
    app.ingest([(example("EX-1002"), "t")], channel="api")
    app.stock_received(StockReceived("VALVE-100", "CHI", Decimal(500), NOW))
    order = app.queries.order("EX-1002")
    assert order is not None and order["promised_ship_date"] is None
