"""DUPLICATE_ORDER in the simulator: the order factory resends recent orders (orders.py); the
rule reads the book's recent orders."""

from __future__ import annotations

from datetime import timedelta

from ordex.domain.codes import ExceptionCode
from ordex.simulate.code_simulation import CodeSimulation, Desk, Facts
from ordex.simulate.truth import SimOrder


def po_key(po: str) -> str:
    """A PO number as compared: no spaces, upper case, no leading zeros."""
    return "".join(po.split()).upper().lstrip("0")


def _truth(order: SimOrder, facts: Facts) -> bool:
    """Same normalised PO within 30 days, or ≥ 90 % same lines to the same place within 48 h."""
    mine = [(ln.item_id, ln.quantity, ln.uom) for ln in order.lines]
    for prior in facts.book.recent.get(order.customer_id, []):
        if prior.cancelled or prior.order_id == order.order_id:
            continue
        if po_key(prior.po) == po_key(order.po) and abs(
                (order.order_date - prior.order_date).days) <= 30:
            return True
        if prior.ship_to_key != order.ship_to_key or abs(order.at - prior.at) > timedelta(hours=48):
            continue
        theirs = [(ln.item_id, ln.quantity, ln.uom) for ln in prior.lines]
        common = sum(min(mine.count(x), theirs.count(x)) for x in set(mine))
        if common * 10 >= 9 * max(len(mine), len(theirs)):
            return True
    return False


SIMULATION = CodeSimulation(ExceptionCode.DUPLICATE_ORDER, truth=_truth,
                            desk=Desk("cs-rep", "CANCEL_DUPLICATE"))
