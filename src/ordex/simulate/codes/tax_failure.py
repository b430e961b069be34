"""TAX_FAILURE in the simulator: a one-time ship-to in a territory without a tax rule, and
exempt customers whose certificate lapses during the period (world_accounts.py)."""

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


def _untaxed(d: Draft, kit: Kit, rng: random.Random) -> bool:
    """Ship to a territory without a tax rule (not on top of a broken address)."""
    zips = kit.world.pitfalls.untaxed_zips
    if "INVALID_SHIP_TO" in d.injected or not zips:
        return False
    z, city, state = rng.choice(zips)
    d.address.update(city=city, state=state, postal_code=z)
    return True


def _truth(order: SimOrder, facts: Facts) -> bool:
    """No rule for the state, or an exempt customer without a certificate on the ship date
    (the tax point: tax is fixed when the goods ship and are invoiced)."""
    index = facts.index
    if order.ship_country == "US" and order.ship_state not in index.taxed:
        return True
    if not index.customers[order.customer_id].tax_exempt:
        return False
    return not any(a <= order.ship_date <= b for a, b in index.certs[order.customer_id])


SIMULATION = CodeSimulation(
    ExceptionCode.TAX_FAILURE, truth=_truth,
    injection=Injection("tax", Stream.CONTENT, 40, _untaxed),
    desk=Desk("tax-analyst", "RELEASE"))
