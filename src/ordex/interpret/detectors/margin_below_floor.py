"""MARGIN_BELOW_FLOOR: a line's price is below the item's cost plus the minimum margin."""

from __future__ import annotations

from decimal import Decimal

from ordex.domain.codes import Action, ExceptionCode, Queue, Severity
from ordex.domain.context_events import ItemMasterFixed, PriceContractChanged
from ordex.domain.findings import Finding
from ordex.domain.model import Order
from ordex.interpret.context import DetectionContext
from ordex.interpret.detectors._lines import known_lines, money
from ordex.interpret.exception_type import ExceptionType
from ordex.interpret.settings import setting

HUNDRED = Decimal(100)


def price_floor(cost_per_base: Decimal, factor: Decimal, floor_pct: Decimal) -> Decimal:
    """Lowest acceptable price per unit: cost × factor × (1 + floor % / 100), exact."""
    return cost_per_base * factor * (1 + floor_pct / HUNDRED)


class MarginBelowFloor:
    """Compares each priced line with cost plus the configured minimum margin."""

    code = ExceptionCode.MARGIN_BELOW_FLOOR

    def evaluate(self, order: Order, ctx: DetectionContext) -> list[Finding]:
        """One finding naming every line priced under the floor (a price at the floor is fine)."""
        pct = ctx.settings.margin_floor_pct
        low: list[dict[str, object]] = []
        for line, _base in known_lines(order, ctx):
            item = ctx.items[line.item_id]
            factor = ctx.units.factor(line.item_id, line.uom)
            other_currency = order.currency != ctx.settings.base_currency
            if factor is None or item.unit_cost <= 0 or other_currency:
                continue  # no cost known, or cost in another currency: nothing to compare
            floor = price_floor(item.unit_cost, factor, pct)
            if line.unit_price >= floor:
                continue
            cost = item.unit_cost * factor
            margin = ((line.unit_price - cost) / line.unit_price * HUNDRED
                      if line.unit_price else Decimal(-100))
            low.append({
                "line": line.line_no, "item_id": line.item_id, "uom": line.uom,
                "order_price": str(line.unit_price), "unit_cost": str(cost),
                "floor_price": str(floor), "margin_floor_pct": str(pct),
                "gross_margin_pct": str(margin.quantize(Decimal("0.01"))),
                "text": (f"line {line.line_no} sells {line.item_id} at "
                         f"{money(line.unit_price)} per {line.uom}, below the floor of "
                         f"{money(floor)} (cost {money(cost)} + {pct}%)"),
            })
        if not low:
            return []
        reason = "Price below margin floor: " + "; ".join(str(x["text"]) for x in low) + "."
        lines = tuple(sorted(int(str(x["line"])) for x in low))
        return [Finding(self.code, Severity.BLOCKING, lines, reason, {"lines": low})]


PLUGIN = ExceptionType(
    code=ExceptionCode.MARGIN_BELOW_FLOOR, queue=Queue.PRICING, detector=MarginBelowFloor(),
    rank=80,
    needs=frozenset({"items", "conversions"}),
    reevaluated_by=(PriceContractChanged, ItemMasterFixed),
    settings=(setting("margin_floor_pct"), setting("base_currency")),
    actions=frozenset({Action.REPRICE, Action.ACCEPT_PRICE, Action.HOLD}),
    simulation="ordex.simulate.codes.margin_below_floor:SIMULATION",
)
