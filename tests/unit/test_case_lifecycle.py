"""The case lifecycle: every move of the one table is allowed and audited, every other refused."""

from __future__ import annotations

from decimal import Decimal
from itertools import product

import pytest

from ordex.domain.cases import ACTIVE_STATES, ALLOWED_MOVES, CLOSED_STATES, Case, CaseState
from ordex.domain.codes import ExceptionCode, Queue, Severity
from ordex.domain.errors import IllegalTransitionError

from builders import NOW

LEGAL = sorted((a, b) for a, targets in ALLOWED_MOVES.items() for b in targets)
ILLEGAL = sorted((a, b) for a, b in product(CaseState, CaseState) if b not in ALLOWED_MOVES[a])


def case_in(state: CaseState) -> Case:
    case = Case("O-1:CREDIT_LIMIT_EXCEEDED", ExceptionCode.CREDIT_LIMIT_EXCEEDED, Queue.CREDIT,
                Severity.BLOCKING, "O-1", "ACME", (), "why", {}, 50, Decimal(1), NOW, NOW)
    case.state = state
    if state in CLOSED_STATES:
        case.closed_at, case.resolution = NOW, "closed before"
    return case


def test_the_table_names_every_state_and_the_lifecycle_of_the_issue() -> None:
    assert set(ALLOWED_MOVES) == set(CaseState)
    assert [s.value for s in CaseState] == ["open", "assigned", "in_progress",
                                            "awaiting_approval", "paused", "resolved",
                                            "auto_resolved", "cancelled"]
    assert set(ACTIVE_STATES) | CLOSED_STATES == set(CaseState)
    assert not set(ACTIVE_STATES) & CLOSED_STATES


@pytest.mark.parametrize(("start", "to"), LEGAL, ids=[f"{a}->{b}" for a, b in LEGAL])
def test_every_move_in_the_table_happens_and_is_audited(start: CaseState, to: CaseState) -> None:
    case = case_in(start)
    leaving_a_pause = start is CaseState.PAUSED and to not in CLOSED_STATES
    entry = case.move(to, actor="ann", at=NOW, reason="because",
                      action="resume" if leaving_a_pause else "act")  # a pause ends by resume
    assert case.state is to
    assert (entry.from_state, entry.to_state, entry.actor, entry.reason) == (
        start.value, to.value, "ann", "because")
    assert case.history == [entry]
    assert (case.closed_at is not None) == (to in CLOSED_STATES)
    assert (case.resolution is None) == (to not in CLOSED_STATES)


@pytest.mark.parametrize(("start", "to"), ILLEGAL, ids=[f"{a}->{b}" for a, b in ILLEGAL])
def test_every_move_outside_the_table_is_refused_naming_from_and_to(
        start: CaseState, to: CaseState) -> None:
    case = case_in(start)
    with pytest.raises(IllegalTransitionError) as err:
        case.move(to, actor="ann", at=NOW, reason="because")
    assert f"from {start.value} to {to.value}" in err.value.message
    assert err.value.details == {"case_id": case.case_id, "from_state": start.value,
                                 "to_state": to.value}
    assert case.state is start and case.history == []


def test_closed_cases_only_reopen_and_every_active_state_can_still_close() -> None:
    for state in CLOSED_STATES:
        assert ALLOWED_MOVES[state] == {CaseState.OPEN, CaseState.ASSIGNED}
    for state in ACTIVE_STATES:
        assert ALLOWED_MOVES[state] >= CLOSED_STATES


def test_approval_is_asked_only_from_in_progress_and_ends_back_there_or_closed() -> None:
    leads_in = {a for a, targets in ALLOWED_MOVES.items()
                if CaseState.AWAITING_APPROVAL in targets}
    assert leads_in == {CaseState.IN_PROGRESS}
    assert ALLOWED_MOVES[CaseState.AWAITING_APPROVAL] == {CaseState.IN_PROGRESS} | CLOSED_STATES
