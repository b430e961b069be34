"""Commands: what someone or something asks ordex to do (imperative; one handler each).

Entry points (API, CLI, worker, broker consumer, simulator) only build these and hand them
to the message bus (`orchestrate/bus.py`). A command with `at` None happens now (the
application's clock).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from ordex.domain.model import CustomerLicence, Item, PriceContract, UnitConversion
from ordex.domain.positions import Position


@dataclass(frozen=True, slots=True)
class IngestOrders:
    """Store these payloads raw and judge every order in them, in one unit of work."""

    payloads: tuple[tuple[bytes, str], ...]
    """(body, source) of each payload: JSON (one order, a list, or {"orders": [...]})."""
    channel: str
    key: str | None = None
    """The sender's idempotency key (per item `KEY#index` in a batch)."""
    positions: tuple[Position, ...] = ()
    """Where each payload sat in its channel (an NDJSON line, CSV rows); else its source."""


@dataclass(frozen=True, slots=True)
class IngestOrderGroup:
    """Store and judge the payloads of several senders in one unit of work, each on its own.

    Each item is answered exactly as if it had come alone, after the items before it.
    """

    items: tuple[tuple[bytes, str, str | None], ...]
    """(body, source, idempotency key or None) of each sender's payload, in arrival order."""
    channel: str
    positions: tuple[Position, ...] = ()
    """Where each item sat in its channel (a broker message's sequence); else its source."""


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


Signal = (ReceiveStock | PostPayment | RedateInboundPO | ChangePriceContract | FixItemMaster
          | UploadLicence)
"""A change of the context open orders are judged in."""


@dataclass(frozen=True, slots=True)
class QueueSignal:
    """Check a signal and store what it states now; leave re-judging its orders to a worker."""

    signal: Signal


@dataclass(frozen=True, slots=True)
class ReevaluateQueued:
    """Re-judge what a queued signal concerns, and complete its claimed work, at once."""

    work_id: int
    target: Mapping[str, Any]
    """What to re-judge, as the queueing stored it (orchestrate/handlers/signals.py)."""
    worker: str
    """The worker holding the claim (another worker's takeover makes the work roll back)."""


@dataclass(frozen=True, slots=True)
class TakeCase:
    """A person takes a case to work it."""

    case_id: str
    actor: str
    expected_version: int | None = None
    """The version the person saw: if the case changed since, they are told (409)."""


@dataclass(frozen=True, slots=True)
class PauseCase:
    """A person puts a case on hold waiting for the customer: its SLA clock stops."""

    case_id: str
    actor: str
    reason: str = ""
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class ResumeCase:
    """A person resumes a paused case: its due times move by the business time it waited."""

    case_id: str
    actor: str
    reason: str = ""
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class FireTimers:
    """Fire the claimed SLA and escalation timers that are due, and complete them, at once."""

    timers: tuple[tuple[int, datetime, dict[str, Any]], ...]
    """(work item id, due time, payload) of each claimed timer."""
    worker: str


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
class AssignCase:
    """Give a case to a person (a reassignment when it had an assignee)."""

    case_id: str
    actor: str
    assignee: str
    reason: str = ""
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class CommentCase:
    """Add a note to a case."""

    case_id: str
    actor: str
    text: str
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class AttachToCase:
    """Attach a reference to a file kept elsewhere (name and URL or document id)."""

    case_id: str
    actor: str
    name: str
    reference: str
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class AcceptRecommendation:
    """Resolve a case with the action the decider recommended, with its parameters."""

    case_id: str
    actor: str
    reason: str = ""
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class ChooseAlternative:
    """Resolve a case with one of the recommendation's ranked alternatives (rank 1: the best)."""

    case_id: str
    actor: str
    rank: int | None = None
    action: str | None = None
    """The alternative by its action code, when `rank` is not given."""
    reason: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class OverrideRecommendation:
    """Resolve a case with another action than the recommended one; the reason is required."""

    case_id: str
    actor: str
    action: str
    reason: str
    params: Mapping[str, Any] = field(default_factory=dict)
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class RequestApproval:
    """Ask the approvers the authority matrix names to approve an action on the case."""

    case_id: str
    actor: str
    action: str | None = None
    """The action to approve (None: the recommended one)."""
    reason: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class ApproveCase:
    """Sign the pending level of a case's approval chain; the last signature applies it."""

    case_id: str
    actor: str
    reason: str
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class RejectCase:
    """Refuse the pending approval: the chain ends and the case goes back to in_progress."""

    case_id: str
    actor: str
    reason: str
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class CancelCase:
    """Close a case that no longer applies (its hold is released)."""

    case_id: str
    actor: str
    reason: str
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class ReopenCase:
    """Open a closed case again (to `assignee`, else its last owner, else its queue)."""

    case_id: str
    actor: str
    reason: str
    assignee: str | None = None
    expected_version: int | None = None


CaseCommand = (TakeCase | ResolveCase | AssignCase | CommentCase | AttachToCase
               | AcceptRecommendation | ChooseAlternative | OverrideRecommendation
               | RequestApproval | ApproveCase | RejectCase | CancelCase | ReopenCase
               | PauseCase | ResumeCase)
"""What a person does to a case: each carries the actor and the version they saw."""


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


Progress = Callable[[int], None] | None
"""Told how many orders of a file each committed unit of work read (a progress bar)."""


@dataclass(frozen=True, slots=True)
class IngestEdiFile:
    """Store an EDI X12 file raw (path or stream), then read and answer every interchange.

    With `raw_id` the stored copy of a file received before is read (resumed) instead.
    A stream is read from its start (the bus may run the command again).
    """

    source: str
    path: Path | None = None
    stream: BinaryIO | None = None
    raw_id: str | None = None
    progress: Progress = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class IngestCsvFile:
    """Store a CSV order file raw (path or stream), then read it with the sender's profile.

    With `raw_id` the stored copy is read (resumed) instead, with the profile given.
    """

    source: str
    profile: Mapping[str, Any] | None = None
    """The column profile as JSON data (sense.csv_orders.profile_json); None: the default."""
    path: Path | None = None
    stream: BinaryIO | None = None
    raw_id: str | None = None
    progress: Progress = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class ReplayCase:
    """Re-read the stored raw payload of an open INTEGRATION_FAILURE case after a fix."""

    case_id: str
    actor: str = "ordex"


@dataclass(frozen=True, slots=True)
class RetryDue:
    """Replay quarantined payloads whose retry is due (backoff), then route them to people."""

    base_hours: float = 1.0
    max_attempts: int = 4
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ResumeUnfinished:
    """Finish every stored file whose processing stopped and shows no progress for `idle`."""

    idle: timedelta = timedelta(minutes=5)
    progress: Progress = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class LoadTradingPartners:
    """Replace the EDI trading partners."""

    partners: tuple[Any, ...]
    """sense.edi_partners.TradingPartner rows."""


@dataclass(frozen=True, slots=True)
class MarkAway:
    """Record a person's absence and hand their open cases over by their queues' strategies."""

    user_id: str
    starts: datetime
    ends: datetime
    actor: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class MarkBack:
    """End a person's absences: they receive cases again."""

    user_id: str
    actor: str


@dataclass(frozen=True, slots=True)
class HandOverCases:
    """Give a person's open cases to others by their queues' strategies (a disabled user)."""

    user_id: str
    actor: str
    why: str


Command = (IngestOrders | IngestOrderGroup | QueueOrders | JudgeQueued | ReceiveStock | PostPayment
           | RedateInboundPO | ChangePriceContract | FixItemMaster | UploadLicence | TakeCase
           | ResolveCase | IngestEdiFile | IngestCsvFile | ReplayCase | RetryDue
           | ResumeUnfinished | LoadTradingPartners | QueueSignal | ReevaluateQueued
           | AssignCase | CommentCase | AttachToCase | AcceptRecommendation | ChooseAlternative
           | OverrideRecommendation | RequestApproval | ApproveCase | RejectCase | CancelCase
           | ReopenCase | MarkAway | MarkBack | HandOverCases)
