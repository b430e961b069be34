"""Context events over real HTTP name only things that exist; anything else is a 422."""

from __future__ import annotations

from typing import Any

import pytest

from auth_kit import authed

GOOD_CONTRACT = {"contract_id": "K-NEW", "customer_id": "ACME", "item_id": "GLOVE-NIT",
                 "uom": "CS", "unit_price": "90.00", "valid_from": "2026-11-01",
                 "valid_to": "2026-12-31"}
GOOD_LICENCE = {"customer_id": "ACME", "licence_type": "DEA", "licence_id": "DEA-2",
                "valid_from": "2026-01-01", "valid_to": "2027-12-31"}

REFUSED: list[tuple[str, dict[str, Any], str, str]] = [
    ("/events/stock-receipts", {"item_id": "NOPE", "warehouse_id": "CHI", "quantity": "5"},
     "item_id", "no item NOPE"),
    ("/events/stock-receipts", {"item_id": "VALVE-100", "warehouse_id": "NYC", "quantity": "5"},
     "warehouse_id", "no warehouse NYC"),
    ("/events/stock-receipts", {"item_id": "VALVE-100", "warehouse_id": "CHI", "quantity": "5",
                                "po_id": "PO-NONE"}, "po_id", "no inbound PO PO-NONE"),
    ("/events/stock-receipts", {"item_id": "VALVE-100", "warehouse_id": "CHI", "quantity": "5",
                                "po_id": "PO-77002"}, "po_id",
     "inbound PO PO-77002 is for item SYRINGE-10 at ATL"),
    ("/events/stock-receipts", {"item_id": "VALVE-100", "warehouse_id": "CHI",
                                "quantity": "1e30"}, "quantity", ""),
    ("/events/payments", {"customer_id": "NOBODY", "amount": "10"}, "customer_id",
     "no customer NOBODY"),
    ("/events/inbound-po-dates", {"po_id": "PO-NONE", "due_date": "2026-11-24"}, "po_id",
     "no inbound PO PO-NONE"),
    ("/events/inbound-po-dates", {"po_id": "PO-77001", "due_date": "20261124"}, "due_date",
     "is not a date (YYYY-MM-DD)"),
    ("/events/inbound-po-dates", {"po_id": "PO-77001", "due_date": "2026-W48-2"}, "due_date",
     "is not a date (YYYY-MM-DD)"),
    ("/events/inbound-po-dates", {"po_id": "PO-77001", "due_date": 1795478400}, "due_date",
     "must be a date string"),
    ("/events/price-contracts", {**GOOD_CONTRACT, "customer_id": "NOBODY"}, "customer_id",
     "no customer NOBODY"),
    ("/events/price-contracts", {**GOOD_CONTRACT, "item_id": "NOPE"}, "item_id", "no item NOPE"),
    ("/events/price-contracts", {**GOOD_CONTRACT, "item_id": "VALVE-100"}, "uom",
     "item VALVE-100 has no unit CS"),
    ("/events/price-contracts", {**GOOD_CONTRACT, "valid_to": "2026-10-01"}, "valid_to",
     "before valid_from"),
    ("/events/unit-conversions", {"item_id": "NOPE", "uom": "CS", "base_qty": "12"}, "item_id",
     "no item NOPE"),
    ("/events/unit-conversions", {"item_id": "VALVE-100", "uom": "EA", "base_qty": "12"},
     "base_qty", "EA is the base unit of VALVE-100"),
    ("/events/unit-conversions", {"item_id": "VALVE-100", "uom": "CS", "base_qty": "0"},
     "base_qty", ""),
    ("/events/licences", {**GOOD_LICENCE, "customer_id": "NOBODY"}, "customer_id",
     "no customer NOBODY"),
    ("/events/licences", {**GOOD_LICENCE, "valid_to": "2025-12-31"}, "valid_to",
     "before valid_from"),
]


def test_context_events_naming_unknown_things_are_422_naming_the_field(base_url: str) -> None:
    with authed(base_url, timeout=30) as http:
        for route, body, field, reason in REFUSED:
            answer = http.post(route, json=body)
            assert answer.status_code == 422, (route, body, answer.text)
            detail = answer.json()["detail"]
            assert detail[0]["field"] == field, (route, body, detail)
            assert reason in detail[0]["reason"], (route, body, detail)
        inventory = http.post("/events/stock-receipts", json={
            "item_id": "VALVE-100", "warehouse_id": "NYC", "quantity": "5"})
        assert "NYC" in inventory.json()["message"]


@pytest.mark.parametrize("route, body", [
    ("/events/stock-receipts", {"item_id": "VALVE-100", "warehouse_id": "CHI", "quantity": "5",
                                "po_id": "PO-77001"}),
    ("/events/payments", {"customer_id": "ACME", "amount": "10"}),
    ("/events/price-contracts", GOOD_CONTRACT),
    ("/events/unit-conversions", {"item_id": "VALVE-100", "uom": "CS", "base_qty": "12"}),
    ("/events/licences", GOOD_LICENCE),
])
def test_context_events_naming_known_things_are_accepted(base_url: str, route: str,
                                                         body: dict[str, Any]) -> None:
    with authed(base_url, timeout=30) as http:
        answer = http.post(route, json=body)
        assert answer.status_code == 200, answer.text


ASYNC = {"Prefer": "respond-async"}


def test_queued_context_events_are_checked_before_the_answer(base_url: str) -> None:
    """With `Prefer: respond-async` a bad signal is refused as it would be when handled now."""
    with authed(base_url, timeout=30) as http:
        for route, body, field, reason in REFUSED:
            answer = http.post(route, json=body, headers=ASYNC)
            assert answer.status_code == 422, (route, body, answer.text)
            assert answer.json()["detail"][0]["field"] == field, (route, answer.text)
            assert reason in answer.json()["detail"][0]["reason"], (route, answer.text)


@pytest.mark.parametrize("route, body", [
    ("/events/stock-receipts", {"item_id": "VALVE-100", "warehouse_id": "CHI", "quantity": "5"}),
    ("/events/payments", {"customer_id": "ACME", "amount": "10"}),
    ("/events/inbound-po-dates", {"po_id": "PO-77001", "due_date": "2026-11-30"}),
    ("/events/price-contracts", GOOD_CONTRACT),
    ("/events/unit-conversions", {"item_id": "VALVE-100", "uom": "CS", "base_qty": "12"}),
    ("/events/licences", GOOD_LICENCE),
])
def test_queued_context_events_are_accepted_with_202_and_a_work_key(
        base_url: str, route: str, body: dict[str, Any]) -> None:
    with authed(base_url, timeout=30) as http:
        answer = http.post(route, json=body, headers={"Prefer": "wait=5, respond-async"})
        again = http.post(route, json=body, headers=ASYNC)
    assert answer.status_code == 202, answer.text
    assert answer.headers["preference-applied"] == "respond-async"
    assert answer.json()["status"] == "queued" and len(answer.json()["work"]) == 32
    assert again.json()["work"] != answer.json()["work"]  # two receipts are two pieces of work
