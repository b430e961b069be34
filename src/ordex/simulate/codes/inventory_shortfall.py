"""INVENTORY_SHORTFALL in the simulator: a line asks for more than the book has to promise."""

from __future__ import annotations

import random
from decimal import Decimal

from ordex.domain.codes import ExceptionCode
from ordex.simulate.code_simulation import (
    CodeSimulation,
    Desk,
    Draft,
    Facts,
    Injection,
    Kit,
    Stream,
)
from ordex.simulate.truth import SimOrder


def _short(d: Draft, kit: Kit, rng: random.Random) -> bool:
    """One line asks for more than ATP (1 to 40 units over)."""
    order = d.order
    ln = rng.choice(order.lines)
    atp = kit.book.atp(ln.item_id, order.warehouse_id, order.ship_date)
    ln.uom = "EA"
    ln.quantity = max(Decimal(1), Decimal(int(max(atp, Decimal(0))))) + rng.randint(1, 40)
    ln.unit_price = kit.fair_price(order, ln)
    return True


def _truth(order: SimOrder, facts: Facts) -> bool:
    """Some line's cumulative base quantity per item exceeds the book's ATP."""
    return bool(order.short_lines)


SIMULATION = CodeSimulation(
    ExceptionCode.INVENTORY_SHORTFALL, truth=_truth,
    injection=Injection("shortfall", Stream.ORDER, 10, _short),
    desk=Desk("planner", "BACKORDER"))
