"""CREDIT_LIMIT_EXCEEDED remedies: release, hold for payment, or release what fits.

Confidences are documented rules of thumb (docs/decide.md), not yet learned from outcomes.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from ordex.decide.candidate import Candidate
from ordex.decide.remedy import Situation
from ordex.domain.cases import Case
from ordex.domain.codes import Action
from ordex.domain.model import Order
from ordex.interpret.context import DetectionContext

ZERO = Decimal(0)
CENT = Decimal("0.01")


def remedies(s: Situation) -> list[Candidate]:
    """RELEASE over the limit, HOLD for prepayment, or a partial RELEASE up to the limit."""
    return _credit(s.order, s.case, s.ctx)


def _credit(order: Order, case: Case, ctx: DetectionContext) -> list[Candidate]:
    ev = case.evidence
    limit = Decimal(str(ev.get("credit_limit", "0")))
    over = Decimal(str(ev.get("over_by", "0")))
    pct = (over / limit * 100).quantize(CENT) if limit > 0 else Decimal(100)
    confidence = 0.95 if pct <= 2 else 0.85 if pct <= 5 else 0.7 if pct <= 10 else 0.4
    past_due = getattr(ctx, "past_due", None)
    if past_due is not None and past_due(order.customer_id, order.order_date):
        confidence -= 0.2  # pays late: a release over the limit is riskier
    ship = order.requested_ship_date
    risk = (over * Decimal("0.05")).quantize(CENT)  # expected loss: 5 % of the excess
    release = Candidate(Action.RELEASE, confidence, risk, ship, None,
                        "order ships on time", f"release the order {over} over the limit "
                        f"({pct} % of {limit})", order.value, pct)
    hold = Candidate(Action.HOLD, 0.9, (order.value * Decimal("0.02")).quantize(CENT),
                     ship + timedelta(days=2), None, "asked for prepayment; ships when paid",
                     "hold and ask for prepayment or payment of overdue invoices", ZERO)
    found = [release, hold]
    partial = _partial_release(order, over)
    if partial is not None:
        found.append(partial)
    return found


def _partial_release(order: Order, over: Decimal) -> Candidate | None:
    """Release the lines that fit under the limit (largest first); hold the rest."""
    room = order.value - over
    kept, value = [], ZERO
    for ln in sorted(order.lines, key=lambda x: (-x.value, x.line_no)):
        if value + ln.value <= room:
            kept.append(ln.line_no)
            value += ln.value
    if not kept or len(kept) == len(order.lines):
        return None
    held = (order.value - value).quantize(CENT)
    return Candidate(Action.RELEASE, 0.8, (held * Decimal("0.02")).quantize(CENT),
                     order.requested_ship_date, None,
                     f"lines {', '.join(map(str, sorted(kept)))} ship; {held} waits for payment",
                     f"partial release up to the limit: lines {', '.join(map(str, sorted(kept)))}"
                     f" ({value.quantize(CENT)})", value.quantize(CENT), None,
                     {"release_lines": sorted(kept), "partial": True})
