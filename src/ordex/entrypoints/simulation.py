"""`ordex simulate`: build a fresh simulated distributor and play its period up to now."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ordex.adapters.db import tables as t
from ordex.adapters.postal import ZipcodesDirectory
from ordex.bootstrap import App, session_bus
from ordex.domain.errors import SimulationInFutureError
from ordex.learn.detection import detection_report
from ordex.orchestrate.changes import Changes
from ordex.orchestrate.session import SessionUnitOfWork
from ordex.simulate.orders import InjectionRates
from ordex.simulate.people import TEAM
from ordex.simulate.run import OPENS, Simulation
from ordex.simulate.world import WorldConfig, build_world


def default_start(app: App, days: int) -> date:
    """First day of the `days` days ending today (yesterday before today's first orders)."""
    today = (app.clock().astimezone(UTC) - OPENS).date()
    return today - timedelta(days=days - 1)


def played_until(app: App, cfg: WorldConfig) -> datetime:
    """The end of the simulated period, or now if earlier: nothing is played after now."""
    end = datetime.combine(cfg.start + timedelta(days=cfg.days), datetime.min.time(), UTC)
    until = min(end, app.clock().astimezone(UTC))
    if until <= datetime.combine(cfg.start, datetime.min.time(), UTC):
        raise SimulationInFutureError(f"the simulated period starts {cfg.start}, after now",
                                      start=cfg.start.isoformat())
    return until


def simulate(app: App, cfg: WorldConfig, *, orders_per_day: int, rates: InjectionRates,
             progress: Callable[[int], None] | None = None,
             planned: Callable[[int], None] | None = None,
             deliver: bool = True) -> dict[str, Any]:
    """Build a fresh distributor, play its period up to now through the pipeline, report.

    With `deliver`, ERP commands go to the configured connector as the period is played;
    without, they stay in the outbox for `ordex worker` (docs/simulator.md).
    """
    started, until = time.perf_counter(), played_until(app, cfg)
    app.wipe()
    world = build_world(cfg, ZipcodesDirectory().zip_codes())
    app.save_reference(world.ref)
    counter = itertools.count(1)
    pipeline = app.new_pipeline(world.ref, new_id=lambda: f"M{next(counter):010d}")
    session = SessionUnitOfWork(pipeline, sink=lambda _changes: None)
    sim = Simulation(world=world, cfg=cfg, session=session,
                     bus=lambda clock: session_bus(session, clock=clock, team=TEAM),
                     orders_per_day=orders_per_day, rates=rates,
                     flush=lambda changes: _flush(app, changes, deliver=deliver),
                     flush_every=app.settings.batch_size, until=until)
    pipeline_started = time.perf_counter()
    result = sim.run(progress, planned=planned)
    pipeline_seconds = time.perf_counter() - pipeline_started
    with app.engine.begin() as conn:
        rows = [{"order_id": o, "code": c} for o, c in sorted(result.truth)]
        for i in range(0, len(rows), 5000):
            conn.execute(t.ground_truth.insert(), rows[i:i + 5000])
    elapsed = time.perf_counter() - started
    return {
        "seed": cfg.seed, "start": cfg.start.isoformat(), "days": cfg.days,
        "as_of": until.isoformat(),
        "warehouses": cfg.warehouses, "customers": cfg.customers, "items": cfg.items,
        "orders": result.orders, "payloads": result.payloads, "resends_replayed":
        result.replays, "events": result.events,
        "detection": detection_report(result.predicted, result.truth),
        "kpis": (kpis := app.kpis(now=until)),
        **decide_summary(kpis, sim),
        "run": {"seconds": round(elapsed, 2),
                "orders_per_second": round(result.orders / elapsed, 1) if elapsed else None,
                "pipeline_seconds": round(pipeline_seconds, 2),
                "pipeline_orders_per_second": round(result.orders / pipeline_seconds, 1)
                if pipeline_seconds else None,
                **sim.mirror.timings()},
    }


def _flush(app: App, changes: Changes, *, deliver: bool) -> None:
    """Write what the simulated period changed so far, then deliver its ERP commands."""
    app.store.save(changes)
    if deliver:
        app.deliver_outbox()


def decide_summary(kpis: dict[str, Any], sim: Simulation) -> dict[str, Any]:
    """Top-level touchless and OTIF rates of a simulated period, and the decide section."""
    closed = kpis["closed_cases"]
    opened = sum(closed.values()) + kpis["open_backlog"]
    worked = opened - closed.get("cancelled", 0)
    work = sim.pipeline.work
    return {"touchless_rate": round(closed.get("auto_resolved", 0) / worked, 6) if worked
            else 0.0,
            "otif_rate": sim.mirror.otif(work.orders, work.cancelled, work.open_cases),
            "decide": sim.mirror.report()}
