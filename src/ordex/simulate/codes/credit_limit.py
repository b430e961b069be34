"""CREDIT_LIMIT_EXCEEDED in the simulator: tight-credit customers (world.py) go over their
limit on their own; payments (run.py) resolve the holds, so no desk works them."""

from __future__ import annotations

from ordex.domain.codes import ExceptionCode
from ordex.simulate.code_simulation import CodeSimulation, Facts
from ordex.simulate.truth import SimOrder


def _truth(order: SimOrder, facts: Facts) -> bool:
    """Receivables + open orders + this order above the credit limit, in the book."""
    return facts.book.over_limit(order)


SIMULATION = CodeSimulation(ExceptionCode.CREDIT_LIMIT_EXCEEDED, truth=_truth)
