"""Server time of every page, signed in as a person (docs/benchmarks.md, "Pages").

    .venv/bin/python -m benchmarks.pages [--orders 60000] [--days 7] [--requests 30]
                                         [--cases 1000000] [--format json]

(a) `ordex simulate` plays the default week into a SQLite file; every page (/, /ui/work when
the build has it, /ui/cases/{id}, /ui/dashboards, /ui/kpis, /kpis) is asked `--requests`
times with a signed-in session, in process (routing, handler, queries, template; no
network); `--orders 0` skips (a). (b) `--cases` generated cases in a scratch PostgreSQL
database, made set-based by INSERT ... SELECT generate_series (no row leaves the server), then
the queue page, search and the dashboards; `--cases 0` skips (b). Figures only: p50 and p95
in milliseconds, never a verdict. Wall time and this process's CPU time are both reported:
on a shared machine the wall time waits for the cores, the CPU time does not (for
PostgreSQL it leaves out the server's work).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from benchmarks.page_data import GENERATE, case_page_id
from ordex.bootstrap import App, bootstrap
from ordex.config import Settings
from ordex.domain.identity import User
from ordex.entrypoints.api.app import create_app

POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
"""The server the scratch database is made on (BENCH_POSTGRES_URL, as benchmarks.intake)."""
LOGIN, PASSWORD = "bench-manager", "bench-manager-password"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def signed_in(app: App) -> TestClient:
    """A TestClient with a person's session (the sign-in form, as a browser sends it)."""
    app.identity.add_user(User(LOGIN, "Bench manager", "bench@example.com",
                               ("viewer", "admin")), password=PASSWORD, now=app.clock(),
                          by="bench")
    client = TestClient(create_app(app), follow_redirects=False)
    form = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    answer = client.post("/login", data={"login": LOGIN, "password": PASSWORD,
                                         "csrf": csrf.group(1) if csrf else ""})
    if answer.status_code != 303:
        raise SystemExit(f"sign-in failed: {answer.status_code} {answer.text[:200]}")
    return client


def timed(client: TestClient, path: str, requests: int) -> dict[str, float]:
    """p50 / p95 / max of `requests` GETs after two warm-up ones (milliseconds)."""
    for _ in range(2):
        first = client.get(path)
    if first.status_code != 200:
        return {"status": first.status_code}
    spent, cpu = [], []
    for _ in range(requests):
        start, start_cpu = time.perf_counter(), time.process_time()
        client.get(path)
        spent.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    found = {"p50_ms": _rank(spent, 0.5), "p95_ms": _rank(spent, 0.95),
             "max_ms": round(max(spent), 1), "cpu_p50_ms": _rank(cpu, 0.5),
             "cpu_p95_ms": _rank(cpu, 0.95), "requests": requests}
    log(f"  {path}: {found}")  # as measured: a long run interrupted keeps what it measured
    return found


def _rank(values: list[float], p: float) -> float:
    """Nearest-rank percentile, rounded to 0.1 ms."""
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(p * len(ordered)) - 1)], 1)


def has_route(client: TestClient, path: str) -> bool:
    return any(getattr(r, "path", None) == path for r in client.app.routes)  # type: ignore[attr-defined]


def week(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """(a) the simulated week in SQLite: every page."""
    url = f"sqlite:///{tmp / 'week.db'}"
    log(f"simulating {args.orders} orders over {args.days} days into SQLite …")
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "ordex", "simulate", "--db", url, "--days",
                    str(args.days), "--orders", str(args.orders), "--format", "json"],
                   check=True, stdout=subprocess.DEVNULL)
    app = bootstrap(Settings(database_url=url))
    try:
        with app.engine.connect() as conn:
            cases = conn.execute(text("SELECT count(*) FROM cases")).scalar_one()
        client = signed_in(app)
        pages = ["/", *(["/ui/work"] if has_route(client, "/ui/work") else []),
                 f"/ui/cases/{case_page_id(app)}", "/ui/dashboards", "/ui/kpis", "/kpis"]
        figures = {p: timed(client, p, args.requests) for p in pages}
    finally:
        app.engine.dispose()
    return {"orders": args.orders, "cases": cases,
            "simulate_seconds": round(time.monotonic() - started, 1), "pages": figures}


@contextmanager
def scratch_postgres() -> Iterator[str]:
    import psycopg
    name = f"ordex_bench_pages_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def million(args: argparse.Namespace) -> dict[str, Any]:
    """(b) generated cases in PostgreSQL: the queue page, search and the dashboards."""
    with scratch_postgres() as url:
        app = bootstrap(Settings(database_url=url))
        try:
            app.migrate()
            log(f"generating {args.cases:,} cases in PostgreSQL (set-based) …")
            started = time.monotonic()
            with app.engine.begin() as conn:
                for statement in GENERATE:
                    conn.execute(text(statement), {"cases": args.cases,
                                                   "orders": max(1, args.cases * 7 // 10)})
            with app.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
                made = conn.execute(text("SELECT count(*) FROM cases")).scalar_one()
            generated = round(time.monotonic() - started, 1)
            client = signed_in(app)
            pages = {"queue (home: top 15 per queue)": "/",
                     "queue API (planning, active)": "/cases?queue=planning",
                     "search by customer": "/cases?customer=BC-42&state=all",
                     "search by order": "/cases?order=BO-4242&state=all",
                     "dashboards (7 days)": "/ui/dashboards", "kpis (7 days)": "/kpis"}
            if has_route(client, "/ui/work"):
                pages["queue page /ui/work"] = "/ui/work"
            figures = {name: timed(client, path, args.requests) for name, path in pages.items()}
        finally:
            app.engine.dispose()
    return {"cases": made, "generate_seconds": generated, "pages": figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=60_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args()
    report: dict[str, Any] = {}
    if args.orders:
        with tempfile.TemporaryDirectory() as tmp:
            report["sqlite_week"] = week(args, Path(tmp))
    if args.cases:
        try:
            report["postgresql_generated"] = million(args)
        except Exception as exc:  # no server: the SQLite figures stand alone
            report["postgresql_generated"] = {"skipped": f"{type(exc).__name__}: {exc}"}
    if args.format == "json":
        print(json.dumps(report, indent=2))
        return
    for part, found in report.items():
        print(f"{part}: " + ", ".join(f"{k} {v}" for k, v in found.items() if k != "pages"))
        for page, f in found.get("pages", {}).items():
            print(f"  {page:40} " + " ".join(f"{k} {v}" for k, v in f.items()))


if __name__ == "__main__":
    main()
