"""Reference data to and from the database, whole or for the keys a batch needs."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine

from ordex.adapters.db import tables as t
from ordex.adapters.db.dialect import wipe
from ordex.adapters.db.fetch import fetch
from ordex.adapters.db.network_repo import (
    NETWORK_TABLES,
    load_lanes,
    load_service_terms,
    load_substitutes,
    save_network,
)
from ordex.adapters.db.trade_repo import (
    TRADE_TABLES,
    load_trade_of_customers,
    load_trade_shared,
    save_trade,
)
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

T = TypeVar("T")
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
Keys = Collection[str] | None
"""Some customers' or items' ids; None for all of them."""


def load_reference(conn: Connection, *, customers: Keys = None,
                   items: Keys = None) -> ReferenceData:
    """Reference data, restricted to some customers and items when given."""
    ref = load_of_customers(conn, customers)
    ref.contracts = only_items(ref.contracts, items)
    ref.order_history = only_items(ref.order_history, items)
    by_item, shared = load_of_items(conn, items), load_shared(conn)
    ref.items, ref.conversions = by_item.items, by_item.conversions
    ref.substitutes = by_item.substitutes
    ref.warehouses, ref.carriers, ref.tax_rules = (shared.warehouses, shared.carriers,
                                                   shared.tax_rules)
    ref.carrier_services, ref.freight_lanes = shared.carrier_services, shared.freight_lanes
    load_live(conn, ref, customers=customers, items=items)
    return ref


def only_items(rows: list[T], items: Keys) -> list[T]:
    """Rows (contracts, order history) whose item is one of `items` (all for None)."""
    if items is None:
        return rows
    wanted = set(items)
    return [r for r in rows if r.item_id in wanted]  # type: ignore[attr-defined]


def load_of_customers(conn: Connection, customers: Keys) -> ReferenceData:
    """What belongs to customers and changes only with reference data (every item's rows).

    The lists `CUSTOMER_LISTS` names; contracts and order history for all items.
    """
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
    ref.contracts = [PriceContract(r["contract_id"], r["customer_id"], r["item_id"], r["uom"],
                                   r["min_qty"], r["unit_price"], r["valid_from"], r["valid_to"],
                                   r["currency"])
                     for r in _fetch(conn, t.price_contracts, "customer_id", customers)]
    load_trade_of_customers(conn, ref, customers)
    load_service_terms(conn, ref, customers)
    return ref


def load_of_items(conn: Connection, items: Keys) -> ReferenceData:
    """What belongs to items and changes only with reference data (`ITEM_LISTS`)."""
    ref = ReferenceData()
    ref.items = [Item(r["item_id"], r["description"], r["base_uom"], r["list_price"],
                      r["unit_cost"], ItemStatus(r["status"]), r["weight"],
                      r["licence_type"] or "", r["hazmat_class"] or "",
                      bool(r["export_restricted"]), r["successor_id"] or "",
                      r["gtin"] or "", r["mfr_part"] or "")
                 for r in _fetch(conn, t.items, "item_id", items)]
    ref.conversions = [UnitConversion(r["item_id"], r["uom"], r["base_qty"])
                       for r in _fetch(conn, t.uom_conversions, "item_id", items)]
    load_substitutes(conn, ref, items)
    return ref


def load_shared(conn: Connection) -> ReferenceData:
    """What belongs to nobody in particular (`SHARED_LISTS`): warehouses, carriers, taxes."""
    ref = ReferenceData()
    ref.warehouses = [Warehouse(r["warehouse_id"], r["name"], r["state"], r["postal_code"],
                                r["lead_time_days"])
                      for r in _fetch(conn, t.warehouses, None, None)]
    ref.carriers = [Carrier(r["carrier_id"], r["name"], tuple(filter(None,
                                                                     r["services"].split("|"))))
                    for r in _fetch(conn, t.carriers, None, None)]
    load_trade_shared(conn, ref)
    load_lanes(conn, ref)
    return ref


def load_live(conn: Connection, ref: ReferenceData, *, customers: Keys, items: Keys) -> None:
    """Fill what intake itself changes (`LIVE_LISTS`): stock, inbound POs, receivables."""
    ref.inventory = [InventoryPosition(r["item_id"], r["warehouse_id"], r["on_hand"],
                                       r["allocated"], r["safety_stock"])
                     for r in _fetch(conn, t.inventory, "item_id", items)]
    ref.inbound_pos = [InboundPO(r["po_id"], r["item_id"], r["warehouse_id"], r["quantity"],
                                 r["due_date"], bool(r["received"]))
                       for r in _fetch(conn, t.inbound_pos, "item_id", items)]
    ref.receivables = [Receivable(r["customer_id"], r["invoice_id"], r["amount_open"],
                                  r["due_date"])
                       for r in _fetch(conn, t.receivables, "customer_id", customers)]


CUSTOMER_LISTS = ("customers", "ship_tos", "contracts", "tax_exemptions", "licences",
                  "cross_references", "order_history", "service_terms")
ITEM_LISTS = ("items", "conversions", "substitutes")
SHARED_LISTS = ("warehouses", "carriers", "tax_rules", "carrier_services", "freight_lanes")
LIVE_LISTS = ("inventory", "inbound_pos", "receivables")
"""Every list of `ReferenceData`, by what it belongs to and whether intake writes it."""
