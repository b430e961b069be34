"""QUANTITY_ANOMALY in the simulator: a keying error on a regular buy (×10, ×100, cases for
eaches) or a legitimate 2–3× order, which must not be flagged."""

from __future__ import annotations

import random
import statistics
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


def _keying_error(d: Draft, kit: Kit, rng: random.Random) -> bool:
    """Change the quantity of a line the customer has a history for."""
    order = d.order
    regular = [ln for ln in order.lines if (order.customer_id, ln.item_id) in kit.history]
    if not regular:
        return False
    ln = rng.choice(regular)
    kind = rng.choice(("x10", "x10", "x100", "case", "legit"))
    if kind == "case" and kit.book.factor.get((ln.item_id, "CS")):
        ln.uom = "CS"
    elif kind == "legit":
        ln.quantity = (ln.quantity * Decimal(rng.choice((2, 3)))).to_integral_value()
    else:
        ln.quantity *= 100 if kind == "x100" else 10
    ln.unit_price = kit.fair_price(order, ln)
    return True


def _truth(order: SimOrder, facts: Facts) -> bool:
    """Far from the history median in scaled MADs and by a large ratio."""
    s = facts.settings
    for ln in order.lines:
        past = facts.index.history.get((order.customer_id, ln.item_id), [])
        if len(past) < s.quantity_anomaly_min_history:
            continue
        mid = statistics.median(past)
        spread = Decimal("1.4826") * statistics.median([abs(x - mid) for x in past])
        x = ln.quantity * facts.book.units(ln.item_id, ln.uom)
        if mid <= 0 or x == mid:
            continue
        ratio = s.quantity_anomaly_min_ratio
        big_ratio = x >= ratio * mid or x * ratio <= mid
        far = spread == 0 or abs(x - mid) > s.quantity_anomaly_mad_threshold * spread
        if big_ratio and far:
            return True
    return False


SIMULATION = CodeSimulation(
    ExceptionCode.QUANTITY_ANOMALY, truth=_truth,
    injection=Injection("quantity", Stream.CONTENT, 30, _keying_error),
    desk=Desk("cs-rep", "RELEASE"))
