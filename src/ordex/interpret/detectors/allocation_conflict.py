"""ALLOCATION_CONFLICT: stock that would cover a line is held by open orders that outrank it.

The allocation rule ranks competing orders by customer tier, then requested ship date, then
order time. A line is in conflict when it is short, when the stock that other open orders
hold would cover it, and when it still loses under the rule (the holders ranking ahead of it
keep too much). A short order that outranks the holders is not flagged here: it is the
winner, its INVENTORY_SHORTFALL stands and the holders it would displace are the losers.
Allocations without a known holder (for example loaded from the ERP) count as committed.
"""

from __future__ import annotations

from decimal import Decimal

from ordex.domain.codes import SOURCING_ACTIONS, Action, ExceptionCode, Queue, Severity
from ordex.domain.events import InboundPODated
from ordex.domain.findings import Finding
from ordex.domain.model import Order
from ordex.interpret.context import DetectionContext, allocation_rank
from ordex.interpret.detectors._lines import known_lines, qty
from ordex.interpret.exception_type import ExceptionType

SHOWN = 5  # holders named in the evidence


class AllocationConflict:
    """Ranks the order against the open orders holding stock of each short line."""

    code = ExceptionCode.ALLOCATION_CONFLICT

    def evaluate(self, order: Order, ctx: DetectionContext) -> list[Finding]:
        """One finding naming every losing line and the orders ahead of it."""
        rank = allocation_rank(order, ctx.customers.get(order.customer_id))
        asked: dict[str, Decimal] = {}
        lost: list[dict[str, object]] = []
        for line, base in sorted(known_lines(order, ctx), key=lambda lb: lb[0].line_no):
            asked[line.item_id] = need = asked.get(line.item_id, Decimal(0)) + base
            key = (line.item_id, order.warehouse_id)
            atp = ctx.atp(line.item_id, order.warehouse_id, order.requested_ship_date)
            if need <= atp.quantity:
                continue
            held = {k: v for k, v in ctx.holders_at(key).items() if k[0] != order.order_id}
            if not held:
                continue
            by_orders = sum((q for _r, q in held.values()), Decimal(0))
            committed = atp.allocated - by_orders  # allocations without a known holder
            supply = atp.quantity + atp.allocated - committed
            ahead = sorted((r, k[0], q) for k, (r, q) in held.items() if r < rank)
            if need > supply or need <= supply - sum((q for _r, _o, q in ahead), Decimal(0)):
                continue  # plain shortfall, or this order wins under the rule
            lost.append({
                "line": line.line_no, "item_id": line.item_id,
                "warehouse_id": order.warehouse_id, "requested_base_qty": str(need),
                "supply": str(supply), "held_by_orders": str(by_orders),
                "held_ahead": str(sum((q for _r, _o, q in ahead), Decimal(0))),
                "orders_ahead": [o for _r, o, _q in ahead[:SHOWN]],
                "orders_ahead_count": len({o for _r, o, _q in ahead}),
                "rule": "customer tier, then requested ship date, then order time",
                "text": (f"line {line.line_no} needs {qty(need)} of {line.item_id} at "
                         f"{order.warehouse_id}; {qty(by_orders)} are held by other open "
                         f"orders, {len({o for _r, o, _q in ahead})} of which rank ahead "
                         "under the allocation rule"),
            })
        if not lost:
            return []
        reason = "Allocation conflict: " + "; ".join(str(x["text"]) for x in lost) + "."
        lines = tuple(int(str(x["line"])) for x in lost)
        return [Finding(self.code, Severity.BLOCKING, lines, reason, {"lines": lost})]


PLUGIN = ExceptionType(
    code=ExceptionCode.ALLOCATION_CONFLICT, queue=Queue.PLANNING,
    detector=AllocationConflict(), rank=30,
    needs=frozenset({"items", "conversions", "inventory", "inbound_pos", "customers",
                     "stock_holders"}),
    reevaluated_by=(InboundPODated,),
    actions=SOURCING_ACTIONS | {Action.RELEASE, Action.HOLD},
    remedies="ordex.decide.followups:conflict_remedies",
    draws_stock=True,
    simulation="ordex.simulate.codes.allocation_conflict:SIMULATION",
)
