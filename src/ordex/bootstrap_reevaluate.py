"""Database handlers for the context events that re-judge open orders (issue 3).

Each handler stores the reference change, finds the concerned orders with indexed queries,
loads exactly their context, re-judges them (`orchestrate/reevaluate.py`) and commits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection

from ordex.adapters.db.known_repo import item_units, require_known, require_unit
from ordex.adapters.db.reevaluate_repo import (
    open_orders_of,
    orders_with_open_cases_for_item,
    po_position,
    save_contract,
    save_item_fix,
    save_licence,
    set_po_due,
)
from ordex.adapters.db.state_repo import open_case_orders
from ordex.domain.codes import ExceptionCode
from ordex.domain.context_events import ItemMasterFixed, LicenceUploaded, PriceContractChanged
from ordex.domain.errors import InvalidPayloadError, UnknownInboundPOError
from ordex.domain.events import InboundPODated
from ordex.orchestrate import reevaluate

if TYPE_CHECKING:
    from ordex.bootstrap import App


def inbound_po_dated(app: App, event: InboundPODated) -> list[str]:
    """A supplier re-dated an inbound PO: shortfalls on its position are re-judged."""
    with app._lock:  # the App's single-writer lock
        with app.engine.begin() as conn:
            key = po_position(conn, event.po_id)
            if key is None:
                reason = f"no inbound PO {event.po_id} in the reference data"
                raise UnknownInboundPOError(f"po_id: {reason}", po_id=event.po_id, field="po_id",
                                            errors=[{"field": "po_id", "reason": reason}])
            set_po_due(conn, event.po_id, event.due_date)
            ids = open_case_orders(conn, ExceptionCode.INVENTORY_SHORTFALL, item_id=key[0],
                                   warehouse_id=key[1])
        pipeline = app._hydrated(items={key[0]}, order_ids=ids)
        changed = reevaluate.on_inbound_po_dated(pipeline, event, now=event.at)
        app.commit(pipeline)
    return changed


def price_contract_changed(app: App, event: PriceContractChanged) -> list[str]:
    """A contract was added or replaced: that customer's open orders of the item are re-judged."""
    k = event.contract
    with app._lock:
        with app.engine.begin() as conn:
            require_known(conn, customer_id=k.customer_id, item_id=k.item_id)
            require_unit(conn, item_id=k.item_id, uom=k.uom)
            save_contract(conn, k)
            ids = open_orders_of(conn, k.customer_id, k.item_id)
        pipeline = app._hydrated(customers={k.customer_id}, items={k.item_id},
                                 order_ids=ids)
        changed = reevaluate.on_price_contract_changed(pipeline, event, now=event.at)
        app.commit(pipeline)
    return changed


def item_master_fixed(app: App, event: ItemMasterFixed) -> list[str]:
    """Item master data was fixed: orders of the item with open cases are re-judged."""
    with app._lock:
        with app.engine.begin() as conn:
            require_known(conn, item_id=event.item_id)
            _require_fix_fits(conn, event)
            save_item_fix(conn, event.item, event.conversion)
            ids = orders_with_open_cases_for_item(conn, event.item_id)
        pipeline = app._hydrated(items={event.item_id}, order_ids=ids)
        changed = reevaluate.on_item_master_fixed(pipeline, event, now=event.at)
        app.commit(pipeline)
    return changed


def licence_uploaded(app: App, event: LicenceUploaded) -> list[str]:
    """A licence arrived: the customer's compliance holds are re-judged."""
    lic = event.licence
    with app._lock:
        with app.engine.begin() as conn:
            require_known(conn, customer_id=lic.customer_id)
            save_licence(conn, lic)
            ids = open_case_orders(conn, ExceptionCode.COMPLIANCE_HOLD,
                                   customer_id=lic.customer_id)
        pipeline = app._hydrated(customers={lic.customer_id}, order_ids=ids)
        changed = reevaluate.on_licence_uploaded(pipeline, event, now=event.at)
        app.commit(pipeline)
    return changed


def _require_fix_fits(conn: Connection, event: ItemMasterFixed) -> None:
    """A conversion names the item it fixes and never re-scales the item's base unit."""
    fix = event.conversion
    if fix is None:
        return
    problem = ("item_id", f"the conversion is for {fix.item_id}, not {event.item_id}") \
        if fix.item_id != event.item_id else None
    base, _units = item_units(conn, event.item_id)
    if problem is None and fix.uom.upper() == base and fix.base_qty != 1:
        problem = ("base_qty", f"{fix.uom} is the base unit of {event.item_id}; its base_qty is 1")
    if problem is not None:
        raise InvalidPayloadError(f"{problem[0]}: {problem[1]}",
                                  errors=[{"field": problem[0], "reason": problem[1]}])
