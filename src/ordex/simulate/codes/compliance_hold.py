"""COMPLIANCE_HOLD in the simulator: a regulated item on the order, for a customer that may
hold a valid licence (then it is not flagged)."""

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
from ordex.simulate.truth import SimLine, SimOrder


def _regulated_line(d: Draft, kit: Kit, rng: random.Random) -> bool:
    """Add one or two of a regulated item in stock (ten tries)."""
    order = d.order
    taken = {ln.item_id for ln in order.lines}
    for _ in range(10 if kit.world.pitfalls.regulated else 0):  # a small world may have none
        item_id = rng.choice(kit.world.pitfalls.regulated)
        if item_id not in taken and kit.book.atp(item_id, order.warehouse_id,
                                                 order.ship_date) >= 2:
            line = SimLine(len(order.lines) + 1, item_id, Decimal(rng.randint(1, 2)), "EA",
                           Decimal(0))
            order.lines.append(line)
            line.unit_price = kit.fair_price(order, line)
            return True
    return False


def _truth(order: SimOrder, facts: Facts) -> bool:
    """A regulated item without a licence of its type valid on the ship date."""
    index = facts.index
    for ln in order.lines:
        kind = index.items[ln.item_id].licence_type
        if kind and not any(a <= order.ship_date <= b
                            for a, b in index.licences[(order.customer_id, kind)]):
            return True
    return False


SIMULATION = CodeSimulation(
    ExceptionCode.COMPLIANCE_HOLD, truth=_truth,
    injection=Injection("compliance", Stream.CONTENT, 20, _regulated_line),
    desk=Desk("compliance-officer", "RELEASE"))
