"""Sourcing solver timings: one order's fill plan, and 5,000 competing orders in one batch.

    .venv/bin/python -m benchmarks.sourcing [--orders 5000] [--runs 200] [--seed 1]

Prints JSON: wall time and HiGHS time per single-order plan (median, p95), and for the batch
the model size, wall and solver seconds and the value served on time. Every plan is checked
for feasibility (ATP, quantities) before it is counted.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections import defaultdict
from decimal import Decimal

from ordex.decide.rules import SourcingRule
from ordex.decide.sourcing import CompetingLine, LineNeed, Option, allocate_batch, plan_order
from ordex.decide.verify import plan_problems
from ordex.domain.model import CustomerTier

D = Decimal
WAREHOUSES = [f"WH{n:02d}" for n in range(1, 9)]
TIERS = list(CustomerTier)


def single(rng: random.Random, rule: SourcingRule) -> tuple[float, float]:
    """One order with 1–5 short lines, 8 warehouses and a substitute per item."""
    atp: dict[tuple[str, str], Decimal] = {}
    needs = []
    for n in range(1, rng.randint(1, 5) + 1):
        item, sub = f"I{n}", f"S{n}"
        options = []
        for k, wh in enumerate(WAREHOUSES):
            for it, is_sub in ((item, False), (sub, True)):
                atp[(it, wh)] = D(rng.randint(0, 60))
                options.append(Option(it, wh, rng.randint(0, 3) if k else 0,
                                      D(str(round(rng.uniform(0.2, 1.5), 2))),
                                      D(rng.randint(15, 60)), is_sub))
        needs.append(LineNeed(n, item, D(rng.randint(10, 120)), D(rng.randint(2, 400)),
                              tuple(options)))
    started = time.perf_counter()
    plan = plan_order(needs=needs, atp=atp, home=WAREHOUSES[0], rule=rule)
    wall = (time.perf_counter() - started) * 1000
    effect = {"allocations": [{"line": a.line_no, "item_id": a.item_id,
                               "warehouse_id": a.warehouse_id, "quantity": str(a.quantity)}
                              for a in plan.allocations],
              "backorders": {str(k): str(v) for k, v in plan.backorders.items()}}
    problems = plan_problems(effect=effect, needed={n.line_no: (n.item_id, n.quantity)
                                                    for n in needs}, atp=atp,
                             allows_substitutes=True,
                             approved={f"I{n}": {f"S{n}"} for n in range(1, 6)})
    assert not problems, problems
    return wall, plan.solve_ms


def batch(rng: random.Random, rule: SourcingRule, orders: int) -> dict[str, object]:
    """Orders competing for 400 scarce items at 8 warehouses (stock ≈ 60 % of demand)."""
    lines, demand = [], defaultdict(int)
    for o in range(orders):
        tier = rng.choices(TIERS, (5, 15, 30, 50))[0]
        for n in range(1, rng.randint(1, 5) + 1):
            item, qty = f"I{rng.randint(1, 400):03d}", rng.randint(1, 40)
            demand[item] += qty
            late = {wh: (0 if k == o % 8 else rng.randint(0, 3))
                    for k, wh in enumerate(rng.sample(WAREHOUSES, 4))}
            lines.append(CompetingLine(f"O{o:05d}", n, item, D(qty), D(rng.randint(2, 400)),
                                       tier, late))
    atp = {(item, wh): D(int(total * 0.6 / 8 * rng.uniform(0.5, 1.5)))
           for item, total in demand.items() for wh in WAREHOUSES}
    started = time.perf_counter()
    plan = allocate_batch(lines=lines, atp=atp, rule=rule)
    wall = time.perf_counter() - started
    per_line: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    for (order_id, line_no, _wh), qty in plan.allocations.items():
        per_line[(order_id, line_no)] += qty
    items = {(ln.order_id, ln.line_no): ln for ln in lines}
    by_pos: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for (order_id, line_no, wh), qty in plan.allocations.items():
        by_pos[(items[(order_id, line_no)].item_id, wh)] += qty
    assert all(q <= atp[k] for k, q in by_pos.items()), "batch exceeds ATP"
    assert all(q <= items[k].quantity for k, q in per_line.items()), "batch overfills a line"
    asked = sum((ln.quantity * ln.unit_value for ln in lines), D(0))
    return {"orders": orders, "lines": len(lines), "variables": plan.variables,
            "status": plan.status, "wall_seconds": round(wall, 3),
            "solver_seconds": round(plan.solve_ms / 1000, 3),
            "value_on_time_share": round(float(plan.value_on_time / asked), 4)}


def main() -> None:
    """Run both benchmarks and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng, rule = random.Random(args.seed), SourcingRule()
    walls, solves = zip(*(single(rng, rule) for _ in range(args.runs)), strict=True)

    def p95(xs: tuple[float, ...]) -> float:
        return round(sorted(xs)[int(len(xs) * 0.95)], 3)

    report = {"single_order": {"runs": args.runs,
                               "median_wall_ms": round(statistics.median(walls), 3),
                               "p95_wall_ms": p95(walls),
                               "median_solver_ms": round(statistics.median(solves), 3),
                               "p95_solver_ms": p95(solves)},
              "batch": batch(rng, rule, args.orders)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
