"""What a decision's ERP commands change for the customer, line by line (domain/customer_view).

A split, a substitution, a backorder, a new date, a new price, a new quantity and a
cancellation change what ships; a warehouse, ship-to, carrier, hold, release or note does not
(the customer gets the same goods on the same day). Quantities the commands carry in base
units are given back in the line's unit.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ordex.domain.cases import Case
from ordex.domain.customer_view import LineChange, OrderChange, Ordered
from ordex.domain.erp_commands import (
    CancelLine,
    CancelOrder,
    ChangePrice,
    ChangeQuantity,
    ErpCommand,
    RevisePromise,
    SplitLine,
    SubstituteItem,
)
from ordex.domain.model import Order, OrderLine
from ordex.interpret.context import DetectionContext
from ordex.orchestrate.changes import OutboxMessage


def _in_line_units(line: OrderLine, base: Decimal, ctx: DetectionContext) -> Decimal:
    total = ctx.units.to_base(line.item_id, line.quantity, line.uom)
    return base if not total else (line.quantity * base / total).normalize()


def _changes_of(command: ErpCommand, lines: dict[int, OrderLine],
                ctx: DetectionContext) -> list[LineChange]:
    match command:
        case SplitLine() if command.line_no in lines:
            line = lines[command.line_no]
            ships = sum((s.quantity for s in command.shipments if s.item_id == line.item_id),
                        Decimal(0))
            days = [date.fromisoformat(s.ship_date) for s in command.shipments if s.ship_date]
            other = next((s.item_id for s in command.shipments if s.item_id != line.item_id),
                         None)
            return [LineChange(command.line_no,
                               quantity=_in_line_units(line, ships, ctx) if not other else None,
                               backordered=_in_line_units(line, command.backorder_quantity, ctx),
                               item_id=other, ship_date=max(days) if days else None)]
        case SubstituteItem() if command.reason_code != "MAP_ITEM":
            return [LineChange(command.line_no, item_id=command.item_id)]
        case RevisePromise():
            day = date.fromisoformat(command.promise_date)
            return [LineChange(n, ship_date=day) for n in command.lines or sorted(lines)]
        case ChangePrice():
            return [LineChange(command.line_no, unit_price=command.unit_price)]
        case ChangeQuantity():
            return [LineChange(command.line_no, quantity=command.quantity)]
        case CancelLine():
            return [LineChange(command.line_no, cancelled=True)]
        case CancelOrder():
            return [LineChange(n, cancelled=True) for n in sorted(lines)]
    return []


def order_change(*, order: Order, case: Case, action: str, messages: list[OutboxMessage],
                 ctx: DetectionContext, now: datetime) -> OrderChange | None:
    """The change a decision's messages make for the customer (None: nothing they see)."""
    lines = {ln.line_no: ln for ln in order.lines}
    found = tuple(lc for m in messages for lc in _changes_of(m.command, lines, ctx))
    if not found:
        return None
    ordered = {n: Ordered(ln.quantity, ln.unit_price, ln.item_id, order.requested_ship_date)
               for n, ln in lines.items()}
    return OrderChange(order.order_id, order.customer_id, order.channel, case.case_id, action,
                       now, found, ordered, tuple(m.message_id for m in messages))
