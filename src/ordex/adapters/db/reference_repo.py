"""Reference data to and from the database, whole or for the keys a batch needs."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Connection, Engine

from ordex.adapters.db import tables as t
from ordex.adapters.db.dialect import wipe
from ordex.adapters.db.fetch import fetch
from ordex.adapters.db.network_repo import NETWORK_TABLES, load_network, save_network
from ordex.adapters.db.trade_repo import TRADE_TABLES, load_trade, save_trade
from ordex.domain.model import (
    Address,
    Carrier,
    Customer,
    CustomerTier,
    InboundPO,
    InventoryPosition,
    Item,
    ItemStatus,
    PriceContract,
    Receivable,
    ShipTo,
    UnitConversion,
    Warehouse,
)
from ordex.domain.reference import ReferenceData

REFERENCE_TABLES = [t.customers, t.ship_tos, t.items, t.uom_conversions, t.warehouses,
                    t.inventory, t.inbound_pos, t.price_contracts, t.receivables, t.carriers,
                    *TRADE_TABLES, *NETWORK_TABLES]


def _rows(objs: list[Any]) -> list[dict[str, Any]]:
    """Flat dataclasses as rows (shallow: dataclasses.asdict deep-copies and is slow)."""
    return [{name: getattr(o, name) for name in o.__slots__} for o in objs]


def save_reference(engine: Engine, ref: ReferenceData) -> None:
    """Replace the reference data with `ref`, in one transaction."""
    with engine.begin() as conn:
        wipe(conn, REFERENCE_TABLES)
        plain = [(t.customers, ref.customers), (t.items, ref.items),
                 (t.uom_conversions, ref.conversions), (t.warehouses, ref.warehouses),
                 (t.inventory, ref.inventory), (t.inbound_pos, ref.inbound_pos),
                 (t.price_contracts, ref.contracts), (t.receivables, ref.receivables)]
        for table, objs in plain:
            if objs:
                conn.execute(table.insert(), _rows(objs))
        if ref.ship_tos:
            conn.execute(t.ship_tos.insert(), [
                {"customer_id": s.customer_id, "ship_to_id": s.ship_to_id,
                 **_rows([s.address])[0]} for s in ref.ship_tos])
        if ref.carriers:
            conn.execute(t.carriers.insert(), [
                {"carrier_id": c.carrier_id, "name": c.name, "services": "|".join(c.services)}
                for c in ref.carriers])
        save_trade(conn, ref)
        save_network(conn, ref)


_fetch = fetch


def load_reference(conn: Connection, *, customers: Collection[str] | None = None,
                   items: Collection[str] | None = None) -> ReferenceData:
    """Reference data, restricted to some customers and items when given."""
    ref = ReferenceData()
    ref.customers = [Customer(r["customer_id"], r["name"], CustomerTier(r["tier"]),
                              r["credit_limit"], r["region"], r["payment_terms_days"],
                              r["default_ship_via"] or "", bool(r["freight_terms_required"]),
                              bool(r["tax_exempt"]))
                     for r in _fetch(conn, t.customers, "customer_id", customers)]
    ref.ship_tos = [ShipTo(r["customer_id"], r["ship_to_id"], Address(
        r["name"] or "", r["line1"] or "", r["line2"] or "", r["city"] or "", r["state"] or "",
        r["postal_code"] or "", r["country"] or "US"))
        for r in _fetch(conn, t.ship_tos, "customer_id", customers)]
    ref.items = [Item(r["item_id"], r["description"], r["base_uom"], r["list_price"],
                      r["unit_cost"], ItemStatus(r["status"]), r["weight"],
                      r["licence_type"] or "", r["hazmat_class"] or "",
                      bool(r["export_restricted"]), r["successor_id"] or "",
                      r["gtin"] or "", r["mfr_part"] or "")
                 for r in _fetch(conn, t.items, "item_id", items)]
    ref.conversions = [UnitConversion(r["item_id"], r["uom"], r["base_qty"])
                       for r in _fetch(conn, t.uom_conversions, "item_id", items)]
    ref.warehouses = [Warehouse(r["warehouse_id"], r["name"], r["state"], r["postal_code"],
                                r["lead_time_days"])
                      for r in _fetch(conn, t.warehouses, None, None)]
    ref.inventory = [InventoryPosition(r["item_id"], r["warehouse_id"], r["on_hand"],
                                       r["allocated"], r["safety_stock"])
                     for r in _fetch(conn, t.inventory, "item_id", items)]
    ref.inbound_pos = [InboundPO(r["po_id"], r["item_id"], r["warehouse_id"], r["quantity"],
                                 r["due_date"], bool(r["received"]))
                       for r in _fetch(conn, t.inbound_pos, "item_id", items)]
    wanted_items = None if items is None else set(items)
    ref.contracts = [PriceContract(r["contract_id"], r["customer_id"], r["item_id"], r["uom"],
                                   r["min_qty"], r["unit_price"], r["valid_from"], r["valid_to"],
                                   r["currency"])
                     for r in _fetch(conn, t.price_contracts, "customer_id", customers)
                     if wanted_items is None or r["item_id"] in wanted_items]
    ref.receivables = [Receivable(r["customer_id"], r["invoice_id"], r["amount_open"],
                                  r["due_date"])
                       for r in _fetch(conn, t.receivables, "customer_id", customers)]
    ref.carriers = [Carrier(r["carrier_id"], r["name"], tuple(filter(None,
                                                                     r["services"].split("|"))))
                    for r in _fetch(conn, t.carriers, None, None)]
    load_trade(conn, ref, customers=customers, items=items)
    load_network(conn, ref, customers=customers, items=items)
    return ref
