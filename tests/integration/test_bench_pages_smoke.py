"""The page benchmark on tiny sizes: it runs to its end and times every page on both
databases. Figures only: nothing here judges a timing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_tiny_page_benchmark_times_every_page_on_sqlite_and_generated_postgresql(
        postgres_admin_url: str) -> None:
    env = {**{k: v for k, v in os.environ.items() if k != "ORDEX_POLICY_FILE"},
           "BENCH_POSTGRES_URL": postgres_admin_url.replace("+psycopg", "")}
    run = subprocess.run([sys.executable, "-m", "benchmarks.pages", "--orders", "300",
                          "--days", "1", "--cases", "3000", "--requests", "2", "--format",
                          "json"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout)
    week, generated = report["sqlite_week"], report["postgresql_generated"]
    assert week["cases"] > 0 and generated["cases"] == 3000, report
    assert {"/", "/ui/dashboards", "/ui/kpis", "/kpis"} <= set(week["pages"])
    assert any(page.startswith("/ui/cases/") for page in week["pages"])
    assert {"dashboards (7 days)", "search by customer", "queue (home: top 15 per queue)"} \
        <= set(generated["pages"])
    for part in (week, generated):
        for page, figures in part["pages"].items():
            assert "status" not in figures, (page, figures)  # every page answered 200
            assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["max_ms"], page
