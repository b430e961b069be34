"""Working a case over real HTTP on SQLite and PostgreSQL: a credit hold assigned, taken,
sent for approval, approved at two levels and released; a rejection; clear errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from auth_kit import authed, person
from live_server import serving
from ordex.adapters.db import tables as t
from ordex.bootstrap import bootstrap
from ordex.config import Settings
from ordex.sense.reference import load_reference

ROOT = Path(__file__).resolve().parents[2]
ROLES = {"ana": ("credit_analyst",), "max": ("credit_manager",), "fin": ("finance_director",)}


@pytest.fixture
def desk(db_url: str) -> Iterator[tuple[str, Any, dict[str, httpx.Client]]]:
    """A server, and an analyst, a manager and a director signed in to it."""
    app = bootstrap(Settings(database_url=db_url))
    app.migrate()
    app.save_reference(load_reference(ROOT / "examples" / "reference"))
    with serving(app) as base_url:
        people = {name: person(base_url, app, name, roles) for name, roles in ROLES.items()}
        yield base_url, app, people
        for client in people.values():
            client.close()
    app.engine.dispose()


def big_order(order_id: str, quantity: int) -> str:
    """An order of BOLT (credit limit 5,000) for `quantity` bolts at 30.00."""
    return json.dumps({
        "order_id": order_id, "customer_id": "BOLT", "customer_po": f"PO-{order_id}",
        "channel": "api", "order_date": "2026-11-23", "requested_ship_date": "2026-11-26",
        "ship_to": {"code": "BOLT-1", "name": "Bolt & Nut Contractors",
                    "line1": "45 Harbor Blvd", "line2": "Suite 2", "city": "Tampa",
                    "state": "FL", "postal_code": "33602", "country": "US"},
        "ship_via": "UPSN-GND", "warehouse_id": "CHI",
        "lines": [{"line_no": 1, "item_id": "BOLT-M8", "quantity": quantity, "uom": "EA",
                   "unit_price": 30.0}]})


def act(http: httpx.Client, case_id: str, route: str, status: int = 200,
        **body: Any) -> dict[str, Any]:
    answer = http.post(f"/cases/{case_id}/{route}", json=body)
    assert answer.status_code == status, answer.text
    found: dict[str, Any] = answer.json()
    return found


def test_a_large_credit_hold_is_worked_approved_twice_and_released(
        desk: tuple[str, Any]) -> None:
    base_url, app, people = desk
    case_id = "BIG-1:CREDIT_LIMIT_EXCEEDED"
    with authed(base_url) as http:
        assert http.post("/orders", content=big_order("BIG-1", 10_000)).status_code == 201
        case = http.get(f"/cases/{case_id}").json()
        assert (case["state"], case["value_at_risk"], case["version"]) == (
            "open", "300000.000000", 0)
        case = act(people["max"], case_id, "assign", assignee="ana", expected_version=0)
        assert (case["state"], case["assignee"]) == ("assigned", "ana")
        case = act(people["ana"], case_id, "take", expected_version=case["version"])
        assert case["state"] == "in_progress"
        act(people["ana"], case_id, "comment", text="customer wired 280k yesterday")
        act(people["ana"], case_id, "attach", name="wire.pdf", reference="dms://wire/9")
        refused = act(people["ana"], case_id, "resolve", 403, action="RELEASE")
        assert "request approval" in refused["message"] and refused["detail"][0]["field"]
        case = act(people["ana"], case_id, "request-approval", action="RELEASE",
                   reason="wire received")
        assert case["state"] == "awaiting_approval"
        queue = http.get("/approvals", params={"role": "credit_manager"}).json()
        assert [(a["case_id"], a["level"]) for a in queue] == [(case_id, 1)]
        assert http.get("/approvals", params={"role": "finance_director"}).json() == []
        sod = act(people["ana"], case_id, "approve", 403, reason="mine")
        assert "may not approve" in sod["message"]
        act(people["max"], case_id, "approve", 422, reason="")
        case = act(people["max"], case_id, "approve", reason="wire confirmed")
        assert case["state"] == "awaiting_approval"
        assert [a["level"] for a in http.get("/approvals").json()] == [2]
        act(people["max"], case_id, "approve", 403, reason="twice")
        case = act(people["fin"], case_id, "approve", reason="group exposure fine")
    assert case["state"] == "resolved" and "approved by max" in case["resolution"]
    assert [(a["role"], a["state"], a["decided_by"]) for a in case["approvals"]] == [
        ("credit_manager", "approved", "max"), ("finance_director", "approved", "fin")]
    assert [c["text"] for c in case["comments"]] == ["customer wired 280k yesterday"]
    assert [(f["name"], f["reference"]) for f in case["attachments"]] == [
        ("wire.pdf", "dms://wire/9")]
    assert [(o["recommended"], o["chosen"], o["actor"]) for o in case["overrides"]] == [
        ("HOLD", "RELEASE", "ana")]
    assert [a["action"] for a in case["audit"]] == [
        "open", "assign", "take", "comment", "attach", "request_approval", "approve",
        "approve", "alternative", "RELEASE"]  # the override (a ranked alternative) is audited
    with app.engine.connect() as conn:
        sent = conn.execute(select(t.outbox.c.command).where(
            t.outbox.c.order_id == "BIG-1")).scalars().all()
        price = conn.execute(select(t.cases.c.state).where(
            t.cases.c.case_id == "BIG-1:PRICE_MISMATCH")).scalar_one()
    assert price == "open"  # its line stays held: the release frees nothing another case holds
    assert sent.count("HoldLines") == 2 and "ReleaseLines" not in sent


def test_a_rejection_sends_the_case_back_and_illegal_moves_are_409_naming_the_states(
        desk: tuple[str, Any]) -> None:
    base_url, _app, people = desk
    case_id = "BIG-2:CREDIT_LIMIT_EXCEEDED"
    with authed(base_url) as http:
        assert http.post("/orders", content=big_order("BIG-2", 2_000)).status_code == 201
        early = act(people["ana"], case_id, "request-approval", 409, action="RELEASE")
        assert "from open to awaiting_approval" in early["message"]
        act(people["ana"], case_id, "take")
        act(people["ana"], case_id, "request-approval", action="RELEASE", reason="ok")
        case = act(people["max"], case_id, "reject", reason="exposure too high")
        assert (case["state"], case["assignee"]) == ("in_progress", "ana")
        assert [a["state"] for a in case["approvals"]] == ["rejected"]
        stale = act(people["ana"], case_id, "cancel", 409, reason="x", expected_version=0)
        assert "changed since version 0" in stale["message"] and stale["case"]["version"] > 0
        case = act(people["ana"], case_id, "cancel", reason="customer withdrew")
        assert case["state"] == "cancelled"
        again = act(people["ana"], case_id, "cancel", 409, reason="again")
        assert "cancelled" in again["message"]
        case = act(people["max"], case_id, "reopen", reason="customer called back")
        assert (case["state"], case["assignee"]) == ("assigned", "ana")
        unknown = act(people["max"], case_id, "assign", 422, assignee="ghost")
        assert unknown["detail"][0]["field"] == "assignee"
        rank = act(people["fin"], case_id, "choose", 422, rank=50)
        assert rank["detail"][0]["field"] == "rank"
        missing = people["max"].post(f"/cases/{case_id}/approve", json={})
        assert missing.status_code == 422 and missing.json()["detail"][0]["field"] == "reason"
        listed = http.get("/cases", params={"state": "assigned"}).json()
        assert [c["case_id"] for c in listed] == [case_id]
        none = people["ana"].post("/cases/NOPE:CREDIT_LIMIT_EXCEEDED/comment",
                                  json={"text": "x"})
        named = people["ana"].post(f"/cases/{case_id}/comment",
                                   json={"actor": "max", "text": "x"})
        assert named.status_code == 422 and named.json()["detail"][0]["field"] == "actor"
        assert none.status_code == 404 and none.json()["detail"][0]["field"] == "case_id"
