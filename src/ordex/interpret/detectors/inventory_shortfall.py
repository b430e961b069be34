"""INVENTORY_SHORTFALL: a line asks for more than is available to promise in time."""

from __future__ import annotations

from decimal import Decimal

from ordex.domain.codes import SOURCING_ACTIONS, Action, ExceptionCode, Queue, Severity
from ordex.domain.events import InboundPODated, StockReceived
from ordex.domain.findings import Finding
from ordex.domain.model import Order
from ordex.interpret.context import DetectionContext
from ordex.interpret.detectors._lines import known_lines, qty
from ordex.interpret.exception_type import ExceptionType


def elsewhere(item_id: str, order: Order, ctx: DetectionContext) -> list[dict[str, str]]:
    """ATP of the item at the other warehouses by the same date, where there is any."""
    found = []
    for wh in sorted(ctx.warehouses):
        if wh != order.warehouse_id and (item_id, wh) in ctx.positions:
            atp = ctx.atp(item_id, wh, order.requested_ship_date).quantity
            if atp > 0:
                found.append({"warehouse_id": wh, "atp": str(atp)})
    return found


class InventoryShortfall:
    """Compares each line, cumulatively per item, with ATP at the order's warehouse."""

    code = ExceptionCode.INVENTORY_SHORTFALL

    def evaluate(self, order: Order, ctx: DetectionContext) -> list[Finding]:
        """One finding naming every short line and by how much it is short."""
        asked: dict[str, Decimal] = {}
        short: list[dict[str, object]] = []
        for line, base in sorted(known_lines(order, ctx), key=lambda lb: lb[0].line_no):
            item = ctx.items[line.item_id]
            atp = ctx.atp(line.item_id, order.warehouse_id, order.requested_ship_date)
            asked[line.item_id] = asked.get(line.item_id, Decimal(0)) + base
            available = atp.quantity - (asked[line.item_id] - base)
            if asked[line.item_id] <= atp.quantity:
                continue
            short_by = min(base, asked[line.item_id] - atp.quantity)
            short.append({
                "line": line.line_no, "item_id": line.item_id, "warehouse_id": order.warehouse_id,
                "requested_base_qty": str(base), "base_uom": item.base_uom,
                "atp": str(atp.quantity), "on_hand": str(atp.on_hand),
                "allocated": str(atp.allocated), "safety_stock": str(atp.safety_stock),
                "inbound_due": str(atp.inbound_due), "short_by": str(short_by),
                "by_date": order.requested_ship_date.isoformat(),
                "other_warehouses": elsewhere(line.item_id, order, ctx),
                "text": (f"line {line.line_no} needs {qty(base)} {item.base_uom} of "
                         f"{line.item_id} but only {qty(max(available, Decimal(0)))} "
                         f"{item.base_uom} are available to promise at {order.warehouse_id} "
                         f"by {order.requested_ship_date.isoformat()} "
                         f"(short {qty(short_by)})"),
            })
        if not short:
            return []
        reason = "Not enough stock: " + "; ".join(str(s["text"]) for s in short) + "."
        lines = tuple(int(str(s["line"])) for s in short)
        return [Finding(self.code, Severity.BLOCKING, lines, reason, {"lines": short})]


PLUGIN = ExceptionType(
    code=ExceptionCode.INVENTORY_SHORTFALL, queue=Queue.PLANNING,
    detector=InventoryShortfall(), rank=20,
    needs=frozenset({"items", "conversions", "inventory", "inbound_pos", "warehouses"}),
    reevaluated_by=(StockReceived, InboundPODated),
    actions=SOURCING_ACTIONS | {Action.REVISE_PROMISE, Action.WAIT_FOR_RECEIPT, Action.HOLD},
    remedies="ordex.decide.shortfall:remedies",
    draws_stock=True,
    simulation="ordex.simulate.codes.inventory_shortfall:SIMULATION",
)
