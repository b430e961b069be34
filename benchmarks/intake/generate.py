"""Pre-generate a benchmark's input: reference CSVs, order files (NDJSON and EDI 850), API orders.

The only module of the benchmark that imports ordex's code: the simulator's world and order
factory (the same distributor, injection rates and ground-truth book as `ordex simulate`).
Everything is written before any timing starts.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.intake import refcsv, x12
from ordex.adapters.postal import ZipcodesDirectory
from ordex.config import Settings
from ordex.simulate.orders import Generated, InjectionRates, OrderFactory
from ordex.simulate.truth import Book
from ordex.simulate.world import World, WorldConfig, build_world

RESEND_AFTER = 20
"""An exact resend arrives after this many more orders of the same customers' shard."""


@dataclass
class InputFiles:
    """Where the generated input lies and what it holds."""

    folder: Path
    reference: Path
    shards: list[list[Path]]
    """One group of files per customer partition: no customer appears in two groups."""
    floor: Path
    """Every batch payload as canonical JSON, one per line (the raw-write floor reads it)."""
    api: Path
    """Orders for the HTTP runs, one JSON per line, never in the batch files."""
    counts: dict[str, int] = field(default_factory=dict)


class _Writer:
    """Routes generated orders to their shard's NDJSON or EDI file."""

    def __init__(self, folder: Path, shards: int, edi_senders: dict[str, str]) -> None:
        self.ndjson = [(folder / f"shard-{k}.ndjson").open("wb") for k in range(shards)]
        self.edi = [(folder / f"shard-{k}.edi").open("w", encoding="ascii") for k in range(shards)]
        self.floor = (folder / "floor.ndjson").open("wb")
        self.senders, self.control = edi_senders, 0
        self.pending: dict[int, list[tuple[int, bytes]]] = defaultdict(list)
        self.seen: dict[int, int] = defaultdict(int)
        self.counts: dict[str, int] = defaultdict(int)

    def add(self, gen: Generated, shard: int, at: datetime, resend: bool) -> None:
        self.seen[shard] += 1
        self._resends(shard)
        sender = self.senders.get(gen.order.customer_id)
        if sender and not gen.broken and "DUPLICATE_ORDER" not in gen.injected:
            self.control += 1
            doc = json.loads(gen.body)
            self.edi[shard].write(x12.interchange(doc, sender=sender, control=self.control,
                                                  at=at))
            self.counts["edi_orders"] += 1
        else:
            self._line(shard, gen.body)
            if resend:
                self.pending[shard].append((self.seen[shard] + RESEND_AFTER, gen.body))
        self.floor.write(gen.body + b"\n")

    def _line(self, shard: int, body: bytes) -> None:
        self.ndjson[shard].write(body + b"\n")
        self.counts["ndjson_orders"] += 1

    def _resends(self, shard: int, *, flush: bool = False) -> None:
        due = [p for p in self.pending[shard] if flush or p[0] <= self.seen[shard]]
        for item in due:
            self.pending[shard].remove(item)
            self._line(shard, item[1])
            self.floor.write(item[1] + b"\n")
            self.counts["resends"] += 1

    def close(self) -> None:
        for shard in list(self.pending):
            self._resends(shard, flush=True)
        for handle in (*self.ndjson, *self.edi, self.floor):
            handle.close()


def _edi_senders(world: World, shards: int) -> dict[str, str]:
    """A quarter of each shard's customers send EDI (those that need no freight terms)."""
    needs_terms = {c.customer_id for c in world.ref.customers if c.freight_terms_required}
    ordered = sorted(world.weight)
    return {cid: f"EDI{cid}" for n, cid in enumerate(ordered)
            if (n // shards) % 4 == 0 and cid not in needs_terms}


def _partners(world: World, senders: dict[str, str]) -> list[dict[str, str]]:
    return [{"partner_id": f"P-{cid}", "isa_qualifier": "ZZ", "isa_id": isa,
             "customer_id": cid, "warehouse_id": world.home[cid], "lead_days": "2",
             "strict_totals": "no"} for cid, isa in sorted(senders.items())]


class _Orders:
    """The simulator's factory, keeping its book as ordex would see the orders."""

    def __init__(self, world: World, seed: int, now: datetime) -> None:
        self.world, self.rng, self.now, self.seq = world, random.Random(seed * 7919 + 1), now, 0
        tolerance = Settings().detection()  # the price tolerances ordex will judge with
        self.book = Book(world.ref, tolerance.price_tolerance_abs, tolerance.price_tolerance_pct)
        self.rates = InjectionRates()
        self.factory = OrderFactory(world, self.book, self.rates, self.rng)
        self.customers, self.weights = list(world.weight), list(world.weight.values())

    def next(self, prefix: str) -> tuple[Generated, datetime, bool]:
        """The next order, its moment, and whether its sender resends it."""
        self.seq += 1
        at = self.now + timedelta(milliseconds=self.seq)
        cid = self.rng.choices(self.customers, self.weights)[0]
        gen = self.factory.make(f"{prefix}{self.seq:08d}", cid, at, self.seq)
        if not gen.broken:
            gen.order.short_lines = self.book.short_lines(gen.order)
            self.book.accept(gen.order)
        return gen, at, self.rng.random() < self.rates.resend


def generate(folder: Path, *, orders: int, api_orders: int, shards: int, seed: int,
             customers: int = 2000, items: int = 5000) -> InputFiles:
    """Build the distributor, write its reference folder and every order file."""
    now = datetime.now(UTC)
    cfg = WorldConfig(seed=seed, start=now.date(), customers=customers, items=items)
    world = build_world(cfg, ZipcodesDirectory().zip_codes())
    senders = _edi_senders(world, shards)
    counts = refcsv.write_folder(world.ref, _partners(world, senders), folder / "reference")
    shard_of = {cid: n % shards for n, cid in enumerate(sorted(world.weight))}
    source, writer = _Orders(world, seed, now), _Writer(folder, shards, senders)
    for _ in range(orders):
        gen, at, resend = source.next("BO")
        writer.add(gen, shard_of[gen.order.customer_id], at, resend)
    writer.close()
    with (folder / "api.ndjson").open("wb") as api:
        for _ in range(api_orders):
            api.write(source.next("AO")[0].body + b"\n")
    files = [[folder / f"shard-{k}.edi", folder / f"shard-{k}.ndjson"] for k in range(shards)]
    summary: dict[str, Any] = {**writer.counts, "api_orders": api_orders,
                               "customers": len(world.ref.customers),
                               "items": len(world.ref.items), "edi_partners": len(senders),
                               "reference_rows": sum(counts.values())}
    summary["orders"] = summary.get("ndjson_orders", 0) + summary.get("edi_orders", 0)
    return InputFiles(folder, folder / "reference", files, folder / "floor.ndjson",
                      folder / "api.ndjson", summary)
