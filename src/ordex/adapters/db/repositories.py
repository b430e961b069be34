"""The repositories a unit of work offers its handlers, all on the unit's one connection."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from ordex.adapters.db import known_repo, reevaluate_repo
from ordex.adapters.db import tables as t
from ordex.adapters.db.casework_repo import approvals_of
from ordex.adapters.db.state_repo import case_from_row, open_case_orders
from ordex.domain.approvals import Approval
from ordex.domain.cases import Case
from ordex.domain.codes import ExceptionCode
from ordex.domain.model import CustomerLicence, Item, PriceContract, UnitConversion


class SqlReference:
    """Reference data as a handler checks and changes it (the ReferenceRepository port)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def require_known(self, **named: str | None) -> None:
        """Refuse ids that name nothing in the reference data (UnknownReferenceError)."""
        known_repo.require_known(self.conn, **named)

    def require_receipt(self, *, item_id: str, warehouse_id: str, po_id: str | None) -> None:
        """Refuse a receipt naming an unknown item, warehouse or PO, or another PO's position."""
        known_repo.require_receipt(self.conn, item_id=item_id, warehouse_id=warehouse_id,
                                   po_id=po_id)

    def require_unit(self, *, item_id: str, uom: str) -> None:
        """Refuse a unit the item cannot convert."""
        known_repo.require_unit(self.conn, item_id=item_id, uom=uom)

    def base_unit(self, item_id: str) -> str:
        """The item's base unit of measure."""
        return known_repo.item_units(self.conn, item_id)[0]

    def po_position(self, po_id: str) -> tuple[str, str] | None:
        """(item, warehouse) an inbound PO is due at, None if there is no such PO."""
        return reevaluate_repo.po_position(self.conn, po_id)

    def set_po_due(self, po_id: str, due: date) -> None:
        """Store an inbound PO's new due date."""
        reevaluate_repo.set_po_due(self.conn, po_id, due)

    def save_contract(self, contract: PriceContract) -> None:
        """Add or replace a price contract."""
        reevaluate_repo.save_contract(self.conn, contract)

    def save_item_fix(self, item: Item | None, conversion: UnitConversion | None) -> None:
        """Replace an item's master data and/or one of its conversions."""
        reevaluate_repo.save_item_fix(self.conn, item, conversion)

    def save_licence(self, licence: CustomerLicence) -> None:
        """Add or replace a customer licence."""
        reevaluate_repo.save_licence(self.conn, licence)


class SqlCases:
    """Cases and the orders they concern, as handlers look them up (the CaseRepository port)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, case_id: str) -> Case | None:
        """The case as stored, None if there is none."""
        row = self.conn.execute(select(t.cases).where(t.cases.c.case_id == case_id))
        found = row.mappings().first()
        return case_from_row(found) if found is not None else None

    def approvals(self, case_id: str) -> list[Approval]:
        """Every approval asked for on a case, chain by chain, level by level."""
        return approvals_of(self.conn, case_id)

    def orders_with_open(self, code: ExceptionCode, **where: Any) -> list[str]:
        """Orders with an open case of a code, by customer or by stock position."""
        return open_case_orders(self.conn, code, **where)

    def open_orders_of(self, customer_id: str, item_id: str) -> list[str]:
        """A customer's open orders of an item."""
        return reevaluate_repo.open_orders_of(self.conn, customer_id, item_id)

    def orders_with_open_cases_for_item(self, item_id: str) -> list[str]:
        """Orders of an item that have any open case."""
        return reevaluate_repo.orders_with_open_cases_for_item(self.conn, item_id)
