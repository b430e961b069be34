"""Checks that a context event names customers, items, warehouses, POs and units that exist."""

from __future__ import annotations

from sqlalchemy import Column, Connection, select

from ordex.adapters.db import tables as t
from ordex.domain.errors import InvalidPayloadError, UnknownReferenceError

_KEYS: dict[str, tuple[Column[str], str]] = {
    "customer_id": (t.customers.c.customer_id, "customer"),
    "item_id": (t.items.c.item_id, "item"),
    "warehouse_id": (t.warehouses.c.warehouse_id, "warehouse"),
    "po_id": (t.inbound_pos.c.po_id, "inbound PO"),
}


def require_known(conn: Connection, **named: str | None) -> None:
    """Raise UnknownReferenceError naming every field whose id the reference data lacks."""
    errors = []
    for name, value in named.items():
        if value is None:
            continue
        column, label = _KEYS[name]
        if conn.execute(select(column).where(column == value)).first() is None:
            errors.append({"field": name, "reason": f"no {label} {value} in the reference data"})
    if errors:
        raise UnknownReferenceError("; ".join(f"{e['field']}: {e['reason']}" for e in errors),
                                    errors=errors, field=errors[0]["field"])


def require_receipt(conn: Connection, *, item_id: str, warehouse_id: str,
                    po_id: str | None) -> None:
    """A receipt names a known item and warehouse, and its PO (if any) is for that position."""
    require_known(conn, item_id=item_id, warehouse_id=warehouse_id, po_id=po_id)
    if po_id is None:
        return
    po = t.inbound_pos.c
    row = conn.execute(select(po.item_id, po.warehouse_id).where(po.po_id == po_id)).one()
    if (row[0], row[1]) != (item_id, warehouse_id):
        reason = f"inbound PO {po_id} is for item {row[0]} at {row[1]}"
        raise InvalidPayloadError(f"po_id: {reason}", errors=[{"field": "po_id",
                                                               "reason": reason}])


def item_units(conn: Connection, item_id: str) -> tuple[str, set[str]]:
    """An item's base unit and every unit it converts from (the item must exist)."""
    base = conn.execute(select(t.items.c.base_uom).where(t.items.c.item_id == item_id)).scalar_one()
    conv = t.uom_conversions.c
    units = set(conn.execute(select(conv.uom).where(conv.item_id == item_id)).scalars())
    return str(base).upper(), {str(base).upper(), *(str(u).upper() for u in units)}


def require_unit(conn: Connection, *, item_id: str, uom: str) -> None:
    """The item converts `uom` (its base unit or one of its conversions)."""
    _base, units = item_units(conn, item_id)
    if uom.upper() not in units:
        reason = (f"item {item_id} has no unit {uom} (its units: {', '.join(sorted(units))}); "
                  "post the conversion first (/events/unit-conversions)")
        raise InvalidPayloadError(f"uom: {reason}", errors=[{"field": "uom", "reason": reason}])
