"""What the full exception taxonomy needs of the simulated world (issue 3).

Tax rules and exemption certificates, licences and regulated items, hazmat and weights,
carrier services, warehouse lead times, customer shipping defaults, past-due invoices,
below-floor contracts and order history. Drawn from a random stream of its own, so the rest
of the world stays exactly as it was.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from ordex.domain.model import (
    CarrierService,
    CustomerLicence,
    OrderHistoryEntry,
    PriceContract,
    Receivable,
    TaxExemption,
    TaxRule,
)

if TYPE_CHECKING:
    from ordex.simulate.world import World, WorldConfig

NO_TAX_RULE = frozenset({"PR", "GU", "VI"})
"""Territories the simulated distributor has no tax rule for (a realistic configuration gap)."""
FDEG_STATES = ("IL", "IN", "WI", "MI", "OH", "IA", "MO", "MN", "KY", "TN")
PARCEL_MAX = Decimal(150)
LICENCE = "DEA"
MARGIN_FLOOR = Decimal("1.05")


@dataclass
class TaxonomyWorld:
    """What the order factory needs to inject the newer exception codes."""

    regular: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per customer: items it buys regularly and its typical quantity (EA)."""
    loss_item: dict[str, str] = field(default_factory=dict)
    """Per customer: an item whose contract is priced under the margin floor (or at it)."""
    regulated: list[str] = field(default_factory=list)
    hazmat: set[str] = field(default_factory=set)
    untaxed_zips: list[tuple[str, str, str]] = field(default_factory=list)


def add_taxonomy_data(cfg: WorldConfig, world: World) -> None:
    """Add the taxonomy reference data to the world, deterministically from the seed."""
    rng = random.Random(cfg.seed * 130_363 + 11)
    tax = TaxonomyWorld()
    world.taxonomy = tax
    _items(rng, world, tax)
    _warehouses_and_carriers(world)
    _customers(rng, cfg, world, tax)
    tax.untaxed_zips = [z for z in world.zips if z[2] in NO_TAX_RULE]
    world.ref.tax_rules = [TaxRule(state, Decimal("0.06"))
                           for state in sorted({s for _z, _c, s in world.zips} - NO_TAX_RULE)]


def _items(rng: random.Random, world: World, tax: TaxonomyWorld) -> None:
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
            tax.regulated.append(item.item_id)
        if hazmat:
            tax.hazmat.add(item.item_id)
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


def _customers(rng: random.Random, cfg: WorldConfig, world: World, tax: TaxonomyWorld) -> None:
    ref, start = world.ref, cfg.start
    regulated = set(tax.regulated)
    stocked: dict[str, list[str]] = {}
    for p in ref.inventory:
        stocked.setdefault(p.warehouse_id, []).append(p.item_id)
    costs = {i.item_id: i.unit_cost for i in ref.items}
    customers = []
    for c in ref.customers:
        cid = c.customer_id
        exempt = rng.random() < 0.03
        customers.append(replace(c, default_ship_via="UPSN-GND" if rng.random() < 0.5 else "",
                                 freight_terms_required=rng.random() < 0.15, tax_exempt=exempt))
        if exempt:
            expiry = (start + timedelta(days=rng.randint(0, cfg.days - 1))
                      if rng.random() < 0.35 else start + timedelta(days=365))
            ref.tax_exemptions.append(TaxExemption(cid, f"EX-{cid}", start - timedelta(
                days=300), expiry))
        licensed = rng.random() < 0.2
        if licensed:
            expiry = (start + timedelta(days=rng.randint(0, cfg.days))
                      if rng.random() < 0.15 else start + timedelta(days=400))
            ref.licences.append(CustomerLicence(cid, LICENCE, f"DEA-{cid}",
                                                start - timedelta(days=200), expiry))
        else:  # unlicensed customers do not keep regulated items in their assortment
            world.assortment[cid] = [i for i in world.assortment[cid] if i not in regulated]
        if rng.random() < 0.006:
            _past_due(rng, cfg, ref.receivables, cid)
        _history(rng, world, tax, cid, start)
        _loss_contract(rng, world, tax, cid, stocked, costs, start)
    ref.customers = customers


def _past_due(rng: random.Random, cfg: WorldConfig, receivables: list[Receivable],
              cid: str) -> None:
    """An old invoice: well past policy, or crossing the 30-day line during the period."""
    days = rng.choice((rng.randint(31, 120), 30 - rng.randint(0, cfg.days - 1)))
    amount = Decimal(str(round(rng.uniform(200, 5000), 2)))
    receivables.append(Receivable(cid, f"PD-{cid}", amount, cfg.start - timedelta(days=days)))


def _history(rng: random.Random, world: World, tax: TaxonomyWorld, cid: str,
             start: date) -> None:
    """Regular buys: a typical quantity per item and 3–12 earlier lines around it."""
    regular = {}
    for item_id in rng.sample(world.assortment[cid], 4):
        typical = rng.randint(5, 40)
        regular[item_id] = typical
        for k in range(rng.randint(3, 12)):
            q = max(1, round(typical * rng.uniform(0.75, 1.25)))
            world.ref.order_history.append(OrderHistoryEntry(
                cid, item_id, start - timedelta(days=7 * (k + 1)), Decimal(q)))
    tax.regular[cid] = regular


def _loss_contract(rng: random.Random, world: World, tax: TaxonomyWorld, cid: str,
                   stocked: dict[str, list[str]], costs: dict[str, Decimal],
                   start: date) -> None:
    """A contract under the margin floor (one in ten exactly at it) on an item outside the
    customer's assortment, so only an injection puts it on an order."""
    home, taken = world.home[cid], set(world.assortment[cid])
    candidates = [i for i in stocked[home] if i not in taken]
    if not candidates:
        return
    item_id = rng.choice(candidates)
    cost = costs[item_id]
    at_floor = rng.random() < 0.1
    price = cost * MARGIN_FLOOR if at_floor else (
        cost * Decimal(str(round(rng.uniform(0.85, 1.04), 2)))).quantize(Decimal("0.01"))
    world.ref.contracts.append(PriceContract(f"L{cid}", cid, item_id, "EA", Decimal(0), price,
                                             start - timedelta(days=30),
                                             start + timedelta(days=365)))
    tax.loss_item[cid] = item_id

