"""PRICE_MISMATCH remedies: reprice to the agreed price, or accept the customer's price.

Confidences are documented rules of thumb (docs/decide.md), not yet learned from outcomes.
"""

from __future__ import annotations

from decimal import Decimal

from ordex.decide.candidate import Candidate
from ordex.decide.remedy import Situation
from ordex.decide.rules import PolicyDocument
from ordex.domain.cases import Case
from ordex.domain.codes import Action
from ordex.domain.model import Order
from ordex.interpret.context import DetectionContext

ZERO = Decimal(0)
CENT = Decimal("0.01")


def remedies(s: Situation) -> list[Candidate]:
    """REPRICE and ACCEPT_PRICE, when every mispriced line has an expected price."""
    return _price(s.order, s.case, s.ctx, s.policy)


def _price(order: Order, case: Case, ctx: DetectionContext,
           policy: PolicyDocument) -> list[Candidate]:
    bad = case.evidence.get("lines", [])
    if not bad or any(b.get("expected_price") is None for b in bad):
        return []
    floor_pct = Decimal(str(getattr(ctx.settings, "margin_floor_pct", policy.min_margin_pct)))
    lines = {ln.line_no: ln for ln in order.lines}
    delta = given_up = margin_new = margin_old = ZERO
    below_floor, contract = False, True
    change = ZERO
    prices: dict[str, str] = {}
    for b in bad:
        ln = lines[int(b["line"])]
        expected = Decimal(str(b["expected_price"]))
        base = ctx.units.to_base(ln.item_id, ln.quantity, ln.uom) or ln.quantity
        cost = base * ctx.items[ln.item_id].unit_cost
        delta += (expected - ln.unit_price) * ln.quantity
        given_up += max(expected - ln.unit_price, ZERO) * ln.quantity
        margin_new += expected * ln.quantity - cost
        margin_old += ln.value - cost
        below_floor |= ln.value < cost * (1 + floor_pct / 100)
        contract &= b.get("source") == "contract"
        change = max(change, abs(expected - ln.unit_price) / expected * 100 if expected else
                     Decimal(100))
        prices[str(ln.line_no)] = str(expected)
    change = change.quantize(CENT)
    ship = order.requested_ship_date
    # A customer price under the margin floor may be a deal we do not know: lower confidence.
    reprice_conf = (0.95 if contract else 0.85) - (0.3 if below_floor else 0.0)
    direction = "pays" if delta >= 0 else "is refunded"
    reprice = Candidate(Action.REPRICE, reprice_conf, ZERO, ship, margin_new.quantize(CENT),
                        f"customer {direction} {abs(delta).quantize(CENT)} to match the "
                        f"{'contract' if contract else 'list price'}",
                        f"reprice {len(bad)} line(s) to the agreed price",
                        abs(delta).quantize(CENT), change, {"prices": prices})
    accept = Candidate(Action.ACCEPT_PRICE, 0.9 if delta > 0 and not below_floor else 0.3,
                       abs(delta).quantize(CENT), ship, margin_old.quantize(CENT),
                       "order ships at the customer's price",
                       f"accept the customer's price ({'gives up' if delta > 0 else 'keeps'} "
                       f"{abs(delta).quantize(CENT)})", given_up.quantize(CENT), change)
    return [reprice, accept]
