"""Hostile input at intake and on the event and case routes over real HTTP (SQLite and
PostgreSQL): a 422/404/409 naming the field, never a 500; raw bytes kept."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from test_http_hostile import assert_error_body, integration_cases, raw_bodies

from auth_kit import authed

ROOT = Path(__file__).resolve().parents[2]
ORDERS = (ROOT / "examples" / "orders.ndjson").read_text().splitlines()


def order(**changes: object) -> dict:
    data = json.loads(ORDERS[0])
    data.update(changes)
    return data


@pytest.mark.parametrize("field", ["customer_po", "order_id", "customer_id", "lines.0.item_id"])
def test_a_lone_surrogate_in_a_looked_up_field_is_a_422_naming_it_not_a_500(
        base_url: str, db_url: str, field: str) -> None:
    data = order()
    if field == "lines.0.item_id":
        data["lines"][0]["item_id"] = "SKU-\ud800"
    else:
        data[field] = "X-\ud800"
    body = json.dumps(data).encode()
    with authed(base_url, timeout=30) as http:
        answer = assert_error_body(http.post("/orders", content=body), 422, field)
        assert "surrogate" in answer["detail"][0]["reason"]
        case = http.get(f"/cases/{answer['cases'][0]}").json()
        assert case["code"] == "INTEGRATION_FAILURE"
    assert body in raw_bodies(db_url)


def test_a_nul_in_customer_id_is_a_422_naming_it(base_url: str) -> None:
    body = json.dumps(order(customer_id="C\u0000")).encode()
    with authed(base_url, timeout=30) as http:
        assert_error_body(http.post("/orders", content=body), 422, "customer_id")


def test_an_integer_of_5000_digits_is_a_422_naming_the_field(base_url: str, db_url: str) -> None:
    text = json.dumps(order())
    data = json.loads(text)
    data["lines"][0]["quantity"] = 7
    body = json.dumps(data).replace('"quantity": 7', '"quantity": 1' + "0" * 5000).encode()
    with authed(base_url, timeout=30) as http:
        answer = assert_error_body(http.post("/orders", content=body), 422, "lines.0.quantity")
        assert "5001 digits" in answer["detail"][0]["reason"]
        batch = b"[" + body + b"]"
        assert_error_body(http.post("/orders", content=batch), 422, "[0].lines.0.quantity")
    assert body in raw_bodies(db_url)


def test_a_batch_item_key_is_bound_to_the_order_first_replayed_under_it(base_url: str) -> None:
    c5, c6 = order(order_id="C-5"), order(order_id="C-6", customer_po="PO-C6")
    key = {"Idempotency-Key": "bk2"}
    with authed(base_url, timeout=30) as http:
        first = http.post("/orders", content=json.dumps([c5, c5]), headers=key)
        assert first.status_code == 201, first.text
        assert [r["replayed"] for r in first.json()["results"]] == [False, True]
        again = http.post("/orders", content=json.dumps([c5, c5]), headers=key)
        assert again.status_code == 200 and all(r["replayed"] for r in again.json()["results"])
        reused = http.post("/orders", content=json.dumps([c5, c6]), headers=key)
        answer = assert_error_body(reused, 422, "Idempotency-Key")
        assert [r["status"] for r in answer["results"]] == [first.json()["results"][0]["status"],
                                                            "rejected"]
        assert http.get("/orders/C-6").status_code == 404


@pytest.mark.parametrize("body", [b"[]", b'{"orders": []}'])
def test_an_empty_batch_is_a_422(base_url: str, db_url: str, body: bytes) -> None:
    with authed(base_url, timeout=30) as http:
        answer = assert_error_body(http.post("/orders", content=body), 422, "(body)")
        assert "no orders in the body" in answer["message"]
    assert body in raw_bodies(db_url) and integration_cases(db_url) == 1


EVENTS = {
    "/events/stock-receipts": {"item_id": "SKU-1", "warehouse_id": "DAL", "quantity": "1",
                               "po_id": "PO-1"},
    "/events/payments": {"customer_id": "C-1", "amount": "1"},
    "/events/inbound-po-dates": {"po_id": "PO-1", "due_date": "2026-12-01"},
    "/events/price-contracts": {"contract_id": "K", "customer_id": "C-1", "item_id": "SKU-1",
                                "uom": "EA", "min_qty": "0", "unit_price": "1",
                                "currency": "USD", "valid_from": "2026-01-01",
                                "valid_to": "2026-12-31"},
    "/events/unit-conversions": {"item_id": "SKU-1", "uom": "CS", "base_qty": "12"},
    "/events/licences": {"customer_id": "C-1", "licence_type": "T", "licence_id": "L",
                         "valid_from": "2026-01-01", "valid_to": "2026-12-31"},
}
TEXT_FIELDS = [(route, name) for route, body in EVENTS.items() for name, value in body.items()
               if name not in {"quantity", "amount", "min_qty", "unit_price", "base_qty",
                               "due_date", "valid_from", "valid_to", "currency"}]


@pytest.mark.parametrize(("route", "field"), TEXT_FIELDS)
def test_over_long_text_on_an_event_route_is_a_422_naming_the_field(
        base_url: str, route: str, field: str) -> None:
    body = {**EVENTS[route], field: "X" * 5000}
    with authed(base_url, timeout=30) as http:
        assert_error_body(http.post(route, json=body), 422, field)
        assert_error_body(http.post(route, json={**body, field: "X" * 300}), 422, field)


@pytest.mark.parametrize(("extra", "field"), [
    ({"allocations": [{"line": 1, "item_id": "X" * 101, "warehouse_id": "DAL",
                       "quantity": "1"}]}, "allocations.0.item_id"),
    ({"allocations": [{"line": 1, "item_id": "SKU-1", "warehouse_id": "DAL",
                       "quantity": "1" + "0" * 30}]}, "allocations.0.quantity"),
    ({"prices": {"1": "1" + "0" * 30}}, "prices.1"),
    ({"actor": "ann"}, "actor"),
    ({"promise_date": 1796083200}, "promise_date"),
    ({"promise_date": "2026-12-05T00:00:00"}, "promise_date"),
    ({"promise_date": "20261205"}, "promise_date"),
])
def test_the_resolve_body_is_bounded_like_the_columns_and_dates_are_strict(
        base_url: str, extra: dict, field: str) -> None:
    body = {"action": "REVISE_PROMISE", "reason": "r", **extra}
    with authed(base_url, timeout=30) as http:
        http.post("/orders", content=ORDERS[1])
        assert_error_body(http.post("/cases/EX-1002:INVENTORY_SHORTFALL/resolve", json=body),
                          422, field)


def names(response: httpx.Response, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    assert [d["field"] for d in response.json()["detail"]] == [field]


def test_unknown_and_closed_cases_name_case_id(base_url: str) -> None:
    with authed(base_url, timeout=30) as http:
        names(http.post("/cases/NOPE:X/take", json={}), 404, "case_id")
        names(http.post("/cases/NOPE:X/resolve",
                                    json={"action": "RELEASE"}), 404, "case_id")
        names(http.get("/cases/NOPE:X"), 404, "case_id")
        http.post("/orders", content=ORDERS[1])
        case = "EX-1002:INVENTORY_SHORTFALL"
        body = {"action": "REVISE_PROMISE", "reason": "r",
                "promise_date": "2026-12-31"}
        assert http.post(f"/cases/{case}/resolve", json=body).status_code == 200
        names(http.post(f"/cases/{case}/resolve", json=body), 409, "case_id")
