"""MISSING_CARRIER_INSTRUCTIONS in the simulator: no ship-via (a customer default may cover it)
or missing freight terms the customer requires."""

from __future__ import annotations

import random

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


def _drop(d: Draft, kit: Kit, rng: random.Random) -> bool:
    """Leave out the freight terms (half the time, where required) or the ship-via."""
    if kit.customers[d.order.customer_id].freight_terms_required and rng.random() < 0.5:
        d.order.freight_terms = None
    else:
        d.order.ship_via = None
    return True


def _truth(order: SimOrder, facts: Facts) -> bool:
    """No ship-via and no default, or one not on file; or freight terms missing."""
    c, services = facts.index.customers[order.customer_id], facts.index.services
    via = order.ship_via or c.default_ship_via
    return not via or (bool(services) and via not in services) or (
        c.freight_terms_required and not order.freight_terms)


SIMULATION = CodeSimulation(
    ExceptionCode.MISSING_CARRIER_INSTRUCTIONS, truth=_truth,
    injection=Injection("carrier", Stream.CONTENT, 60, _drop),
    desk=Desk("logistics-lead", "ASSIGN_CARRIER"))
