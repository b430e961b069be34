"""Sourcing as optimisation: the fill plan of one order, and scarce stock across many orders.

Single order (`plan_order`): for the lines its warehouse cannot fill, choose warehouse per
line, splits, approved substitutes and backorders minimising freight + lateness penalty +
split penalty + backorder penalty, subject to ATP (a MILP solved by HiGHS).

Batch (`allocate_batch`): allocate the ATP of each item and warehouse across competing open
lines to maximise the tier-weighted value served on time (an LP; integral quantities are
taken by rounding down, which can only lower use of stock).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from ordex.decide.rules import SourcingRule
from ordex.decide.solver import Model
from ordex.domain.model import CustomerTier, FreightLane, ServiceTerms, Substitute

ZERO = Decimal(0)
HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Option:
    """One way to fill a line: an item (the ordered one or a substitute) from a warehouse."""

    item_id: str
    warehouse_id: str
    late_days: int
    freight_per_unit: Decimal
    freight_per_shipment: Decimal
    substitute: bool = False


@dataclass(frozen=True, slots=True)
class LineNeed:
    """A line that needs a plan: base quantity still to source and its value per base unit."""

    line_no: int
    item_id: str
    quantity: Decimal
    unit_value: Decimal
    options: tuple[Option, ...]


@dataclass(frozen=True, slots=True)
class Allocation:
    """Part of a line filled with an item from a warehouse."""

    line_no: int
    item_id: str
    warehouse_id: str
    quantity: Decimal
    late_days: int = 0
    substitute: bool = False


@dataclass
class FillPlan:
    """The solver's plan for one order with its cost parts and solve time."""

    allocations: list[Allocation] = field(default_factory=list)
    backorders: dict[int, Decimal] = field(default_factory=dict)
    freight: Decimal = ZERO
    penalty: Decimal = ZERO
    status: str = "Optimal"
    solve_ms: float = 0.0

    @property
    def cost(self) -> Decimal:
        """Freight plus penalties."""
        return self.freight + self.penalty

    @property
    def warehouses(self) -> set[str]:
        """Warehouses the plan ships from."""
        return {a.warehouse_id for a in self.allocations}


@dataclass(frozen=True)
class Network:
    """What sourcing knows beyond stock: lanes, substitutes and customers' service terms."""

    lanes: dict[tuple[str, str], FreightLane] = field(default_factory=dict)
    substitutes: dict[str, tuple[Substitute, ...]] = field(default_factory=dict)
    terms: dict[str, ServiceTerms] = field(default_factory=dict)
    warehouses: tuple[str, ...] = ()

    @classmethod
    def build(cls, *, lanes: list[FreightLane], substitutes: list[Substitute],
              terms: list[ServiceTerms], warehouses: list[str]) -> Network:
        """Index reference lists."""
        subs: dict[str, list[Substitute]] = defaultdict(list)
        for s in sorted(substitutes, key=lambda s: (s.item_id, s.rank, s.substitute_id)):
            subs[s.item_id].append(s)
        return cls({(x.warehouse_id, x.region): x for x in lanes},
                   {k: tuple(v) for k, v in subs.items()},
                   {t.customer_id: t for t in terms}, tuple(sorted(warehouses)))

    def lane(self, warehouse_id: str, region: str) -> FreightLane:
        """The lane, or a neutral one (no cost, one day) when none is on file."""
        return self.lanes.get((warehouse_id, region)) or FreightLane(
            warehouse_id, region, ZERO, ZERO, 1)


def plan_order(*, needs: list[LineNeed], atp: dict[tuple[str, str], Decimal],
               home: str, rule: SourcingRule) -> FillPlan:
    """The cheapest fill plan for the lines in need, never using more than ATP."""
    m = Model()
    integral = all(n.quantity == n.quantity.to_integral_value() for n in needs)
    use: dict[str, int] = {}
    x: list[tuple[LineNeed, Option, int]] = []
    back: dict[int, int] = {}
    for need in needs:
        value = float(need.unit_value)
        terms: dict[int, float] = {}
        for opt in need.options:
            cost = (float(opt.freight_per_unit) + value * opt.late_days
                    * float(rule.lateness_pct_per_day) / 100
                    + (value * float(rule.substitute_pct) / 100 if opt.substitute else 0.0))
            cap = float(min(need.quantity, max(atp.get((opt.item_id, opt.warehouse_id), ZERO),
                                               ZERO)))
            idx = m.var(cost, 0.0, cap, integral)
            x.append((need, opt, idx))
            terms[idx] = 1.0
            if opt.warehouse_id != home and opt.warehouse_id not in use:
                use[opt.warehouse_id] = m.var(float(opt.freight_per_shipment + rule.split_penalty),
                                              0.0, 1.0, True)
        back[need.line_no] = m.var(value * float(rule.backorder_pct) / 100, 0.0,
                                   float(need.quantity), integral)
        terms[back[need.line_no]] = 1.0
        m.row(terms, float(need.quantity), float(need.quantity))
    _stock_rows(m, [(opt.item_id, opt.warehouse_id, idx) for _n, opt, idx in x], atp)
    for need, opt, idx in x:
        if opt.warehouse_id in use:
            m.row({idx: 1.0, use[opt.warehouse_id]: -float(need.quantity)}, upper=0.0)
    sol = m.solve()
    return _read_plan(sol.values, x, back, use, needs, sol.status, sol.solve_ms, rule)


def home_plan(*, needs: list[LineNeed], atp: dict[tuple[str, str], Decimal], home: str,
              rule: SourcingRule) -> FillPlan:
    """Ship what the home warehouse has now, in line order, and backorder the rest."""
    plan = FillPlan(status="Optimal")
    left = dict(atp)
    for need in needs:
        opt = next((o for o in need.options if o.warehouse_id == home and not o.substitute),
                   None)
        key = (need.item_id, home)
        take = min(need.quantity, max(left.get(key, ZERO), ZERO)) if opt else ZERO
        if take > 0 and opt is not None:
            left[key] = left.get(key, ZERO) - take
            plan.allocations.append(Allocation(need.line_no, need.item_id, home, take))
            plan.freight += take * opt.freight_per_unit
        if need.quantity - take > 0:
            plan.backorders[need.line_no] = need.quantity - take
            plan.penalty += (need.quantity - take) * need.unit_value * rule.backorder_pct / HUNDRED
    return plan


def _stock_rows(m: Model, uses: list[tuple[str, str, int]],
                atp: dict[tuple[str, str], Decimal]) -> None:
    by_position: dict[tuple[str, str], list[int]] = defaultdict(list)
    for item_id, wh, idx in uses:
        by_position[(item_id, wh)].append(idx)
    for key, idxs in sorted(by_position.items()):
        m.row(dict.fromkeys(idxs, 1.0), upper=float(max(atp.get(key, ZERO), ZERO)))


def _qty(value: float) -> Decimal:
    """A solver value back to a Decimal base quantity (rounded down to 6 places)."""
    return Decimal(repr(max(value, 0.0) + 1e-9)).quantize(Decimal("0.000001"), ROUND_FLOOR)


def _read_plan(values: list[float], x: list[tuple[LineNeed, Option, int]],
               back: dict[int, int], use: dict[str, int], needs: list[LineNeed],
               status: str, solve_ms: float, rule: SourcingRule) -> FillPlan:
    plan = FillPlan(status=status, solve_ms=solve_ms)
    if status != "Optimal":
        plan.backorders = {n.line_no: n.quantity for n in needs}
        plan.penalty = sum((n.quantity * n.unit_value * rule.backorder_pct / HUNDRED
                            for n in needs), ZERO)
        return plan
    filled: dict[int, Decimal] = defaultdict(Decimal)
    for need, opt, idx in x:
        qty = _qty(values[idx]).to_integral_value(ROUND_FLOOR) if (
            need.quantity == need.quantity.to_integral_value()) else _qty(values[idx])
        if qty > 0:
            plan.allocations.append(Allocation(need.line_no, opt.item_id, opt.warehouse_id, qty,
                                               opt.late_days, opt.substitute))
            filled[need.line_no] += qty
            plan.freight += qty * opt.freight_per_unit
            plan.penalty += qty * need.unit_value * (
                opt.late_days * rule.lateness_pct_per_day
                + (rule.substitute_pct if opt.substitute else ZERO)) / HUNDRED
    for need in needs:
        rest = need.quantity - filled[need.line_no]
        if rest > 0:
            plan.backorders[need.line_no] = rest
            plan.penalty += rest * need.unit_value * rule.backorder_pct / HUNDRED
    for wh in sorted(plan.warehouses & set(use)):
        lane_cost = next(o.freight_per_shipment for _n, o, _i in x if o.warehouse_id == wh)
        plan.freight += lane_cost
        plan.penalty += rule.split_penalty
    return plan


# -- batch ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CompetingLine:
    """An open line competing for stock, with the warehouses that could serve it."""

    order_id: str
    line_no: int
    item_id: str
    quantity: Decimal
    unit_value: Decimal
    tier: CustomerTier
    late_days: dict[str, int]
    """Days late when served from each candidate warehouse (0 = on time)."""


@dataclass
class BatchPlan:
    """Stock allocated per (order, line, warehouse), with what it serves and the solve time."""

    allocations: dict[tuple[str, int, str], Decimal] = field(default_factory=dict)
    value_on_time: Decimal = ZERO
    status: str = "Optimal"
    solve_ms: float = 0.0
    variables: int = 0


def allocate_batch(*, lines: list[CompetingLine], atp: dict[tuple[str, str], Decimal],
                   rule: SourcingRule, late_weight: float = 0.3) -> BatchPlan:
    """Maximise Σ tier weight × value served (late service counts `late_weight` as much)."""
    m = Model(maximise=True)
    x: list[tuple[CompetingLine, str, int]] = []
    for ln in lines:
        weight = rule.tier_weight.get(ln.tier, 1.0) * float(ln.unit_value)
        terms = {}
        for wh, late in sorted(ln.late_days.items()):
            if atp.get((ln.item_id, wh), ZERO) <= 0:
                continue
            idx = m.var(weight * (1.0 if late == 0 else late_weight), 0.0, float(ln.quantity))
            x.append((ln, wh, idx))
            terms[idx] = 1.0
        if len(terms) > 1:
            m.row(terms, upper=float(ln.quantity))
    _stock_rows(m, [(ln.item_id, wh, idx) for ln, wh, idx in x], atp)
    sol = m.solve()
    plan = BatchPlan(status=sol.status, solve_ms=sol.solve_ms, variables=len(x))
    for ln, wh, idx in x:
        qty = _qty(sol.values[idx]).to_integral_value(ROUND_FLOOR)
        if qty > 0:
            plan.allocations[(ln.order_id, ln.line_no, wh)] = qty
            if ln.late_days[wh] == 0:
                plan.value_on_time += qty * ln.unit_value
    return plan
