"""One benchmark run: generate the input, then each database's batch, floor and HTTP figures."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path
from typing import Any

from benchmarks.intake import databases as dbs
from benchmarks.intake.floor import floor
from benchmarks.intake.generate import InputFiles, generate
from benchmarks.intake.latency import steady_feed
from benchmarks.intake.load import phase
from benchmarks.intake.server import bench_token, serving
from benchmarks.intake.settings import BenchSettings
from benchmarks.intake.workers import WorkerRun, run_workers


def say(message: str) -> None:
    """Progress on stderr (stdout carries the report)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return round(time.perf_counter() - started, 3)


def prepare(work: Path, s: BenchSettings) -> InputFiles:
    """Every input file, before anything is timed."""
    say(f"generating {s.orders:,} batch orders and {s.api_orders:,} API orders")
    return generate(work / "input", orders=s.orders, api_orders=s.api_orders, shards=s.shards,
                    seed=s.seed, customers=s.customers, items=s.items)


def batch(url: str, files: InputFiles, workers: int, mode: str) -> dict[str, Any]:
    """Load the reference data (untimed), then the files through N processes (timed)."""
    ref_seconds = timed(lambda: dbs.load_reference(url, files.reference))
    say(f"  {workers} process(es): ingesting {files.counts['orders']:,} orders")
    run = run_workers(workers, url, files.shards, mode=mode)
    return {"reference_load_seconds": ref_seconds, **_batch_figures(run), "cases": _cases(url),
            **_stored(url),
            "process_start_seconds": timed(lambda: dbs.ordex("migrate", "--db", url))}


def _batch_figures(run: WorkerRun) -> dict[str, Any]:
    return {"workers": run.workers, "orders": run.orders, "seconds": round(run.seconds, 3),
            "orders_per_second": round(run.orders / run.seconds, 1) if run.seconds else 0.0,
            "peak_rss_mb_per_process": [round(m, 1) for m in run.peak_rss_mb],
            "peak_rss_mb": round(max(run.peak_rss_mb, default=0), 1),
            "peak_rss_mb_total": round(sum(run.peak_rss_mb), 1),
            "summary": run.summary, "exit_codes": run.exit_codes, "errors": run.errors}


def _cases(url: str) -> dict[str, int]:
    """Cases in the database by state, as `ordex cases` counts them."""
    shown = dbs.ordex("cases", "--db", url, "--state", "all", "--limit", "1", "--format", "json")
    totals: dict[str, int] = json.loads(shown.stdout)["totals"]
    return {**totals, "total": sum(totals.values())}


def _stored(url: str) -> dict[str, Any]:
    """Orders in the database and their exception rate, as `ordex kpis` reports them.

    Counts what was committed even when a process failed before reporting its orders.
    """
    kpis = json.loads(dbs.ordex("kpis", "--db", url, "--format", "json").stdout)
    return {"orders_stored": kpis["orders"], "exception_rate": kpis["exception_rate"]}


def http(url: str, files: InputFiles, s: BenchSettings) -> dict[str, Any]:
    """The latency run on one server, then the three load phases on a fresh one."""
    bodies = files.api.read_bytes().splitlines()
    steady = int(s.rate * s.latency_seconds)
    say(f"  latency: {steady:,} orders at {s.rate:g}/s")
    log = files.folder / "serve.log"
    s = replace(s, token=s.token or bench_token(url))  # every route needs a credential
    with serving(url, s.token, log) as server:
        latency = steady_feed(server.url, bodies[:steady], rate=s.rate, drain=s.drain_seconds,
                              token=s.token)
    latency["server_peak_rss_mb"] = round(server.peak_rss_mb, 1)
    pool = iter(bodies[steady:])
    with serving(url, s.token, log) as server:
        api: dict[str, Any] = {name: _phase(server.url, name, pool, posters, readers, s)
                               for name, posters, readers in (
                                   ("readers_alone", 0, s.readers),
                                   ("posters_alone", s.clients, 0),
                                   ("posters_and_readers", s.clients, s.readers))}
    api["server_peak_rss_mb"] = round(server.peak_rss_mb, 1)
    return {"latency": latency, "api": api}


def _phase(url: str, name: str, pool: Any, posters: int, readers: int,
           s: BenchSettings) -> dict[str, Any]:
    say(f"  api {name}: {posters} posting, {readers} reading for {s.load_seconds:g} s")
    return phase(url, orders=pool, posters=posters, readers=readers, seconds=s.load_seconds,
                 token=s.token)


def with_floor(url: str, files: InputFiles, result: dict[str, Any]) -> dict[str, Any]:
    """The raw floor in the same database, and how far end to end is from it."""
    say("  floor: the same payloads written raw")
    raw = floor(url, files.floor)
    e2e = result["orders_per_second"]
    return {"floor": raw, "e2e_over_floor": round(e2e / raw["orders_per_second"], 4),
            "floor_over_e2e": round(raw["orders_per_second"] / e2e, 1) if e2e else None}


def database(kind: str, files: InputFiles, work: Path, s: BenchSettings) -> dict[str, Any]:
    """Every figure of one database kind."""
    counts = (1,) if kind == "sqlite" else s.workers
    out: dict[str, Any] = {"batch": {}}
    for n in counts:
        say(f"{kind}: fresh database, {n} process(es)")
        with _fresh(kind, work, s, f"w{n}") as url:
            out["batch"][str(n)] = result = batch(url, files, n, s.intake)
            if n == counts[0]:
                out.update(with_floor(url, files, result))
                out.update(http(url, files, s))
    return out


def _fresh(kind: str, work: Path, s: BenchSettings, name: str) -> AbstractContextManager[str]:
    if kind == "sqlite":
        return dbs.sqlite_database(work, name)
    return dbs.postgres_database(s.postgres_url, name)
