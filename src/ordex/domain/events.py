"""Events (past tense, what happened), commands for the ERP, and the facts ordex publishes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class StockReceived:
    """Goods arrived at a warehouse (optionally against an inbound PO)."""

    item_id: str
    warehouse_id: str
    quantity: Decimal
    at: datetime
    po_id: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentPosted:
    """A customer's payment was applied to its receivables."""

    customer_id: str
    amount: Decimal
    at: datetime


@dataclass(frozen=True, slots=True)
class InboundPODated:
    """A supplier confirmed a new arrival date for an inbound PO."""

    po_id: str
    due_date: date
    at: datetime


@dataclass(frozen=True, slots=True)
class HoldLines:
    """Command to the ERP: hold these lines of an order (empty lines = whole order)."""

    order_id: str
    lines: tuple[int, ...]
    reason: str
    case_id: str


@dataclass(frozen=True, slots=True)
class ReleaseLines:
    """Command to the ERP: release these lines of an order for picking."""

    order_id: str
    lines: tuple[int, ...]
    reason: str
    case_id: str


@dataclass(frozen=True, slots=True)
class CancelOrder:
    """Command to the ERP: cancel an order (for example a confirmed duplicate)."""

    order_id: str
    reason: str
    case_id: str


@dataclass(frozen=True, slots=True)
class ApplyDecision:
    """Command to the ERP: carry out an action applied by policy or chosen by a person."""

    order_id: str
    case_id: str
    action: str
    detail: dict[str, Any]
    reason: str
    policy_version: str


@dataclass(frozen=True, slots=True)
class RevisePromise:
    """Command to the ERP: these lines will ship later than requested; promise this date."""

    order_id: str
    lines: tuple[int, ...]
    promise_date: str
    """The new promised ship date, ISO 8601 (YYYY-MM-DD)."""
    reason: str
    case_id: str


ErpCommand = HoldLines | ReleaseLines | CancelOrder | ApplyDecision | RevisePromise


# -- facts published on the message bus after a unit of work commits ---------------------
@dataclass(frozen=True, slots=True)
class OrderAccepted:
    """An order was stored and judged (status: accepted, held, auto_resolved, cancelled)."""

    order_id: str
    status: str


@dataclass(frozen=True, slots=True)
class CaseOpened:
    """An exception case was opened in a queue."""

    case_id: str
    code: str
    queue: str
    order_id: str | None


@dataclass(frozen=True, slots=True)
class CaseChanged:
    """A case moved: taken, resolved, auto-resolved or cancelled."""

    case_id: str
    state: str
    assignee: str | None


@dataclass(frozen=True, slots=True)
class HoldPlaced:
    """Lines of an order (none: the whole order) were held in the ERP by a case."""

    order_id: str
    lines: tuple[int, ...]
    case_id: str


@dataclass(frozen=True, slots=True)
class ErpCommandsQueued:
    """Commands for the ERP were written to the outbox (a worker delivers them)."""

    count: int


@dataclass(frozen=True, slots=True)
class SlaBreached:
    """A case passed an SLA target unmet (target: response or resolution), once per target."""

    case_id: str
    target: str
    due_at: datetime
    at: datetime
    queue: str


@dataclass(frozen=True, slots=True)
class CaseEscalated:
    """An escalation step fired on a case: someone was notified, or the case reassigned."""

    case_id: str
    step: int
    action: str
    recipient: str
    at: datetime


Fact = (OrderAccepted | CaseOpened | CaseChanged | HoldPlaced | ErpCommandsQueued
        | SlaBreached | CaseEscalated)
