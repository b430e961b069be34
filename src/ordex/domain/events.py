"""Events (past tense, what happened) and commands (imperative, what the ERP should do)."""

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
