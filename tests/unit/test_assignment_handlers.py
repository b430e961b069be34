"""Assignment wired into the handlers, on the fake unit of work and a fake roster: cases
opened by intake, reopened, and handed over when their owner is away or disabled."""

from __future__ import annotations

import dataclasses
import inspect
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from ordex.bootstrap import HANDLERS
from ordex.domain import commands as c
from ordex.domain.assignment import SYSTEM_ASSIGNMENT, Absence, QueueAssignment, Strategy
from ordex.domain.cases import Case, CaseState
from ordex.domain.errors import UnknownUserError
from ordex.domain.identity import Skills, User
from ordex.orchestrate.bus import MessageBus

from builders import NOW, decide_pipeline, line, order, sourcing_reference
from fakes import FakeDirectory, FakeRoster, FakeUnitOfWork

ROLES = {"ann": ["credit_analyst"], "bob": ["credit_analyst"], "max": ["credit_manager"]}


def person(user_id: str, *, capacity: int = 5, queues: tuple[str, ...] = ("credit",),
           zone: str = "UTC") -> User:
    return User(user_id, user_id.title(), f"{user_id}@example.com", tuple(ROLES[user_id]),
                queues, Skills(), zone, capacity=capacity)


def credit_case(n: int) -> str:
    return f"O-{n}:CREDIT_LIMIT_EXCEEDED"


def desk(rule: QueueAssignment | None, *users: User,
         orders: int = 2) -> tuple[MessageBus, FakeUnitOfWork, FakeRoster]:
    """Credit cases opened by intake under a credit queue `rule`, on a fake roster of users."""
    pipeline = decide_pipeline(sourcing_reference(home="100000", limit="1"))
    pipeline.policy = dataclasses.replace(pipeline.policy,
                                          assignment={"credit": rule} if rule else {})
    roster = FakeRoster(users)
    pipeline.roster = roster
    uow = FakeUnitOfWork(pipeline)
    roster.cases = uow.cases_seen
    for n in range(1, orders + 1):
        pipeline.accept(order(line(1, qty="10", price="10.00"), order_id=f"O-{n}",
                              po=f"PO-{n}"), raw_id=f"r{n}", key=None, now=NOW)
    uow.commit(pipeline.take_changes())
    directory = FakeDirectory(ROLES)
    wanted = {k: h for k, h in HANDLERS.items()
              if set(inspect.signature(h).parameters) <= {"cmd", "uow", "now", "directory"}}
    bus = MessageBus(uow=lambda: uow, handlers={k: _wired(h, directory)
                                                 for k, h in wanted.items()})
    return bus, uow, roster


def _wired(handler: Any, directory: FakeDirectory) -> Any:
    given = {"directory": directory} if "directory" in inspect.signature(handler).parameters \
        else {}
    return lambda command, unit: handler(command, unit, now=NOW, **given)


def case(uow: FakeUnitOfWork, n: int) -> Case:
    found = uow.cases.get(credit_case(n))
    assert found is not None
    return found


def test_intake_assigns_by_the_queue_strategy_in_one_batch_of_roster_queries() -> None:
    _bus, uow, roster = desk(QueueAssignment(Strategy.ROUND_ROBIN), person("ann"),
                             person("bob"))
    assert [case(uow, n).assignee for n in (1, 2)] == ["ann", "bob"]
    assert {case(uow, n).state for n in (1, 2)} == {CaseState.ASSIGNED}
    assert roster.calls.count("team") == 1 and roster.calls.count("loads") == 1
    assert roster.turn == {"credit": "bob"}
    assert roster.held == [(("credit",), ("ann", "bob"))]  # the turn and both people's loads
    entry = case(uow, 1).history[-1]
    assert (entry.actor, entry.action, entry.from_state, entry.to_state) == (
        SYSTEM_ASSIGNMENT, "assign", "open", "assigned")
    assert entry.reason == "round_robin: assigned to ann"
    assert entry in uow.written[-1].audit


def test_a_queue_without_a_rule_is_manual_and_asks_the_roster_nothing() -> None:
    _bus, uow, roster = desk(None, person("ann"))
    assert (case(uow, 1).state, case(uow, 1).assignee) == (CaseState.OPEN, None)
    assert roster.calls == []


def test_a_queue_nobody_works_locks_and_counts_nothing() -> None:
    _bus, uow, roster = desk(QueueAssignment(Strategy.ROUND_ROBIN),
                             person("ann", queues=("pricing",)))
    assert case(uow, 1).assignee is None
    assert roster.calls == ["team"] and roster.held == []


def test_nobody_under_capacity_leaves_the_case_open_in_its_queue() -> None:
    _bus, uow, _roster = desk(QueueAssignment(Strategy.LEAST_LOADED), person("ann", capacity=1),
                              orders=2)
    assert case(uow, 1).assignee == "ann"
    assert (case(uow, 2).state, case(uow, 2).assignee) == (CaseState.OPEN, None)


def test_a_reopened_case_goes_back_to_its_owner_else_by_the_strategy() -> None:
    bus, uow, roster = desk(QueueAssignment(Strategy.LEAST_LOADED), person("ann"),
                            person("bob"), orders=1)
    bus.handle(c.TakeCase(credit_case(1), "bob"))
    bus.handle(c.ResolveCase(credit_case(1), "bob", "RELEASE", "paid"))
    bus.handle(c.ReopenCase(credit_case(1), "ann", "the payment bounced"))
    assert (case(uow, 1).state, case(uow, 1).assignee) == (CaseState.ASSIGNED, "bob")
    assert case(uow, 1).history[-1].reason == "owner: assigned to bob"
    bus.handle(c.CancelCase(credit_case(1), "ann", "duplicate"))
    roster.users["bob"] = person("bob", zone="Asia/Tokyo")  # 18:00 in Tokyo: off shift
    bus.handle(c.ReopenCase(credit_case(1), "ann", "not a duplicate after all"))
    assert case(uow, 1).assignee == "bob"  # off shift, still theirs: it waits in their work
    bus.handle(c.CancelCase(credit_case(1), "ann", "duplicate after all"))
    roster.absent.append(Absence("bob", NOW - timedelta(days=1), NOW + timedelta(days=1)))
    bus.handle(c.ReopenCase(credit_case(1), "ann", "not a duplicate, really"))
    assert case(uow, 1).assignee == "ann"  # away: the queue's strategy chooses
    assert case(uow, 1).history[-1].reason == "least_loaded: assigned to ann"


def test_away_hands_cases_over_and_no_new_case_goes_to_the_absent() -> None:
    bus, uow, roster = desk(QueueAssignment(Strategy.ROUND_ROBIN), person("ann"),
                            person("bob"))
    bus.handle(c.TakeCase(credit_case(1), "ann"))
    done = bus.handle(c.MarkAway("ann", NOW - timedelta(hours=1), NOW + timedelta(days=2),
                                 "cli", "holiday"))
    assert done.reassigned == {credit_case(1): "bob"} and done.queued == []
    assert (case(uow, 1).state, case(uow, 1).assignee) == (CaseState.ASSIGNED, "bob")
    entry = case(uow, 1).history[-1]
    assert (entry.actor, entry.action) == (SYSTEM_ASSIGNMENT, "reassign")
    assert entry.reason.startswith("round_robin: reassigned to bob (ann away")
    people = [e for e in uow.written[-1].audit if e.case_id == "people"]
    assert [e.action for e in people] == ["UserAway"]
    pipeline = uow.pipeline
    pipeline.accept(order(line(1, qty="10", price="10.00"), order_id="O-3", po="PO-3"),
                    raw_id="r3", key=None, now=NOW)
    uow.commit(pipeline.take_changes())
    assert case(uow, 3).assignee == "bob"
    back = bus.handle(c.MarkBack("ann", "cli"))
    assert back["absences_ended"] == 1 and roster.absent == []


def test_back_assigns_cases_that_waited_in_the_queue_up_to_free_capacity() -> None:
    bus, uow, roster = desk(QueueAssignment(Strategy.LEAST_LOADED), person("ann", capacity=1),
                            orders=3)
    assert [case(uow, n).assignee for n in (1, 2, 3)] == ["ann", None, None]
    roster.users["bob"] = person("bob", capacity=1)
    roster.absent.append(Absence("bob", NOW - timedelta(days=1), NOW + timedelta(days=1)))
    back = bus.handle(c.MarkBack("bob", "cli"))
    assert back["assigned"] == {credit_case(2): "bob"}  # room for one; ann is full
    assert case(uow, 3).assignee is None
    assert case(uow, 2).history[-1].reason == "least_loaded: assigned to bob"


def test_hand_over_keeps_approvals_and_paused_clocks_and_queues_when_nobody_is_free() -> None:
    bus, uow, roster = desk(QueueAssignment(Strategy.LEAST_LOADED), person("ann"),
                            person("bob", capacity=0), orders=2)
    bus.handle(c.TakeCase(credit_case(1), "ann"))
    bus.handle(c.PauseCase(credit_case(1), "ann", "asked the customer"))
    bus.handle(c.TakeCase(credit_case(2), "ann"))
    done = bus.handle(c.HandOverCases("ann", "cli", "disabled"))
    assert (case(uow, 1).state, case(uow, 1).assignee) == (CaseState.PAUSED, None)
    assert case(uow, 1).paused_at is not None  # the clock stays stopped
    assert (case(uow, 2).state, case(uow, 2).assignee) == (CaseState.OPEN, None)
    assert sorted(done.queued) == [credit_case(1), credit_case(2)]
    assert case(uow, 2).history[-1].action == "unassign"
    assert roster.calls.count("team") == 2  # intake's batch, then the hand-over's one batch


def test_hand_over_leaves_a_case_awaiting_approval_with_its_approvers() -> None:
    bus, uow, _roster = desk(QueueAssignment(Strategy.LEAST_LOADED), person("ann"),
                             person("bob"), orders=1)
    ana_case = case(uow, 1)
    ana_case.value_at_risk = Decimal(30_000)  # beyond the analyst's authority
    bus.handle(c.TakeCase(credit_case(1), "ann"))
    bus.handle(c.RequestApproval(credit_case(1), "ann", "RELEASE", "good history"))
    assert case(uow, 1).state is CaseState.AWAITING_APPROVAL
    done = bus.handle(c.HandOverCases("ann", "cli", "disabled"))
    assert done.kept == [credit_case(1)] and done.reassigned == {}
    assert (case(uow, 1).state, case(uow, 1).assignee) == (CaseState.AWAITING_APPROVAL, "ann")


def test_away_for_an_unknown_user_is_refused_naming_the_field() -> None:
    bus, _uow, _roster = desk(QueueAssignment(Strategy.ROUND_ROBIN), person("ann"))
    with pytest.raises(UnknownUserError, match="no user ghost"):
        bus.handle(c.MarkAway("ghost", NOW, NOW + timedelta(days=1), "cli"))
