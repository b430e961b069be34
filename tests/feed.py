"""Orders from a small simulated distributor, as payloads, for concurrency and crash tests."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from ordex.adapters.postal import ZipcodesDirectory
from ordex.domain.reference import ReferenceData
from ordex.simulate.orders import InjectionRates, OrderFactory
from ordex.simulate.truth import Book
from ordex.simulate.world import WorldConfig, build_world

DAY = datetime.now(UTC).date()
"""Orders are placed today (the CLI judges them against the wall clock)."""


@dataclass(frozen=True)
class Feed:
    """Reference data and the order payloads sent against it, in arrival order."""

    ref: ReferenceData
    bodies: list[bytes]


def feed(orders: int, *, seed: int = 7, ample: bool = False, customers: int = 40) -> Feed:
    """`orders` readable orders (no duplicates or broken payloads injected).

    `ample`: stock and credit so plentiful that no order competes with another, so every
    order of processing gives the same result.
    """
    cfg = WorldConfig(seed=seed, start=DAY, days=1, warehouses=3, customers=customers,
                      items=60, tight_credit_share=0.0 if ample else 0.3)
    world = build_world(cfg, ZipcodesDirectory().zip_codes())
    if ample:
        _make_ample(world.ref)
    rates = replace(InjectionRates(), duplicate=0.0, integration=0.0, resend=0.0)
    if ample:  # nothing that asks for the stock there is, or judges against earlier orders
        rates = replace(rates, shortfall=0.0, boundary=0.0, quantity=0.0)
    factory = OrderFactory(world, Book(world.ref, Decimal("0.01"), Decimal("0.5")), rates,
                           random.Random(seed))
    rng, ids = random.Random(seed + 1), list(world.weight)
    start = datetime.combine(DAY, time(8), UTC)
    bodies = [factory.make(f"CC{n:05d}", rng.choice(ids), start + timedelta(seconds=n),
                           n).body for n in range(orders)]
    return Feed(world.ref, bodies)


def _make_ample(ref: ReferenceData) -> None:
    ref.inventory = [replace(p, on_hand=p.on_hand * 1000 + 100_000) for p in ref.inventory]
    ref.customers = [replace(c, credit_limit=Decimal(10) ** 10) for c in ref.customers]


def write_ndjson(path: Path, bodies: Iterable[bytes]) -> Path:
    """One payload per line."""
    path.write_bytes(b"".join(b + b"\n" for b in bodies))
    return path
