"""Every command run with `--format json` prints exactly one JSON document on stdout, nothing else.

Real processes, so that output written by native code (a solver's banner on file descriptor 1)
is caught as a user would see it. The list of commands is read from the CLI itself: a reporting
command added later without a case here fails the test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

from ordex.entrypoints.cli import cli

from tryton_kit import DATABASE, PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def _json_commands() -> set[str]:
    """Names (with group prefix) of every command that has a --format option."""
    root = typer.main.get_command(cli)
    found: set[str] = set()

    def walk(cmd: Any, prefix: str) -> None:
        if hasattr(cmd, "commands"):  # a group (typer vendors its own click)
            for name, sub in cmd.commands.items():
                walk(sub, f"{prefix} {name}".strip())
        elif any("--format" in getattr(p, "opts", ()) for p in cmd.params):
            found.add(prefix)

    walk(root, "")
    return found


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd),
           **{k: v for k, v in os.environ.items()
              if k == "ORDEX_POLICY_FILE" or k.startswith(("ORDEX_BROKER_", "ORDEX_TRYTON_"))}}
    return subprocess.run([sys.executable, "-m", "ordex", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300, env=env)


@pytest.fixture(scope="module")
def loaded_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """A database with the example reference data, orders and a quarantined file."""
    work = tmp_path_factory.mktemp("json-stdout")
    db = f"sqlite:///{work / 'ordex.db'}"
    assert _run("load-reference", str(ROOT / "examples/reference"), "--db", db,
                cwd=work).returncode == 0
    assert _run("ingest", str(ROOT / "examples/orders.ndjson"), "--db", db,
                cwd=work).returncode == 0
    (work / "broken.ndjson").write_text('{"order_id": "X-1", "customer_id": 5}\n')
    _run("ingest", str(work / "broken.ndjson"), "--db", db, cwd=work)
    _dead_letter(db)
    _people(db)
    return db, work


def _people(db: str) -> None:
    """The users the case commands act as (the CLI checks them as the API does)."""
    from auth_kit import add_people
    from ordex.bootstrap import bootstrap
    from ordex.config import Settings
    app = bootstrap(Settings(database_url=db))
    add_people(app, {"ann": ("order_desk",), "root": ("admin",)})
    app.engine.dispose()


def _dead_letter(db: str) -> None:
    """One ERP command the ERP refused for good (`outbox replay` puts it back)."""
    from datetime import UTC, datetime

    from test_outbox_commands import Refusing

    from ordex.adapters.db.dialect import make_engine
    from ordex.adapters.db.store import SqlChangeStore
    from ordex.adapters.erp_sandbox import SqlOutbox
    from ordex.domain.events import HoldLines
    from ordex.orchestrate.changes import Changes, OutboxMessage
    from ordex.orchestrate.outbox import deliver
    engine, now = make_engine(db), datetime.now(UTC)
    SqlChangeStore(engine).save(Changes(outbox=[
        OutboxMessage("dead-1", now, HoldLines("BAD", (1,), "r", "BAD:X"))]))
    deliver(SqlOutbox(engine), Refusing(), worker="w", now=now, limit=10)
    engine.dispose()


def _cases(db: str, work: Path) -> dict[str, list[str]]:
    sample = ROOT / "examples/edi/acme-850.edi"
    listing = _run("cases", "--db", db, "--state", "active", "--limit", "500", "--format", "json",
                   cwd=work)
    quarantined = next(c["case_id"] for c in json.loads(listing.stdout)["cases"]
                       if c["code"] == "INTEGRATION_FAILURE" and c["case_id"].startswith("raw-"))
    return {
        "simulate": ["--days", "1", "--orders", "400", "--customers", "60", "--items", "80",
                     "--warehouses", "3", "--exception-rate", "0.3", "--start", "2026-11-02"],
        "kpis": [],
        "ingest": [str(sample)],
        "parse": [str(sample)],
        "replay": [quarantined, "--actor", "root"],
        "retry": [],
        "resume": ["--idle-minutes", "0"],
        "acks": [],
        "check": [str(ROOT / "examples/orders.ndjson"), "--reference",
                  str(ROOT / "examples/reference")],
        "cases": [],
        "receive": ["VALVE-100", "CHI", "70"],
        "pay": ["BOLT", "500"],
        "po-date": ["PO-77001", "2026-11-24"],
        "whatif": ["--policy", str(ROOT / "policies/recommend-only.yaml"), "--from",
                   "2026-11-01", "--to", "2026-12-31"],
        "policy list": [],
        "resolve": ["EX-1003:INVALID_SHIP_TO", "--action", "CORRECT_ADDRESS", "--actor", "ann"],
        "consume": ["--drain"],
        "user list": [],
        "user away": ["ann", "--from", "2026-12-01", "--until", "2026-12-02"],
        "user back": ["ann"],
        "user disable": ["ann"],
        "token list": [],
        "audit verify": [],
        "outbox stats": [],
        "outbox replay": ["dead-1", "--actor", "root"],
        "worker": ["--once"],
        "subscribe add": ["--event", "case.assigned", "--to", "mailto:team@example.com"],
        "subscribe list": [],
        "subscribe stats": [],
        "tryton sync-reference": [],  # last: they merge Tryton's customers into the data
        "tryton poll": ["--once"],
    }


def test_every_json_command_prints_exactly_one_json_document(
        loaded_db: tuple[str, Path], make_broker: Any, monkeypatch: pytest.MonkeyPatch,
        tryton_url: str) -> None:
    db, work = loaded_db
    for key, value in (("URL", tryton_url), ("DATABASE", DATABASE), ("PASSWORD", PASSWORD)):
        monkeypatch.setenv(f"ORDEX_TRYTON_{key}", value)  # the tryton commands read a real one
    broker = make_broker()  # `consume` reads a stream of its own
    for key, value in (("URL", broker.url), ("STREAM", broker.stream),
                       ("SUBJECT", broker.subject), ("CONSUMER", broker.consumer)):
        monkeypatch.setenv(f"ORDEX_BROKER_{key}", value)
    cases = _cases(db, work)
    assert _json_commands() == set(cases), "a command with --format has no case here"
    no_db = {"parse", "check"}
    for name, args in cases.items():
        own = f"sqlite:///{work / 'simulated.db'}"  # simulate replaces the whole database
        extra = [] if name in no_db else ["--db", own if name == "simulate" else db]
        run = _run(*name.split(), *args, *extra, "--format", "json", cwd=work)
        # acme-850.edi holds one bad 850 on purpose: parse exits 2 (docs/edi-x12.md)
        assert run.returncode == (2 if name == "parse" else 0), f"{name}: {run.stderr}"
        try:
            json.loads(run.stdout)  # raises on anything before, after or between documents
        except json.JSONDecodeError as exc:
            pytest.fail(f"`ordex {name} --format json` stdout is not one JSON document "
                        f"({exc}): {run.stdout[:200]!r}")


def test_native_output_on_descriptor_one_goes_to_stderr(tmp_path: Path) -> None:
    """The solver's banner (written by C++ straight to fd 1) never reaches stdout."""
    probe = ("from ordex.entrypoints.cli_support import reserve_stdout, emit, Format\n"
             "reserve_stdout()\n"
             "import os, highspy\n"
             "highspy.Highs()\n"
             "os.write(1, b'native noise\\n')\n"
             "print('stray print')\n"
             "emit({'ok': True}, Format.json, print)\n")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {"ok": True}
    assert "native noise" in run.stderr and "stray print" in run.stderr
    assert "HiGHS" in run.stderr
