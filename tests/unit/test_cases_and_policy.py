"""Case states, the transition table, priority and SLA."""

from decimal import Decimal

import pytest

from ordex.decide.policy import Policy
from ordex.domain.cases import ALLOWED_MOVES, Case, CaseState
from ordex.domain.codes import ExceptionCode, Queue, Severity
from ordex.domain.errors import IllegalTransitionError
from ordex.domain.findings import Finding
from ordex.domain.model import Customer, CustomerTier

from builders import NOW, line, order


def make_case() -> Case:
    return Case("O-1:PRICE_MISMATCH", ExceptionCode.PRICE_MISMATCH, Queue.PRICING,
                Severity.BLOCKING, "O-1", "ACME", (1,), "why", {}, 50, Decimal(1), NOW, NOW)


def test_closed_states_lead_only_back_to_open_or_assigned_by_a_reopen() -> None:
    for state in (CaseState.RESOLVED, CaseState.AUTO_RESOLVED, CaseState.CANCELLED):
        assert ALLOWED_MOVES[state] == frozenset({CaseState.OPEN, CaseState.ASSIGNED})


def test_a_move_is_audited_with_actor_time_and_reason() -> None:
    case = make_case()
    entry = case.move(CaseState.IN_PROGRESS, actor="ann", at=NOW, reason="taken")
    assert (entry.from_state, entry.to_state, entry.actor) == ("open", "in_progress", "ann")
    assert case.assignee == "ann"
    case.move(CaseState.RESOLVED, actor="ann", at=NOW, reason="ACCEPT_PRICE")
    assert not case.is_open and case.closed_at == NOW and len(case.history) == 2


def test_resolving_a_resolved_case_is_refused() -> None:
    case = make_case()
    case.move(CaseState.RESOLVED, actor="ann", at=NOW, reason="done")
    with pytest.raises(IllegalTransitionError, match="cannot move from resolved to resolved"):
        case.move(CaseState.RESOLVED, actor="ann", at=NOW, reason="again")
    with pytest.raises(IllegalTransitionError, match="cannot move from resolved to in_progress"):
        case.move(CaseState.IN_PROGRESS, actor="ann", at=NOW, reason="again")


def test_priority_adds_tier_value_and_severity_and_routes_to_owner_queue() -> None:
    big = order(line(qty="1000", price="60.00"))  # 60,000
    customer = Customer("ACME", "Acme", CustomerTier.PLATINUM, Decimal(0))
    finding = Finding(ExceptionCode.CREDIT_LIMIT_EXCEEDED, Severity.BLOCKING, (), "r")
    decision = Policy().decide(order=big, customer=customer, finding=finding, now=NOW)
    assert decision.priority_parts == {"tier": 40, "value": 40, "severity": 20}
    assert decision.priority == 100 and decision.queue is Queue.CREDIT
    assert (decision.sla_due_at - NOW).total_seconds() == 4 * 3600


def test_value_at_risk_counts_only_the_held_lines() -> None:
    two = order(line(1, qty="1", price="100"), line(2, item="GADGET", qty="1", price="5"))
    finding = Finding(ExceptionCode.PRICE_MISMATCH, Severity.BLOCKING, (2,), "r")
    decision = Policy().decide(order=two, customer=None, finding=finding, now=NOW)
    assert decision.value_at_risk == Decimal(5)
