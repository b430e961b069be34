"""The run's headline figures (flat, name → number) and the human table of them."""

from __future__ import annotations

from typing import Any

PERCENTILES = ("p50_ms", "p95_ms", "p99_ms")


def _batch(db: str, out: dict[str, Any], figures: dict[str, float]) -> None:
    for n, run in out["batch"].items():
        key = f"{db}.e2e.{n}w"
        figures[f"{key}.orders"] = run["orders"]
        figures[f"{key}.orders_per_second"] = run["orders_per_second"]
        figures[f"{key}.peak_rss_mb"] = run["peak_rss_mb"]
        figures[f"{key}.orders_stored"] = run["orders_stored"]
        figures[f"{key}.cases"] = run["cases"]["total"]
        figures[f"{key}.reference_load_seconds"] = run["reference_load_seconds"]
        figures[f"{key}.process_start_seconds"] = run["process_start_seconds"]
        if "floor" in out and run["orders_per_second"]:
            figures[f"{key}.floor_over_e2e"] = round(
                out["floor"]["orders_per_second"] / run["orders_per_second"], 1)


def _http(db: str, out: dict[str, Any], figures: dict[str, float]) -> None:
    lat = out["latency"]
    for name in ("answered_per_second", *PERCENTILES, "server_peak_rss_mb"):
        figures[f"{db}.latency.{name}"] = lat[name]
    for phase, data in out["api"].items():
        if phase == "server_peak_rss_mb":
            figures[f"{db}.api.server_peak_rss_mb"] = data
            continue
        for route, r in data["routes"].items():
            if "requests_per_second" in r:
                for name in ("requests_per_second", "p50_ms", "p99_ms"):
                    figures[f"{db}.api.{phase}.{route}.{name}"] = r[name]


def figures(report: dict[str, Any]) -> dict[str, float]:
    """Every headline figure of the run; all of them are positive when the run worked."""
    found: dict[str, float] = {}
    for db, out in report["databases"].items():
        if "batch" not in out:
            continue
        _batch(db, out, found)
        found[f"{db}.floor.orders_per_second"] = out["floor"]["orders_per_second"]
        found[f"{db}.e2e_over_floor"] = out["e2e_over_floor"]
        _http(db, out, found)
    return found


def table(report: dict[str, Any]) -> str:
    """The figures as aligned text lines, grouped by database."""
    rows = [f"ordex intake benchmark — {report['started_at']} — {report['machine']['cpus']} "
            f"CPUs — {report['input']['orders']:,} batch orders "
            f"({report['input'].get('edi_orders', 0):,} EDI 850)"]
    width = max((len(k) for k in report["figures"]), default=10)
    last = None
    for key, value in report["figures"].items():
        group = key.split(".")[0]
        if group != last:
            rows.append(f"\n{group}")
            last = group
        rows.append(f"  {key.split('.', 1)[1]:<{width}} {value:>12,}")
    for db, out in report["databases"].items():
        if "skipped" in out:
            rows.append(f"\n{db}: skipped ({out['skipped']})")
        for n, run in out.get("batch", {}).items():
            if run["errors"]:
                rows.append(f"\n{db} {n} process(es): {len(run['errors'])} of {n} failed; "
                            f"orders/s counts only the {run['orders']:,} orders the others "
                            f"reported ({run['orders_stored']:,} stored in the database)")
    if report["errors"]:
        rows.append("\nerrors:\n  " + "\n  ".join(report["errors"]))
    return "\n".join(rows)
