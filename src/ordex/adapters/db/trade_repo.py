"""The trade reference tables: tax rules and exemptions, licences, carrier services, customers'
part numbers and order history."""

from __future__ import annotations

from collections.abc import Collection
from datetime import time
from typing import Any

from sqlalchemy import Connection, Table

from ordex.adapters.db import tables as t
from ordex.adapters.db.fetch import fetch as _fetch
from ordex.domain.model import (
    CarrierService,
    CustomerLicence,
    ItemCrossReference,
    OrderHistoryEntry,
    TaxExemption,
    TaxRule,
)
from ordex.domain.reference import ReferenceData

TRADE_TABLES = [t.tax_rules, t.tax_exemptions, t.customer_licences, t.carrier_services,
                   t.item_cross_references, t.order_history]
CHUNK = 900  # stays under SQLite's bound-parameter limit in IN lists


def _plain(objs: list[Any]) -> list[dict[str, Any]]:
    return [{name: getattr(o, name) for name in o.__slots__} for o in objs]


def save_trade(conn: Connection, ref: ReferenceData) -> None:
    """Insert the trade reference lists (the caller has wiped the tables)."""
    plain: list[tuple[Table, list[Any]]] = [
        (t.tax_rules, ref.tax_rules), (t.tax_exemptions, ref.tax_exemptions),
        (t.customer_licences, ref.licences), (t.item_cross_references, ref.cross_references)]
    for table, objs in plain:
        if objs:
            conn.execute(table.insert(), _plain(objs))
    if ref.carrier_services:
        conn.execute(t.carrier_services.insert(), [
            {"carrier_id": s.carrier_id, "service": s.service, "max_weight": s.max_weight,
             "hazmat_allowed": s.hazmat_allowed, "states": "|".join(s.states),
             "cutoff": s.cutoff.isoformat(timespec="minutes") if s.cutoff else None}
            for s in ref.carrier_services])
    history = _plain(ref.order_history)
    for i in range(0, len(history), 5000):
        conn.execute(t.order_history.insert(), history[i:i + 5000])


def load_trade_shared(conn: Connection, ref: ReferenceData) -> None:
    """Fill the trade lists that belong to no customer: tax rules, carrier services."""
    ref.tax_rules = [TaxRule(r["state"], r["rate"], r["country"])
                     for r in _fetch(conn, t.tax_rules, None, None)]
    ref.carrier_services = [
        CarrierService(r["carrier_id"], r["service"], r["max_weight"], bool(r["hazmat_allowed"]),
                       tuple(filter(None, (r["states"] or "").split("|"))),
                       time.fromisoformat(r["cutoff"]) if r["cutoff"] else None)
        for r in _fetch(conn, t.carrier_services, None, None)]


def load_trade_of_customers(conn: Connection, ref: ReferenceData,
                            customers: Collection[str] | None) -> None:
    """Fill the customers' trade lists (exemptions, licences, part numbers, whole history)."""
    ref.tax_exemptions = [TaxExemption(r["customer_id"], r["certificate_id"], r["valid_from"],
                                       r["valid_to"], r["state"] or "")
                          for r in _fetch(conn, t.tax_exemptions, "customer_id", customers)]
    ref.licences = [CustomerLicence(r["customer_id"], r["licence_type"], r["licence_id"],
                                    r["valid_from"], r["valid_to"])
                    for r in _fetch(conn, t.customer_licences, "customer_id", customers)]
    ref.cross_references = [ItemCrossReference(r["customer_id"], r["buyer_part"], r["item_id"],
                                                r["qualifier"] or "")
                            for r in _fetch(conn, t.item_cross_references, "customer_id",
                                            customers)]
    ref.order_history = [OrderHistoryEntry(r["customer_id"], r["item_id"], r["order_date"],
                                           r["base_qty"])
                         for r in _fetch(conn, t.order_history, "customer_id", customers)]
