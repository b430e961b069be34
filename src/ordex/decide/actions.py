"""Next-best actions: for each exception code, the feasible actions with their outcome.

Every candidate carries its predicted outcome (ship date, cost to the business, margin of the
affected lines, what the customer sees), a confidence and the effect applying it would have.
Confidences are documented rules of thumb (docs/decide.md), not yet learned from outcomes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from ordex.decide.candidate import Candidate
from ordex.decide.duplicates import duplicate_candidates
from ordex.decide.followups import conflict_candidates, late_risk_candidates
from ordex.decide.logistics import carrier_candidates
from ordex.decide.rules import PolicyDocument
from ordex.decide.shortfall import shortfall_candidates
from ordex.decide.sourcing import Network
from ordex.domain.cases import Case
from ordex.domain.codes import Action, ExceptionCode
from ordex.domain.model import Order
from ordex.interpret.context import DetectionContext

ZERO = Decimal(0)
CENT = Decimal("0.01")
STOCK_CODES = frozenset({ExceptionCode.INVENTORY_SHORTFALL, ExceptionCode.ALLOCATION_CONFLICT})


def escalate(case: Case, why: str) -> Candidate:
    """Route to people: always possible, costs the delay."""
    return Candidate(Action.ESCALATE, 1.0, case.value_at_risk * Decimal("0.01"), None, None,
                     "waits for a person", f"route to {case.queue.value}: {why}",
                     case.value_at_risk)


def candidates(*, order: Order | None, case: Case, ctx: DetectionContext, network: Network,
               policy: PolicyDocument, suspect_duplicate: bool,
               applied: Mapping[str, Any] | None = None,
               blocking_open: list[str] | None = None,
               quantity_suspect: tuple[int, ...] = ()) -> list[Candidate]:
    """The feasible actions for a case, best first, ending with routing to people.

    applied: recommendations already applied on this order (case id → Recommendation);
    blocking_open: ids of its blocking cases still open; quantity_suspect: its lines with an
    open QUANTITY_ANOMALY (no stock is sourced for them until the quantity is settled).
    """
    found: list[Candidate] = []
    code = case.code
    suspect = sorted(set(case.lines) & set(quantity_suspect))
    if suspect and code in STOCK_CODES:
        return [escalate(case, f"line(s) {', '.join(map(str, suspect))} have an open "
                               "QUANTITY_ANOMALY: the quantity is settled before any stock is "
                               "sourced, split or allocated")]
    if order is not None and code is ExceptionCode.ALLOCATION_CONFLICT:
        found = conflict_candidates(order, case, applied or {})
    elif order is not None and code is ExceptionCode.LATE_SHIPMENT_RISK:
        found = late_risk_candidates(order, case, blocking_open or [], applied or {})
    elif order is not None:
        if code is ExceptionCode.INVENTORY_SHORTFALL and not suspect_duplicate:
            found = shortfall_candidates(order=order, case=case, ctx=ctx, network=network,
                                         rule=policy.sourcing)
        elif code is ExceptionCode.PRICE_MISMATCH:
            found = _price(order, case, ctx, policy)
        elif code is ExceptionCode.CREDIT_LIMIT_EXCEEDED:
            found = _credit(order, case, ctx)
        elif code is ExceptionCode.INVALID_SHIP_TO:
            found = _ship_to(order, case, ctx)
        elif code is ExceptionCode.DUPLICATE_ORDER:
            found = duplicate_candidates(order, case, ctx)
        elif code in (ExceptionCode.MISSING_CARRIER_INSTRUCTIONS,
                      ExceptionCode.SHIPMENT_CONSTRAINT):
            found = carrier_candidates(order, case, ctx)
    found.sort(key=lambda c: (c.cost, -c.confidence, c.action.value))
    return [*found, escalate(case, "no action policy may apply on its own"
                             if found else "no automatic action exists for this case")]


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


def _ship_to(order: Order, case: Case, ctx: DetectionContext) -> list[Candidate]:
    on_file = [s for (cid, _sid), s in ctx.ship_tos.items() if cid == order.customer_id]
    match, confidence = None, 0.0
    code = (order.ship_to_code or "").strip()
    by_code = [s for s in on_file if s.ship_to_id == code]
    if len(by_code) == 1:
        match, confidence = by_code[0], 0.95
    elif len(on_file) == 1:
        match, confidence = on_file[0], 0.8
    else:
        same = [s for s in on_file if s.address.line1.upper() == order.ship_to.line1.upper()
                and order.ship_to.line1.strip()]
        if len(same) == 1:
            match, confidence = same[0], 0.75
    if match is None or not _valid(match.address, ctx):
        return []
    a = match.address
    address = {"name": a.name, "line1": a.line1, "line2": a.line2, "city": a.city,
               "state": a.state, "postal_code": a.postal_code, "country": a.country}
    return [Candidate(Action.CORRECT_ADDRESS, confidence, ZERO, order.requested_ship_date,
                      None, "ships to the address on file",
                      f"correct the ship-to from master ship-to {match.ship_to_id}",
                      order.value, None, {"ship_to_id": match.ship_to_id, "address": address})]


def _valid(address: Any, ctx: DetectionContext) -> bool:
    if not all((address.line1.strip(), address.city.strip(), address.state, address.postal_code)):
        return False
    state = ctx.postal.state_of(address.country, address.postal_code)
    return (state is None and not ctx.postal.covers(address.country)) or state == address.state
