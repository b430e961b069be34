"""Outbox delivery rate per second, one worker, on SQLite and PostgreSQL: the sandbox ERP and
the HTTP connector against the local ERP process of the tests (tests/erp_server.py).

    .venv/bin/python -m benchmarks.outbox [--orders 2000] [--http-orders 1000]

Writes three messages per order (a hold, a release, a new promise), then one in-process
worker delivers them as `ordex worker` does (claims of up to 500 orders, full-jitter backoff)
until every deliverable message is sent. A third run injects failures into the HTTP ERP —
per order: every 10th a 500 first, every 20th a connection dropped after the command was
applied, every 25th a 429 with Retry-After 1, every 50th an answer slower than the 1 s
timeout (applied), every 100th a permanent 422 — and reports the retries, dead letters and
what the ERP's own record says (each command applied exactly once). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import func, select

from ordex.adapters.db import tables as t
from ordex.adapters.db.dialect import make_engine
from ordex.adapters.db.migrate import upgrade
from ordex.adapters.db.outbox_stats import outbox_stats
from ordex.adapters.db.store import SqlChangeStore
from ordex.adapters.erp_http import HttpErp, load_mapping
from ordex.adapters.erp_sandbox import SandboxErp, SqlOutbox
from ordex.domain.events import HoldLines, ReleaseLines, RevisePromise
from ordex.orchestrate.changes import Changes, OutboxMessage
from ordex.orchestrate.outbox import deliver
from ordex.orchestrate.ports import ErpConnector
from ordex.orchestrate.retry import RetryPolicy

ROOT = Path(__file__).resolve().parents[1]
SERVER = ROOT / "tests" / "erp_server.py"
POSTGRES = os.environ.get("ORDEX_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = "ordex_bench_outbox"
POLICY = RetryPolicy(base=timedelta(seconds=0.2), cap=timedelta(seconds=2), max_attempts=6,
                     jitter="full")


def postgres_database() -> str | None:
    """A scratch database of this benchmark's own, or None when there is no server."""
    try:
        import psycopg
        with psycopg.connect(POSTGRES, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {DB_NAME}")
    except Exception as exc:  # no server: report and carry on with SQLite
        print(f"PostgreSQL skipped: {exc}", file=sys.stderr)
        return None
    return POSTGRES.rsplit("/", 1)[0] + f"/{DB_NAME}"


def write(url: str, orders: int, tag: str = "SO") -> Any:
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(t.outbox.delete())
        conn.execute(t.erp_sandbox_inbox.delete())
        conn.execute(t.audit_log.delete())
        conn.execute(t.audit_heads.delete())
        conn.execute(t.cases.delete())
    now, messages = datetime.now(UTC), []
    for n in range(orders):
        order = f"{tag}-{n:06d}"
        for i, cmd in enumerate((HoldLines(order, (1, 2), "credit", f"{order}:C"),
                                 ReleaseLines(order, (1, 2), "paid", f"{order}:C"),
                                 RevisePromise(order, (2,), "2026-12-01", "late", f"{order}:S"))):
            messages.append(OutboxMessage(f"{order}-{i}", now + timedelta(microseconds=n * 3 + i),
                                          cmd))
    store = SqlChangeStore(engine)
    for i in range(0, len(messages), 5000):
        store.save(Changes(outbox=messages[i:i + 5000]))
    return engine


def run(engine: Any, erp: ErpConnector, *, expect_sent: int, limit_seconds: float = 600
        ) -> dict[str, Any]:
    """Deliver until `expect_sent` messages are sent; the rate and the outbox's figures."""
    outbox, rng = SqlOutbox(engine), random.Random(7)
    start = time.perf_counter()
    while True:
        moved = deliver(outbox, erp, worker="bench", now=datetime.now(UTC), limit=500,
                        policy=POLICY, rand=rng.random)
        with engine.connect() as conn:
            sent = conn.execute(select(func.count()).where(t.outbox.c.state == "sent")
                                ).scalar_one()
        if sent >= expect_sent or time.perf_counter() - start > limit_seconds:
            break
        if not moved:
            time.sleep(0.02)
    elapsed = time.perf_counter() - start
    stats = outbox_stats(engine, now=datetime.now(UTC))
    return {"sent": sent, "seconds": round(elapsed, 2),
            "messages_per_second": round(sent / elapsed, 1),
            "retries": stats["failed_attempts"] - stats["dead"], "dead": stats["dead"],
            "waiting_behind_dead": stats["pending"], "lag_p50_seconds": stats["lag_p50_seconds"],
            "lag_p95_seconds": stats["lag_p95_seconds"]}


def start_server(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    port_file = tmp / "port"
    proc = subprocess.Popen([sys.executable, str(SERVER), str(port_file)])
    while not port_file.exists():
        time.sleep(0.02)
    return proc, f"http://127.0.0.1:{port_file.read_text()}"


def http_erp(tmp: Path, url: str) -> HttpErp:
    def endpoint(what: str) -> dict[str, Any]:
        return {"path": "/orders/{{ command.order_id | urlencode }}/" + what,
                "payload": {"lines": "{{ command.lines | default([]) }}",
                            "reason": "{{ command.reason }}"}}
    data = {"version": 1, "base_url": f"{url}/api", "timeout_seconds": 1.0,
            "commands": {k: endpoint(k.lower()) for k in (
                "HoldLines", "ReleaseLines", "CancelOrder", "ApplyDecision", "RevisePromise")}}
    path = tmp / "mapping.yaml"
    path.write_text(yaml.safe_dump(data))
    return HttpErp(load_mapping(path), env={})


def failure_plan(orders: int, tag: str) -> tuple[dict[str, list[str]], int]:
    """The injected failures per order, and how many orders end dead-lettered."""
    plan: dict[str, list[str]] = {}
    dead = 0
    for n in range(orders):
        order, steps = f"{tag}-{n:06d}", []
        if n % 100 == 4:
            steps, dead = ["422"], dead + 1
        elif n % 10 == 0:
            steps = ["500"]
        elif n % 20 == 1:
            steps = ["drop"]
        elif n % 25 == 2:
            steps = ["429:1"]
        elif n % 50 == 3:
            steps = ["sleep:1.5"]
        if steps:
            plan[order] = steps
    return plan, dead


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--http-orders", type=int, default=1000)
    args = parser.parse_args()
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        targets = {"sqlite": f"sqlite:///{tmp / 'bench.db'}"}
        if pg := postgres_database():
            targets["postgresql"] = pg
        proc, url = start_server(tmp)
        try:
            for name, db in targets.items():
                engine = write(db, args.orders)
                results[f"{name} sandbox"] = run(engine, SandboxErp(engine),
                                                 expect_sent=args.orders * 3)
                engine = write(db, args.http_orders, tag="OK")
                results[f"{name} http"] = run(engine, http_erp(tmp, url),
                                              expect_sent=args.http_orders * 3)
                engine = write(db, args.http_orders, tag="FAIL")
                plan, dead = failure_plan(args.http_orders, "FAIL")
                httpx.post(f"{url}/_plan", json=plan, timeout=30).raise_for_status()
                before = httpx.get(f"{url}/_record", timeout=30).json()
                out = run(engine, http_erp(tmp, url),
                          expect_sent=(args.http_orders - dead) * 3)
                after = httpx.get(f"{url}/_record", timeout=30).json()
                fresh = {k: v for k, v in after["applied"].items()
                         if k not in before["applied"] or v != before["applied"][k]}
                out["erp_applied_more_than_once"] = sum(1 for v in fresh.values() if v > 1)
                out["injected_dead_orders"] = dead
                results[f"{name} http with failures"] = out
                engine.dispose()
                # a fresh server record for the next database: restart the server
                proc.kill()
                proc.wait()
                (tmp / "port").unlink()
                proc, url = start_server(tmp)
        finally:
            proc.kill()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
