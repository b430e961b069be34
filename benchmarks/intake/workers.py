"""N processes taking disjoint shares of the input files to routed cases: the one place to change
when `ordex worker` exists.

Today each process is `ordex ingest FILES --db URL`, over its own customers' files (a shard
holds whole customers, so no two processes touch one customer). With `ordex worker`, only
`_commands` changes: submit the files, then start N `ordex worker --db URL` processes that
exit when the work is done.
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


def run_workers(n: int, db_url: str, files: Sequence[Sequence[Path]]) -> WorkerRun:
    """Run N processes over disjoint shares of `files` (groups of one partition's files)."""
    commands = _commands(db_url, partition(files, n))
    with tempfile.TemporaryDirectory(prefix="ordex-bench-out-") as tmp:
        outputs = [Path(tmp) / f"worker-{k}.json" for k in range(len(commands))]
        started = time.perf_counter()
        procs = [_spawn(cmd, out) for cmd, out in zip(commands, outputs, strict=True)]
        waited = [os.wait4(p.pid, 0) for p in procs]
        run = WorkerRun(len(procs), time.perf_counter() - started)
        for proc, (_pid, status, usage), out in zip(procs, waited, outputs, strict=True):
            proc.returncode = os.waitstatus_to_exitcode(status)
            run.exit_codes.append(proc.returncode)
            run.peak_rss_mb.append(usage.ru_maxrss / 1024)  # KiB on Linux
            _collect(run, out, proc)
    return run


def _spawn(command: list[str], out: Path) -> subprocess.Popen[bytes]:
    with out.open("wb") as stdout, out.with_suffix(".err").open("wb") as stderr:
        return subprocess.Popen(command, stdout=stdout, stderr=stderr)


def _collect(run: WorkerRun, out: Path, proc: subprocess.Popen[bytes]) -> None:
    """Add one process's summary (or its error) to the run."""
    if proc.returncode:
        run.errors.append(out.with_suffix(".err").read_text(errors="replace").strip()[-1000:])
        return
    report: dict[str, Any] = json.loads(out.read_text())
    for status, count in report["summary"].items():
        run.summary[status] = run.summary.get(status, 0) + count
