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
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.intake.databases import ORDEX
from benchmarks.intake.server import peak_rss_mb


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
    with PeakMemory([p.pid for p in procs]) as peaks:
        for proc in procs:
            proc.wait()
    for proc, peak, out in zip(procs, peaks.mb, outputs, strict=True):
        run.exit_codes.append(proc.returncode)
        run.peak_rss_mb.append(peak)
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


class PeakMemory:
    """Each process's high-water resident memory (VmHWM), read every `EVERY` seconds.

    Not `ru_maxrss`: a child's maxrss starts at its parent's peak when it execs (the kernel
    carries the old memory's high-water mark through exec), so every child of this
    generator-sized process would report at least the generator's memory. VmHWM belongs to the
    program's own memory; the last reading before exit is kept (a lower bound by at most
    `EVERY` seconds of growth).
    """

    EVERY = 0.05

    def __init__(self, pids: list[int]) -> None:
        self.pids, self.mb = pids, [0.0] * len(pids)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self.stop.is_set():
            for k, pid in enumerate(self.pids):
                self.mb[k] = max(self.mb[k], peak_rss_mb(pid))
            self.stop.wait(self.EVERY)

    def __enter__(self) -> PeakMemory:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


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
