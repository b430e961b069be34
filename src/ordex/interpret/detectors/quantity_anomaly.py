"""QUANTITY_ANOMALY: a quantity far outside the customer's history for the item."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ordex.domain.codes import Action, ExceptionCode, Queue, Severity
from ordex.domain.context_events import ItemMasterFixed
from ordex.domain.findings import Finding
from ordex.domain.model import Order
from ordex.interpret.context import DetectionContext
from ordex.interpret.detectors._lines import known_lines, qty
from ordex.interpret.exception_type import ExceptionType
from ordex.interpret.settings import setting

MAD_SCALE = Decimal("1.4826")  # makes the MAD estimate σ for normally distributed data
KEYING = ((Decimal(10), "×10 keying error (an extra zero)"),
          (Decimal(100), "×100 keying error (two extra zeros)"),
          (Decimal("0.1"), "÷10 keying error (a missing zero)"))


def median(values: Sequence[Decimal]) -> Decimal:
    """The median, exact (mean of the two middle values for an even count)."""
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


@dataclass(frozen=True, slots=True)
class Judgement:
    """How one quantity compares with a history."""

    median: Decimal
    mad: Decimal
    score: Decimal | None
    """Distance from the median in scaled MADs; None when the MAD is 0."""
    ratio: Decimal


def judge(value: Decimal, history: Sequence[Decimal], *, threshold: Decimal,
          min_ratio: Decimal) -> Judgement | None:
    """The judgement when `value` is anomalous against `history`, else None."""
    m = median(history)
    if m <= 0:
        return None
    mad = median([abs(x - m) for x in history])
    scale = MAD_SCALE * mad
    # compared by multiplication, so the edges are exact in decimal arithmetic
    far_in_ratio = value >= min_ratio * m or value * min_ratio <= m
    far_in_spread = not scale or abs(value - m) > threshold * scale
    if far_in_ratio and far_in_spread and value != m:
        return Judgement(m, mad, abs(value - m) / scale if scale else None, value / m)
    return None


def likely_error(base: Decimal, factor: Decimal, uom: str, j: Judgement) -> str | None:
    """Names the typical keying error the ratio points at (within 25 %), if any."""
    if factor != 1 and abs(base / factor - j.median) <= j.median / 4:
        return f"case vs each: {qty(base / factor)} {uom} entered where eaches were likely meant"
    for mult, name in KEYING:
        if abs(j.ratio - mult) <= mult / 4:
            return name
    return None


class QuantityAnomaly:
    """Robust statistics (median and MAD) over the customer's history for the item."""

    code = ExceptionCode.QUANTITY_ANOMALY

    def evaluate(self, order: Order, ctx: DetectionContext) -> list[Finding]:
        """One finding naming every odd line and the likely keying error."""
        s = ctx.settings
        odd: list[dict[str, object]] = []
        for line, base in known_lines(order, ctx):
            history = ctx.history.get((order.customer_id, line.item_id), ())
            if len(history) < s.quantity_anomaly_min_history:
                continue
            j = judge(base, history, threshold=s.quantity_anomaly_mad_threshold,
                      min_ratio=s.quantity_anomaly_min_ratio)
            if j is None:
                continue
            factor = ctx.units.factor(line.item_id, line.uom) or Decimal(1)
            guess = likely_error(base, factor, line.uom, j)
            odd.append({
                "line": line.line_no, "item_id": line.item_id, "base_qty": str(base),
                "history_count": len(history), "history_median": str(j.median),
                "history_mad": str(j.mad), "ratio_to_median": str(round(j.ratio, 2)),
                "robust_score": None if j.score is None else str(round(j.score, 1)),
                "likely_error": guess,
                "text": (f"line {line.line_no} asks {qty(base)} of {line.item_id}, "
                         f"{round(j.ratio, 1)}× the usual {qty(j.median)} over "
                         f"{len(history)} orders" + (f" — likely {guess}" if guess else "")),
            })
        if not odd:
            return []
        reason = "Unusual quantity: " + "; ".join(str(o["text"]) for o in odd) + "."
        lines = tuple(sorted(int(str(o["line"])) for o in odd))
        return [Finding(self.code, Severity.BLOCKING, lines, reason, {"lines": odd})]


PLUGIN = ExceptionType(
    code=ExceptionCode.QUANTITY_ANOMALY, queue=Queue.CUSTOMER_SERVICE,
    detector=QuantityAnomaly(), rank=140,
    needs=frozenset({"items", "conversions", "order_history"}),
    reevaluated_by=(ItemMasterFixed,),
    settings=tuple(setting(k) for k in ("quantity_anomaly_min_history",
                                        "quantity_anomaly_mad_threshold",
                                        "quantity_anomaly_min_ratio")),
    actions=frozenset({Action.RELEASE, Action.NOTIFY_CUSTOMER, Action.HOLD,
                       Action.CHANGE_QUANTITY, Action.CANCEL_LINE}),
    simulation="ordex.simulate.codes.quantity_anomaly:SIMULATION",
)
