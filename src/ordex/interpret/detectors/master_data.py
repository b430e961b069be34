"""MASTER_DATA_CONFLICT: an item we do not know, or a unit of measure we cannot convert."""

from __future__ import annotations

from ordex.domain.codes import ExceptionCode, Severity
from ordex.domain.findings import Finding
from ordex.domain.model import ItemStatus, Order
from ordex.interpret.context import DetectionContext


class MasterDataConflict:
    """Flags lines that reference unknown or discontinued items or unconvertible units."""

    code = ExceptionCode.MASTER_DATA_CONFLICT

    def evaluate(self, order: Order, ctx: DetectionContext) -> list[Finding]:
        """One finding listing every line with a master-data problem."""
        problems: list[dict[str, object]] = []
        for line in order.lines:
            item = ctx.items.get(line.item_id)
            if item is None:
                problems.append({"line": line.line_no, "item_id": line.item_id,
                                 "problem": "unknown_item",
                                 "text": f"line {line.line_no}: item {line.item_id} is unknown"})
            elif ctx.units.factor(line.item_id, line.uom) is None:
                problems.append({"line": line.line_no, "item_id": line.item_id, "uom": line.uom,
                                 "problem": "unit_not_convertible",
                                 "text": f"line {line.line_no}: unit {line.uom} has no "
                                         f"conversion for {line.item_id}"})
            elif item.status is ItemStatus.DISCONTINUED:
                problems.append({"line": line.line_no, "item_id": line.item_id,
                                 "problem": "discontinued",
                                 "text": f"line {line.line_no}: item {line.item_id} "
                                         "is discontinued"})
        if order.customer_id not in ctx.customers:
            problems.append({"line": None, "customer_id": order.customer_id,
                             "problem": "unknown_customer",
                             "text": f"customer {order.customer_id} is unknown"})
        if not problems:
            return []
        lines = tuple(sorted({p["line"] for p in problems if isinstance(p["line"], int)}))
        reason = "Master data problem: " + "; ".join(str(p["text"]) for p in problems) + "."
        return [Finding(self.code, Severity.BLOCKING, lines, reason, {"problems": problems})]
