"""Events (past tense, what happened) and the facts ordex publishes; the ERP commands live in
erp_commands.py and are named here too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from ordex.domain.erp_commands import (
    AddNote,
    ApplyDecision,
    CancelLine,
    CancelOrder,
    ChangePrice,
    ChangeQuantity,
    ChangeShipVia,
    ChangeWarehouse,
    ErpCommand,
    HoldLines,
    ReleaseLines,
    RevisePromise,
    Shipment,
    SplitLine,
    SubstituteItem,
    UpdateShipTo,
)

__all__ = [
    "AddNote",
    "ApplyDecision",
    "CancelLine",
    "CancelOrder",
    "CaseChanged",
    "CaseEscalated",
    "CaseOpened",
    "ChangePrice",
    "ChangeQuantity",
    "ChangeShipVia",
    "ChangeWarehouse",
    "ErpCommand",
    "ErpCommandsQueued",
    "Fact",
    "HoldLines",
    "HoldPlaced",
    "InboundPODated",
    "OrderAccepted",
    "PaymentPosted",
    "ReleaseLines",
    "RevisePromise",
    "Shipment",
    "SlaBreached",
    "SplitLine",
    "StockReceived",
    "SubstituteItem",
    "UpdateShipTo",
]


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
