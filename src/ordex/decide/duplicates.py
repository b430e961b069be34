"""Actions for DUPLICATE_ORDER: only an exact duplicate may be cancelled without a person.

Exact = the same customer and the same PO number, as written (surrounding spaces aside), with
identical lines: policy may cancel it on its own. The same PO only once normalised (leading
zeros, spaces or case: `0012` and `12`) goes to a person. Anything less (the same PO with
other lines; identical lines under a different PO or no PO) goes to a person, whatever the
policy's floor, because cancelling a real order is the worst error an automatic action can
make. How strongly a near-duplicate points at a duplicate is weighed from the number of
identical lines, the time between the two orders and whether their totals agree
(docs/detectors.md, DUPLICATE_ORDER).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ordex.decide.candidate import Candidate
from ordex.decide.remedy import Situation
from ordex.domain.cases import Case
from ordex.domain.codes import Action
from ordex.domain.model import Order
from ordex.interpret.context import DetectionContext, line_signature

ZERO = Decimal(0)
CENT = Decimal("0.01")
EXACT_CONFIDENCE = 0.97
NEAR_CAP = 0.85
"""A near-duplicate's confidence never reaches the floor of an exact one."""
STRONG = 0.7
"""From this confidence on, cancelling is what the person is recommended (else: ask)."""


def near_duplicate_confidence(*, lines: int, gap_hours: Decimal,
                              same_total: bool | None) -> float:
    """How strongly identical lines under another PO point at a duplicate (0.05–0.85)."""
    score = 0.4 if lines <= 1 else 0.55 if lines == 2 else 0.65 if lines <= 4 else 0.75
    if gap_hours <= 2:
        score += 0.1  # a resend minutes or hours later
    elif gap_hours > 24:
        score -= 0.1  # a day apart: more likely a repeat order
    if same_total is False:
        score -= 0.2  # the same lines at other prices: a new order more likely
    return round(min(max(score, 0.05), NEAR_CAP), 2)


def remedies(s: Situation) -> list[Candidate]:
    """DUPLICATE_ORDER: cancel the repeat or ask the customer."""
    return duplicate_candidates(s.order, s.case, s.ctx)


def duplicate_candidates(order: Order, case: Case, ctx: DetectionContext) -> list[Candidate]:
    """Cancel (on its own only when exact) or ask the customer."""
    original = str(case.evidence.get("original_order_id", ""))
    prior = next((r for r in ctx.recent.get(order.customer_id, ())
                  if r.order_id == original and not r.cancelled), None)
    if prior is None:
        return []
    same_lines = prior.lines == line_signature(order)
    confidence, person = _weigh(case, same_lines=same_lines, prior_value=prior.value,
                                value=order.value)
    risk = ZERO if confidence >= STRONG else (order.value / 2).quantize(CENT)
    effect: dict[str, object] = {"original_order_id": original}
    if person:
        effect["needs_person"] = person
    cancel = Candidate(Action.CANCEL_DUPLICATE, confidence, risk, None, None,
                       f"the duplicate is cancelled; {original} ships as ordered",
                       f"cancel this order as a duplicate of {original}"
                       + (" (every line matches)" if same_lines else " (lines differ)"),
                       order.value, None, effect)
    ask = Candidate(Action.NOTIFY_CUSTOMER, 0.9, (order.value * Decimal("0.01")).quantize(CENT),
                    None, None, "customer asked to confirm", "ask the customer whether it is "
                    "a new order", ZERO)
    return [cancel, ask]


def _weigh(case: Case, *, same_lines: bool, prior_value: Decimal | None,
           value: Decimal) -> tuple[float, str]:
    """(confidence, why a person must decide — "" when policy may cancel on its own)."""
    if case.evidence.get("rule") == "same_po":
        if not same_lines:
            return 0.5, "same PO but other lines: a change or a second release of the PO"
        if case.evidence.get("po_as_written") is not True:
            # 0012 and 12, or PO-7 and po 7: the same PO once normalised, but not as written
            return NEAR_CAP, (f"PO {case.evidence.get('customer_po')!s} is written otherwise "
                              f"on {case.evidence.get('original_order_id')} "
                              f"({case.evidence.get('original_customer_po')!s})")
        return EXACT_CONFIDENCE, ""
    same_total = None if prior_value is None else abs(prior_value - value) <= CENT
    confidence = near_duplicate_confidence(
        lines=int(case.evidence.get("lines", 1) or 1),
        gap_hours=_decimal(case.evidence.get("gap_hours")), same_total=same_total)
    po = str(case.evidence.get("customer_po") or "").strip()
    why = (f"identical lines under its own PO {po}" if po else "identical lines with no PO")
    return confidence, f"{why}: a near-duplicate is never cancelled without a person"


def _decimal(value: object) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(48)  # unknown gap: the far end of the window
