"""Server time of the work page (`GET /ui/work`): its views, its htmx partial and its live
marker, on a loaded database.

    .venv/bin/python -m benchmarks.work_page --db sqlite:///week.db   # after `ordex simulate`
    .venv/bin/python -m benchmarks.work_page --generate 1000000       # PostgreSQL, generated

`--db` measures an existing database (the default simulated week: `ordex simulate --db ...`).
`--generate N` makes a scratch PostgreSQL database (`ordex_bench_work`), migrates it and writes
N cases with their orders and 2,000 customers in a few set-based INSERT ... SELECT statements
(`--active` of them still open). Each view is asked `--requests` times in-process (FastAPI's
TestClient, an API token); the figures are p50 and p95 in milliseconds, printed as JSON.
Figures, never assertions (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from benchmarks.pipeline import POSTGRES
from ordex.bootstrap import App, bootstrap
from ordex.config import Settings
from ordex.domain.codes import ExceptionCode
from ordex.entrypoints.api.app import create_app

SCRATCH = "ordex_bench_work"
QUEUES = {"INVENTORY_SHORTFALL": "planning", "ALLOCATION_CONFLICT": "planning",
          "PRICE_MISMATCH": "pricing", "MARGIN_BELOW_FLOOR": "pricing",
          "CREDIT_LIMIT_EXCEEDED": "credit", "PAST_DUE_HOLD": "credit",
          "TAX_FAILURE": "finance", "COMPLIANCE_HOLD": "compliance",
          "INTEGRATION_FAILURE": "integration"}
VIEWS = {
    "all": {}, "queue": {"queue": "credit"}, "code": {"code": "PRICE_MISMATCH"},
    "warehouse+tier": {"warehouse": "W3", "tier": "gold"}, "sla_breached": {"sla": "breached"},
    "age": {"age": "1d-3d"}, "search_name": {"q": "customer 17"}, "page_5": {"page": "5"}}


def scratch_url() -> str:
    """A fresh scratch database on the local PostgreSQL server."""
    import psycopg
    with psycopg.connect(POSTGRES, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {SCRATCH}")
    return POSTGRES.rsplit("/", 1)[0] + "/" + SCRATCH


def generate(app: App, *, cases: int, active: float) -> None:
    """Customers, warehouses, N orders and N cases (one per order), set-based."""
    codes = [c.value for c in ExceptionCode]
    queues = [QUEUES.get(c, "customer_service" if c not in (
        "MISSING_CARRIER_INSTRUCTIONS", "SHIPMENT_CONSTRAINT", "LATE_SHIPMENT_RISK")
        else "logistics") for c in codes]
    arrays = {"codes": codes, "queues": queues}
    with app.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO customers SELECT 'C' || i, 'Customer ' || i, (ARRAY['gold','silver',"
            "'bronze'])[1 + i % 3], 10000, (ARRAY['MW','SE','W','NE'])[1 + i % 4], 30, '', "
            "false, false FROM generate_series(1, 2000) i"))
        conn.execute(text("INSERT INTO warehouses SELECT 'W' || i, 'Warehouse ' || i, 'IL', "
                          "'60607', 0 FROM generate_series(1, 8) i"))
        conn.execute(text(
            "INSERT INTO orders (order_id, customer_id, customer_po, po_key, channel, "
            "order_date, requested_ship_date, ship_to, warehouse_id, currency, total_value, "
            "status, received_at) SELECT 'O' || i, 'C' || (1 + i % 2000), 'PO' || i, 'PO' || i,"
            " 'api', DATE '2026-11-23', DATE '2026-11-30', '{}', 'W' || (1 + i % 8), 'USD', "
            "100, 'open', now() FROM generate_series(1, :n) i"), {"n": cases})
        conn.execute(text(
            "INSERT INTO cases (case_id, code, queue, severity, order_id, customer_id, lines, "
            "reason, evidence, priority, value_at_risk, state, opened_at, sla_due_at, "
            "response_due_at, sla_calendar, paused_seconds, version) "
            "SELECT 'O' || i || ':' || (CAST(:codes AS text[]))[1 + i % :k], "
            "(CAST(:codes AS text[]))[1 + i % :k], (CAST(:queues AS text[]))[1 + i % :k], "
            "'medium', 'O' || i, 'C' || (1 + i % 2000), '[]', 'x', '{}', "
            "(i::bigint * 7919) % 100, (i % 50000), "
            "CASE WHEN random() < :active THEN (ARRAY['open',"
            "'open','assigned','in_progress','paused'])[1 + i % 5] ELSE 'resolved' END, "
            "now() - (i % 5000) * interval '1 minute', now() + ((i % 900) - 300) * "
            "interval '1 minute', now() + ((i % 300) - 100) * interval '1 minute', "
            "'round_the_clock', 0, 0 FROM generate_series(1, :n) i"),
            {"n": cases, "active": active, "k": len(codes), **arrays})
        conn.execute(text("ANALYZE"))


def timed(http: TestClient, params: dict[str, str], headers: dict[str, str], n: int
          ) -> dict[str, float]:
    """p50 and p95 (ms) of n requests."""
    spans = []
    for _ in range(n):
        started = time.perf_counter()
        answer = http.get("/ui/work", params=params, headers=headers)
        spans.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.text[:300]
    spans.sort()
    return {"p50_ms": round(statistics.median(spans), 1),
            "p95_ms": round(spans[max(0, int(len(spans) * 0.95) - 1)], 1)}


def measure(app: App, requests: int) -> dict[str, Any]:
    """Every view, for a person of every queue (admin) and of one queue (credit analyst)."""
    api = create_app(app)
    found: dict[str, Any] = {}
    for role in ("admin", "credit_analyst"):
        token = app.identity.create_token(f"bench-{role}-{time.time_ns()}", (role,),
                                          expires_at=None, now=app.clock(), by="bench")
        with TestClient(api, headers={"Authorization": f"Bearer {token}"}) as http:
            http.get("/ui/work")  # warm: templates compiled, connections open
            found[role] = {name: timed(http, params, {}, requests)
                           for name, params in VIEWS.items()}
            found[role]["partial"] = timed(http, {"tier": "gold"},
                                           {"HX-Request": "true", "HX-Target": "work-results"},
                                           requests)
            spans = []
            for _ in range(requests):
                started = time.perf_counter()
                http.get("/ui/work/live", params={"mark": 0})
                spans.append((time.perf_counter() - started) * 1000)
            found[role]["live"] = {"p50_ms": round(statistics.median(spans), 1)}
    return found


def main() -> None:
    """Print the figures as JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="an existing database (e.g. the simulated week)")
    parser.add_argument("--generate", type=int, help="generate this many cases (PostgreSQL)")
    parser.add_argument("--active", type=float, default=0.2)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    url = args.db or scratch_url()
    app = bootstrap(Settings(database_url=url))
    app.migrate()
    if args.generate:
        started = time.perf_counter()
        generate(app, cases=args.generate, active=args.active)
        print(json.dumps({"generated": args.generate,
                          "seconds": round(time.perf_counter() - started, 1)}))
    with app.engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM cases")).scalar()
        active = conn.execute(text("SELECT count(*) FROM cases WHERE state IN ('open', "
                                   "'assigned', 'in_progress', 'awaiting_approval', "
                                   "'paused')")).scalar()
    print(json.dumps({"database": app.engine.dialect.name, "cases": total, "active": active,
                      "views": measure(app, args.requests)}, indent=1))
    app.engine.dispose()


if __name__ == "__main__":
    main()
