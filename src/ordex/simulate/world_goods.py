"""The goods side of the simulated world: what items weigh, which need a licence or are
hazardous or export-restricted, how fast each warehouse ships, which carrier services exist
and where sales tax applies.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import time
from decimal import Decimal
from typing import TYPE_CHECKING

from ordex.domain.model import CarrierService, TaxRule

if TYPE_CHECKING:
    from ordex.simulate.world import Pitfalls, World

NO_TAX_RULE = frozenset({"PR", "GU", "VI"})
"""Territories the simulated distributor has no tax rule for (a realistic configuration gap)."""
FDEG_STATES = ("IL", "IN", "WI", "MI", "OH", "IA", "MO", "MN", "KY", "TN")
PARCEL_MAX = Decimal(150)
LICENCE = "DEA"


def add_goods(rng: random.Random, world: World, pits: Pitfalls) -> None:
    """Item attributes, warehouse lead times and carrier services, drawn from `rng`."""
    _items(rng, world, pits)
    _warehouses_and_carriers(world)


def add_tax_rules(world: World, pits: Pitfalls) -> None:
    """A 6 % rule for every state of the world's ZIP codes but the territories left out."""
    pits.untaxed_zips = [z for z in world.zips if z[2] in NO_TAX_RULE]
    world.ref.tax_rules = [TaxRule(state, Decimal("0.06"))
                           for state in sorted({s for _z, _c, s in world.zips} - NO_TAX_RULE)]


def _items(rng: random.Random, world: World, pits: Pitfalls) -> None:
    items = []
    for item in world.ref.items:
        heavy = rng.random() < 0.1
        weight = Decimal(str(round(rng.uniform(5, 40) if heavy else rng.uniform(0.1, 2.5), 1)))
        roll = rng.random()
        licence = LICENCE if roll < 0.02 else ""
        hazmat = "3" if 0.02 <= roll < 0.05 else ""
        items.append(replace(item, weight=weight, licence_type=licence, hazmat_class=hazmat,
                             export_restricted=0.05 <= roll < 0.06))
        if licence:
            pits.regulated.append(item.item_id)
        if hazmat:
            pits.hazmat.add(item.item_id)
    world.ref.items = items


def _warehouses_and_carriers(world: World) -> None:
    ref = world.ref
    ref.warehouses = [replace(w, lead_time_days=n % 2) for n, w in enumerate(ref.warehouses)]
    ref.carrier_services = [
        CarrierService("UPSN", "GND", PARCEL_MAX, False, (), time(17, 0)),
        CarrierService("UPSN", "2DA", PARCEL_MAX, False, (), time(15, 0)),
        CarrierService("FDEG", "GND", PARCEL_MAX, False, FDEG_STATES, time(16, 0)),
        CarrierService("ODFL", "LTL", None, True, (), time(14, 0)),
    ]
