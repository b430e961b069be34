"""N processes taking the input files to routed cases: the one place that starts them.

Two ways (`BENCH_INTAKE`):

- `ingest` (default): N `ordex ingest FILES --db URL` processes, each over its own customers'
  files (a shard holds whole customers, so no two processes touch one customer).
- `worker`: the JSON files are queued with one `ordex ingest --queue` (raw payloads stored and
  queued as work items), then N `ordex worker --once` processes claim and judge them until no
  work is left; the EDI files, which cannot be queued, go through one `ordex ingest` beside the
  workers. The clock runs from the queueing to the last process's exit.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.intake.databases import ORDEX


@dataclass
class WorkerRun:
    """What N processes did: wall time, each one's peak memory and exit, the intake summary."""

    workers: int
    seconds: float
    peak_rss_mb: list[float] = field(default_factory=list)
    exit_codes: list[int] = field(default_factory=list)
    summary: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def orders(self) -> int:
        """Orders the processes reported, whatever became of them."""
        return sum(self.summary.values())


def partition(groups: Sequence[Sequence[Path]], n: int) -> list[list[Path]]:
    """N shares of the file groups, round robin; a group is never split."""
    shares: list[list[Path]] = [[] for _ in range(n)]
    for k, group in enumerate(groups):
        shares[k % n].extend(group)
    return [s for s in shares if s]


def _commands(db_url: str, shares: list[list[Path]]) -> list[list[str]]:
    """One command line per process."""
    return [[*ORDEX, "ingest", *map(str, share), "--db", db_url, "--format", "json"]
            for share in shares]


def run_workers(n: int, db_url: str, files: Sequence[Sequence[Path]], *,
                mode: str = "ingest") -> WorkerRun:
    """Run N processes over `files` (groups of one partition's files) to routed cases."""
    with tempfile.TemporaryDirectory(prefix="ordex-bench-out-") as tmp:
        if mode == "worker":
            return _queued(n, db_url, [p for g in files for p in g], Path(tmp))
        run = WorkerRun(n, 0.0)
        started = time.perf_counter()
        _run_all(run, _commands(db_url, partition(files, n)), Path(tmp))
        run.seconds = time.perf_counter() - started
    return run


def _run_all(run: WorkerRun, commands: list[list[str]], tmp: Path) -> None:
    """Start the commands together, wait for all; add each one's memory, exit and summary."""
    outputs = [tmp / f"process-{len(run.exit_codes) + k}.json" for k in range(len(commands))]
    procs = [_spawn(cmd, out) for cmd, out in zip(commands, outputs, strict=True)]
    waited = [os.wait4(p.pid, 0) for p in procs]
    for proc, (_pid, status, usage), out in zip(procs, waited, outputs, strict=True):
        proc.returncode = os.waitstatus_to_exitcode(status)
        run.exit_codes.append(proc.returncode)
        run.peak_rss_mb.append(usage.ru_maxrss / 1024)  # KiB on Linux
        _collect(run, out, proc)


def _queued(n: int, db_url: str, paths: list[Path], tmp: Path) -> WorkerRun:
    """Queue the JSON files, then N `ordex worker --once` (and one ingest of the EDI files)."""
    edi = [p for p in paths if p.suffix == ".edi"]
    plain = [p for p in paths if p not in edi]
    run = WorkerRun(n, 0.0)
    started = time.perf_counter()
    _run_all(run, [[*ORDEX, "ingest", "--queue", *map(str, plain), "--db", db_url,
                    "--format", "json"]], tmp)
    workers = [[*ORDEX, "worker", "--once", "--db", db_url] for _ in range(n)]
    edi_ingest = _commands(db_url, [edi]) if edi else []
    _run_all(run, workers + edi_ingest, tmp)
    run.seconds = time.perf_counter() - started
    return run


def _spawn(command: list[str], out: Path) -> subprocess.Popen[bytes]:
    with out.open("wb") as stdout, out.with_suffix(".err").open("wb") as stderr:
        return subprocess.Popen(command, stdout=stdout, stderr=stderr)


def _collect(run: WorkerRun, out: Path, proc: subprocess.Popen[bytes]) -> None:
    """Add one process's summary (or its error) to the run."""
    if proc.returncode:
        run.errors.append(out.with_suffix(".err").read_text(errors="replace").strip()[-1000:])
        return
    text = out.read_text().strip()
    if not text:  # `ordex worker` prints nothing
        return
    report: dict[str, Any] = json.loads(text)
    counts = report.get("summary") or {"queued": report.get("queued", 0)}
    for status, count in counts.items():
        run.summary[status] = run.summary.get(status, 0) + count
