"""`ordex worker` says what it did when it stops: a line per loop, or one JSON document."""

from __future__ import annotations

import json
from pathlib import Path

from test_cli import ROOT, ordex


def _queued(tmp_path: Path) -> str:
    db = f"sqlite:///{tmp_path / 'ordex.db'}"
    assert ordex("load-reference", str(ROOT / "examples/reference"), "--db", db).returncode == 0
    queued = ordex("ingest", str(ROOT / "examples/orders.ndjson"), "--queue", "--db", db)
    assert queued.returncode == 0, queued.stderr
    return db


def test_a_worker_run_to_idle_reports_the_intake_it_judged_as_json(tmp_path: Path) -> None:
    db = _queued(tmp_path)
    run = ordex("worker", "--once", "--db", db, "--format", "json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    main = next(loop for loop in report["loops"] if not loop["worker"].endswith("/timers"))
    assert main["by_kind"].get("intake", 0) >= 1 and main["done"] == sum(main["by_kind"].values())
    assert main["failed"] == 0 and main["loop_errors"] == 0 and report["seconds"] >= 0
    again = json.loads(ordex("worker", "--once", "--db", db, "--format", "json").stdout)
    assert all(loop["by_kind"].get("intake", 0) == 0 for loop in again["loops"])  # done once


def test_a_worker_run_says_one_line_per_loop_on_stderr_and_nothing_on_stdout(
        tmp_path: Path) -> None:
    db = _queued(tmp_path)
    run = ordex("worker", "--once", "--db", db)
    assert run.returncode == 0 and run.stdout == ""
    lines = [line for line in run.stderr.splitlines() if line.startswith("worker ")]
    assert lines and all("items done" in line and "ERP messages sent" in line for line in lines)
    assert any("intake" in line for line in lines)
