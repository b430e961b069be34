"""Escalation timers under load: how late a due step fires while the worker also judges intake.

    .venv/bin/python -m benchmarks.timers [--cases 10000] [--orders 5000] [--window 60]
                                          [--databases sqlite,postgresql]

Writes `--cases` open cases, each with its five timers (response and resolution breaches, three
escalation steps); one step per case comes due during a `--window`-second stretch (evenly
spread), the others hours later, so the claim query looks among 5 × cases timers. `--orders`
generated orders are queued for intake first; then one `ordex worker` (the real clock) drains
the intake and fires the timers as they come due. The delay of a step is the moment its audit
entry was written less its due time. Prints JSON: delay percentiles and the intake judged.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from benchmarks.intake.databases import (
    ORDEX,
    load_reference,
    ordex,
    postgres_database,
    postgres_problem,
    sqlite_database,
)
from benchmarks.intake.generate import generate
from ordex.adapters.db import tables as t
from ordex.adapters.db.dialect import make_engine
from ordex.adapters.db.store import SqlChangeStore
from ordex.domain.cases import Case
from ordex.domain.codes import ExceptionCode, Queue, Severity
from ordex.orchestrate.changes import Changes
from ordex.orchestrate.work import NewWork

ADMIN = os.environ.get("BENCH_POSTGRES_URL", os.environ.get(
    "ORDEX_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
LATER = timedelta(hours=6)


def _step(case_id: str, n: int, due: datetime) -> NewWork:
    payload = {"case_id": case_id, "target": "step", "step": n, "at_pct": 50.0 * (n + 1),
               "action": "notify", "to": "owner", "recipient": None, "lead": "lead-1"}
    return NewWork("timer", f"{case_id}:step:{n}", payload, due, case_id)


def write_cases(engine: Engine, cases: int, *, first_due: datetime, window: float) -> None:
    """Open cases with five timers each; step 0 of case i is due within the window."""
    opened = first_due - timedelta(hours=1)
    for start in range(0, cases, 2000):
        changes = Changes()
        for i in range(start, min(cases, start + 2000)):
            cid = f"bench-{i:06d}:CREDIT_LIMIT_EXCEEDED"
            due = first_due + timedelta(seconds=window * i / cases)
            changes.new_cases[cid] = Case(
                cid, ExceptionCode.CREDIT_LIMIT_EXCEEDED, Queue.CREDIT, Severity.BLOCKING,
                None, None, (), "over the credit limit", {}, 50, Decimal(100), opened,
                due + LATER, response_due_at=due + LATER)
            changes.timers += [
                _step(cid, 0, due), _step(cid, 1, due + LATER), _step(cid, 2, due + 2 * LATER),
                NewWork("timer", f"{cid}:response", {"case_id": cid, "target": "response"},
                        due + LATER, cid),
                NewWork("timer", f"{cid}:resolution", {"case_id": cid, "target": "resolution"},
                        due + LATER, cid)]
        SqlChangeStore(engine).save(changes)


def delays(engine: Engine) -> list[float]:
    """Seconds from each fired step's due time to its audit entry."""
    w, a = t.work_items.c, t.audit_log.c
    query = (select(w.not_before, a.at).join(t.audit_log, a.case_id == w.subject)
             .where(w.kind == "timer", w.key.like("%:step:0"), a.action == "escalate_notify"))
    with engine.connect() as conn:
        return sorted((_utc(at) - _utc(due)).total_seconds() for due, at in conn.execute(query))


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _pct(values: list[float], p: float) -> float:
    return round(values[min(len(values) - 1, int(p / 100 * len(values)))], 3) if values else 0.0


def run_one(url: str, files: Any, *, cases: int, window: float, tmp: Path) -> dict[str, Any]:
    """One database: load, queue the orders, write the cases, run one worker, measure."""
    load_reference(url, files.reference)
    ordex("ingest", "--queue", str(files.shards[0][1]), "--db", url, "--format", "json")
    engine = make_engine(url)
    try:
        first_due = datetime.now(UTC) + timedelta(seconds=5)  # the worker starts on intake
        write_cases(engine, cases, first_due=first_due, window=window)
        log = (tmp / "worker.log").open("w")
        worker = subprocess.Popen([*ORDEX, "worker", "--db", url], stdout=log, stderr=log)
        started = time.monotonic()
        deadline = started + 5 + window + 300
        fired = 0
        while time.monotonic() < deadline:
            time.sleep(2)
            fired = len(delays(engine))
            if fired >= cases:
                break
        found = delays(engine)
        with engine.connect() as conn:  # how far intake got while the steps fired
            judged = conn.execute(select(func.count()).select_from(t.orders)).scalar_one()
            queued = conn.execute(select(func.count()).select_from(t.work_items).where(
                t.work_items.c.kind == "intake", t.work_items.c.state != "done")).scalar_one()
        worker.terminate()  # it finishes the batch in hand first: no need to wait for that
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        result = {"steps_due": cases, "steps_fired": len(found), "timers_in_table": 5 * cases,
                "delay_s": {"p50": _pct(found, 50), "p95": _pct(found, 95),
                            "p99": _pct(found, 99), "max": _pct(found, 100),
                            "min": _pct(found, 0)},
                "orders_judged": judged, "intake_items_left": queued,
                "window_s": window}
        print(json.dumps(result), file=sys.stderr, flush=True)
        return result
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--orders", type=int, default=5_000)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    report: dict[str, Any] = {"at": datetime.now(UTC).isoformat(), "cases": args.cases,
                              "orders": args.orders}
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        files = generate(tmp / "input", orders=args.orders, api_orders=0, shards=1, seed=42)
        for db in args.databases.split(","):
            if db == "sqlite":
                with sqlite_database(tmp, "timers") as url:
                    report[db] = run_one(url, files, cases=args.cases, window=args.window,
                                         tmp=tmp)
            elif (problem := postgres_problem(ADMIN)) is None:
                with postgres_database(ADMIN, "timers") as url:
                    report[db] = run_one(url, files, cases=args.cases, window=args.window,
                                         tmp=tmp)
            else:
                report[db] = {"skipped": problem}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
