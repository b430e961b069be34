"""The customer-account side of the simulated world: shipping defaults and freight terms, tax
exemption certificates, licences, past-due invoices, regular buys and loss-making contracts.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from ordex.domain.model import (
    CustomerLicence,
    OrderHistoryEntry,
    PriceContract,
    Receivable,
    TaxExemption,
)
from ordex.simulate.world_goods import LICENCE

if TYPE_CHECKING:
    from ordex.simulate.world import Pitfalls, World, WorldConfig

MARGIN_FLOOR = Decimal("1.05")


def add_accounts(rng: random.Random, cfg: WorldConfig, world: World, pits: Pitfalls) -> None:
    """Every customer's account details, drawn from `rng` customer by customer."""
    _customers(rng, cfg, world, pits)


def _customers(rng: random.Random, cfg: WorldConfig, world: World, pits: Pitfalls) -> None:
    ref, start = world.ref, cfg.start
    regulated = set(pits.regulated)
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
        _history(rng, world, pits, cid, start)
        _loss_contract(rng, world, pits, cid, stocked, costs, start)
    ref.customers = customers


def _past_due(rng: random.Random, cfg: WorldConfig, receivables: list[Receivable],
              cid: str) -> None:
    """An old invoice: well past policy, or crossing the 30-day line during the period."""
    days = rng.choice((rng.randint(31, 120), 30 - rng.randint(0, cfg.days - 1)))
    amount = Decimal(str(round(rng.uniform(200, 5000), 2)))
    receivables.append(Receivable(cid, f"PD-{cid}", amount, cfg.start - timedelta(days=days)))


def _history(rng: random.Random, world: World, pits: Pitfalls, cid: str,
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
    pits.regular[cid] = regular


def _loss_contract(rng: random.Random, world: World, pits: Pitfalls, cid: str,
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
    pits.loss_item[cid] = item_id
