"""Commands: what someone or something asks ordex to do (imperative; one handler each).

Entry points (API, CLI, worker, broker consumer, simulator) only build these and hand them
to the message bus (`orchestrate/bus.py`). A command with `at` None happens now (the
application's clock).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ordex.domain.model import CustomerLicence, Item, PriceContract, UnitConversion


@dataclass(frozen=True, slots=True)
class IngestOrders:
    """Store these payloads raw and judge every order in them, in one unit of work."""

    payloads: tuple[tuple[bytes, str], ...]
    """(body, source) of each payload: JSON (one order, a list, or {"orders": [...]})."""
    channel: str
    key: str | None = None
    """The sender's idempotency key (per item `KEY#index` in a batch)."""


@dataclass(frozen=True, slots=True)
class ReceiveStock:
    """Goods arrived at a warehouse (optionally against an inbound PO)."""

    item_id: str
    warehouse_id: str
    quantity: Decimal
    po_id: str | None = None
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PostPayment:
    """Apply a customer's payment to its receivables."""

    customer_id: str
    amount: Decimal
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RedateInboundPO:
    """A supplier confirmed a new arrival date for an inbound PO."""

    po_id: str
    due_date: date
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ChangePriceContract:
    """Add or replace (same contract id) a customer's price contract."""

    contract: PriceContract
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class FixItemMaster:
    """Correct an item's master data and/or one of its unit conversions."""

    item_id: str
    item: Item | None = None
    conversion: UnitConversion | None = None
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class UploadLicence:
    """Record a customer's licence (new or renewed)."""

    licence: CustomerLicence
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TakeCase:
    """A person takes a case to work it."""

    case_id: str
    actor: str
    expected_version: int | None = None
    """The version the person saw: if the case changed since, they are told (409)."""


@dataclass(frozen=True, slots=True)
class ResolveCase:
    """A person resolves a case with one of its allowed actions."""

    case_id: str
    actor: str
    action: str
    reason: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    expected_version: int | None = None
    """The version the person saw: if the case changed since, they are told (409)."""




@dataclass(frozen=True, slots=True)
class QueueOrders:
    """Store these payloads raw and queue them for a worker to judge (answered later)."""

    items: tuple[tuple[bytes, str, str | None], ...]
    """(body, source, the sender's idempotency key or None) of each payload."""
    channel: str


@dataclass(frozen=True, slots=True)
class JudgeQueued:
    """Judge the stored payloads of claimed intake work, and complete that work, at once."""

    work_ids: tuple[int, ...]
    raws: tuple[tuple[str, str | None], ...]
    """(raw payload id, idempotency key or None), in the order they arrived."""
    worker: str
    """The worker holding the claims (another worker's takeover makes the work roll back)."""


Command = (IngestOrders | QueueOrders | JudgeQueued | ReceiveStock | PostPayment
           | RedateInboundPO | ChangePriceContract | FixItemMaster | UploadLicence | TakeCase
           | ResolveCase)
