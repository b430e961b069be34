"""ALLOCATION_CONFLICT in the simulator: arises on its own where open orders hold the stock a
short order needs; the rule ranks the orders as the allocation rule does."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from ordex.domain.codes import ExceptionCode
from ordex.simulate.code_simulation import CodeSimulation, Desk, Facts
from ordex.simulate.truth import SimOrder

TIERS = {"platinum": 0, "gold": 1, "silver": 2, "bronze": 3}


def _truth(order: SimOrder, facts: Facts) -> bool:
    """Short, coverable by stock other open orders hold, yet behind them in the ranking."""
    book, customers = facts.book, facts.index.customers

    def rank(o: SimOrder) -> tuple[int, object, object, str]:
        return (TIERS[customers[o.customer_id].tier.value], o.ship_date, o.at, o.order_id)

    mine = rank(order)
    need: dict[str, Decimal] = defaultdict(Decimal)
    for ln in sorted(order.lines, key=lambda x: x.line_no):
        need[ln.item_id] += ln.quantity * book.units(ln.item_id, ln.uom)
        holders = book.holders.get((ln.item_id, order.warehouse_id), {})
        free = book.atp(ln.item_id, order.warehouse_id, order.ship_date)
        if need[ln.item_id] <= free or not holders:
            continue
        held = sum((q for _o, q in holders.values()), Decimal(0))
        ahead = sum((q for o, q in holders.values() if rank(o) < mine), Decimal(0))
        if free + held - ahead < need[ln.item_id] <= free + held:
            return True
    return False


SIMULATION = CodeSimulation(ExceptionCode.ALLOCATION_CONFLICT, truth=_truth,
                            desk=Desk("planner", "RELEASE"))
