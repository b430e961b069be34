"""Careful actions on a real database (SQLite and PostgreSQL): late receipts, people's actions."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from commands import ingest, receive
from ordex.bootstrap import App
from ordex.domain.events import StockReceived

from builders import example

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


@pytest.fixture
def app(example_app: App) -> App:
    return example_app


def test_late_receipt_revises_the_promise_on_the_stored_case_and_order(app: App) -> None:
    ingest(app, [(example("EX-1002"), "t")], channel="api")  # wants 2026-11-24, short at CHI
    late = datetime(2026, 11, 26, 7, tzinfo=UTC)
    assert receive(app, StockReceived("VALVE-100", "CHI", Decimal(500), late)) == [
        "EX-1002:INVENTORY_SHORTFALL"]
    case = app.queries.case("EX-1002:INVENTORY_SHORTFALL")
    assert case is not None and case["state"] == "auto_resolved"
    assert case["evidence"]["promise"]["promise_date"] == "2026-11-26"
    order = app.queries.order("EX-1002")
    assert order is not None and order["promised_ship_date"] == "2026-11-26"
    revise = [e for e in order["erp_commands"] if e["command"] == "RevisePromise"]
    assert revise and revise[0]["payload"]["lines"] == [1]


def test_on_time_receipt_leaves_the_requested_date_standing(app: App) -> None:
    ingest(app, [(example("EX-1002"), "t")], channel="api")
    receive(app, StockReceived("VALVE-100", "CHI", Decimal(500), NOW))
    order = app.queries.order("EX-1002")
    assert order is not None and order["promised_ship_date"] is None


def test_resolve_route_refuses_an_action_of_another_code_with_422(app: App) -> None:
    from auth_kit import signed
    from ordex.entrypoints.api.app import create_app
    ingest(app, [(example("EX-1003"), "t")], channel="api")
    http = signed(create_app(app))
    wrong = http.post("/cases/EX-1003:INVALID_SHIP_TO/resolve",
                      json={"action": "SUBSTITUTE_ITEM"})
    assert wrong.status_code == 422
    body = wrong.json()
    assert body["detail"][0]["field"] == "action"
    assert body["allowed"] == ["CORRECT_ADDRESS", "ESCALATE", "HOLD", "RELEASE"]
    bad = http.post("/cases/EX-1003:INVALID_SHIP_TO/resolve", json={
        "action": "CORRECT_ADDRESS", "address": {
            "line1": "45 Harbor Blvd", "city": "Tampa", "state": "GA", "postal_code": "33602"}})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "address.postal_code"
    assert app.queries.case("EX-1003:INVALID_SHIP_TO")["state"] == "open"  # type: ignore[index]
    done = http.post("/cases/EX-1003:INVALID_SHIP_TO/resolve", json={
        "action": "CORRECT_ADDRESS", "address": {
            "line1": "45 Harbor Blvd", "city": "Tampa", "state": "FL", "postal_code": "33602"}})
    assert done.status_code == 200 and done.json()["state"] == "resolved"
    order = app.queries.order("EX-1003")
    assert order is not None
    [applied] = [e for e in order["erp_commands"] if e["command"] == "UpdateShipTo"]
    assert applied["payload"]["ship_to"]["state"] == "FL"
    assert applied["payload"]["reason_code"] == "CORRECT_ADDRESS"
    case = app.queries.case("EX-1003:INVALID_SHIP_TO")
    assert case is not None and case["evidence"]["decision"]["commands"] == [
        applied["message_id"]]


def test_cli_resolve_exits_2_with_one_line_for_an_action_of_another_code(
        app: App, db_url: str) -> None:
    import subprocess
    import sys

    from auth_kit import add_people
    add_people(app, {"ann": ("order_desk",)})
    ingest(app, [(example("EX-1003"), "t")], channel="api")
    run = subprocess.run([sys.executable, "-m", "ordex", "resolve", "EX-1003:INVALID_SHIP_TO",
                          "--action", "REPRICE", "--actor", "ann", "--db", db_url],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and run.stdout == ""
    [message] = run.stderr.strip().splitlines()
    assert "REPRICE does not resolve INVALID_SHIP_TO cases" in message
    assert "CORRECT_ADDRESS, ESCALATE, HOLD, RELEASE" in message
    assert app.queries.case("EX-1003:INVALID_SHIP_TO")["state"] == "open"  # type: ignore[index]
