"""The sourcing network's tables: item substitutes, freight lanes, customers' service terms."""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from sqlalchemy import Connection, select

from ordex.adapters.db import tables as t
from ordex.domain.model import FreightLane, ServiceTerms, Substitute
from ordex.domain.reference import ReferenceData

NETWORK_TABLES = [t.item_substitutes, t.freight_lanes, t.service_terms]
CHUNK = 900


def save_network(conn: Connection, ref: ReferenceData) -> None:
    """Insert substitutes, lanes and service terms (the caller has wiped the tables)."""
    for table, objs in ((t.item_substitutes, ref.substitutes), (t.freight_lanes,
                                                                ref.freight_lanes),
                        (t.service_terms, ref.service_terms)):
        rows = [{n: getattr(o, n) for n in o.__slots__} for o in objs]
        for i in range(0, len(rows), 5000):
            conn.execute(table.insert(), rows[i:i + 5000])


def load_substitutes(conn: Connection, ref: ReferenceData,
                     items: Collection[str] | None) -> None:
    """Substitutes of the given items (all of them for None)."""
    ref.substitutes = []
    for chunk in _chunks(items):
        query = select(t.item_substitutes)
        if chunk is not None:
            query = query.where(t.item_substitutes.c.item_id.in_(chunk))
        ref.substitutes += [Substitute(r["item_id"], r["substitute_id"], r["rank"])
                            for r in conn.execute(query).mappings()]


def load_lanes(conn: Connection, ref: ReferenceData) -> None:
    """Every freight lane."""
    ref.freight_lanes = [FreightLane(r["warehouse_id"], r["region"], r["cost_per_shipment"],
                                     r["cost_per_unit"], r["transit_days"])
                         for r in conn.execute(select(t.freight_lanes)).mappings()]


def load_service_terms(conn: Connection, ref: ReferenceData,
                       customers: Collection[str] | None) -> None:
    """The given customers' service terms (everyone's for None)."""
    ref.service_terms = []
    for chunk in _chunks(customers):
        query = select(t.service_terms)
        if chunk is not None:
            query = query.where(t.service_terms.c.customer_id.in_(chunk))
        ref.service_terms += [ServiceTerms(r["customer_id"], bool(r["allows_substitutes"]),
                                           bool(r["strategic"]),
                                           Decimal(r["late_penalty_pct_per_day"]))
                              for r in conn.execute(query).mappings()]


def _chunks(keys: Collection[str] | None) -> list[list[str] | None]:
    if keys is None:
        return [None]
    ordered = sorted(keys)
    return [ordered[i:i + CHUNK] for i in range(0, len(ordered), CHUNK)]
