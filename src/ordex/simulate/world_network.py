"""The sourcing network of the simulated world: substitutes, freight lanes, service terms.

Drawn from a random stream of its own, so adding it leaves the rest of the world (and the
orders generated against it) exactly as before.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import TYPE_CHECKING

from ordex.domain.model import FreightLane, ServiceTerms, Substitute

if TYPE_CHECKING:
    from ordex.simulate.world import World, WorldConfig

REGIONS = ("NE", "SE", "MW", "SW", "W")
STATE_REGION = {
    **dict.fromkeys(("ME", "NH", "VT", "MA", "RI", "CT", "NY", "NJ", "PA", "DE", "MD", "DC"),
                    "NE"),
    **dict.fromkeys(("VA", "WV", "NC", "SC", "GA", "FL", "AL", "MS", "TN", "KY", "AR", "LA",
                     "PR"), "SE"),
    **dict.fromkeys(("OH", "MI", "IN", "IL", "WI", "MN", "IA", "MO", "ND", "SD", "NE", "KS"),
                    "MW"),
    **dict.fromkeys(("TX", "OK", "NM", "AZ"), "SW"),
}
# Transit days between regions (symmetric); the same region is one day.
DISTANCE = {("NE", "SE"): 2, ("NE", "MW"): 2, ("NE", "SW"): 4, ("NE", "W"): 5,
            ("SE", "MW"): 2, ("SE", "SW"): 3, ("SE", "W"): 4, ("MW", "SW"): 2,
            ("MW", "W"): 3, ("SW", "W"): 2}


def region_of(state: str) -> str:
    """The sales region of a US state (the west is everything not named)."""
    return STATE_REGION.get(state, "W")


def transit_days(a: str, b: str) -> int:
    """Days in transit between two regions."""
    return 1 if a == b else DISTANCE.get((a, b), DISTANCE.get((b, a), 3))


def add_network(cfg: WorldConfig, world: World) -> None:
    """Substitutes for part of the items, a lane per warehouse and region, customer terms."""
    rng = random.Random(cfg.seed * 104_729 + 5)
    ref = world.ref
    for wh in ref.warehouses:
        origin = region_of(wh.state)
        for region in REGIONS:
            days = transit_days(origin, region)
            ref.freight_lanes.append(FreightLane(
                wh.warehouse_id, region, Decimal(str(round(15 + 8 * days + rng.uniform(0, 10), 2))),
                Decimal(str(round(0.15 + 0.2 * days + rng.uniform(0, 0.1), 2))), days))
    by_price = sorted(ref.items, key=lambda i: (i.list_price, i.item_id))
    for n, item in enumerate(by_price):
        if rng.random() < 0.35:
            near = [x for x in by_price[max(0, n - 6):n + 7]
                    if x.item_id != item.item_id and x.unit_cost <= item.unit_cost * Decimal("1.1")]
            for rank, sub in enumerate(rng.sample(near, min(len(near), rng.randint(1, 2))), 1):
                ref.substitutes.append(Substitute(item.item_id, sub.item_id, rank))
    for customer in ref.customers:
        premium = customer.tier.value in ("platinum", "gold")
        penalty = (Decimal(rng.choice(("0.5", "1", "2"))) if premium and rng.random() < 0.3
                   else Decimal(0))
        ref.service_terms.append(ServiceTerms(
            customer.customer_id, allows_substitutes=rng.random() < 0.45,
            strategic=rng.random() < (0.3 if customer.tier.value == "platinum" else 0.03),
            late_penalty_pct_per_day=penalty))
