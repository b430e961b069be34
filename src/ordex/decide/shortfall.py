"""Actions for an inventory shortfall: the solver's fill plan and the plain alternatives."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from ordex.decide.candidate import Candidate
from ordex.decide.remedy import Situation
from ordex.decide.rules import SourcingRule
from ordex.decide.sourcing import FillPlan, LineNeed, Network, Option, home_plan, plan_order
from ordex.domain.cases import Case
from ordex.domain.codes import Action
from ordex.domain.model import Order, OrderLine
from ordex.interpret.context import DetectionContext

ZERO = Decimal(0)
CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def needs_of(*, order: Order, case: Case, ctx: DetectionContext, network: Network,
             with_substitutes: bool) -> tuple[list[LineNeed], dict[tuple[str, str], Decimal]]:
    """The short lines as solver input, and the ATP of every position they could draw on."""
    customer = ctx.customers.get(order.customer_id)
    region = customer.region if customer else ""
    home_days = network.lane(order.warehouse_id, region).transit_days
    needs, atp = [], {}
    for line in order.lines:
        if line.line_no not in case.lines or line.item_id not in ctx.items:
            continue
        base = ctx.units.to_base(line.item_id, line.quantity, line.uom)
        if base is None or base <= 0:
            continue
        items = [(line.item_id, False)]
        if with_substitutes:
            items += [(s.substitute_id, True) for s in network.substitutes.get(line.item_id, ())
                      if _keeps_margin(ctx, line, base, s.substitute_id)]
        options = []
        for item_id, sub in items:
            for wh in network.warehouses or (order.warehouse_id,):
                key = (item_id, wh)
                if key not in atp:
                    atp[key] = ctx.atp(item_id, wh, order.requested_ship_date).quantity
                if atp[key] <= 0:
                    continue
                lane = network.lane(wh, region)
                options.append(Option(item_id, wh, max(0, lane.transit_days - home_days),
                                      lane.cost_per_unit, lane.cost_per_shipment, sub))
        needs.append(LineNeed(line.line_no, line.item_id, base, line.value / base,
                              tuple(options)))
    return needs, atp


def _keeps_margin(ctx: DetectionContext, line: OrderLine, base: Decimal, sub_id: str) -> bool:
    """A substitute is approved for sale at the line's price only if the margin is kept."""
    sub, item = ctx.items.get(sub_id), ctx.items[line.item_id]
    if sub is None or sub.status.value != "active":
        return False
    price = line.value / base
    return price - sub.unit_cost >= (price - item.unit_cost) * Decimal("0.9")


def shortfall_candidates(*, order: Order, case: Case, ctx: DetectionContext, network: Network,
                         rule: SourcingRule) -> list[Candidate]:
    """The optimal fill plan, backorder-the-rest, and waiting for an inbound PO."""
    terms = network.terms.get(order.customer_id)
    allows = bool(terms and terms.allows_substitutes)
    needs, atp = needs_of(order=order, case=case, ctx=ctx, network=network,
                          with_substitutes=allows)
    if not needs:
        return []
    best = plan_order(needs=needs, atp=atp, home=order.warehouse_id, rule=rule)
    backorder = home_plan(needs=needs, atp=atp, home=order.warehouse_id, rule=rule)
    found = [_from_plan(best, order, needs, allows)]
    if backorder.backorders and _shape(backorder, order) != found[0].action:
        found.append(_from_plan(backorder, order, needs, allows))
    wait = _wait(order, needs, ctx, rule)
    if wait is not None:
        found.append(wait)
    return found


def remedies(s: Situation) -> list[Candidate]:
    """INVENTORY_SHORTFALL: source the short lines, unless the order may be a duplicate."""
    if s.suspect_duplicate:
        return []
    return shortfall_candidates(order=s.order, case=s.case, ctx=s.ctx, network=s.network,
                                rule=s.policy.sourcing)


def _shape(plan: FillPlan, order: Order) -> Action:
    if any(a.substitute for a in plan.allocations):
        return Action.SUBSTITUTE_ITEM
    if plan.backorders:
        return Action.BACKORDER
    if plan.warehouses == {order.warehouse_id}:
        return Action.RELEASE
    per_line: dict[int, set[str]] = {}
    for a in plan.allocations:
        per_line.setdefault(a.line_no, set()).add(a.warehouse_id)
    if order.warehouse_id in plan.warehouses or any(len(w) > 1 for w in per_line.values()):
        return Action.SPLIT_SHIPMENT
    return Action.ALTERNATE_WAREHOUSE


def _from_plan(plan: FillPlan, order: Order, needs: list[LineNeed], allows: bool) -> Candidate:
    action = _shape(plan, order)
    late = max((a.late_days for a in plan.allocations), default=0)
    # Confirmed stock makes a sure plan; a substitute also needs the customer to take it well.
    confidence = 0.9 if action is Action.SUBSTITUTE_ITEM else 0.95
    # The money a plan commits: its extra cost, or for a backorder the revenue it delays.
    delayed = sum((q * n.unit_value for n in needs for ln, q in plan.backorders.items()
                   if ln == n.line_no), ZERO)
    value = (delayed if action is Action.BACKORDER else plan.cost).quantize(CENT)
    parts = [f"line {a.line_no}: {a.quantity.normalize():f} of {a.item_id} from "
             f"{a.warehouse_id}" + (f" ({a.late_days} day(s) later)" if a.late_days else "")
             for a in plan.allocations]
    parts += [f"line {n}: backorder {q.normalize():f}" for n, q in plan.backorders.items()]
    impact = ("backordered quantity ships when stock arrives" if plan.backorders else
              f"arrives {late} day(s) later than promised" if late else "arrives as promised")
    effect = {"allocations": [{"line": a.line_no, "item_id": a.item_id,
                               "warehouse_id": a.warehouse_id, "quantity": str(a.quantity),
                               "late_days": a.late_days, "substitute": a.substitute}
                              for a in plan.allocations],
              "backorders": {str(k): str(v) for k, v in plan.backorders.items()},
              "freight": str(plan.freight.quantize(CENT)), "solve_ms": round(plan.solve_ms, 3),
              "substitutes_allowed": allows}
    margin = sum((n.quantity * n.unit_value for n in needs), ZERO) - plan.freight
    return Candidate(action, confidence, plan.cost.quantize(CENT),
                     order.requested_ship_date + timedelta(days=late),
                     margin.quantize(CENT), impact, "; ".join(parts) or "nothing to ship",
                     value, None, effect)


def _wait(order: Order, needs: list[LineNeed], ctx: DetectionContext,
          rule: SourcingRule) -> Candidate | None:
    """Wait for an inbound PO to the order's warehouse that covers the short quantity."""
    latest = order.requested_ship_date
    for need in needs:
        pos = sorted(ctx.inbound.get((need.item_id, order.warehouse_id), ()),
                     key=lambda p: (p.due_date, p.po_id))
        later = [p for p in pos if p.due_date > order.requested_ship_date]
        if not later or later[0].quantity < need.quantity:
            return None
        latest = max(latest, later[0].due_date)
    days = (latest - order.requested_ship_date).days
    value = sum((n.quantity * n.unit_value for n in needs), ZERO)
    cost = value * days * rule.lateness_pct_per_day / HUNDRED
    return Candidate(Action.WAIT_FOR_RECEIPT, 0.8, cost.quantize(CENT), latest, None,
                     f"ships {days} day(s) late, complete", f"wait for the inbound PO due "
                     f"{latest.isoformat()}", value.quantize(CENT), None, {"until": str(latest)})
