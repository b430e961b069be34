"""MASTER_DATA_CONFLICT: an item we do not know, or a unit of measure we cannot convert."""

from __future__ import annotations

from ordex.domain.codes import Action, ExceptionCode, Queue, Severity
from ordex.domain.context_events import ItemMasterFixed
from ordex.domain.findings import Finding
from ordex.domain.model import ItemStatus, Order
from ordex.interpret.context import DetectionContext
from ordex.interpret.exception_type import ExceptionType


class MasterDataConflict:
    """Flags lines that reference unknown or discontinued items or unconvertible units."""

    code = ExceptionCode.MASTER_DATA_CONFLICT

    def evaluate(self, order: Order, ctx: DetectionContext) -> list[Finding]:
        """One finding listing every line with a master-data problem."""
        problems: list[dict[str, object]] = []
        for line in order.lines:
            item = ctx.items.get(line.item_id)
            if item is None and not line.item_id and line.identifiers:
                sent = ", ".join(f"{q} {v}" for q, v in line.identifiers)
                problems.append({"line": line.line_no, "item_id": None,
                                 "problem": "unknown_product",
                                 "identifiers": [list(p) for p in line.identifiers],
                                 "text": f"line {line.line_no}: unknown product {sent}"})
            elif item is None:
                problems.append(self._unknown(order, line.line_no, line.item_id, ctx))
            elif ctx.units.factor(line.item_id, line.uom) is None:
                problems.append({"line": line.line_no, "item_id": line.item_id, "uom": line.uom,
                                 "problem": "unit_not_convertible",
                                 "text": f"line {line.line_no}: unit {line.uom} has no "
                                         f"conversion for {line.item_id}"})
            elif item.status is ItemStatus.DISCONTINUED:
                successor = item.successor_id or None
                problems.append({"line": line.line_no, "item_id": line.item_id,
                                 "problem": "discontinued", "successor_id": successor,
                                 "text": f"line {line.line_no}: item {line.item_id} "
                                         "is discontinued" + (f" (successor: {successor})"
                                                               if successor else "")})
            elif (stocked := self._stocked_elsewhere(order, line.item_id, ctx)) is not None:
                problems.append({"line": line.line_no, "item_id": line.item_id,
                                 "problem": "not_stocked_at_warehouse",
                                 "warehouse_id": order.warehouse_id, "stocked_at": stocked,
                                 "text": f"line {line.line_no}: {line.item_id} is not stocked "
                                         f"at {order.warehouse_id} (stocked at "
                                         f"{', '.join(stocked)})"})
        if order.customer_id not in ctx.customers:
            problems.append({"line": None, "customer_id": order.customer_id,
                             "problem": "unknown_customer",
                             "text": f"customer {order.customer_id} is unknown"})
        if not problems:
            return []
        lines = tuple(sorted({p["line"] for p in problems if isinstance(p["line"], int)}))
        reason = "Master data problem: " + "; ".join(str(p["text"]) for p in problems) + "."
        return [Finding(self.code, Severity.BLOCKING, lines, reason, {"problems": problems})]

    @staticmethod
    def _unknown(order: Order, line_no: int, item_id: str,
                 ctx: DetectionContext) -> dict[str, object]:
        mapped = ctx.cross_refs.get((order.customer_id, item_id))
        if mapped is None:
            return {"line": line_no, "item_id": item_id, "problem": "unknown_item",
                    "text": f"line {line_no}: item {item_id} is unknown"}
        return {"line": line_no, "item_id": item_id, "problem": "buyer_part_number",
                "mapped_item_id": mapped,
                "text": f"line {line_no}: {item_id} is the customer's part number for "
                        f"{mapped}; map the line to {mapped}"}

    @staticmethod
    def _stocked_elsewhere(order: Order, item_id: str,
                           ctx: DetectionContext) -> list[str] | None:
        """Other warehouses stocking the item when the order's warehouse does not, else None."""
        if (item_id, order.warehouse_id) in ctx.positions:
            return None
        elsewhere = [wh for wh in sorted(ctx.warehouses) if (item_id, wh) in ctx.positions]
        return elsewhere or None


PLUGIN = ExceptionType(
    code=ExceptionCode.MASTER_DATA_CONFLICT, queue=Queue.CUSTOMER_SERVICE,
    detector=MasterDataConflict(), rank=10,
    needs=frozenset({"items", "conversions", "customers", "cross_references", "inventory",
                     "warehouses"}),
    reevaluated_by=(ItemMasterFixed,),
    actions=frozenset({Action.MAP_ITEM, Action.HOLD, Action.CANCEL_LINE}),
)
