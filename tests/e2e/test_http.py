"""The API over real HTTP (uvicorn on a loopback port) against SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from auth_kit import authed

ROOT = Path(__file__).resolve().parents[2]
ORDERS = (ROOT / "examples" / "orders.ndjson").read_text().splitlines()


def test_single_order_is_created_then_replayed(base_url: str) -> None:
    with authed(base_url, timeout=30) as http:
        first = http.post("/orders", content=ORDERS[1])
        assert first.status_code == 201
        assert first.json()["status"] == "held" and first.json()["held_lines"] == [1, 2]
        again = http.post("/orders", content=ORDERS[1])
        assert again.status_code == 200 and again.json()["replayed"] is True
        assert again.json()["cases"] == first.json()["cases"]
        order = http.get("/orders/EX-1002").json()
        assert {c["code"] for c in order["cases"]} == {"INVENTORY_SHORTFALL", "PRICE_MISMATCH"}


def test_batch_of_orders_answers_each(base_url: str) -> None:
    batch = "[" + ",".join(ORDERS) + "]"
    with authed(base_url, timeout=30) as http:
        response = http.post("/orders", content=batch, headers={"Idempotency-Key": "B-1"})
        assert response.status_code == 201
        assert [r["status"] for r in response.json()["results"]] == [
            "accepted", "held", "held", "held"]
        assert http.post("/orders", content=batch,
                         headers={"Idempotency-Key": "B-1"}).status_code == 200


def test_schema_violation_is_422_naming_the_field_and_kept_as_a_case(base_url: str) -> None:
    bad = json.loads(ORDERS[0])
    bad["lines"][0]["quantity"] = -5
    with authed(base_url, timeout=30) as http:
        response = http.post("/orders", content=json.dumps(bad))
        assert response.status_code == 422
        body = response.json()
        assert body["detail"][0]["field"] == "lines.0.quantity"
        assert "greater than 0" in body["detail"][0]["reason"]
        case = http.get(f"/cases/{body['cases'][0]}").json()
        assert case["code"] == "INTEGRATION_FAILURE" and case["state"] == "open"
        garbage = http.post("/orders", content=b"\xff\xfe not json")
        assert garbage.status_code == 422 and "UTF-8" in garbage.json()["message"]


def test_cases_are_worked_over_http_with_clear_errors(base_url: str) -> None:
    with authed(base_url, timeout=30) as http:
        for line in ORDERS:
            http.post("/orders", content=line)
        queue = http.get("/cases", params={"queue": "customer_service"}).json()
        assert {c["code"] for c in queue} == {"INVALID_SHIP_TO", "DUPLICATE_ORDER"}
        case_id = "EX-1003:INVALID_SHIP_TO"
        assert http.post(f"/cases/{case_id}/take", json={}).status_code == 200
        missing_action = http.post(f"/cases/{case_id}/resolve", json={})
        assert missing_action.status_code == 422
        assert missing_action.json()["detail"][0]["field"] == "action"
        done = http.post(f"/cases/{case_id}/resolve",
                         json={"action": "CORRECT_ADDRESS", "reason": "FL"})
        assert done.json()["state"] == "resolved"
        assert http.post(f"/cases/{case_id}/resolve", json={
            "action": "CORRECT_ADDRESS"}).status_code == 409
        assert http.get("/cases/NOPE:X").status_code == 404
        bad_queue = http.get("/cases", params={"queue": "nowhere"})
        assert bad_queue.status_code == 422 and bad_queue.json()["detail"][0]["field"] == "query.queue"


def test_events_resolve_cases_and_kpis_follow(base_url: str) -> None:
    with authed(base_url, timeout=30) as http:
        http.post("/orders", content=ORDERS[1])
        receipt = http.post("/events/stock-receipts", json={
            "item_id": "VALVE-100", "warehouse_id": "CHI", "quantity": "70"})
        assert receipt.json() == {"auto_resolved": ["EX-1002:INVENTORY_SHORTFALL"]}
        bad = http.post("/events/payments", json={"customer_id": "ACME", "amount": "-1"})
        assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "amount"
        kpis = http.get("/kpis").json()
        assert kpis["closed_touchless_rate"] == 1.0 and kpis["open_backlog"] == 1
        assert kpis["touchless_rate"] == 0.5  # one auto-resolved, one (price) still open


def test_home_page_lists_open_cases_by_queue(base_url: str) -> None:
    with authed(base_url, timeout=30) as http:
        for line in ORDERS:
            http.post("/orders", content=line)
        page = http.get("/")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert 'id="queue-planning"' in page.text and "<svg" in page.text
        assert "EX-1002" in page.text and "Open cases" in page.text
        assert 'class="parts"' in page.text  # the score's parts stand next to the score
        detail = http.get("/ui/cases/EX-1002:INVENTORY_SHORTFALL")
        assert detail.status_code == 200 and "Audit trail" in detail.text


def test_edi_upload_answers_per_transaction_and_replay_needs_an_integration_case(
        base_url: str) -> None:
    edi = (ROOT / "examples" / "edi" / "acme-850.edi").read_bytes()
    with authed(base_url, timeout=30) as http:
        response = http.post("/edi", content=edi, headers={"X-Filename": "acme.edi"})
        assert response.status_code == 200
        body = response.json()
        # no trading partners loaded in this fixture: both transactions are quarantined
        assert [r["status"] for r in body["results"]] == ["rejected", "rejected"]
        kinds = {d["kind"] for d in http.get("/edi/documents").json()}
        assert kinds == {"997"}
        replay = http.post(f"/cases/{body['results'][0]['cases'][0]}/replay",
                           json={})
        assert replay.status_code == 200 and replay.json()["resolved"] == []
        http.post("/orders", content=ORDERS[1])
        wrong = http.post("/cases/EX-1002:PRICE_MISMATCH/replay", json={})
        assert wrong.status_code == 409
        assert http.post("/edi", content=b"   ").status_code == 422


def test_context_events_rejudge_open_orders_over_http(base_url: str) -> None:
    with authed(base_url, timeout=30) as http:
        # EX-1002 for 130 valves: ATP at CHI by 11-24 is 90; PO-77001 (50) is due 11-25
        http.post("/orders", content=ORDERS[1].replace('"quantity":150', '"quantity":130'))
        early = http.post("/events/inbound-po-dates", json={"po_id": "PO-77001",
                                                             "due_date": "2026-11-24"})
        assert early.status_code == 200
        assert "EX-1002:INVENTORY_SHORTFALL" in early.json()["changed"]
        case = http.get("/cases/EX-1002:INVENTORY_SHORTFALL").json()
        assert case["audit"][-1]["reason"].startswith("inbound PO PO-77001")
        missing = http.post("/events/inbound-po-dates", json={"po_id": "NOPE",
                                                               "due_date": "2026-11-24"})
        assert missing.status_code == 422 and "NOPE" in missing.json()["message"]
        assert missing.json()["detail"][0]["field"] == "po_id"
        contract = http.post("/events/price-contracts", json={
            "contract_id": "K-ACME-1", "customer_id": "ACME", "item_id": "GLOVE-NIT",
            "uom": "CS", "unit_price": "95.00", "valid_from": "2026-11-01",
            "valid_to": "2026-12-31"})
        assert contract.status_code == 200 and "EX-1002:PRICE_MISMATCH" in contract.json()["changed"]
        bad = http.post("/events/licences", json={"customer_id": "ACME"})
        assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "licence_type"
