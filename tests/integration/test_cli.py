"""The `ordex` command line as a user runs it: real processes, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ORDEX = [sys.executable, "-m", "ordex"]


def ordex(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ORDEX, *args], capture_output=True, text=True, cwd=cwd, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(cwd),
                               **{k: v for k, v in os.environ.items() if k == "ORDEX_POLICY_FILE"}})


def test_check_prints_findings_per_order_as_json_and_exits_zero() -> None:
    run = ordex("check", "examples/orders.ndjson", "--reference", "examples/reference",
                "--format", "json")
    assert run.returncode == 0, run.stderr
    report = {r["order_id"]: r for r in json.loads(run.stdout)}
    assert report["EX-1001"]["findings"] == []
    shortfall = next(f for f in report["EX-1002"]["findings"] if f["code"] == "INVENTORY_SHORTFALL")
    assert shortfall["lines"] == [1] and "short 70" in shortfall["reason"]
    assert [f["code"] for f in report["EX-1003"]["findings"]] == ["INVALID_SHIP_TO"]
    assert [f["code"] for f in report["EX-1004"]["findings"]] == ["DUPLICATE_ORDER"]


def test_check_on_bad_input_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "orders.json"
    broken.write_text('{"order_id": ')
    run = ordex("check", str(broken), "--reference", "examples/reference")
    assert run.returncode != 0
    assert len(run.stderr.strip().splitlines()) == 1 and "invalid JSON" in run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    missing = ordex("check", "nope.ndjson", "--reference", "examples/reference")
    assert missing.returncode != 0 and "no such file" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_schema_violation_inside_ndjson_is_reported_not_fatal(tmp_path: Path) -> None:
    lines = (ROOT / "examples" / "orders.ndjson").read_text().splitlines()
    bad = json.loads(lines[0])
    del bad["customer_id"]
    file = tmp_path / "mixed.ndjson"
    file.write_text(json.dumps(bad) + "\n" + lines[1] + "\n")
    run = ordex("check", str(file), "--reference", "examples/reference", "--format", "json")
    assert run.returncode == 0, run.stderr
    first, second = json.loads(run.stdout)
    assert first["status"] == "rejected" and first["findings"][0]["code"] == "INTEGRATION_FAILURE"
    assert first["findings"][0]["evidence"]["errors"][0]["field"] == "customer_id"
    assert second["status"] == "held"


def test_ingest_then_kpis_and_cases_on_a_database_file(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert ordex("load-reference", "examples/reference", "--db", db).returncode == 0
    run = ordex("ingest", "examples/orders.ndjson", "--db", db, "--format", "json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["summary"] == {"accepted": 1, "held": 3, "auto_resolved": 0,
                                                 "cancelled": 0, "rejected": 0, "replayed": 0}
    again = json.loads(ordex("ingest", "examples/orders.ndjson", "--db", db,
                             "--format", "json").stdout)
    assert again["summary"]["replayed"] == 4
    kpis = json.loads(ordex("kpis", "--db", db, "--format", "json").stdout)
    assert kpis["orders"] == 4 and kpis["open_backlog_by_queue"]["customer_service"] == 2
    cases = json.loads(ordex("cases", "--db", db, "--queue", "pricing", "--format",
                             "json").stdout)["cases"]
    assert [c["case_id"] for c in cases] == ["EX-1002:PRICE_MISMATCH"]
    receipt = ordex("receive", "VALVE-100", "CHI", "70", "--db", db, "--format", "json")
    assert json.loads(receipt.stdout) == {"auto_resolved": ["EX-1002:INVENTORY_SHORTFALL"]}


def test_unreachable_database_is_one_clear_line() -> None:
    run = ordex("kpis", "--db", "postgresql://nobody@127.0.0.1:1/none")
    assert run.returncode != 0 and "database" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr


def test_simulate_json_has_detection_and_kpis(tmp_path: Path) -> None:
    run = ordex("simulate", "--days", "1", "--orders", "600", "--customers", "100", "--items",
                "300", "--warehouses", "3", "--start", "2026-11-02",
                "--db", f"sqlite:///{tmp_path / 's.db'}",
                "--format", "json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert set(report["detection"]["PRICE_MISMATCH"]) >= {"precision", "recall", "support"}
    assert {"exception_rate_by_code", "open_backlog_by_queue", "touchless_rate",
            "median_hours_to_resolve"} <= set(report["kpis"])


def test_cases_refuses_an_unknown_state_or_queue_in_one_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    for option, value in (("--state", "bogus"), ("--queue", "sales")):
        run = ordex("cases", "--db", db, option, value)
        assert run.returncode != 0 and value in run.stderr
        assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr


def _loaded(tmp_path: Path) -> str:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert ordex("load-reference", "examples/reference", "--db", db).returncode == 0
    assert ordex("ingest", "examples/orders.ndjson", "--db", db).returncode == 0
    assert ordex("receive", "VALVE-100", "CHI", "70", "--db", db).returncode == 0
    return db


def test_cases_lists_every_state_with_totals_by_state(tmp_path: Path) -> None:
    db = _loaded(tmp_path)
    listing = json.loads(ordex("cases", "--db", db, "--state", "all", "--format", "json").stdout)
    states = {c["case_id"]: c["state"] for c in listing["cases"]}
    assert states["EX-1002:INVENTORY_SHORTFALL"] == "auto_resolved"
    assert listing["totals"] == {"open": 3, "assigned": 0, "in_progress": 0,
                                 "awaiting_approval": 0, "paused": 0, "resolved": 0,
                                 "auto_resolved": 1, "cancelled": 0}
    active = json.loads(ordex("cases", "--db", db, "--format", "json").stdout)
    assert "EX-1002:INVENTORY_SHORTFALL" not in {c["case_id"] for c in active["cases"]}
    assert active["totals"] == listing["totals"]  # totals never depend on the filter or limit
    text = ordex("cases", "--db", db, "--state", "all", "--limit", "2").stdout
    assert "2 shown · totals: open 3 · assigned 0 · in_progress 0 · awaiting_approval 0 · " \
           "paused 0 · resolved 0 · auto_resolved 1 · cancelled 0 · all 4" in text


def test_case_table_never_cuts_a_case_id(tmp_path: Path) -> None:
    db = _loaded(tmp_path)
    broken = tmp_path / "broken.ndjson"
    broken.write_text('{"order_id": "X-1", "customer_id": 5}\n')
    ordex("ingest", str(broken), "--db", db)
    listing = json.loads(ordex("cases", "--db", db, "--queue", "integration", "--format",
                               "json").stdout)["cases"]
    long_id = listing[0]["case_id"]
    assert len(long_id) > 40
    for columns in ("60", "80", "200"):  # blocks on a narrow terminal, a table on a wide one
        run = subprocess.run([*ORDEX, "cases", "--db", db, "--state", "all"],
                             capture_output=True, text=True, cwd=ROOT, timeout=300,
                             env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                                  "COLUMNS": columns})
        assert run.returncode == 0, run.stderr
        assert long_id in run.stdout, columns  # whole, on one line
        for case_id in ("EX-1002:PRICE_MISMATCH", "EX-1003:INVALID_SHIP_TO"):
            assert case_id in run.stdout, columns
        assert "…" not in run.stdout, columns


def test_text_output_has_no_empty_line_left_by_a_progress_bar(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'p.db'}"
    assert ordex("load-reference", "examples/reference", "--db", db).returncode == 0
    for args in (("ingest", "examples/orders.ndjson"),
                 ("simulate", "--days", "1", "--orders", "200", "--customers", "40", "--items",
                  "80", "--warehouses", "3", "--start", "2026-11-02")):
        run = ordex(*args, "--db", db)
        assert run.returncode == 0, run.stderr
        assert run.stdout.strip() and "" not in run.stdout.splitlines(), run.stdout[:200]
        assert run.stdout.startswith(("Ingested", "Simulated"))


def test_ingest_reports_an_order_the_policy_cancelled_as_cancelled(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDEX_POLICY_FILE", str(ROOT / "policies" / "default.yaml"))
    db = f"sqlite:///{tmp_path / 'dup.db'}"
    assert ordex("load-reference", "examples/reference", "--db", db).returncode == 0
    first = json.loads((ROOT / "examples" / "orders.ndjson").read_text().splitlines()[0])
    first.update(order_id="T-1", customer_po="PO-T1",
                 lines=[{**ln, "quantity": 1} for ln in first["lines"]])
    pair = tmp_path / "pair.ndjson"  # the same order sent twice under two ids
    pair.write_text(json.dumps(first) + "\n" + json.dumps({**first, "order_id": "T-2"}) + "\n")
    run = ordex("ingest", str(pair), "--db", db, "--format", "json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert [(r["order_id"], r["status"]) for r in report["results"]] == [
        ("T-1", "accepted"), ("T-2", "cancelled")]
    assert report["summary"] == {"accepted": 1, "held": 0, "auto_resolved": 0, "cancelled": 1,
                                 "rejected": 0, "replayed": 0}
    third = tmp_path / "third.ndjson"
    third.write_text(json.dumps({**first, "order_id": "T-3"}) + "\n")
    text = ordex("ingest", str(third), "--db", db).stdout
    assert "0 accepted" in text and "1 cancelled" in text


def test_simulate_without_start_plays_the_days_ending_today(tmp_path: Path) -> None:
    def today() -> str:  # orders open at 06:00 UTC: before that, the period ends yesterday
        return (datetime.now(UTC) - timedelta(hours=6)).date().isoformat()

    before = today()
    run = ordex("simulate", "--days", "2", "--orders", "60", "--customers", "30", "--items", "60",
                "--warehouses", "3", "--db", f"sqlite:///{tmp_path / 'today.db'}",
                "--format", "json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    first = {(date.fromisoformat(d) - timedelta(days=1)).isoformat() for d in (before, today())}
    assert report["start"] in first
    assert datetime.fromisoformat(report["as_of"]) <= datetime.now(UTC)


def test_simulate_refuses_a_start_after_today_in_one_line(tmp_path: Path) -> None:
    later = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    run = ordex("simulate", "--days", "1", "--orders", "10", "--start", later, "--db",
                f"sqlite:///{tmp_path / 'later.db'}")
    assert run.returncode != 0 and "after now" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr


def test_a_folder_given_as_a_file_is_named_a_folder(tmp_path: Path) -> None:
    for args in (["parse", str(tmp_path)], ["check", str(tmp_path), "--reference",
                                            "examples/reference"],
                 ["ingest", str(tmp_path), "--db", f"sqlite:///{tmp_path / 'x.db'}"]):
        run = ordex(*args)
        assert run.returncode == 2 and run.stdout == ""
        assert run.stderr.strip() == f"error: a folder, not a file: {tmp_path}", args


def test_resolve_by_a_name_that_is_no_user_is_one_line_and_changes_nothing(
        tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'auth.db'}"
    assert ordex("load-reference", "examples/reference", "--db", db).returncode == 0
    big = tmp_path / "big.json"
    big.write_text(json.dumps({
        "order_id": "BIG-9", "customer_id": "BOLT", "customer_po": "PO-BIG-9",
        "order_date": "2026-11-23", "requested_ship_date": "2026-11-26",
        "ship_to": {"code": "BOLT-1", "name": "Bolt", "line1": "45 Harbor Blvd",
                    "city": "Tampa", "state": "FL", "postal_code": "33602", "country": "US"},
        "ship_via": "UPSN-GND", "warehouse_id": "CHI",
        "lines": [{"line_no": 1, "item_id": "BOLT-M8", "quantity": 1000, "uom": "EA",
                   "unit_price": 30.0}]}))
    assert ordex("ingest", str(big), "--db", db).returncode == 0
    run = ordex("resolve", "BIG-9:CREDIT_LIMIT_EXCEEDED", "--action", "RELEASE", "--actor",
                "walk-in", "--db", db)
    assert run.returncode != 0 and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert "user walk-in does not exist: --actor must be a user" in run.stderr
    listing = json.loads(ordex("cases", "--db", db, "--format", "json").stdout)
    credit = next(c for c in listing["cases"] if c["case_id"] == "BIG-9:CREDIT_LIMIT_EXCEEDED")
    assert credit["state"] == "open"
