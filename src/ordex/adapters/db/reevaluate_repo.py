"""Reference changes and indexed look-ups for re-evaluation on context events."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import Connection, and_, delete, exists, select, update

from ordex.adapters.db import tables as t
from ordex.adapters.db.state_repo import OPEN_STATES
from ordex.domain.model import CustomerLicence, Item, PriceContract, UnitConversion


def po_position(conn: Connection, po_id: str) -> tuple[str, str] | None:
    """The (item, warehouse) of an inbound PO, or None when unknown."""
    row = conn.execute(select(t.inbound_pos.c.item_id, t.inbound_pos.c.warehouse_id)
                       .where(t.inbound_pos.c.po_id == po_id)).first()
    return None if row is None else (row[0], row[1])


def set_po_due(conn: Connection, po_id: str, due: object) -> None:
    """Store an inbound PO's new due date."""
    conn.execute(update(t.inbound_pos).where(t.inbound_pos.c.po_id == po_id)
                 .values(due_date=due))


def save_contract(conn: Connection, contract: PriceContract) -> None:
    """Add or replace a price contract (by contract id)."""
    conn.execute(delete(t.price_contracts)
                 .where(t.price_contracts.c.contract_id == contract.contract_id))
    conn.execute(t.price_contracts.insert(), [asdict(contract)])


def save_item_fix(conn: Connection, item: Item | None, conversion: UnitConversion | None) -> None:
    """Replace an item's master data and/or one of its unit conversions."""
    if item is not None:
        conn.execute(delete(t.items).where(t.items.c.item_id == item.item_id))
        conn.execute(t.items.insert(), [asdict(item)])
    if conversion is not None:
        conn.execute(delete(t.uom_conversions).where(
            t.uom_conversions.c.item_id == conversion.item_id,
            t.uom_conversions.c.uom == conversion.uom))
        conn.execute(t.uom_conversions.insert(), [asdict(conversion)])


def save_licence(conn: Connection, licence: CustomerLicence) -> None:
    """Add or replace a customer licence (by licence id)."""
    conn.execute(delete(t.customer_licences)
                 .where(t.customer_licences.c.licence_id == licence.licence_id))
    conn.execute(t.customer_licences.insert(), [asdict(licence)])


def open_orders_of(conn: Connection, customer_id: str, item_id: str) -> list[str]:
    """Open orders of a customer with a line of the item (customer and item indexes)."""
    query = select(t.orders.c.order_id).where(
        t.orders.c.customer_id == customer_id, t.orders.c.status == "open",
        exists().where(and_(t.order_lines.c.order_id == t.orders.c.order_id,
                            t.order_lines.c.item_id == item_id)))
    return [r[0] for r in conn.execute(query)]


def orders_with_open_cases_for_item(conn: Connection, item_id: str) -> list[str]:
    """Orders with a line of the item and an open case (item index, then cases by order)."""
    query = select(t.order_lines.c.order_id).distinct().where(
        t.order_lines.c.item_id == item_id,
        exists().where(and_(t.cases.c.order_id == t.order_lines.c.order_id,
                            t.cases.c.state.in_(OPEN_STATES))))
    return [r[0] for r in conn.execute(query)]
