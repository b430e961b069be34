"""The intake benchmark on tiny sizes: it runs to its end and produces every figure.

Figures only: nothing here judges a timing. The run takes about a minute (both databases,
1, 2 and 4 PostgreSQL processes, every HTTP phase).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # the benchmarks package lives beside src/

from benchmarks.intake.generate import generate  # noqa: E402
from benchmarks.intake.workers import partition  # noqa: E402

TINY = {"BENCH_ORDERS": "50", "BENCH_CUSTOMERS": "100", "BENCH_ITEMS": "300",
        "BENCH_RATE": "10", "BENCH_LATENCY_SECONDS": "2", "BENCH_DRAIN_SECONDS": "30",
        "BENCH_LOAD_SECONDS": "2", "BENCH_MAX_POST_RATE": "1000"}
"""No BENCH_TOKEN: the run makes its own token on each database (every route needs one)."""
ROUTES = {"readers_alone": ("GET /", "GET /queues"), "posters_alone": ("POST /orders",),
          "posters_and_readers": ("GET /", "GET /queues", "POST /orders")}


def expected_figures(workers: dict[str, tuple[int, ...]]) -> set[str]:
    """Every headline figure a run on these databases and process counts must report."""
    names = set()
    for db, counts in workers.items():
        for n in counts:
            names |= {f"{db}.e2e.{n}w.{k}" for k in (
                "orders", "orders_stored", "orders_per_second", "peak_rss_mb", "cases",
                "floor_over_e2e",
                "reference_load_seconds", "process_start_seconds")}
        names |= {f"{db}.floor.orders_per_second", f"{db}.e2e_over_floor",
                  f"{db}.api.server_peak_rss_mb"}
        names |= {f"{db}.latency.{k}" for k in ("answered_per_second", "p50_ms", "p95_ms",
                                                "p99_ms", "server_peak_rss_mb")}
        names |= {f"{db}.api.{phase}.{route}.{k}" for phase, routes in ROUTES.items()
                  for route in routes for k in ("requests_per_second", "p50_ms", "p99_ms")}
    return names


def test_tiny_run_reports_every_figure_as_a_positive_number_and_every_order(
        tmp_path: Path, postgres_admin_url: str) -> None:
    env = {**{k: v for k, v in os.environ.items() if k != "ORDEX_POLICY_FILE"}, **TINY,
           "BENCH_POSTGRES_URL": postgres_admin_url.replace("+psycopg", ""),
           "BENCH_RESULTS": str(tmp_path)}
    run = subprocess.run([sys.executable, "-m", "benchmarks.intake", "--format", "json"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout)
    # a process that fails (a deadlock between concurrent writers) is reported, not hidden
    assert all(e.startswith("postgresql ") and " process(es): " in e for e in report["errors"])
    figures = report["figures"]
    missing = expected_figures({"sqlite": (1,), "postgresql": (1, 2, 4)}) - set(figures)
    assert not missing, sorted(missing)
    wrong = {k: v for k, v in figures.items()
             if isinstance(v, bool) or not isinstance(v, int | float) or v <= 0}
    assert not wrong, wrong
    every = report["input"]["orders"]
    for db in ("sqlite", "postgresql"):
        for n, batch in report["databases"][db]["batch"].items():
            failed = [c for c in batch["exit_codes"] if c]
            assert len(batch["exit_codes"]) == int(n) and len(failed) == len(batch["errors"])
            # every order is reported once, unless a process failed and reported none
            assert batch["orders"] == every if not failed else batch["orders"] < every
    saved = list(tmp_path.glob("intake-*.json"))
    assert len(saved) == 1 and json.loads(saved[0].read_text()) == report


def test_worker_intake_reports_every_order_through_queue_and_workers(
        tmp_path: Path, postgres_admin_url: str) -> None:
    env = {**{k: v for k, v in os.environ.items() if k != "ORDEX_POLICY_FILE"}, **TINY,
           "BENCH_INTAKE": "worker", "BENCH_DATABASES": "postgresql", "BENCH_WORKERS": "1,2",
           "BENCH_LATENCY_SECONDS": "0.5", "BENCH_LOAD_SECONDS": "0.5",
           "BENCH_POSTGRES_URL": postgres_admin_url.replace("+psycopg", ""),
           "BENCH_RESULTS": str(tmp_path)}
    run = subprocess.run([sys.executable, "-m", "benchmarks.intake", "--format", "json"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout)
    assert report["errors"] == []
    for n, batch in report["databases"]["postgresql"]["batch"].items():
        # one queueing process, N workers, one ingest of the EDI files
        assert len(batch["exit_codes"]) == int(n) + 2 and not any(batch["exit_codes"])
        assert batch["orders"] == report["input"]["orders"]
        assert batch["summary"]["queued"] == report["input"]["ndjson_orders"]
        assert 0 < batch["orders_stored"] <= batch["orders"] and batch["cases"]["total"] > 0


def test_shards_hold_disjoint_customers_and_partitions_keep_shards_whole(tmp_path: Path) -> None:
    files = generate(tmp_path, orders=300, api_orders=10, shards=4, seed=7, customers=60,
                     items=200)
    owners: dict[str, int] = {}
    for k, group in enumerate(files.shards):
        for path in group:
            for cid in _customers(path):
                assert owners.setdefault(cid, k) == k, f"{cid} is in shards {owners[cid]}, {k}"
    assert files.counts["edi_orders"] > 0 and files.counts["ndjson_orders"] > 0
    for n in (1, 2, 4):
        shares = partition(files.shards, n)
        assert sorted(p for s in shares for p in s) == sorted(p for g in files.shards for p in g)
        assert all(any(set(g) <= set(s) for s in shares) for g in files.shards)


def _customers(path: Path) -> set[str]:
    """Customers of an NDJSON file, or the EDI senders' customers of an 850 file."""
    if path.suffix == ".edi":
        return {seg.split("*")[6].strip().removeprefix("EDI")
                for seg in path.read_text().splitlines() if seg.startswith("ISA")}
    found = set()
    for line in path.read_bytes().splitlines():
        try:
            found.add(json.loads(line)["customer_id"])
        except (ValueError, KeyError):
            continue  # a broken payload the simulator injected
    return found
