"""Approvals of a case that closes another way are withdrawn, on SQLite and PostgreSQL: a
payment, a cancel; audited in the same unit of work; out of the approvers' queue; a reopened
case does not bring them back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from auth_kit import add_people
from ordex.adapters.db import tables as t
from ordex.bootstrap import App, bootstrap
from ordex.config import Settings
from ordex.domain import commands as c
from ordex.sense.reference import load_reference

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
ROLES = {"ana": ("credit_analyst",), "max": ("credit_manager",), "fin": ("finance_director",)}
CASE = "BIG-7:CREDIT_LIMIT_EXCEEDED"


@pytest.fixture
def desk(db_url: str) -> Iterator[App]:
    app = bootstrap(Settings(database_url=db_url), clock=lambda: NOW)
    app.migrate()
    add_people(app, ROLES)
    app.save_reference(load_reference(ROOT / "examples" / "reference"))
    app.bus.handle(c.IngestOrders(((_big_order(), "test"),), "api"))
    app.bus.handle(c.TakeCase(CASE, "ana"))
    app.bus.handle(c.RequestApproval(CASE, "ana", "RELEASE", "wire received"))
    assert [a["state"] for a in (app.queries.case(CASE) or {})["approvals"]] == [
        "pending", "pending"]
    yield app
    app.engine.dispose()


def _big_order() -> bytes:
    return json.dumps({
        "order_id": "BIG-7", "customer_id": "BOLT", "customer_po": "PO-BIG-7",
        "order_date": "2026-11-23", "requested_ship_date": "2026-11-26",
        "ship_to": {"code": "BOLT-1", "name": "Bolt", "line1": "45 Harbor Blvd",
                    "city": "Tampa", "state": "FL", "postal_code": "33602", "country": "US"},
        "ship_via": "UPSN-GND", "warehouse_id": "CHI",
        "lines": [{"line_no": 1, "item_id": "BOLT-M8", "quantity": 10000, "uom": "EA",
                   "unit_price": 30.0}]}).encode()


def _audit(app: App, action: str) -> list[tuple[str, str, str, str]]:
    a = t.audit_log
    with app.engine.connect() as conn:
        rows = conn.execute(select(a.c.actor, a.c.from_state, a.c.to_state, a.c.reason)
                            .where(a.c.case_id == CASE, a.c.action == action)).all()
    return [tuple(r) for r in rows]


def test_a_payment_that_releases_the_hold_withdraws_the_pending_chain(desk: App) -> None:
    closed = desk.bus.handle(c.PostPayment("BOLT", Decimal("2000000"), NOW))
    assert CASE in closed
    case = desk.queries.case(CASE) or {}
    assert case["state"] == "auto_resolved"
    assert [(a["state"], a["decided_by"]) for a in case["approvals"]] == [
        ("withdrawn", "ordex"), ("withdrawn", "ordex")]
    assert all("awaiting_approval → auto_resolved by close: payment of 2000000 posted by BOLT"
               in a["decision_reason"] for a in case["approvals"])
    [(actor, before, after, reason)] = _audit(desk, "withdraw_approvals")
    assert (actor, before, after) == ("ordex", "awaiting_approval", "awaiting_approval")
    assert reason.startswith(f"{CASE}#1.1, {CASE}#1.2 withdrawn: ")
    assert desk.queries.pending_approvals() == []


def test_a_cancel_withdraws_and_a_reopened_case_does_not_bring_them_back(desk: App) -> None:
    desk.bus.handle(c.CancelCase(CASE, "ana", "customer cancelled by phone"))
    case = desk.queries.case(CASE) or {}
    assert [(a["state"], a["decided_by"]) for a in case["approvals"]] == [
        ("withdrawn", "ana"), ("withdrawn", "ana")]
    assert "by cancel: customer cancelled by phone" in case["approvals"][0]["decision_reason"]
    desk.bus.handle(c.ReopenCase(CASE, "ana", "the customer changed their mind"))
    desk.bus.handle(c.TakeCase(CASE, "ana"))
    desk.bus.handle(c.RequestApproval(CASE, "ana", "RELEASE", "wire received after all"))
    case = desk.queries.case(CASE) or {}
    assert [(a["chain_id"][-1], a["state"]) for a in case["approvals"]] == [
        ("1", "withdrawn"), ("1", "withdrawn"), ("2", "pending"), ("2", "pending")]
    [turn] = desk.queries.pending_approvals()
    assert (turn["approval_id"], turn["role"]) == (f"{CASE}#2.1", "credit_manager")
    desk.bus.handle(c.ApproveCase(CASE, "max", "wire confirmed"))
    desk.bus.handle(c.ApproveCase(CASE, "fin", "fine"))
    case = desk.queries.case(CASE) or {}
    assert case["state"] == "resolved"
    assert [a["state"] for a in case["approvals"]] == [
        "withdrawn", "withdrawn", "approved", "approved"]
    assert _audit(desk, "withdraw_approvals")[0][0] == "ana"
    assert len(_audit(desk, "withdraw_approvals")) == 1  # the chain that completed withdraws none
