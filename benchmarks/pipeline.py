"""End-to-end pipeline throughput on SQLite and PostgreSQL (the `make bench` figures).

    .venv/bin/python -m benchmarks.pipeline [--days 1] [--orders-per-day 8571]

Runs the simulator (real intake, detection, decisions, cases, outbox, writes) for a period of
the default-size distributor on each database and prints orders per second through the
pipeline (world building excluded) and in total. Medians of `--repeat` runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from ordex.bootstrap import bootstrap
from ordex.config import Settings
from ordex.entrypoints.simulation import simulate
from ordex.simulate.orders import InjectionRates
from ordex.simulate.world import WorldConfig

POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def run_once(url: str, days: int, per_day: int) -> dict[str, float]:
    """One simulated period on one database."""
    app = bootstrap(Settings(database_url=url))
    app.migrate()
    try:
        report = simulate(app, WorldConfig(days=days), orders_per_day=per_day,
                              rates=InjectionRates())
    finally:
        app.engine.dispose()
    return {"orders": report["orders"], **report["run"]}


def postgres_database() -> str | None:
    """A scratch database on the local server, or None when there is no server."""
    try:
        import psycopg
        with psycopg.connect(POSTGRES, autocommit=True, connect_timeout=3) as conn:
            conn.execute("DROP DATABASE IF EXISTS ordex_bench WITH (FORCE)")
            conn.execute("CREATE DATABASE ordex_bench")
    except Exception as exc:  # no server: report and carry on with SQLite
        print(f"PostgreSQL skipped: {exc}")
        return None
    return POSTGRES.rsplit("/", 1)[0] + "/ordex_bench"


def main() -> None:
    """Print the figures as JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--orders-per-day", type=int, default=8571)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        targets = {"sqlite": f"sqlite:///{Path(tmp) / 'bench.db'}"}
        pg = postgres_database()
        if pg:
            targets["postgresql"] = pg
        for name, url in targets.items():
            runs = [run_once(url, args.days, args.orders_per_day) for _ in range(args.repeat)]
            results[name] = {key: statistics.median(r[key] for r in runs)
                             for key in runs[0] if isinstance(runs[0][key], int | float)}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
