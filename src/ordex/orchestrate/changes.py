"""What a batch of work changed, collected in memory and written by the store in one go."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ordex.domain.approvals import Approval
from ordex.domain.cases import AuditEntry, Case
from ordex.domain.casework import Attachment, Comment, Override
from ordex.domain.customer_view import OrderChange
from ordex.domain.events import CaseEscalated, ErpCommand, SlaBreached
from ordex.domain.model import Order, RawPayload

if TYPE_CHECKING:  # work.py imports OutboxMessage from here
    from ordex.orchestrate.work import NewWork


@dataclass(frozen=True, slots=True)
class IntakeResult:
    """What intake answered for one order payload; replayed as-is for a resend."""

    idempotency_key: str | None
    order_id: str | None
    raw_id: str
    status: str
    cases: tuple[str, ...] = ()
    held_lines: tuple[int, ...] = ()
    whole_order_held: bool = False
    errors: tuple[dict[str, str], ...] = ()
    content_sha256: str | None = None
    """Hash of the accepted order's content: a later payload under the same key must match."""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"order_id": self.order_id, "status": self.status, "raw_id": self.raw_id,
                "cases": list(self.cases), "held_lines": list(self.held_lines),
                "whole_order_held": self.whole_order_held, "errors": list(self.errors),
                "content_sha256": self.content_sha256}


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A command bound for the ERP, written in the same transaction as the change causing it."""

    message_id: str
    at: datetime
    command: ErpCommand


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """An event for the append-only event log."""

    kind: str
    at: datetime
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Notification:
    """Something to tell people and systems, pending until a worker routes and delivers it.

    `kind` is its event type (orchestrate.notify.EventType; `escalation` is `sla.at_risk`);
    `recipient` a user id, `role:R` or `queue:Q` for personal notices, None for none.
    """

    recipient: str | None
    kind: str
    case_id: str | None
    at: datetime
    payload: dict[str, Any]
    queue: str | None = None
    customer_id: str | None = None
    order_id: str | None = None


@dataclass
class Changes:
    """Everything one unit of work will write."""

    raw_payloads: list[RawPayload] = field(default_factory=list)
    orders: list[tuple[Order, str, str | None]] = field(default_factory=list)
    """(order, raw payload id, idempotency key)"""
    allocations: dict[tuple[str, int], Decimal] = field(default_factory=dict)
    cancelled_orders: list[str] = field(default_factory=list)
    new_cases: dict[str, Case] = field(default_factory=dict)
    dirty_cases: dict[str, Case] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    outbox: list[OutboxMessage] = field(default_factory=list)
    results: list[IntakeResult] = field(default_factory=list)
    events: list[LoggedEvent] = field(default_factory=list)
    positions: dict[tuple[str, str], tuple[Decimal, Decimal]] = field(default_factory=dict)
    """(on hand, allocated) added to each stock position (deltas, never absolute values)."""
    line_allocations: dict[tuple[str, int, str, str], Decimal] = field(default_factory=dict)
    """Base units added to each (order, line, item, warehouse) reservation (deltas)."""
    payments: list[tuple[str, Decimal, datetime]] = field(default_factory=list)
    received_pos: list[str] = field(default_factory=list)
    decisions: list[Any] = field(default_factory=list)
    """Recommendations of the decide stage (ordex.decide.engine.Recommendation)."""
    comments: list[Comment] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    overrides: list[Override] = field(default_factory=list)
    approvals: list[Approval] = field(default_factory=list)
    """Approvals asked for (inserted) and decided (updated), each in its latest state."""
    timers: list[NewWork] = field(default_factory=list)
    """SLA and escalation timers of new cases (kept only for those still open when written)."""
    notifications: list[Notification] = field(default_factory=list)
    clock_facts: list[SlaBreached | CaseEscalated] = field(default_factory=list)
    """SLA breaches and escalation steps fired (also written to the event log)."""
    order_changes: list[OrderChange] = field(default_factory=list)
    """Decisions that change what ships, for the customer's follow-up (855 change or
    order.changed), in the order they were taken."""

    def touch(self, case: Case) -> None:
        """Note that a case changed (new cases are written with their latest state)."""
        if case.case_id not in self.new_cases:
            self.dirty_cases[case.case_id] = case

    def absorb(self, later: Changes) -> None:
        """Add a later unit of work's changes to these (one write for several commits)."""
        for name in ("raw_payloads", "orders", "cancelled_orders", "audit", "outbox",
                     "results", "events", "payments", "received_pos", "decisions",
                     "comments", "attachments", "overrides", "approvals", "timers",
                     "notifications", "clock_facts", "order_changes"):
            getattr(self, name).extend(getattr(later, name))
        self.allocations.update(later.allocations)
        self.new_cases.update(later.new_cases)
        for case_id, case in later.dirty_cases.items():
            if case_id not in self.new_cases:  # a new case is written in its latest state
                self.dirty_cases[case_id] = case
        for key, (on_hand, allocated) in later.positions.items():
            was = self.positions.get(key, (Decimal(0), Decimal(0)))
            self.positions[key] = (was[0] + on_hand, was[1] + allocated)
        for line, qty in later.line_allocations.items():
            self.line_allocations[line] = self.line_allocations.get(line, Decimal(0)) + qty

    def __len__(self) -> int:
        return len(self.raw_payloads) + len(self.orders) + len(self.audit) + len(self.events)
