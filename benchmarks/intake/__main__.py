"""`python -m benchmarks.intake [--format text|json]`: run the intake benchmark, print, save."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from benchmarks.intake import databases as dbs
from benchmarks.intake.report import figures, table
from benchmarks.intake.run import database, prepare, say
from benchmarks.intake.settings import BenchSettings


def _machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "load_average": os.getloadavg()}


def _skip(kind: str, s: BenchSettings) -> str | None:
    """Why a database kind cannot run here (None when it can)."""
    if kind == "postgresql":
        return dbs.postgres_problem(s.postgres_url)
    return None if kind == "sqlite" else "unknown database kind"


def run(s: BenchSettings) -> dict[str, Any]:
    """The whole report: settings, machine, input counts, per-database figures, errors."""
    report: dict[str, Any] = {"started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                              "machine": _machine(), "settings": _settings(s),
                              "databases": {}, "errors": []}
    with tempfile.TemporaryDirectory(prefix="ordex-bench-") as tmp:
        started = time.perf_counter()
        files = prepare(Path(tmp), s)
        report["input"] = {**files.counts,
                           "generate_seconds": round(time.perf_counter() - started, 2)}
        for kind in s.databases:
            report["databases"][kind] = _one(kind, files, Path(tmp), s, report["errors"])
        _keep_server_log(files.folder / "serve.log", s, report)
    report["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    report["machine"]["load_average_after"] = os.getloadavg()
    report["figures"] = figures(report)
    return report


def _one(kind: str, files: Any, work: Path, s: BenchSettings, errors: list[str]
         ) -> dict[str, Any]:
    problem = _skip(kind, s)
    if problem:
        errors.append(f"{kind} skipped: {problem}")
        return {"skipped": problem}
    try:
        out = database(kind, files, work, s)
    except Exception as exc:  # a figure that could not be taken is reported, not raised
        errors.append(f"{kind}: {type(exc).__name__}: {exc}")
        return {"error": str(exc)}
    errors += [f"{kind} {n} process(es): {e}" for n, r in out["batch"].items()
               for e in r["errors"]]
    return out


def _keep_server_log(log: Path, s: BenchSettings, report: dict[str, Any]) -> None:
    """The servers' output (errors behind a 500, say) beside the results, when there is any."""
    if log.is_file() and log.stat().st_size:
        s.results.mkdir(parents=True, exist_ok=True)
        kept = s.results / f"intake-{report['started_at'].replace(':', '')}-serve.log"
        shutil.copyfile(log, kept)
        report["server_log"] = str(kept)


def _settings(s: BenchSettings) -> dict[str, Any]:
    shown = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(s).items()}
    shown["token"] = "set" if s.token else None  # never the secret itself
    shown["api_orders"] = s.api_orders
    return shown


def main() -> None:
    """Run, save the JSON under the results folder, print the table or the JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args()
    s = BenchSettings.from_env()
    report = run(s)
    s.results.mkdir(parents=True, exist_ok=True)
    path = s.results / f"intake-{report['started_at'].replace(':', '')}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    say(f"results written to {path}")
    print(json.dumps(report, indent=2) if args.format == "json" else table(report))


if __name__ == "__main__":
    main()
