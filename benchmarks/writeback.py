"""The write-back acceptance run: a simulated week's ERP commands delivered exactly once.

    .venv/bin/python -m benchmarks.writeback [--days 7] [--orders 60000] [--kills 2]

Plays the period with `ordex simulate --no-deliver` (people included), so every ERP command
the week's automatic and human decisions made waits in the outbox. Then `ordex worker`
processes deliver them through the HTTP connector to the local ERP of the tests
(tests/erp_server.py), which fails on purpose per order — every 10th order a 500 first, every
20th a connection dropped after the command was applied, every 25th a 429 with Retry-After 1,
every 50th an answer slower than the connector's timeout (applied), every 100th a permanent
422 — and each worker is killed with SIGKILL partway (`--kills` times) and started again, until
nothing deliverable is left. Then the ERP's own record is compared with the outbox: every
message sent is applied exactly once, none applied twice, none applied that ordex holds as
unsent; dead letters only on orders given a 422 (a 422 whose answer a SIGKILL lost is sent
again, and then taken). A killed worker's claims wait for
their lease (20 s here) before another worker takes them. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import typing
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import func, select

from ordex.adapters.db import tables as t
from ordex.adapters.db.dialect import make_engine
from ordex.domain.events import ErpCommand

ROOT = Path(__file__).resolve().parents[1]
SERVER = ROOT / "tests" / "erp_server.py"
ORDEX = [sys.executable, "-m", "ordex"]
LIMIT_SECONDS = 1800


def start_erp(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    """The failing ERP on a free loopback port."""
    port_file = tmp / "erp-port"
    proc = subprocess.Popen([sys.executable, str(SERVER), str(port_file)])
    deadline = time.monotonic() + 30
    while not port_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the ERP server did not start")
        time.sleep(0.05)
    return proc, f"http://127.0.0.1:{port_file.read_text()}"


def mapping(tmp: Path, url: str) -> Path:
    """An HTTP mapping with one endpoint per ERP command kind ordex knows."""
    kinds = [k.__name__ for k in typing.get_args(ErpCommand)]
    data = {"version": 1, "base_url": f"{url}/api", "timeout_seconds": 1.0,
            "auth": {"type": "none"},
            "commands": {k: {"method": "POST",
                             "path": "/orders/{{ command.order_id | urlencode }}/" + k.lower(),
                             "payload": {"kind": "{{ kind }}"}} for k in kinds}}
    path = tmp / "mapping.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def failure_plan(orders: list[str]) -> tuple[dict[str, list[str]], set[str]]:
    """Injected failures per order (by its place in the outbox), and the orders given a 422."""
    plan: dict[str, list[str]] = {}
    refused: set[str] = set()
    for n, order in enumerate(orders):
        if n % 100 == 4:
            plan[order] = ["422"]
            refused.add(order)
        elif n % 10 == 0:
            plan[order] = ["500"]
        elif n % 20 == 1:
            plan[order] = ["drop"]
        elif n % 25 == 2:
            plan[order] = ["429:1"]
        elif n % 50 == 3:
            plan[order] = ["sleep:1.5"]
    return plan, refused


def outbox_counts(engine: Any) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(t.outbox.c.state, func.count()).group_by(t.outbox.c.state))
        return {state: n for state, n in rows}


def deliver_with_kills(db: str, env: dict[str, str], engine: Any, *, kills: int,
                       log: Path) -> dict[str, Any]:
    """Workers until nothing deliverable is left, each of the first `kills` SIGKILLed once
    part of the outbox is sent."""
    started, killed, runs, at_kill = time.monotonic(), 0, 0, []
    with log.open("ab") as out:
        while time.monotonic() - started < LIMIT_SECONDS:
            counts = outbox_counts(engine)
            if counts.get("pending", 0) == 0 or _only_blocked(engine):
                break
            runs += 1
            proc = subprocess.Popen([*ORDEX, "worker", "--db", db], env=env, stdout=out,
                                    stderr=out)
            if killed < kills:  # partway through what is left: a share of the pending
                target = counts.get("sent", 0) + max(1, counts["pending"] // (kills - killed + 1))
                while proc.poll() is None and outbox_counts(engine).get("sent", 0) < target \
                        and not _only_blocked(engine):
                    time.sleep(0.05)
                if proc.returncode:  # it stopped by itself: a configuration error, say
                    raise RuntimeError(f"ordex worker exited with {proc.returncode}: "
                                       f"{log.read_text(errors='replace')[-1000:]}")
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                killed += 1
                at_kill.append(outbox_counts(engine))
                continue
            while proc.poll() is None and not _only_blocked(engine):
                time.sleep(0.5)
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=120)
    return {"worker_runs": runs, "sigkills": killed, "outbox_at_each_kill": at_kill,
            "seconds": round(time.monotonic() - started, 1)}


def _only_blocked(engine: Any) -> bool:
    """Every pending message waits behind a dead letter of its order (per-order ordering)."""
    with engine.connect() as conn:
        pending = conn.execute(select(t.outbox.c.order_id).where(t.outbox.c.state == "pending")
                               .distinct()).scalars().all()
        dead = set(conn.execute(select(t.outbox.c.order_id).where(t.outbox.c.state == "dead")
                                .distinct()).scalars().all())
    return all(order in dead for order in pending)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--orders", type=int, default=60_000)
    parser.add_argument("--kills", type=int, default=2)
    parser.add_argument("--start", default=None, help="first day (default: ends today)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="work in this folder and keep it (the database, the worker log)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ordex-writeback-") as tmpdir:
        tmp = args.keep or Path(tmpdir)
        tmp.mkdir(parents=True, exist_ok=True)
        db = f"sqlite:///{tmp / 'week.db'}"
        played = subprocess.run([*ORDEX, "simulate", "--days", str(args.days), "--orders",
                                 str(args.orders), "--no-deliver", "--db", db, "--format",
                                 "json", *(["--start", args.start] if args.start else [])],
                                capture_output=True, text=True, check=True)
        week = json.loads(played.stdout)
        engine = make_engine(db)
        with engine.connect() as conn:
            rows = conn.execute(select(t.outbox.c.message_id, t.outbox.c.order_id,
                                       t.outbox.c.command).order_by(t.outbox.c.created_at)).all()
        orders = list(dict.fromkeys(r.order_id for r in rows))
        plan, refused = failure_plan(orders)
        erp, url = start_erp(tmp)
        try:
            httpx.post(f"{url}/_plan", json=plan, timeout=60).raise_for_status()
            env = {**os.environ, "ORDEX_ERP_CONNECTOR": "http",
                   "ORDEX_ERP_MAPPING_FILE": str(mapping(tmp, url)),
                   "ORDEX_OUTBOX_RETRY_BASE_SECONDS": "0.2",
                   "ORDEX_OUTBOX_RETRY_CAP_SECONDS": "2", "ORDEX_OUTBOX_MAX_ATTEMPTS": "6",
                   "ORDEX_WORKER_IDLE_SECONDS": "0.2", "ORDEX_WORKER_LEASE_SECONDS": "20",
                   "ORDEX_SECRET_KEY": os.urandom(24).hex()}
            run = deliver_with_kills(db, env, engine, kills=args.kills,
                                     log=tmp / "worker.log")
            record = httpx.get(f"{url}/_record", timeout=60).json()
        finally:
            erp.kill()
        with engine.connect() as conn:
            state = dict(conn.execute(select(t.outbox.c.message_id, t.outbox.c.state)).all())
        engine.dispose()
    applied: dict[str, int] = record["applied"]
    sent = {m for m, s in state.items() if s == "sent"}
    dead_orders = {r.order_id for r in rows if state[r.message_id] == "dead"}
    print(json.dumps({
        "week": {"orders": week["orders"], "days": args.days,
                 "simulate_seconds": week["run"]["seconds"]},
        "messages": len(rows), "orders_with_messages": len(orders),
        "by_kind": dict(Counter(r.command for r in rows)),
        "outbox_after": dict(Counter(state.values())),
        "injected": dict(Counter(step[0] for step in plan.values())),
        "delivery": run,
        "sent_applied_exactly_once": sum(1 for m in sent if applied.get(m) == 1),
        "sent_not_applied": sorted(m for m in sent if m not in applied)[:20],
        "applied_more_than_once": sorted(m for m, n in applied.items() if n > 1)[:20],
        "applied_but_not_sent": sorted(m for m in applied if m not in sent)[:20],
        "dead_letter_orders": len(dead_orders),
        # a 422 whose answer a SIGKILL lost is sent again, and the ERP then takes it
        "dead_letters_only_where_422_injected": dead_orders <= refused,
        "requests_to_erp": sum(record["requests"].values()),
    }, indent=2))


if __name__ == "__main__":
    main()
