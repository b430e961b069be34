"""PRICE_MISMATCH in the simulator: a line priced off the agreed price beyond tolerance."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal

from ordex.domain.codes import ExceptionCode
from ordex.simulate.code_simulation import (
    CENT,
    CodeSimulation,
    Desk,
    Draft,
    Facts,
    Injection,
    Kit,
    Stream,
)
from ordex.simulate.truth import SimOrder


def _misprice(d: Draft, kit: Kit, rng: random.Random) -> bool:
    """One line 2–25 % above or below the price the customer should pay."""
    order, book = d.order, kit.book
    ln = rng.choice(order.lines)
    expected = book.price(order.customer_id, ln.item_id, ln.uom, ln.quantity, order.order_date)
    for _ in range(20):
        step = Decimal(str(round(rng.uniform(0.02, 0.25), 3)))
        step = step if rng.random() < 0.5 else -step
        ln.unit_price = (expected * (1 + step)).quantize(CENT, rounding=ROUND_HALF_UP)
        if not book.price_ok(ln.unit_price, expected) and ln.unit_price > 0:
            return True
    ln.unit_price = expected + Decimal(1)
    return True


def _truth(order: SimOrder, facts: Facts) -> bool:
    """Some line's price is outside the tolerance of the contract or list price."""
    book = facts.book
    return any(not book.price_ok(ln.unit_price, book.price(order.customer_id, ln.item_id, ln.uom,
                                                          ln.quantity, order.order_date))
               for ln in order.lines)


SIMULATION = CodeSimulation(
    ExceptionCode.PRICE_MISMATCH, truth=_truth,
    injection=Injection("price", Stream.ORDER, 20, _misprice),
    desk=Desk("pricing-rep", "ACCEPT_PRICE"))
