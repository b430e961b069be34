"""An independent check of a fill plan, written without the solver: ATP, quantities, consent.

Used before any plan is applied and by the tests; a plan that fails is routed, never applied.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

ZERO = Decimal(0)


def plan_problems(*, effect: Mapping[str, Any], needed: Mapping[int, tuple[str, Decimal]],
                  atp: Mapping[tuple[str, str], Decimal], allows_substitutes: bool,
                  approved: Mapping[str, set[str]]) -> list[str]:
    """Everything wrong with a plan; empty when it is feasible.

    needed: line → (ordered item, base quantity); atp: (item, warehouse) → ATP before the
    plan; approved: item → its approved substitutes.
    """
    problems: list[str] = []
    used: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    filled: dict[int, Decimal] = defaultdict(Decimal)
    for a in effect.get("allocations", ()):
        line, item, wh = int(a["line"]), str(a["item_id"]), str(a["warehouse_id"])
        qty = Decimal(str(a["quantity"]))
        if line not in needed:
            problems.append(f"line {line} is not a line in need")
            continue
        if qty <= 0:
            problems.append(f"line {line}: quantity {qty} is not positive")
        ordered = needed[line][0]
        if item != ordered:
            if not allows_substitutes:
                problems.append(f"line {line}: substitutes {item} but the customer forbids it")
            elif item not in approved.get(ordered, set()):
                problems.append(f"line {line}: {item} is not an approved substitute of {ordered}")
        used[(item, wh)] += qty
        filled[line] += qty
    for line, qty in effect.get("backorders", {}).items():
        filled[int(line)] += Decimal(str(qty))
    for key, qty in sorted(used.items()):
        if qty > atp.get(key, ZERO):
            problems.append(f"{key[0]} at {key[1]}: plan uses {qty} but ATP is "
                            f"{atp.get(key, ZERO)}")
    for line, (_item, qty) in sorted(needed.items()):
        if filled[line] != qty:
            problems.append(f"line {line}: plan covers {filled[line]} of {qty}")
    return problems
