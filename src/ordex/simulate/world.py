"""Generate a distributor's reference data deterministically from a seed."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from ordex.domain.model import (
    Address,
    Carrier,
    Customer,
    CustomerTier,
    InboundPO,
    InventoryPosition,
    Item,
    PriceContract,
    Receivable,
    ShipTo,
    UnitConversion,
    Warehouse,
)
from ordex.domain.reference import ReferenceData
from ordex.simulate.world_accounts import add_accounts
from ordex.simulate.world_goods import add_goods, add_tax_rules
from ordex.simulate.world_network import add_network

CENT = Decimal("0.01")
STREETS = ("Main St", "Industrial Pkwy", "Commerce Dr", "Oak Ave", "Market St", "Depot Rd",
           "Harbor Blvd", "Mill Rd", "Enterprise Way", "Park Ave", "Lake St", "Union Ave")
NOUNS = ("Bearing", "Valve", "Gasket", "Fitting", "Hose", "Bolt", "Filter", "Sensor", "Pump",
         "Coupling", "Relay", "Bracket", "Glove", "Cable", "Seal", "Motor", "Clamp", "Nozzle")
TIERS = ((CustomerTier.PLATINUM, 0.05), (CustomerTier.GOLD, 0.15),
         (CustomerTier.SILVER, 0.30), (CustomerTier.BRONZE, 0.50))


@dataclass(frozen=True)
class WorldConfig:
    """Size of the simulated distributor."""

    seed: int = 42
    start: date = date(2026, 11, 2)
    days: int = 7
    warehouses: int = 8
    customers: int = 2000
    items: int = 5000
    tight_credit_share: float = 0.015


@dataclass
class Pitfalls:
    """What the world plants for the injections: regular buys, loss-making contracts,
    regulated and hazardous items, places without a tax rule."""

    regular: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per customer: items it buys regularly and its typical quantity (EA)."""
    loss_item: dict[str, str] = field(default_factory=dict)
    """Per customer: an item whose contract is priced under the margin floor (or at it)."""
    regulated: list[str] = field(default_factory=list)
    hazmat: set[str] = field(default_factory=set)
    untaxed_zips: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class World:
    """Reference data plus what the simulator needs to generate realistic orders."""

    ref: ReferenceData
    home: dict[str, str] = field(default_factory=dict)
    assortment: dict[str, list[str]] = field(default_factory=dict)
    tight: set[str] = field(default_factory=set)
    ship_tos: dict[str, list[ShipTo]] = field(default_factory=dict)
    zips: list[tuple[str, str, str]] = field(default_factory=list)
    weight: dict[str, float] = field(default_factory=dict)
    pitfalls: Pitfalls = field(default_factory=Pitfalls)


def _money(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(str(round(rng.uniform(low, high), 2)))


def build_world(cfg: WorldConfig, zips: list[tuple[str, str, str]]) -> World:
    """A deterministic distributor for the seed: warehouses, items, customers, contracts."""
    rng = random.Random(cfg.seed)
    zips = sorted(zips)
    world = World(ReferenceData(), zips=zips)
    ref = world.ref
    for n in range(cfg.warehouses):
        z, city, state = rng.choice(zips)
        ref.warehouses.append(Warehouse(f"WH{n + 1:02d}", f"{city} DC", state, z))
    _items(rng, cfg, ref)
    stocked = _inventory(rng, cfg, ref)
    _customers(rng, cfg, world, stocked)
    ref.carriers = [Carrier("UPSN", "UPS", ("GND", "2DA", "NDA")),
                    Carrier("FDEG", "FedEx Ground", ("GND",)),
                    Carrier("ODFL", "Old Dominion Freight", ("LTL",))]
    add_network(cfg, world)
    _add_goods_and_accounts(cfg, world)
    return world


def _add_goods_and_accounts(cfg: WorldConfig, world: World) -> None:
    """Goods, accounts and tax rules, from one random stream of their own (so the rest of the
    world stays as it was when they were added)."""
    rng = random.Random(cfg.seed * 130_363 + 11)
    world.pitfalls = pits = Pitfalls()
    add_goods(rng, world, pits)
    add_accounts(rng, cfg, world, pits)
    add_tax_rules(world, pits)


def _items(rng: random.Random, cfg: WorldConfig, ref: ReferenceData) -> None:
    for n in range(cfg.items):
        item_id = f"IT{n + 1:05d}"
        price = _money(rng, 2, 400)
        cost = (price * Decimal(str(round(rng.uniform(0.45, 0.68), 2)))).quantize(CENT)
        ref.items.append(Item(item_id, f"{rng.choice(NOUNS)} {rng.randint(10, 999)}", "EA",
                              price, cost))
        if rng.random() < 0.6:
            ref.conversions.append(UnitConversion(item_id, "CS", Decimal(rng.choice((6, 12, 24)))))


def _inventory(rng: random.Random, cfg: WorldConfig, ref: ReferenceData) -> dict[str, list[str]]:
    """Stock each item at several warehouses; some positions get an inbound PO this week."""
    stocked: dict[str, list[str]] = {w.warehouse_id: [] for w in ref.warehouses}
    po = 0
    for item in ref.items:
        for wh in rng.sample(ref.warehouses, rng.randint(3, len(ref.warehouses))):
            ref.inventory.append(InventoryPosition(
                item.item_id, wh.warehouse_id, Decimal(rng.randint(200, 3000)), Decimal(0),
                Decimal(rng.choice((0, 0, 10, 25, 50)))))
            stocked[wh.warehouse_id].append(item.item_id)
            if rng.random() < 0.2:
                po += 1
                due = cfg.start + timedelta(days=rng.randint(0, cfg.days + 3))
                ref.inbound_pos.append(InboundPO(f"PO{po:06d}", item.item_id, wh.warehouse_id,
                                                 Decimal(rng.randint(50, 1000)), due))
    return stocked


def _customers(rng: random.Random, cfg: WorldConfig, world: World,
               stocked: dict[str, list[str]]) -> None:
    ref = world.ref
    prices = {i.item_id: i.list_price for i in ref.items}
    cases = {c.item_id: c.base_qty for c in ref.conversions}
    for n in range(cfg.customers):
        cid = f"C{n + 1:05d}"
        tier = rng.choices([t for t, _ in TIERS], [w for _, w in TIERS])[0]
        tight = rng.random() < cfg.tight_credit_share
        ar = [Receivable(cid, f"INV{n + 1:05d}{k}", _money(rng, 500, 20000),
                         cfg.start - timedelta(days=rng.randint(-25, 20)))
              for k in range(rng.randint(0, 4))]
        ar_total = sum((r.amount_open for r in ar), Decimal(0))
        limit = (ar_total + _money(rng, 4000, 20000)) if tight else Decimal(5_000_000)
        ref.customers.append(Customer(cid, f"Customer {n + 1}", tier, limit.quantize(CENT),
                                      rng.choice(("NE", "SE", "MW", "SW", "W"))))
        ref.receivables.extend(ar)
        world.weight[cid] = {"platinum": 6.0, "gold": 3.0, "silver": 1.5, "bronze": 1.0}[tier]
        if tight:
            world.tight.add(cid)
        home = rng.choice(ref.warehouses).warehouse_id
        world.home[cid] = home
        world.assortment[cid] = rng.sample(stocked[home], 40)
        world.ship_tos[cid] = [_ship_to(rng, world.zips, cid, k, f"Customer {n + 1}")
                               for k in range(rng.randint(1, 3))]
        ref.ship_tos.extend(world.ship_tos[cid])
        _contracts(rng, cfg, ref, cid, world.assortment[cid], prices, cases)


def _ship_to(rng: random.Random, zips: list[tuple[str, str, str]], cid: str, k: int,
             name: str) -> ShipTo:
    z, city, state = rng.choice(zips)
    line1 = f"{rng.randint(1, 9999)} {rng.choice(STREETS)}"
    return ShipTo(cid, f"{cid}-S{k + 1}", Address(name, line1, "", city, state, z, "US"))


def _contracts(rng: random.Random, cfg: WorldConfig, ref: ReferenceData, cid: str,
               assortment: list[str], prices: dict[str, Decimal],
               cases: dict[str, Decimal]) -> None:
    """Contracts on part of the assortment: a base price, sometimes a case break, some expiring."""
    for k, item_id in enumerate(rng.sample(assortment, rng.randint(0, 15))):
        base = (prices[item_id] * Decimal(str(round(rng.uniform(0.8, 0.95), 2)))).quantize(CENT)
        start = cfg.start - timedelta(days=rng.randint(30, 300))
        end = cfg.start + timedelta(days=rng.choice((2, 3, 4, 60, 180, 365)))
        cid_k = f"K{cid[1:]}-{k + 1:02d}"
        ref.contracts.append(PriceContract(cid_k, cid, item_id, "EA", Decimal(0), base,
                                           start, end))
        if item_id in cases and rng.random() < 0.5:
            per_case = (base * cases[item_id] * Decimal("0.95")).quantize(CENT)
            ref.contracts.append(PriceContract(f"{cid_k}B", cid, item_id, "CS", Decimal(5),
                                               per_case, start, end))
        if end < cfg.start + timedelta(days=cfg.days):
            renewal = (base * Decimal("1.03")).quantize(CENT)
            ref.contracts.append(PriceContract(f"{cid_k}R", cid, item_id, "EA", Decimal(0),
                                               renewal, end + timedelta(days=1),
                                               end + timedelta(days=365)))
