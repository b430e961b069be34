"""Claim throughput on SQLite and PostgreSQL: work items and outbox delivery, 1 and 2 workers.

    .venv/bin/python -m benchmarks.claims [--items 20000] [--batch 500]

Enqueues `--items` work items, then 1 or 2 worker processes claim them in batches and complete
each batch in its own transaction (no work in between: the figure is the claim machinery's
ceiling). Then writes `--items` outbox messages (three per order) and 1 or 2 processes deliver
them to the sandbox ERP. Prints items (messages) per second as JSON, from the first worker's
first claim to the last worker's last (process start-up excluded). Process starts are not
synchronised, so a second worker that starts late shows as less gain than there is.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.pipeline import postgres_database
from ordex.adapters.db import tables as t
from ordex.adapters.db.claims import SqlClaims, claim, complete
from ordex.adapters.db.dialect import make_engine, wipe, write_transaction
from ordex.adapters.db.migrate import upgrade
from ordex.adapters.db.store import SqlChangeStore
from ordex.adapters.erp_sandbox import SandboxErp, SqlOutbox
from ordex.domain.events import HoldLines
from ordex.orchestrate.changes import Changes, OutboxMessage
from ordex.orchestrate.outbox import deliver
from ordex.orchestrate.work import NewWork

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
LEASE = timedelta(minutes=5)


Span = tuple[int, float, float]
"""(items moved, wall-clock start, wall-clock end) of one worker: process start-up excluded."""


def drain_work(url: str, worker: str, batch: int) -> Span:
    """Claim and complete until nothing is left."""
    engine, done = make_engine(url), 0
    engine.connect().close()
    started = time.time()
    while items := claim(engine, kinds=["intake"], worker=worker, limit=batch, lease=LEASE,
                         now=NOW):
        with write_transaction(engine) as conn:
            done += len(complete(conn, [i.id for i in items], worker=worker, now=NOW))
    ended = time.time()
    engine.dispose()
    return done, started, ended


def drain_outbox(url: str, worker: str, batch: int) -> Span:
    """Deliver until nothing is left (`batch` orders per claim)."""
    engine, sent = make_engine(url), 0
    outbox, erp = SqlOutbox(engine), SandboxErp(engine)
    engine.connect().close()
    started = time.time()
    while n := deliver(outbox, erp, worker=worker, now=NOW, limit=batch, lease=LEASE):
        sent += n
    ended = time.time()
    engine.dispose()
    return sent, started, ended


def timed(target: str, url: str, workers: int, batch: int) -> tuple[float, int]:
    """Run `workers` processes of one drain function; seconds of work and items moved."""
    fn = {"work": drain_work, "outbox": drain_outbox}[target]
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        spans = pool.starmap(fn, [(url, f"w{n}", batch) for n in range(workers)])
    return (max(s[2] for s in spans) - min(s[1] for s in spans), sum(s[0] for s in spans))


def fill(url: str, items: int) -> dict[str, float]:
    """Fresh tables with `items` work items and `items` outbox messages; enqueue rates."""
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        wipe(conn, [t.work_items, t.outbox, t.erp_sandbox_inbox])
    started = time.perf_counter()
    SqlClaims(engine).enqueue([NewWork("intake", f"k{n}", {"n": n}) for n in range(items)],
                              now=NOW)
    enqueue_s = time.perf_counter() - started
    SqlChangeStore(engine).save(Changes(outbox=[OutboxMessage(
        f"m{n:07d}", NOW + timedelta(microseconds=n),
        HoldLines(f"O{n // 3}", (1,), "r", "c")) for n in range(items)]))
    engine.dispose()
    return {"enqueue_per_s": round(items / enqueue_s)}


def main() -> None:
    """Print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        targets = {"sqlite": f"sqlite:///{Path(tmp) / 'bench.db'}"}
        if pg := postgres_database():
            targets["postgresql"] = pg
        for name, url in targets.items():
            row: dict[str, float] = {}
            for workers in (1, 2):
                row.update(fill(url, args.items))
                for target in ("work", "outbox"):
                    seconds, moved = timed(target, url, workers, args.batch)
                    assert moved == args.items, f"{target}: {moved} of {args.items} moved"
                    row[f"{target}_per_s_{workers}_workers"] = round(moved / seconds)
            results[name] = row
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
