"""Context events on a real database: reference stored, only concerned orders re-judged."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from commands import change_contract, ingest, redate, upload_licence
from ordex.adapters.db import tables as t
from ordex.bootstrap import App
from ordex.domain.context_events import LicenceUploaded, PriceContractChanged
from ordex.domain.errors import UnknownInboundPOError
from ordex.domain.events import InboundPODated
from ordex.domain.model import CustomerLicence, PriceContract

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


@pytest.fixture
def app(example_app: App) -> App:
    return example_app


def state(app: App, case_id: str) -> str:
    with app.engine.connect() as conn:
        return conn.execute(select(t.cases.c.state).where(t.cases.c.case_id == case_id)
                            ).scalar_one()


def test_taxonomy_reference_round_trips_through_the_database(app: App) -> None:
    with app.engine.connect() as conn:
        from ordex.adapters.db.reference_repo import load_reference as load_db
        ref = load_db(conn)
    assert {s.ship_via for s in ref.carrier_services} >= {"UPSN-GND", "ODFL-LTL"}
    assert any(r.state == "IL" for r in ref.tax_rules)
    assert ref.licences[0].licence_type == "DEA" and len(ref.order_history) == 6
    assert next(c for c in ref.customers if c.customer_id == "CASH").tax_exempt is True
    assert next(w for w in ref.warehouses if w.warehouse_id == "ATL").lead_time_days == 1


def bolt_order(order_id: str, qty: str, price: str) -> bytes:
    """BOLT (no licence) orders the controlled syringe from Atlanta."""
    return json.dumps({
        "order_id": order_id, "customer_id": "BOLT", "customer_po": f"PO-{order_id}",
        "order_date": "2026-11-23", "requested_ship_date": "2026-11-26",
        "ship_to": {"code": "BOLT-1", "name": "Bolt & Nut Contractors",
                    "line1": "45 Harbor Blvd", "city": "Tampa", "state": "FL",
                    "postal_code": "33602", "country": "US"},
        "ship_via": "UPSN-GND", "warehouse_id": "ATL",
        "lines": [{"line_no": 1, "item_id": "SYRINGE-10", "quantity": qty, "uom": "EA",
                   "unit_price": price}]}).encode()


def test_licence_upload_releases_the_compliance_hold_in_the_database(app: App) -> None:
    ingest(app, [(bolt_order("B-1", "10", "0.80"), "test")], channel="api")
    assert state(app, "B-1:COMPLIANCE_HOLD") == "open"
    lic = CustomerLicence("BOLT", "DEA", "DEA-B1", date(2026, 1, 1), date(2026, 12, 31))
    assert upload_licence(app, LicenceUploaded(lic, NOW)) == ["B-1:COMPLIANCE_HOLD"]
    assert state(app, "B-1:COMPLIANCE_HOLD") == "auto_resolved"


def test_contract_change_re_judges_only_that_customers_orders_of_the_item(app: App) -> None:
    ingest(app, [(bolt_order("B-1", "10", "0.80"), "test")], channel="api")
    k = PriceContract("K-BOLT-1", "BOLT", "SYRINGE-10", "EA", Decimal(0), Decimal("0.60"),
                      date(2026, 11, 1), date(2026, 12, 31))
    [opened] = change_contract(app, PriceContractChanged(k, NOW))
    assert opened.startswith("B-1@") and opened.endswith(":PRICE_MISMATCH")
    assert state(app, opened) in ("open", "auto_resolved")
    other = PriceContract("K-ACME-9", "ACME", "SYRINGE-10", "EA", Decimal(0), Decimal("0.10"),
                          date(2026, 11, 1), date(2026, 12, 31))
    assert change_contract(app, PriceContractChanged(other, NOW)) == []


def test_inbound_po_date_change_is_stored_and_an_unknown_po_is_refused(app: App) -> None:
    # the decide stage may already have backordered the shortfall: re-judging the position
    # must then change nothing (the in-memory behaviour is in tests/unit/test_reevaluation.py)
    ingest(app, [(bolt_order("B-2", "800", "0.80"), "test")], channel="api")
    open_before = state(app, "B-2:INVENTORY_SHORTFALL") == "open"
    closed = redate(app, InboundPODated("PO-77002", date(2026, 11, 25), NOW))
    assert closed == (["B-2:INVENTORY_SHORTFALL"] if open_before else [])
    with app.engine.connect() as conn:
        due = conn.execute(select(t.inbound_pos.c.due_date)
                           .where(t.inbound_pos.c.po_id == "PO-77002")).scalar_one()
    assert due == date(2026, 11, 25)
    with pytest.raises(UnknownInboundPOError):
        redate(app, InboundPODated("NOPE", date(2026, 11, 24), NOW))


def test_licence_upload_with_no_compliance_holds_changes_nothing(app: App) -> None:
    lic = CustomerLicence("BOLT", "DEA", "DEA-B1", date(2026, 1, 1), date(2026, 12, 31))
    assert upload_licence(app, LicenceUploaded(lic, NOW)) == []
