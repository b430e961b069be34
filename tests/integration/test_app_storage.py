"""The App on a real database (SQLite and PostgreSQL): intake, idempotency, events, actions."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from commands import act, ingest, pay, receive
from ordex.adapters.db import tables as t
from ordex.bootstrap import App, bootstrap
from ordex.config import Settings
from ordex.domain.errors import IllegalTransitionError
from ordex.domain.events import PaymentPosted, StockReceived
from ordex.sense.reference import load_reference

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


def example_orders() -> list[bytes]:
    return [ln.encode() for ln in (ROOT / "examples" / "orders.ndjson").read_text().splitlines()]


@pytest.fixture
def app(db_url: str) -> App:
    ordex = bootstrap(Settings(database_url=db_url), clock=lambda: NOW)
    ordex.migrate()
    ordex.save_reference(load_reference(ROOT / "examples" / "reference"))
    yield ordex
    ordex.engine.dispose()


def count(app: App, table: t.Table) -> int:
    with app.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_orders_are_stored_raw_then_judged_and_cases_land_in_owner_queues(app: App) -> None:
    outcomes = ingest(app, [(b, f"test:{i}") for i, b in enumerate(example_orders())],
                          channel="api")
    assert [o.result["status"] for o in outcomes] == ["accepted", "held", "held", "held"]
    assert count(app, t.raw_payloads) == 4
    board = app.queries.queue_board()
    assert board == {"customer_service": {"open": 2}, "planning": {"open": 1},
                     "pricing": {"open": 1}}
    order = app.queries.order("EX-1002")
    assert order is not None
    assert {c["code"] for c in order["cases"]} == {"INVENTORY_SHORTFALL", "PRICE_MISMATCH"}
    # the short line waits for stock; the mispriced line keeps its (soft) allocation
    assert [ln["allocated_base_qty"] for ln in order["lines"]] == ["0.000000", "10.000000"]
    assert {e["command"] for e in order["erp_commands"]} == {"HoldLines"}


def test_resend_is_a_no_op_answered_with_the_original_result(app: App) -> None:
    body = example_orders()[1]
    first = ingest(app, [(body, "a")], channel="api")[0]
    again = ingest(app, [(body, "b")], channel="api")[0]
    assert again.replayed and again.result == first.result
    assert count(app, t.orders) == 1 and count(app, t.cases) == 2
    assert count(app, t.raw_payloads) == 1  # identical bytes: the first copy is the raw payload


def test_header_key_reused_for_a_different_order_is_refused_naming_the_key(app: App) -> None:
    body = example_orders()[0]
    ingest(app, [(body, "a")], channel="api", key="K-1")
    changed = body.replace(b"EX-1001", b"EX-7777")
    again = ingest(app, [(changed, "b")], channel="api", key="K-1")[0]
    assert again.rejected and again.result["errors"][0]["field"] == "Idempotency-Key"
    assert app.queries.order("EX-7777") is None
    assert ingest(app, [(body, "c")], channel="api", key="K-1")[0].replayed


def test_invalid_payload_is_kept_raw_and_opens_an_integration_case(app: App) -> None:
    bad = json.loads(example_orders()[0])
    bad["lines"][0]["quantity"] = "twelve"
    outcome = ingest(app, [(json.dumps(bad).encode(), "x")], channel="api")[0]
    assert outcome.rejected
    assert outcome.result["errors"][0]["field"] == "lines.0.quantity"
    case = app.queries.case(outcome.result["cases"][0])
    assert case is not None and case["queue"] == "integration"
    assert count(app, t.raw_payloads) == 1 and count(app, t.orders) == 0
    fixed = ingest(app, [(example_orders()[0], "x-fixed")], channel="api")[0]
    assert not fixed.replayed and fixed.result["status"] == "accepted"


def test_stock_receipt_resolves_shortfall_in_a_later_unit_of_work(app: App) -> None:
    ingest(app, [(b, "t") for b in example_orders()[:2]], channel="api")
    assert receive(app, StockReceived("VALVE-100", "CHI", Decimal(69), NOW)) == []
    closed = receive(app, StockReceived("VALVE-100", "CHI", Decimal(1), NOW))
    assert closed == ["EX-1002:INVENTORY_SHORTFALL"]
    case = app.queries.case(closed[0])
    assert case is not None and case["state"] == "auto_resolved"
    assert [a["to_state"] for a in case["audit"]] == ["open", "auto_resolved"]
    with app.engine.connect() as conn:
        allocated = conn.execute(select(t.inventory.c.allocated).where(
            t.inventory.c.item_id == "VALVE-100", t.inventory.c.warehouse_id == "CHI")).scalar_one()
    assert Decimal(allocated) == Decimal(20 + 10 + 150)


def test_payment_releases_a_credit_hold(app: App) -> None:
    big = json.loads(example_orders()[2])
    big.update(order_id="EX-2001", customer_po="PO-99",
               ship_to={**big["ship_to"], "state": "FL"})
    big["lines"][0]["quantity"] = 20  # 800.00 on 4,600 open AR over a 5,000 limit
    outcome = ingest(app, [(json.dumps(big).encode(), "t")], channel="api")[0]
    assert outcome.result["cases"] == ["EX-2001:CREDIT_LIMIT_EXCEEDED"]
    assert pay(app, PaymentPosted("BOLT", Decimal("399.99"), NOW)) == []
    assert pay(app, PaymentPosted("BOLT", Decimal("0.01"), NOW)) == [
        "EX-2001:CREDIT_LIMIT_EXCEEDED"]


def test_people_take_and_resolve_cases_and_closed_cases_stay_closed(app: App) -> None:
    ingest(app, [(b, "t") for b in example_orders()], channel="api")
    case_id = "EX-1003:INVALID_SHIP_TO"
    assert act(app, case_id, action="take", actor="ann", reason="")["state"] == "in_progress"
    done = act(app, case_id, action="CORRECT_ADDRESS", actor="ann", reason="state is FL")
    assert done["state"] == "resolved" and done["assignee"] == "ann"
    assert [a["actor"] for a in done["audit"]] == ["ordex", "ann", "ann"]
    with pytest.raises(IllegalTransitionError):
        act(app, case_id, action="CORRECT_ADDRESS", actor="bob", reason="again")
    assert app.kpis()["median_hours_to_resolve_by_people"] == 0.0  # the clock stands still


def test_cancelling_a_duplicate_marks_the_order_and_tells_the_erp(app: App) -> None:
    ingest(app, [(b, "t") for b in example_orders()], channel="api")
    act(app, "EX-1004:DUPLICATE_ORDER", action="CANCEL_DUPLICATE", actor="ann", reason="same PO")
    order = app.queries.order("EX-1004")
    assert order is not None and order["status"] == "cancelled"
    assert "CancelOrder" in {e["command"] for e in order["erp_commands"]}


def test_kpis_count_exceptions_by_code_and_backlog(app: App) -> None:
    ingest(app, [(b, "t") for b in example_orders()], channel="api")
    k = app.kpis()
    assert k["orders"] == 4 and k["exception_rate"] == 0.75
    assert k["exception_rate_by_code"]["INVENTORY_SHORTFALL"] == 0.25
    assert k["open_backlog"] == 4 and k["touchless_rate"] == 0.0


def test_duplicates_are_found_across_units_of_work_from_indexed_candidates(app: App) -> None:
    first, _, _, same_po = example_orders()
    ingest(app, [(first, "a")], channel="api")
    assert ingest(app, [(same_po, "b")], channel="api")[0].result["cases"] == [
        "EX-1004:DUPLICATE_ORDER"]
    twin = json.loads(first)
    twin.update(order_id="EX-1005", customer_po="ANOTHER-PO")
    outcome = ingest(app, [(json.dumps(twin).encode(), "c")], channel="api")[0]
    case = app.queries.case("EX-1005:DUPLICATE_ORDER")
    assert "EX-1005:DUPLICATE_ORDER" in outcome.result["cases"]
    assert case is not None and case["evidence"]["rule"] == "same_lines"
    assert case["evidence"]["original_order_id"] == "EX-1001"
    other = json.loads(first)
    other.update(order_id="EX-1006", customer_po="THIRD-PO")
    other["lines"][0]["quantity"] = 3
    assert "EX-1006:DUPLICATE_ORDER" not in ingest(app,
        [(json.dumps(other).encode(), "d")], channel="api")[0].result["cases"]


def test_allocation_conflict_is_found_against_stock_held_by_earlier_orders_in_the_database(
        app: App) -> None:
    first = json.loads(example_orders()[0])
    first.update(order_id="GOLD-1", customer_po="G-1", lines=[
        {"line_no": 1, "item_id": "VALVE-100", "quantity": 60, "uom": "EA",
         "unit_price": "21.60"}])
    ingest(app, [(json.dumps(first).encode(), "a")], channel="api")
    later = json.loads(example_orders()[2])  # BOLT is bronze: it ranks after ACME (gold)
    later.update(order_id="BRONZE-1", customer_po="B-1", requested_ship_date="2026-11-24",
                 ship_to={**later["ship_to"], "state": "FL"}, lines=[
                     {"line_no": 1, "item_id": "VALVE-100", "quantity": 50, "uom": "EA",
                      "unit_price": "24.00"}])
    cases = ingest(app, [(json.dumps(later).encode(), "b")], channel="api")[0].result["cases"]
    assert "BRONZE-1:ALLOCATION_CONFLICT" in cases
    case = app.queries.case("BRONZE-1:ALLOCATION_CONFLICT")
    assert case is not None and case["evidence"]["lines"][0]["orders_ahead"] == ["GOLD-1"]
