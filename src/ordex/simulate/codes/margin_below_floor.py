"""MARGIN_BELOW_FLOOR in the simulator: a line under a contract priced below the margin floor
(one in ten exactly at it, which must not be flagged; world_accounts.py plants them)."""

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


def _margin(d: Draft, kit: Kit, rng: random.Random) -> bool:
    """Add a line of the customer's loss-making contract item, when it is in stock."""
    order = d.order
    item_id = kit.world.pitfalls.loss_item.get(order.customer_id)
    if item_id is None or any(ln.item_id == item_id for ln in order.lines):
        return False
    qty = Decimal(rng.randint(1, 5))
    if qty > kit.book.atp(item_id, order.warehouse_id, order.ship_date):
        return False
    price = kit.book.price(order.customer_id, item_id, "EA", qty, order.order_date)
    order.lines.append(SimLine(len(order.lines) + 1, item_id, qty, "EA", price))
    return True


def _truth(order: SimOrder, facts: Facts) -> bool:
    """Some line earns less than the floor over cost: price×100 < cost×(100+floor)."""
    pct, items, book = facts.settings.margin_floor_pct, facts.index.items, facts.book
    return any(ln.unit_price * 100 < items[ln.item_id].unit_cost
               * book.units(ln.item_id, ln.uom) * (100 + pct)
               for ln in order.lines if items[ln.item_id].unit_cost > 0)


SIMULATION = CodeSimulation(
    ExceptionCode.MARGIN_BELOW_FLOOR, truth=_truth,
    injection=Injection("margin", Stream.CONTENT, 10, _margin),
    desk=Desk("pricing-rep", "REPRICE"))
