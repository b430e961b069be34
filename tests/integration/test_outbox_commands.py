"""`ordex outbox stats` and `ordex outbox replay`, and GET /outbox/stats and
POST /outbox/messages/{id}/replay on a real server, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from auth_kit import add_people, authed
from live_server import serving
from ordex.adapters.db.dialect import make_engine
from ordex.adapters.db.migrate import upgrade
from ordex.adapters.db.store import SqlChangeStore
from ordex.adapters.erp_sandbox import SqlOutbox
from ordex.bootstrap import bootstrap
from ordex.config import Settings
from ordex.domain.events import CancelOrder, HoldLines
from ordex.orchestrate.changes import Changes, OutboxMessage
from ordex.orchestrate.outbox import deliver
from ordex.orchestrate.work import SendFailure, SendReport

ROOT = Path(__file__).resolve().parents[2]


class Refusing:
    """Refuses order BAD's commands as permanent; applies the rest."""

    def send(self, messages: Sequence[OutboxMessage]) -> SendReport:
        bad = {m.message_id for m in messages if m.command.order_id == "BAD"}
        return SendReport(frozenset(m.message_id for m in messages) - bad,
                          dict.fromkeys(bad, SendFailure("HTTP 422: no such line",
                                                         permanent=True)))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    upgrade(eng)
    now = datetime.now(UTC) - timedelta(minutes=2)  # when the test runs: "the last 15 minutes"
    SqlChangeStore(eng).save(Changes(outbox=[
        OutboxMessage("bad-1", now, HoldLines("BAD", (1,), "r", "BAD:X")),
        OutboxMessage("bad-2", now + timedelta(seconds=1), CancelOrder("BAD", "r", "BAD:X")),
        OutboxMessage("ok-1", now, HoldLines("OK", (1,), "r", "OK:X"))]))
    deliver(SqlOutbox(eng), Refusing(), worker="w", now=now + timedelta(seconds=30), limit=10)
    yield eng
    eng.dispose()


def ordex(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ordex", *args, "--db", db_url],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "ORDEX_ERP_CONNECTOR": "sandbox"})


def test_stats_as_json_count_each_state_and_the_lag(engine: Engine, db_url: str) -> None:
    done = ordex(db_url, "outbox", "stats", "--format", "json")
    assert done.returncode == 0, done.stderr
    stats = json.loads(done.stdout)
    assert (stats["pending"], stats["in_flight"], stats["sent"], stats["dead"]) == (1, 0, 1, 1)
    assert stats["failed_attempts"] == 1 and stats["delivered_last_15_min"] == 1
    assert stats["lag_p50_seconds"] == stats["lag_p95_seconds"] == 30.0
    assert stats["oldest_pending_age_seconds"] >= 119
    text = ordex(db_url, "outbox", "stats")
    assert text.returncode == 0 and "dead 1" in text.stdout and "lag p50 30.000 s" in text.stdout


def test_replay_by_case_id_puts_the_dead_letter_back_and_again_is_refused_in_one_line(
        engine: Engine, db_url: str) -> None:
    app = bootstrap(Settings(database_url=db_url))
    add_people(app, {"ana": ("admin",)})  # the CLI acts as a user whose roles allow replay_case
    app.engine.dispose()
    wrong = ordex(db_url, "replay", "erp-bad-1:INTEGRATION_FAILURE",  # not a payload's case
                  "--actor", "ana")
    assert wrong.returncode != 0 and "ordex outbox replay erp-bad-1" in wrong.stderr
    done = ordex(db_url, "outbox", "replay", "erp-bad-1:INTEGRATION_FAILURE", "--actor", "ana",
                 "--format", "json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["message_id"] == "bad-1" and result["case_resolved"] is True
    again = ordex(db_url, "outbox", "replay", "bad-1", "--actor", "ana")
    assert again.returncode != 0 and again.stdout == ""
    assert again.stderr.strip().splitlines() == [
        "error: outbox message bad-1 is pending: only a dead letter can be replayed"]
    unknown = ordex(db_url, "outbox", "replay", "nope", "--actor", "ana")
    assert unknown.returncode != 0 and "no outbox message nope" in unknown.stderr


@pytest.fixture
def base_url(engine: Engine, db_url: str) -> Iterator[str]:
    app = bootstrap(Settings(database_url=db_url), deliver_inline=False)
    with serving(app) as url:
        yield url
    app.engine.dispose()


def test_the_api_reports_stats_and_replays_a_dead_letter(base_url: str) -> None:
    assert httpx.get(f"{base_url}/outbox/stats").status_code == 401
    with authed(base_url, role="viewer") as viewer, authed(base_url) as admin:
        stats = viewer.get("/outbox/stats").json()
        assert (stats["dead"], stats["sent"], stats["pending"]) == (1, 1, 1)
        refused = viewer.post("/outbox/messages/bad-1/replay")
        assert refused.status_code == 403 and "replay_case" in refused.json()["message"]
        done = admin.post("/outbox/messages/bad-1/replay")
        assert done.status_code == 200, done.text
        assert done.json()["case_id"] == "erp-bad-1:INTEGRATION_FAILURE"
        again = admin.post("/outbox/messages/bad-1/replay")
        assert again.status_code == 409 and "only a dead letter" in again.json()["message"]
        assert admin.post("/outbox/messages/zzz/replay").status_code == 404
        assert viewer.get("/outbox/stats").json()["dead"] == 0


def test_a_bad_mapping_file_stops_the_cli_with_one_line_naming_the_key(
        tmp_path: Path, db_url: str) -> None:
    bad = tmp_path / "erp.yaml"
    bad.write_text("version: 1\nbase_url: http://127.0.0.1:1/api\ntimeout_secs: 3\n")
    done = subprocess.run([sys.executable, "-m", "ordex", "outbox", "stats", "--db", db_url],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "ORDEX_ERP_CONNECTOR": "http",
                               "ORDEX_ERP_MAPPING_FILE": str(bad)})
    assert done.returncode != 0 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [  # one line per problem, unknown keys first
        f"error: erp mapping {bad}: timeout_secs: unknown key",
        f"error: erp mapping {bad}: commands: Field required"]
    missing = subprocess.run([sys.executable, "-m", "ordex", "outbox", "stats", "--db", db_url],
                             capture_output=True, text=True, timeout=120,
                             env={**os.environ, "ORDEX_ERP_CONNECTOR": "http"})
    assert missing.returncode != 0 and len(missing.stderr.strip().splitlines()) == 1
    assert "ORDEX_ERP_MAPPING_FILE must name the mapping file" in missing.stderr
