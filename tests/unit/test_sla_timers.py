"""SLA clocks and escalation on the fakes: due times stored at opening, timers that fire once
and in order (also when no worker ran, and whatever the system clock does), pause and resume."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ordex.decide.from_policy import routing_policy
from ordex.decide.rules import PolicyFileError, parse_policy
from ordex.domain.cases import Case, CaseState
from ordex.domain.commands import FireTimers, IngestOrders, PauseCase, ResumeCase, TakeCase
from ordex.domain.errors import IllegalTransitionError
from ordex.domain.events import CaseEscalated, SlaBreached
from ordex.domain.model import Warehouse
from ordex.interpret.registry import REGISTRY
from ordex.orchestrate.bus import MessageBus
from ordex.orchestrate.handlers import cases, intake, timers
from ordex.orchestrate.pipeline import Pipeline
from ordex.orchestrate.work import WorkState

from builders import context, reference
from fakes import ClockedUnitOfWork, FakeClaims

CHI = ZoneInfo("America/Chicago")
POLICY = """
version: sla-test
effective_from: "2026-01-01T00:00:00Z"
calendars:
  chicago:
    zone: America/Chicago
    hours: {mon: "08:00-17:00", tue: "08:00-17:00", wed: "08:00-17:00", thu: "08:00-17:00",
            fri: "08:00-17:00"}
    holidays: {country: US, subdiv: IL}
sla:
  calendar: chicago
  targets:
    INVENTORY_SHORTFALL: {gold: {response: 2, resolution: 8}, any: {resolution: 40}}
escalation:
  planning:
    lead: lead-1
    manager: boss-1
    steps:
      - {at_pct: 50, action: notify, to: owner}
      - {at_pct: 100, action: reassign, to: lead}
      - {at_pct: 150, action: notify, to: manager}
"""
CASE = "SO-1:INVENTORY_SHORTFALL"


def chi(day: int, hour: int, minute: int = 0) -> datetime:
    """A Chicago wall time in November 2026 (Monday 23rd … Friday 27th), as UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=CHI).astimezone(UTC)


OPENED = chi(23, 4)  # Monday 04:00, before the office opens


class World:
    """A bus over a clocked fake unit of work, with a settable `now`."""

    def __init__(self) -> None:
        data = reference(on_hand="50")
        data.warehouses = [Warehouse("WH1", "One", "IL", "60607")]
        doc = parse_policy(POLICY)[0]
        pipeline = Pipeline(ctx=context(data), detectors=list(REGISTRY.values()),
                            policy=routing_policy(doc))
        self.claims = FakeClaims()
        self.uow = ClockedUnitOfWork(pipeline, self.claims)
        self.now = OPENED
        handlers = {IngestOrders: intake.ingest_orders, TakeCase: cases.take_case,
                    PauseCase: timers.pause_case, ResumeCase: timers.resume_case,
                    FireTimers: timers.fire_timers}
        self.bus = MessageBus(uow=lambda: self.uow,
                              handlers={k: partial(self._at_now, h) for k, h in handlers.items()})
        self.facts: list[Any] = []
        for kind in (SlaBreached, CaseEscalated):
            self.bus.subscribe(kind, self.facts.append)

    def _at_now(self, handler: Any, command: object, unit: ClockedUnitOfWork) -> Any:
        return handler(command, unit, now=self.now)

    def open_case(self) -> Case:
        body = json.dumps({
            "order_id": "SO-1", "customer_id": "ACME", "customer_po": "PO-1",
            "order_date": "2026-11-23", "requested_ship_date": "2026-12-04",
            "warehouse_id": "WH1", "ship_via": "UPSN",
            "ship_to": {"name": "Acme", "line1": "1 Main St", "city": "Chicago", "state": "IL",
                        "postal_code": "60607", "country": "US"},
            "lines": [{"line_no": 1, "item_id": "WIDGET", "quantity": 90, "uom": "EA",
                       "unit_price": "10.00"}]}).encode()
        self.bus.handle(IngestOrders(((body, "t"),), "api"))
        return self.case

    @property
    def case(self) -> Case:
        return self.uow.cases_seen[CASE]

    def run_timers(self, at: datetime, worker: str = "w1") -> list[str]:
        """One worker round at `at`: claim what is due, fire it; the audit actions it added."""
        self.now = at
        before = len(self.case.history)
        items = self.claims.claim(kinds=["timer"], worker=worker, limit=100,
                                  lease=timedelta(minutes=5), now=at)
        if items:
            self.bus.handle(FireTimers(tuple((i.id, i.not_before, i.payload) for i in items),
                                       worker))
        return [e.action for e in self.case.history[before:]]

    def timer_due(self) -> dict[str, tuple[datetime, WorkState]]:
        return {r.item.key.split(":", 2)[2]: (r.item.not_before, r.state)
                for r in self.claims.rows.values()}


def test_due_times_are_business_hours_and_stored_on_the_case_at_opening() -> None:
    w = World()
    case = w.open_case()
    assert case.sla_calendar == "chicago"
    assert case.response_due_at == chi(23, 10)  # 2 h from 08:00
    assert case.sla_due_at == chi(23, 16)  # 8 h: the whole Monday
    assert {k: due for k, (due, _s) in w.timer_due().items()} == {
        "response": chi(23, 10), "resolution": chi(23, 16),
        "step:0": chi(23, 12), "step:1": chi(23, 16), "step:2": chi(24, 11)}


def test_escalation_steps_fire_once_each_in_order_with_their_effects() -> None:
    w = World()
    w.open_case()
    assert w.run_timers(chi(23, 9, 59)) == []
    assert w.run_timers(chi(23, 10)) == ["sla_breach_response"]
    assert w.run_timers(chi(23, 12, 1)) == ["escalate_notify"]
    assert [n.recipient for c in w.uow.written for n in c.notifications] == ["lead-1"]
    assert w.run_timers(chi(23, 16)) == ["sla_breach_resolution", "escalate_reassign"]
    assert w.case.assignee == "lead-1"
    assert w.run_timers(chi(24, 12)) == ["escalate_notify"]
    notified = [(n.recipient, n.payload["step"]) for c in w.uow.written for n in c.notifications
                if n.kind == "escalation"]
    assert notified == [("lead-1", 0), ("boss-1", 2)]  # the owner is now the lead
    handed = [(n.recipient, n.kind) for c in w.uow.written for n in c.notifications
              if n.kind != "escalation"]
    assert handed == [("lead-1", "case.assigned")]  # the reassignment tells the lead
    assert w.run_timers(chi(27, 12)) == []  # everything fired: nothing fires twice
    assert [type(f).__name__ for f in w.facts] == ["SlaBreached", "CaseEscalated",
                                                   "SlaBreached", "CaseEscalated",
                                                   "CaseEscalated"]
    assert all(s is WorkState.DONE for _d, s in w.timer_due().values())


def test_steps_missed_while_no_worker_ran_fire_at_start_once_in_due_order() -> None:
    w = World()
    w.open_case()
    fired = w.run_timers(chi(25, 9))  # the worker was down Monday and Tuesday
    assert fired == ["sla_breach_response", "escalate_notify", "sla_breach_resolution",
                     "escalate_reassign", "escalate_notify"]
    assert w.run_timers(chi(25, 10)) == []


def test_a_clock_jump_back_refires_nothing_and_a_jump_forward_fires_what_came_due() -> None:
    w = World()
    w.open_case()
    assert w.run_timers(chi(23, 12, 30)) == ["sla_breach_response", "escalate_notify"]
    assert w.run_timers(chi(23, 5)) == []  # the clock jumped back seven hours
    assert w.run_timers(chi(23, 11)) == []
    assert w.run_timers(chi(24, 13)) == ["sla_breach_resolution", "escalate_reassign",
                                         "escalate_notify"]  # jumped a day forward
    assert w.run_timers(chi(24, 14)) == []


def test_a_person_taking_the_case_in_time_meets_the_response_target() -> None:
    w = World()
    w.open_case()
    w.now = chi(23, 9)
    w.bus.handle(TakeCase(CASE, "ann"))
    assert w.case.responded_at == chi(23, 9)
    assert w.run_timers(chi(23, 12)) == ["escalate_notify"]  # no response breach
    assert [n.recipient for c in w.uow.written for n in c.notifications] == ["ann"]


def test_pause_stops_the_clock_and_resume_moves_due_times_by_the_business_time_paused() -> None:
    w = World()
    w.open_case()
    w.now = chi(23, 9)
    w.bus.handle(PauseCase(CASE, "ann", "asked the customer for a new date"))
    assert w.case.state is CaseState.PAUSED and w.case.responded_at == chi(23, 9)
    assert all(s is WorkState.PARKED for _d, s in w.timer_due().values())
    assert w.run_timers(chi(24, 17)) == []  # nothing fires while it waits
    w.now = chi(24, 10)  # paused Mon 09:00 → Tue 10:00: 8 + 2 = 10 business hours
    w.bus.handle(ResumeCase(CASE, "ann"))
    case = w.case
    assert case.state is CaseState.OPEN and case.paused_seconds == 10 * 3600
    assert case.sla_due_at == chi(24, 17)  # Monday 16:00 + 10 business hours
    assert case.response_due_at == chi(24, 11)
    assert {k: (due, s) for k, (due, s) in w.timer_due().items()} == {
        "response": (chi(24, 11), WorkState.QUEUED), "resolution": (chi(24, 17), WorkState.QUEUED),
        "step:0": (chi(24, 13), WorkState.QUEUED), "step:1": (chi(24, 17), WorkState.QUEUED),
        "step:2": (chi(25, 12), WorkState.QUEUED)}
    assert case.history[-1].action == "resume" and "600 business minutes" in (
        case.history[-1].reason)
    assert w.run_timers(chi(24, 12)) == []  # the response was met by the pause
    assert w.run_timers(chi(24, 13)) == ["escalate_notify"]


def test_a_paused_case_cannot_be_taken_and_resume_needs_a_pause() -> None:
    w = World()
    w.open_case()
    with pytest.raises(IllegalTransitionError, match="not paused"):
        w.bus.handle(ResumeCase(CASE, "ann"))
    w.bus.handle(PauseCase(CASE, "ann"))
    with pytest.raises(IllegalTransitionError, match="resume it first"):
        w.bus.handle(TakeCase(CASE, "bob"))
    with pytest.raises(IllegalTransitionError, match="paused to paused"):
        w.bus.handle(PauseCase(CASE, "ann"))


def test_timers_of_a_closed_case_complete_without_effect() -> None:
    w = World()
    w.open_case()
    w.case.move(CaseState.CANCELLED, actor="ann", at=chi(23, 9), reason="order cancelled")
    assert w.run_timers(chi(27, 9)) == []
    assert all(s is WorkState.DONE for _d, s in w.timer_due().values())
    assert w.facts == []


def test_a_timer_another_worker_took_over_rolls_back_its_effect() -> None:
    w = World()
    w.open_case()
    items = w.claims.claim(kinds=["timer"], worker="w1", limit=1, lease=timedelta(minutes=5),
                           now=chi(23, 10))
    w.claims.claim(kinds=["timer"], worker="w2", limit=1, lease=timedelta(minutes=5),
                   now=chi(23, 10, 6))  # w1's lease expired: w2 holds the response timer
    w.now = chi(23, 10, 7)
    with pytest.raises(Exception, match="taken over"):
        w.bus.handle(FireTimers(tuple((i.id, i.not_before, i.payload) for i in items), "w1"))
    assert w.uow.written[-1].clock_facts == []  # the ingest was the last commit


@pytest.mark.parametrize(("text", "message"), [
    ("sla: {calendar: nowhere}", "does not define"),
    ("escalation: {planning: {steps: [{at_pct: 100, action: reassign, to: lead}]}}",
     "no lead is named"),
    ("escalation: {planning: {lead: a, steps: [{at_pct: 100, action: notify, to: owner}, "
     "{at_pct: 50, action: notify, to: owner}]}}", "rising order"),
    ("sla: {targets: {PRICE_MISMATCH: {diamond: {resolution: 2}}}}", "not a tier"),
    ("sla: {default: {resolution: 0}}", "greater than 0"),
    ("calendars: {x: {zone: UTC, hours: {funday: '08:00-17:00'}}}", "unknown weekday"),
    ("calendars: {x: {zone: UTC, hours: {mon: '17:00-08:00'}}}", "end after"),
])
def test_bad_sla_keys_are_refused_naming_the_key(text: str, message: str) -> None:
    with pytest.raises(PolicyFileError, match=message):
        parse_policy(f"version: x\neffective_from: '2026-01-01T00:00:00Z'\n{text}\n")
