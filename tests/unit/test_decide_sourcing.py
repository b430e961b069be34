"""The sourcing solver: plans checked by an independent feasibility check, never by itself."""

from collections import defaultdict
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ordex.decide.rules import SourcingRule
from ordex.decide.sourcing import CompetingLine, LineNeed, Option, allocate_batch, plan_order
from ordex.decide.verify import plan_problems
from ordex.domain.model import CustomerTier

D = Decimal
RULE = SourcingRule()


def option(item: str, wh: str, late: int = 0, unit: str = "0.5", ship: str = "30",
           sub: bool = False) -> Option:
    return Option(item, wh, late, D(unit), D(ship), sub)


def effect_of(plan) -> dict:  # type: ignore[no-untyped-def]
    return {"allocations": [{"line": a.line_no, "item_id": a.item_id,
                             "warehouse_id": a.warehouse_id, "quantity": str(a.quantity)}
                            for a in plan.allocations],
            "backorders": {str(k): str(v) for k, v in plan.backorders.items()}}


def test_short_line_is_sourced_from_the_other_warehouse_within_its_atp() -> None:
    need = LineNeed(1, "W", D(40), D(100), (option("W", "WH1"), option("W", "WH2", late=1)))
    atp = {("W", "WH1"): D(10), ("W", "WH2"): D(100)}
    plan = plan_order(needs=[need], atp=atp, home="WH1", rule=RULE)
    assert plan.status == "Optimal" and not plan.backorders
    assert plan_problems(effect=effect_of(plan), needed={1: ("W", D(40))}, atp=atp,
                         allows_substitutes=False, approved={}) == []
    assert plan.warehouses <= {"WH1", "WH2"} and plan.solve_ms >= 0


def test_without_stock_anywhere_everything_is_backordered() -> None:
    need = LineNeed(1, "W", D(5), D(10), (option("W", "WH1"),))
    plan = plan_order(needs=[need], atp={("W", "WH1"): D(0)}, home="WH1", rule=RULE)
    assert plan.backorders == {1: D(5)} and not plan.allocations


def test_substitute_is_used_only_when_offered_and_the_checker_catches_forbidden_ones() -> None:
    need = LineNeed(1, "W", D(20), D(10), (option("W", "WH1"), option("G", "WH1", sub=True)))
    atp = {("W", "WH1"): D(0), ("G", "WH1"): D(50)}
    plan = plan_order(needs=[need], atp=atp, home="WH1", rule=RULE)
    assert [a.item_id for a in plan.allocations] == ["G"]
    effect = effect_of(plan)
    assert plan_problems(effect=effect, needed={1: ("W", D(20))}, atp=atp,
                         allows_substitutes=True, approved={"W": {"G"}}) == []
    assert any("forbids" in p for p in plan_problems(
        effect=effect, needed={1: ("W", D(20))}, atp=atp, allows_substitutes=False,
        approved={"W": {"G"}}))
    assert any("not an approved" in p for p in plan_problems(
        effect=effect, needed={1: ("W", D(20))}, atp=atp, allows_substitutes=True,
        approved={}))


def test_checker_catches_a_plan_above_atp() -> None:
    effect = {"allocations": [{"line": 1, "item_id": "W", "warehouse_id": "WH2",
                               "quantity": "11"}], "backorders": {}}
    problems = plan_problems(effect=effect, needed={1: ("W", D(11))},
                             atp={("W", "WH2"): D(10)}, allows_substitutes=False, approved={})
    assert problems == ["W at WH2: plan uses 11 but ATP is 10"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 60), st.integers(1, 400)), min_size=1, max_size=4),
       st.lists(st.integers(0, 80), min_size=6, max_size=6), st.booleans())
def test_random_plans_never_exceed_atp_nor_substitute_where_forbidden(
        lines: list[tuple[int, int]], stock: list[int], allows: bool) -> None:
    warehouses = ("WH1", "WH2", "WH3")
    atp = {}
    for k, wh in enumerate(warehouses):
        atp[("W", wh)] = D(stock[k])
        atp[("G", wh)] = D(stock[k + 3])
    needs = []
    for n, (qty, cents) in enumerate(lines, 1):
        opts = [option("W", wh, late=k) for k, wh in enumerate(warehouses)]
        if allows:
            opts += [option("G", wh, late=k, sub=True) for k, wh in enumerate(warehouses)]
        needs.append(LineNeed(n, "W", D(qty), D(cents) / 100, tuple(opts)))
    plan = plan_order(needs=needs, atp=atp, home="WH1", rule=RULE)
    needed = {n.line_no: ("W", n.quantity) for n in needs}
    assert plan_problems(effect=effect_of(plan), needed=needed, atp=atp,
                         allows_substitutes=allows, approved={"W": {"G"}}) == []


def test_batch_never_allocates_more_than_atp_and_serves_higher_tiers_first() -> None:
    lines = [CompetingLine(f"O{n}", 1, "W", D(10), D(5), tier, {"WH1": 0})
             for n, tier in enumerate((CustomerTier.BRONZE, CustomerTier.PLATINUM,
                                       CustomerTier.SILVER))]
    plan = allocate_batch(lines=lines, atp={("W", "WH1"): D(15)}, rule=RULE)
    used = defaultdict(Decimal)
    for (_o, _l, wh), qty in plan.allocations.items():
        used[wh] += qty
    assert used["WH1"] <= 15
    assert plan.allocations[("O1", 1, "WH1")] == 10  # platinum in full
    assert plan.allocations.get(("O2", 1, "WH1")) == 5  # then silver
    assert ("O0", 1, "WH1") not in plan.allocations
    assert plan.value_on_time == D(75)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 30), st.sampled_from(list(CustomerTier)),
                          st.integers(0, 2)), min_size=1, max_size=30),
       st.integers(0, 200), st.integers(0, 200))
def test_random_batches_respect_atp_and_line_quantities(
        spec: list[tuple[int, CustomerTier, int]], a: int, b: int) -> None:
    lines = [CompetingLine(f"O{n}", 1, "W", D(q), D(3), tier, {"WH1": 0, "WH2": late})
             for n, (q, tier, late) in enumerate(spec)]
    atp = {("W", "WH1"): D(a), ("W", "WH2"): D(b)}
    plan = allocate_batch(lines=lines, atp=atp, rule=RULE)
    per_wh: dict[str, Decimal] = defaultdict(Decimal)
    per_line: dict[str, Decimal] = defaultdict(Decimal)
    for (order_id, _l, wh), qty in plan.allocations.items():
        assert qty > 0
        per_wh[wh] += qty
        per_line[order_id] += qty
    assert all(per_wh[wh] <= atp[("W", wh)] for wh in per_wh)
    assert all(per_line[ln.order_id] <= ln.quantity for ln in lines)
