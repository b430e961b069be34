"""Exception cases: one per order and code, with states, allowed moves and an audit trail."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from ordex.domain.approvals import Approval
from ordex.domain.codes import ExceptionCode, Queue, Severity
from ordex.domain.errors import IllegalTransitionError


class CaseState(StrEnum):
    """Where a case stands."""

    OPEN = "open"
    """Waiting in its queue for someone (or an event) to act."""
    ASSIGNED = "assigned"
    """Given to a person (its `assignee`), who has not started on it yet."""
    IN_PROGRESS = "in_progress"
    """Someone has taken the case and is working it."""
    AWAITING_APPROVAL = "awaiting_approval"
    """An action beyond the worker's authority waits for its chain of approvals."""
    PAUSED = "paused"
    """Waiting for the customer: its SLA clock stands still until it is resumed."""
    RESOLVED = "resolved"
    """Closed by a person's action."""
    AUTO_RESOLVED = "auto_resolved"
    """Closed without a person: the condition went away or policy applied an action."""
    CANCELLED = "cancelled"
    """Closed because it no longer applies (for example its order was cancelled)."""


S = CaseState
CLOSED_STATES = frozenset({S.RESOLVED, S.AUTO_RESOLVED, S.CANCELLED})
ACTIVE_STATES = tuple(s for s in CaseState if s not in CLOSED_STATES)
"""Every state of a case that still needs something to happen (stored queries use these)."""
_CLOSE = CLOSED_STATES
_REOPEN = frozenset({S.OPEN, S.ASSIGNED})

ALLOWED_MOVES: dict[CaseState, frozenset[CaseState]] = {
    S.OPEN:              frozenset({S.ASSIGNED, S.IN_PROGRESS, S.PAUSED, *_CLOSE}),
    S.ASSIGNED:          frozenset({S.OPEN, S.ASSIGNED, S.IN_PROGRESS, S.PAUSED, *_CLOSE}),
    S.IN_PROGRESS:       frozenset({S.OPEN, S.ASSIGNED, S.AWAITING_APPROVAL, S.PAUSED,
                                    *_CLOSE}),
    S.AWAITING_APPROVAL: frozenset({S.IN_PROGRESS, *_CLOSE}),
    # resumed back to open or in progress (resume() chooses by assignee); the customer's
    # answer, or the condition going away, may also close it while it waits
    S.PAUSED:            frozenset({S.OPEN, S.IN_PROGRESS, *_CLOSE}),
    S.RESOLVED:          _REOPEN,
    S.AUTO_RESOLVED:     _REOPEN,
    S.CANCELLED:         _REOPEN,
}
"""The one table of moves: state → the states it may move to (docs/casework.md). A state is
one row; a new state (PAUSED) is its own row plus its name in the rows that lead to it."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One append-only record of a change: who, when, what and why."""

    case_id: str
    at: datetime
    actor: str
    action: str
    from_state: str | None
    to_state: str
    reason: str


def case_id_for(subject: str, code: ExceptionCode) -> str:
    """The natural key of a case: one per subject (order or raw payload) and code."""
    return f"{subject}:{code.value}"


@dataclass(slots=True)
class Case:
    """An exception case in a queue, with its priority, SLA and evidence."""

    case_id: str
    code: ExceptionCode
    queue: Queue
    severity: Severity
    order_id: str | None
    customer_id: str | None
    lines: tuple[int, ...]
    reason: str
    evidence: dict[str, Any]
    priority: int
    value_at_risk: Decimal
    opened_at: datetime
    sla_due_at: datetime
    state: CaseState = CaseState.OPEN
    closed_at: datetime | None = None
    resolution: str | None = None
    assignee: str | None = None
    history: list[AuditEntry] = field(default_factory=list)
    version: int = 0
    """How many times the stored case was changed: a change of an older version is refused."""
    approvals: list[Approval] = field(default_factory=list)
    """Every approval asked for on the case, chain by chain (loaded when a person acts)."""
    response_due_at: datetime | None = None
    """When a person must first have touched the case (None: no response target)."""
    sla_calendar: str = "round_the_clock"
    """The business calendar its SLA counts on (`sla_due_at` is its resolution due time)."""
    responded_at: datetime | None = None
    """When a person first acted on it (took, paused or resolved it)."""
    paused_at: datetime | None = None
    """Since when it waits for the customer (None while it is not paused)."""
    paused_seconds: int = 0
    """Business time it spent paused so far, in seconds: its due times moved by as much."""

    @property
    def is_open(self) -> bool:
        """True while the case still needs something to happen."""
        return self.state not in CLOSED_STATES

    @property
    def blocks(self) -> bool:
        """True when the case holds its lines (open and blocking)."""
        return self.is_open and self.severity is Severity.BLOCKING

    def opened(self, *, actor: str) -> AuditEntry:
        """Record the opening of the case."""
        entry = AuditEntry(self.case_id, self.opened_at, actor, "open", None,
                           self.state.value, self.reason)
        self.history.append(entry)
        return entry

    def touched(self, *, at: datetime) -> None:
        """A person acted on the case: the first time answers its response target."""
        if self.responded_at is None:
            self.responded_at = at

    def pause(self, *, actor: str, at: datetime, reason: str) -> AuditEntry:
        """Wait for the customer: the SLA clock stops."""
        entry = self.move(CaseState.PAUSED, actor=actor, at=at, reason=reason, action="pause")
        self.paused_at = at
        self.touched(at=at)
        return entry

    def resume(self, *, actor: str, at: datetime, paused: timedelta,
               shift: Callable[[datetime], datetime]) -> AuditEntry:
        """Work again after a pause of `paused` business time; `shift` moves a due time by it."""
        if self.state is not CaseState.PAUSED:
            raise IllegalTransitionError(
                f"case {self.case_id} is {self.state.value}, not paused: nothing to resume",
                case_id=self.case_id, from_state=self.state.value, to_state="resumed")
        back = CaseState.IN_PROGRESS if self.assignee else CaseState.OPEN
        seconds = int(paused.total_seconds())
        entry = self.move(back, actor=actor, at=at, action="resume",
                          reason=f"resumed after {seconds // 60} business minutes paused")
        self.paused_at, self.paused_seconds = None, self.paused_seconds + seconds
        self.sla_due_at = shift(self.sla_due_at)
        if self.response_due_at is not None:
            self.response_due_at = shift(self.response_due_at)
        return entry

    def note(self, *, actor: str, at: datetime, reason: str, action: str) -> AuditEntry:
        """Record a decision that keeps the case in its state (for example HOLD)."""
        entry = AuditEntry(self.case_id, at, actor, action, self.state.value, self.state.value,
                           reason)
        self.history.append(entry)
        return entry

    def move(self, to: CaseState, *, actor: str, at: datetime, reason: str,
             action: str = "transition") -> AuditEntry:
        """Move the case to another state, or raise IllegalTransitionError."""
        if to not in ALLOWED_MOVES[self.state]:
            raise IllegalTransitionError(
                f"case {self.case_id} cannot move from {self.state.value} to {to.value}",
                case_id=self.case_id, from_state=self.state.value, to_state=to.value)
        if self.state is CaseState.PAUSED and to not in CLOSED_STATES and action != "resume":
            raise IllegalTransitionError(
                f"case {self.case_id} is paused waiting for the customer: resume it first",
                case_id=self.case_id, from_state=self.state.value, to_state=to.value)
        entry = AuditEntry(self.case_id, at, actor, action, self.state.value, to.value, reason)
        reopened = self.state in CLOSED_STATES and to not in CLOSED_STATES
        self.state = to
        if to in CLOSED_STATES:
            self.closed_at = at
            self.resolution = reason
        elif reopened:
            self.closed_at = self.resolution = None
        if to is CaseState.IN_PROGRESS and action != "resume":
            self.assignee = actor
        self.history.append(entry)
        return entry
