"""Streaming: big files of 850s parse in bounded memory; throughput is printed.

tracemalloc slows this parser about sixfold (it allocates many small strings), so the
20 MB run measures the peak resident size in a child process, and tracemalloc measures the
Python-heap peak on a 3 MB file (several 1 MB read chunks, the same steady state).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from x12_builders import BODY, ISA_4010

from ordex.sense.x12 import ResultStatus, parse_file

PEAK_LIMIT = 20 * 1024 * 1024
SRC = Path(__file__).resolve().parents[3] / "src"

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from ordex.sense.x12 import ResultStatus, parse_file

def high_water_kb():
    # VmHWM is this process's own peak; ru_maxrss keeps the parent's peak across exec.
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

base = high_water_kb()
started = time.perf_counter()
ok = sum(1 for r in parse_file(sys.argv[1]) if r.status is ResultStatus.OK)
elapsed = time.perf_counter() - started
peak = high_water_kb()
print(json.dumps({"ok": ok, "elapsed": elapsed, "grown_kb": peak - base, "peak_kb": peak}))
"""


def write_850_file(path: Path, target_bytes: int) -> int:
    """Write one interchange holding many 850s (one group); return how many."""
    count = 0
    with path.open("w", encoding="ascii") as out:
        out.write(ISA_4010 + "\nGS*PO*ACMEBUYER*ORDEXSUPPLY*20240105*0930*77*X*004010~\n")
        while out.tell() < target_bytes:
            count += 1
            control = f"{count:09d}"
            body = [BODY[0].replace("PO-7781", f"PO-{count}"), *BODY[1:]]
            segments = [f"ST*850*{control}", *body, f"SE*{len(body) + 2}*{control}"]
            out.write("~\n".join(segments) + "~\n")
        out.write(f"GE*{count}*77~\nIEA*1*000000101~\n")
    return count


def test_20_mb_file_parses_with_bounded_resident_memory(tmp_path: Path) -> None:
    path = tmp_path / "many.edi"
    expected = write_850_file(path, 20 * 1024 * 1024)
    run = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True,
                         text=True, check=True, env={"PYTHONPATH": str(SRC)})
    stats = json.loads(run.stdout)
    print(f"\n{expected} 850s, {path.stat().st_size / 1e6:.1f} MB in {stats['elapsed']:.2f} s:"
          f" {expected / stats['elapsed']:,.0f} transactions/s, peak RSS grew "
          f"{stats['grown_kb'] / 1024:.1f} MB (peak RSS {stats['peak_kb'] / 1024:.1f} MB)")
    assert stats["ok"] == expected
    assert stats["grown_kb"] * 1024 < PEAK_LIMIT


def test_tracemalloc_peak_stays_bounded(tmp_path: Path) -> None:
    path = tmp_path / "some.edi"
    expected = write_850_file(path, 3 * 1024 * 1024)
    tracemalloc.start()
    started = time.perf_counter()
    ok = sum(1 for r in parse_file(path) if r.status is ResultStatus.OK)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"\n{expected} 850s under tracemalloc in {elapsed:.2f} s, peak {peak / 1e6:.1f} MB")
    assert ok == expected
    assert peak < PEAK_LIMIT
