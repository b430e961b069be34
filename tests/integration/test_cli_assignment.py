"""`ordex user away|back|disable` as a person runs them: cases handed over, one-line summary
or JSON alone on stdout, and bad input refused with one line and exit code 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select
from test_assignment_storage import bad_ship_to, people, person, start

from commands import ingest
from ordex.adapters.db import tables as t
from ordex.bootstrap import App

ORDEX = [sys.executable, "-m", "ordex"]


def ordex(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    keep = {k: v for k, v in os.environ.items() if k == "PATH"}
    return subprocess.run([*ORDEX, *args], capture_output=True, text=True, timeout=120,
                          env={**keep, "HOME": "/tmp", **env})


def holding(app: App, user_id: str) -> list[str]:
    q = t.cases
    with app.engine.connect() as conn:
        return list(conn.execute(select(q.c.case_id).where(
            q.c.assignee == user_id, q.c.state.in_(("assigned", "in_progress")))).scalars())


def test_away_back_and_disable_hand_cases_over_and_answer_in_json(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'o.db'}"
    app = start(db, tmp_path, "  customer_service: {strategy: round_robin}\n")
    people(app, person("ann"), person("bob"))
    ingest(app, [bad_ship_to(n) for n in (1, 2)], channel="api")  # at NOW: ann, then bob
    assert holding(app, "ann") == ["SHIP-1:INVALID_SHIP_TO"]
    env = {"ORDEX_POLICY_FILE": str(tmp_path / "policy.yaml")}
    away = ordex("user", "away", "ann", "--from", "2026-01-01", "--until", "2099-01-01",
                 "--reason", "flu", "--format", "json", "--db", db, **env)
    assert away.returncode == 0, away.stderr
    said = json.loads(away.stdout)  # JSON alone on stdout
    assert said["away"] == "ann" and said["until"].startswith("2099-01-01")
    # bob gets it if on shift at the wall clock's moment, else it waits in the queue
    assert [*said["reassigned"], *said["queued"]] == ["SHIP-1:INVALID_SHIP_TO"]
    assert holding(app, "ann") == []
    back = ordex("user", "back", "ann", "--format", "json", "--db", db, **env)
    assert json.loads(back.stdout)["absences_ended"] == 1  # JSON alone on stdout
    gone = ordex("user", "disable", "bob", "--db", db, **env)
    assert gone.returncode == 0, gone.stderr
    assert gone.stdout.startswith("user bob disabled; bob: ") and len(
        gone.stdout.strip().splitlines()) == 1
    assert holding(app, "bob") == []


def test_bad_away_input_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'o.db'}"
    app = start(db, tmp_path, "  customer_service: {strategy: round_robin}\n")
    people(app, person("ann"))
    cases = {
        ("ghost", "2026-12-01", "2026-12-02"): "no user ghost",
        ("ann", "2026-12-02", "2026-12-01"): "--until '2026-12-01' is not after --from",
        ("ann", "next monday", "2026-12-01"): "--from 'next monday': expected an ISO date",
        ("ann", "2026-12-01", "2026-13-01"): "--until '2026-13-01': expected an ISO date",
    }
    for (login, begin, end), said in cases.items():
        run = ordex("user", "away", login, "--from", begin, "--until", end, "--db", db)
        assert run.returncode == 2, (login, run.stderr)
        assert len(run.stderr.strip().splitlines()) == 1 and said in run.stderr
        assert "Traceback" not in run.stderr and run.stdout == ""
    back = ordex("user", "back", "ghost", "--db", db)
    assert back.returncode == 2 and "no user ghost" in back.stderr
