"""Actions for carrier problems: assign a service that fits, or revise an impossible promise."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from ordex.decide.candidate import Candidate
from ordex.decide.remedy import Situation
from ordex.domain.cases import Case
from ordex.domain.codes import Action, ExceptionCode
from ordex.domain.model import CarrierService, Order
from ordex.interpret.context import DetectionContext

ZERO = Decimal(0)
CENT = Decimal("0.01")


def _weight(order: Order, ctx: DetectionContext) -> Decimal:
    total = ZERO
    for ln in order.lines:
        item = ctx.items.get(ln.item_id)
        base = ctx.units.to_base(ln.item_id, ln.quantity, ln.uom) if item else None
        if item is not None and base is not None:
            total += base * item.weight
    return total


def fitting_services(order: Order, ctx: DetectionContext) -> list[CarrierService]:
    """Services that take the order's weight and hazmat, serve its state and its cutoff."""
    weight = _weight(order, ctx)
    hazmat = any(ctx.items[ln.item_id].hazmat_class for ln in order.lines
                 if ln.item_id in ctx.items)
    state = order.ship_to.state.strip().upper()
    received = order.received_at
    fits = []
    for s in ctx.services.values():
        if s.max_weight is not None and weight > s.max_weight:
            continue
        if hazmat and not s.hazmat_allowed:
            continue
        if s.states and state not in s.states:
            continue
        if (s.cutoff is not None and received is not None
                and order.requested_ship_date <= received.date()
                and received.time().replace(tzinfo=None) > s.cutoff):
            continue
        fits.append(s)
    # The smallest service that fits first (parcel before LTL), then by code for determinism.
    return sorted(fits, key=lambda s: (s.max_weight is None, s.max_weight or ZERO, s.ship_via))


def remedies(s: Situation) -> list[Candidate]:
    """MISSING_CARRIER_INSTRUCTIONS and SHIPMENT_CONSTRAINT: a fitting service or a new date."""
    return carrier_candidates(s.order, s.case, s.ctx)


def carrier_candidates(order: Order, case: Case, ctx: DetectionContext) -> list[Candidate]:
    """ASSIGN_CARRIER when a fitting service exists; REVISE_PROMISE for a too-early date."""
    problems = [str(p) for p in case.evidence.get("problems", [])]
    date_problem = any("lead time" in p for p in problems)
    terms_problem = any("freight terms" in p for p in problems)
    found: list[Candidate] = []
    carrier_problem = [p for p in problems if "lead time" not in p and "freight terms" not in p]
    if carrier_problem and not terms_problem and not date_problem:
        services = fitting_services(order, ctx)
        if services:
            chosen = services[0]
            found.append(Candidate(
                Action.ASSIGN_CARRIER, 0.9 if len(services) > 1 or case.code is
                ExceptionCode.MISSING_CARRIER_INSTRUCTIONS else 0.85, ZERO,
                order.requested_ship_date, None, f"ships by {chosen.ship_via} as requested",
                f"assign {chosen.ship_via}, the smallest service that takes the order",
                ZERO, None, {"ship_via": chosen.ship_via,
                             "alternatives": [s.ship_via for s in services[1:4]],
                             **_named_unknown(case)}))
    warehouse = ctx.warehouses.get(order.warehouse_id)
    if date_problem and warehouse is not None and not terms_problem:
        earliest = order.order_date + timedelta(days=warehouse.lead_time_days)
        slip = (earliest - order.requested_ship_date).days
        found.append(Candidate(
            Action.REVISE_PROMISE, 0.9 if slip <= 2 else 0.7,
            (order.value * Decimal("0.005") * slip).quantize(CENT), earliest, None,
            f"ships {slip} day(s) after the requested date; customer notified",
            f"revise the promise to {earliest.isoformat()}, the earliest the warehouse can ship",
            order.value, Decimal(slip), {"promise_date": earliest.isoformat(),
                                         "slip_days": slip}))
    return found


def _named_unknown(case: Case) -> dict[str, str]:
    """The customer named a service we do not know: replacing it is a person's call."""
    unknown = case.evidence.get("unknown_ship_via")
    if not unknown:
        return {}
    return {"needs_person": f"the order names ship-via {unknown}, which is not on file; a "
                            "person confirms what the customer meant"}
