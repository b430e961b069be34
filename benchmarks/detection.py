"""Detection time per order with every detector on, and how it grows with open orders.

Run: `.venv/bin/python -m benchmarks.detection [--levels 1000,5000,20000,60000] [--probe 1000]`

Builds the simulated distributor (default size), then accepts simulated orders through the
pipeline in memory (no database) so that open orders, allocations, recent orders and their
indexes grow; at each level it times `detect()` alone on the next `--probe` orders (each
timed individually with perf_counter_ns) before accepting them. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from ordex.adapters.postal import ZipcodesDirectory
from ordex.decide.policy import Policy
from ordex.interpret.build import context_from_reference
from ordex.interpret.registry import detect, detectors_for
from ordex.interpret.settings import DetectionSettings
from ordex.orchestrate.pipeline import Pipeline
from ordex.sense.schema import OrderIn
from ordex.simulate.orders import InjectionRates, OrderFactory
from ordex.simulate.truth import Book
from ordex.simulate.world import WorldConfig, build_world


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def run(levels: list[int], probe: int, seed: int, no_gc: bool = False) -> dict[str, Any]:
    """Timings of detection at each number of open orders."""
    cfg = WorldConfig(seed=seed, days=14)
    postal = ZipcodesDirectory()
    world = build_world(cfg, postal.zip_codes())
    settings = DetectionSettings()
    ctx = context_from_reference(world.ref, settings=settings, postal=postal)
    detectors = detectors_for(settings.enabled)
    pipeline = Pipeline(ctx=ctx, detectors=detectors, policy=Policy())
    book = Book(world.ref, settings.price_tolerance_abs, settings.price_tolerance_pct)
    rng = random.Random(seed)
    factory = OrderFactory(world, book, InjectionRates(), rng)
    customers, weights = list(world.weight), list(world.weight.values())
    start = datetime.combine(cfg.start, datetime.min.time(), UTC) + timedelta(hours=6)
    seq, results = 0, []

    def next_order() -> Any:
        nonlocal seq
        seq += 1
        at = start + timedelta(seconds=seq * 10)
        gen = factory.make(f"B{seq:08d}", rng.choices(customers, weights)[0], at, seq)
        gen.order.labels = set()
        book.accept(gen.order)
        body = json.loads(gen.body) if not gen.broken else None
        return (OrderIn.model_validate(body).to_domain(), at) if body else (None, at)

    for level in levels:
        gc.collect()
        while len(pipeline.work.orders) < level:
            order, at = next_order()
            if order is not None:
                pipeline.accept(order, raw_id="bench", key=None, now=at)
        timings: list[float] = []
        lines = 0
        for _ in range(probe):
            order, at = next_order()
            if order is None:
                continue
            if no_gc:
                gc.disable()  # time detection, not the collector's pauses
            t0 = time.perf_counter_ns()
            detect(order, ctx, detectors)
            timings.append((time.perf_counter_ns() - t0) / 1000)
            gc.enable()
            lines += len(order.lines)
            pipeline.accept(order, raw_id="bench", key=None, now=at)
        pipeline.take_changes()
        results.append({"open_orders": level, "probed": len(timings),
                        "median_us": round(statistics.median(timings), 1),
                        "p99_us": round(_percentile(timings, 99), 1),
                        "mean_us": round(statistics.fmean(timings), 1),
                        "lines_per_order": round(lines / len(timings), 2)})
    return {"detectors": [d.code.value for d in detectors], "seed": seed, "gc_paused": no_gc,
            "levels": results}


def main() -> None:
    """Parse arguments, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--levels", default="1000,5000,20000,60000")
    parser.add_argument("--probe", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-gc", action="store_true",
                        help="pause the garbage collector while each detection is timed")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    print(json.dumps(run(levels, args.probe, args.seed, args.no_gc), indent=2))


if __name__ == "__main__":
    main()
