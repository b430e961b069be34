"""SLA clocks on SQLite and PostgreSQL: due times stored at intake, timers the worker fires
once (after a restart, whatever the clock does, with two worker processes), pause and resume
through the API moving the stored due times and timers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from auth_kit import signed
from commands import ingest
from ordex.adapters.db import tables as t
from ordex.adapters.db.dialect import make_engine, wipe
from ordex.adapters.db.migrate import upgrade
from ordex.adapters.db.store import SqlChangeStore
from ordex.bootstrap import App, bootstrap, worker_handlers
from ordex.config import Settings
from ordex.decide.from_policy import routing_policy
from ordex.decide.rules import load_policy
from ordex.decide.sla import SlaClock
from ordex.domain.cases import Case
from ordex.domain.codes import ExceptionCode, Queue, Severity
from ordex.entrypoints.api.app import create_app
from ordex.entrypoints.worker import main as worker_main
from ordex.orchestrate.changes import Changes
from ordex.orchestrate.sla import timers_for
from ordex.sense.reference import load_reference

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "policies" / "default.yaml"
OPENED = datetime(2026, 11, 23, 9, tzinfo=UTC)  # Monday 03:00 in Chicago
TIMER_ACTIONS = ("sla_breach_response", "sla_breach_resolution", "escalate_notify",
                 "escalate_reassign")


class Clock:
    """A clock the test moves (and jumps)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def shipped_clock() -> SlaClock:
    sla = routing_policy(load_policy(SHIPPED)[0]).sla
    assert sla is not None
    return sla


def start(url: str, clock: Clock, *, reference: bool = True) -> App:
    app = bootstrap(Settings(database_url=url, policy_file=SHIPPED), clock=clock)
    app.migrate()
    if reference:
        app.save_reference(load_reference(ROOT / "examples" / "reference"))
    return app


def example_orders(app: App) -> None:
    lines = (ROOT / "examples" / "orders.ndjson").read_bytes().splitlines()
    ingest(app, [(body, "examples") for body in lines if body.strip()], channel="api")


def rows(engine: Engine, query: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(query))


def utc(value: datetime | None) -> datetime | None:
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


def timer_effects(engine: Engine) -> list[tuple[str, str, str]]:
    a = t.audit_log.c
    return sorted((r.case_id, r.action, r.reason) for r in rows(engine, select(
        a.case_id, a.action, a.reason).where(a.action.in_(TIMER_ACTIONS))))


def run_worker_once(app: App, clock: Clock, worker: str = "w1") -> None:
    assert worker_main(app.settings, worker_id=worker, once=True,
                       handlers=worker_handlers(app), clock=clock) == 0


def test_intake_stores_business_due_times_and_a_timer_per_target_and_step(db_url: str) -> None:
    clock = Clock(OPENED)
    app = start(db_url, clock)
    try:
        example_orders(app)
        c, w = t.cases.c, t.work_items.c
        open_cases = rows(app.engine, select(t.cases).where(c.state == "open"))
        timers = rows(app.engine, select(w.subject, w.key, w.not_before, w.state)
                      .where(w.kind == "timer"))
    finally:
        app.engine.dispose()
    sla = shipped_clock()
    customers = {c.customer_id: c for c in load_reference(ROOT / "examples" / "reference")
                 .customers}
    assert open_cases and timers
    due = {(r.subject, r.key[len(r.subject) + 1:]): utc(r.not_before) for r in timers}
    for case in open_cases:
        cal = sla.calendar(case.sla_calendar)
        assert case.sla_calendar in {"us_central", "us_eastern", "around_the_clock"}
        target = cal.elapsed(utc(case.opened_at), utc(case.sla_due_at))  # type: ignore[arg-type]
        assert target == timedelta(hours=sla.target(
            ExceptionCode(case.code), customers.get(case.customer_id), Queue(case.queue))[1])
        assert due[(case.case_id, "resolution")] == utc(case.sla_due_at)
        assert due[(case.case_id, "response")] == utc(case.response_due_at)
        if case.sla_calendar != "around_the_clock":  # 03:00 Monday: nothing due before 08:00
            assert utc(case.response_due_at) > OPENED + timedelta(hours=5)  # type: ignore[operator]
    assert {r.state for r in timers} == {"queued"}
    assert {r.subject for r in timers} <= {r.case_id for r in open_cases}


def test_missed_timers_fire_once_at_start_and_never_again_after_restarts_or_jumps(
        db_url: str) -> None:
    clock = Clock(OPENED)
    app = start(db_url, clock)
    try:
        example_orders(app)
        run_worker_once(app, clock)  # nothing is due yet
        assert timer_effects(app.engine) == []
    finally:
        app.engine.dispose()
    clock.now = OPENED + timedelta(hours=8)  # Monday 11:00 Chicago; no worker ran till now
    app = start(db_url, clock, reference=False)  # a restart: nothing kept in memory
    try:
        run_worker_once(app, clock)
        first = timer_effects(app.engine)
        assert {a for _c, a, _r in first} >= {"sla_breach_response", "escalate_notify"}
        clock.now = OPENED - timedelta(days=3)  # the system clock jumps back
        run_worker_once(app, clock, "w2")
        assert timer_effects(app.engine) == first
        clock.now = OPENED + timedelta(days=30)  # and far forward
        run_worker_once(app, clock, "w3")
        later = timer_effects(app.engine)
        run_worker_once(app, clock, "w4")
        assert timer_effects(app.engine) == later and len(later) > len(first)
        assert len(later) == len(set(later))  # no effect twice
        w, n = t.work_items.c, t.notifications.c
        assert {r.state for r in rows(app.engine, select(w.state).where(w.kind == "timer"))} == {
            "done"}
        notified = rows(app.engine, select(func.count()).select_from(t.notifications)
                        .where(n.kind == "escalation"))[0][0]
        assert notified == sum(1 for _c, a, _r in later if a == "escalate_notify")
        handed = rows(app.engine, select(func.count()).select_from(t.notifications)
                      .where(n.kind == "case.assigned"))[0][0]
        assert handed == sum(1 for _c, a, _r in later if a == "escalate_reassign")
        breaches = rows(app.engine, select(func.count()).select_from(t.events).where(
            t.events.c.kind == "SlaBreached"))[0][0]
        assert breaches == sum(1 for _c, a, _r in later if a.startswith("sla_breach"))
        # notify steps and the lead's new cases (customers' order.changed rows are the
        # decisions' follow-ups, not the clock's)
        kinds = {r.kind for r in rows(app.engine, select(n.kind))} - {"order.changed"}
        assert kinds == {"escalation", "case.assigned"}
        reassigned = rows(app.engine, select(t.cases.c.assignee).where(
            t.cases.c.queue == "customer_service", t.cases.c.state == "open"))
        assert reassigned and {r.assignee for r in reassigned} == {"cs-lead"}
    finally:
        app.engine.dispose()


def test_pause_and_resume_over_http_move_stored_due_times_and_timers(db_url: str) -> None:
    clock = Clock(datetime(2026, 11, 23, 15, tzinfo=UTC))  # Monday 09:00 Chicago
    app = start(db_url, clock)
    try:
        example_orders(app)
        client = signed(create_app(app))  # an admin token: its actor is the token's name
        case = next(c for c in client.get("/cases", params={"state": "open"}).json()
                    if c["sla_calendar"] == "us_central")
        case_id = case["case_id"]
        paused = client.post(f"/cases/{case_id}/pause", json={"reason": "asked"})
        assert paused.status_code == 200 and paused.json()["state"] == "paused"
        assert paused.json()["responded_at"] is not None
        w = t.work_items.c
        states = {r.state for r in rows(app.engine, select(w.state).where(w.subject == case_id))}
        assert states == {"parked"}
        clock.now += timedelta(days=1)  # Tuesday 09:00: 8 + 1 business hours later
        run_worker_once(app, clock)
        targets = [(utc(r.response_due_at), r.responded_at and utc(r.responded_at), r.state)
                   for r in rows(app.engine, select(t.cases.c.response_due_at,
                                                    t.cases.c.responded_at, t.cases.c.state)
                                 .where(t.cases.c.response_due_at.is_not(None)))]
        met = sum(1 for due, touched, _s in targets if touched and touched <= due)
        missed = sum(1 for due, touched, state in targets if (touched and touched > due) or (
            not touched and due < clock.now and state in ("open", "assigned", "in_progress")))
        assert met == 1 and missed >= 1  # the paused case was touched at once; others wait
        assert app.kpis()["response_sla_compliance"] == round(met / (met + missed), 6)
        assert [a for c, a, _r in timer_effects(app.engine) if c == case_id] == []
        before = {r.key: utc(r.not_before) for r in rows(app.engine, select(w.key, w.not_before)
                                                         .where(w.subject == case_id))}
        resumed = client.post(f"/cases/{case_id}/resume", json={})
        assert resumed.status_code == 200, resumed.text
        body = resumed.json()
        assert body["state"] == "open"  # nobody had taken it
        assert body["paused_seconds"] == 9 * 3600
        cal = shipped_clock().calendar("us_central")
        assert datetime.fromisoformat(body["sla_due_at"]) == cal.add(
            datetime.fromisoformat(case["sla_due_at"]), timedelta(hours=9))
        after = {r.key: (utc(r.not_before), r.state) for r in rows(
            app.engine, select(w.key, w.not_before, w.state).where(w.subject == case_id))}
        assert after == {k: (cal.add(v, timedelta(hours=9)), "queued")  # type: ignore[arg-type]
                         for k, v in before.items()}
        again = client.post(f"/cases/{case_id}/resume", json={})
        assert again.status_code == 409 and "not paused" in again.json()["message"]
        assert client.post("/cases/nope/pause", json={}).status_code == 404
        named = client.post(f"/cases/{case_id}/pause", json={"actor": "ann"})  # never the body's
        assert named.status_code == 422 and named.json()["detail"][0]["field"] == "actor"
    finally:
        app.engine.dispose()


def _clocked_cases(n: int, sla: SlaClock) -> Changes:
    """n credit cases opened two weeks before the wall clock, every timer already due."""
    changes = Changes()
    opened = datetime.now(UTC) - timedelta(days=14)
    for i in range(n):
        due = sla.due(code=ExceptionCode.CREDIT_LIMIT_EXCEEDED, customer=None,
                      queue=Queue.CREDIT, opened_at=opened)
        case = Case(f"raw-{i}:CREDIT_LIMIT_EXCEEDED", ExceptionCode.CREDIT_LIMIT_EXCEEDED,
                    Queue.CREDIT, Severity.BLOCKING, None, None, (), "over limit", {}, 50,
                    Decimal(100), opened, due.resolution_due_at,
                    response_due_at=due.response_due_at, sla_calendar=due.calendar)
        changes.new_cases[case.case_id] = case
        changes.timers += timers_for(case, sla)
    return changes


@pytest.mark.postgres
def test_two_worker_processes_on_postgresql_never_fire_one_step_twice(
        postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            wipe(conn, list(t.metadata.sorted_tables))
        changes = _clocked_cases(300, shipped_clock())
        SqlChangeStore(engine).save(changes)
        env = {**os.environ, "ORDEX_WORKER_BATCH": "7", "ORDEX_RETRY_BASE_SECONDS": "0.05",
               "ORDEX_RETRY_CAP_SECONDS": "0.2"}
        procs = [subprocess.Popen([sys.executable, "-m", "ordex", "worker", "--once", "--db",
                                   postgres_url], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE) for _ in range(2)]
        for proc in procs:
            _out, err = proc.communicate(timeout=600)
            assert proc.returncode == 0, err.decode()[-2000:]
        # two workers firing timers of one case at once: the case's version check lets one
        # win, the other is retried (after the back-off); a last pass runs what is left
        time.sleep(0.3)
        last = subprocess.run([sys.executable, "-m", "ordex", "worker", "--once", "--db",
                               postgres_url], env=env, capture_output=True, timeout=600)
        assert last.returncode == 0, last.stderr.decode()[-2000:]
        effects = timer_effects(engine)
        # per case: response breach, resolution breach, notify at 50 %, reassign at 100 %,
        # notify the manager at 150 %: five effects, each exactly once
        assert len(effects) == 5 * 300 and len(set(effects)) == len(effects)
        w = t.work_items.c
        done_by = rows(engine, select(w.claimed_by, w.state).where(w.kind == "timer"))
        assert {r.state for r in done_by} == {"done"} and len(done_by) == 5 * 300
        n = t.notifications.c
        notified = dict(rows(engine, select(n.kind, func.count()).group_by(n.kind)))
        assert notified == {"escalation": 2 * 300, "case.assigned": 300}  # 1 reassign each
    finally:
        engine.dispose()
