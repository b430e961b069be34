"""Ports the orchestrate stage needs: where input comes from, where changes and commands go."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Any, BinaryIO, Protocol

from ordex.domain.approvals import Approval
from ordex.domain.cases import Case
from ordex.domain.codes import ExceptionCode
from ordex.domain.model import (
    CustomerLicence,
    Item,
    PriceContract,
    RawPayload,
    UnitConversion,
)
from ordex.domain.positions import Position
from ordex.interpret.recent import DupProbes
from ordex.orchestrate.assign import Roster
from ordex.orchestrate.changes import Changes, OutboxMessage
from ordex.orchestrate.edi_acks import Outbound
from ordex.orchestrate.intake import IdempotencyIndex
from ordex.orchestrate.notify import ClaimedNotice, NewDelivery, Notice
from ordex.orchestrate.pipeline import Pipeline
from ordex.orchestrate.stored_files import FileState, StoredFile, UnfinishedFile
from ordex.orchestrate.work import ClaimedMessage, NewWork, SendFailure, SendReport, WorkItem
from ordex.sense.edi_partners import TradingPartner
from ordex.sense.identifiers import ItemKeys


class ChangeStore(Protocol):
    """Writes a batch of changes atomically."""

    def save(self, changes: Changes) -> None:
        """Write everything in one transaction."""
        ...


class ErpConnector(Protocol):
    """Applies ordex's commands in the ERP: the one port every connector implements.

    A connector receives messages in created order within each order (`message.command` is
    one of the ErpCommand dataclasses, `message.message_id` its idempotency key: a resend of
    an id the ERP applied before must have no effect). It applies them in that order and stops
    an order at its first failure. It returns a SendReport (None: every message applied); a
    raised error fails the whole call as a transient failure (docs/erp.md, "The port").
    """

    def send(self, messages: Sequence[OutboxMessage]) -> SendReport | None:
        """Apply the messages; report which were applied and which failed, and why."""
        ...


class Notifier(Protocol):
    """Sends a notice to its target (mailto: by SMTP, https:// as a signed CloudEvent).

    None: the channel accepted it. A SendFailure says why not and whether trying again can
    help; a raised error is a transient failure (docs/notifications.md, "Delivery").
    """

    def send(self, notice: Notice) -> SendFailure | None:
        """Deliver one notice (its delivery key travels with it, for the receiver to dedupe)."""
        ...


Router = Callable[..., list[NewDelivery]]
"""`route(events, subscriptions, people, now=)` (orchestrate.notify.route)."""


class NotificationStore(Protocol):
    """Notification rows, their deliveries and subscriptions, as workers route and send them."""

    def route_pending(self, router: Router, *, limit: int, now: datetime) -> int:
        """Route up to `limit` pending notifications in one transaction; how many."""
        ...

    def claim_deliveries(self, *, worker: str, limit: int, lease: timedelta,
                         now: datetime) -> list[ClaimedNotice]:
        """Up to `limit` due deliveries, now held by `worker` until now + lease."""
        ...

    def mark_sent(self, delivery_key: str, *, worker: str, at: datetime) -> None:
        """Record that the delivery (and a digest's collected events) went out."""
        ...

    def mark_failed(self, delivery_key: str, *, worker: str, error: str,
                    retry_at: datetime | None) -> None:
        """Record a failed attempt: due again at `retry_at`, or failed for good on None."""
        ...


class Outbox(Protocol):
    """Pending outbound messages."""

    def pending(self, *, limit: int) -> list[OutboxMessage]:
        """The oldest messages not yet delivered."""
        ...

    def mark_sent(self, message_ids: Sequence[str], *, at: datetime) -> None:
        """Record that these messages were delivered."""
        ...


@dataclass(frozen=True, slots=True)
class Delivery:
    """One raw item a channel read: its bytes, where it came from and its position there."""

    body: bytes
    source: str
    """Who or what sent it (a file path, a broker subject, a client), kept with the raw."""
    position: str
    """Where it sits in its channel (line number, stream sequence): named in errors."""
    key: str | None = None
    """The sender's idempotency key for this item, when the channel carries one."""
    at: Position | None = None
    """The same place as a Position, for the report (None: only `source` is known)."""

    @property
    def place(self) -> Position:
        """Where the item sat, as every report names it."""
        return self.at or Position(self.source)


class Channel(Protocol):
    """A source of raw order payloads: read raw bytes, then acknowledge what became of them.

    The intake port (docs/architecture.md, "One intake for every channel"): a channel hands
    out raw bytes with their positions, a format's reader turns them into orders (or
    rejections) at positions inside them, the intake stores raw, judges and reports each
    (orchestrate/report.py), and the channel acknowledges once that is committed.
    """

    name: str
    """The channel's name as stored with each raw payload (`broker`, `ndjson`, `edi`…)."""

    def receive(self, *, max_items: int, timeout: float) -> list[Delivery]:
        """Up to `max_items` items, waiting at most `timeout` seconds for the first."""
        ...

    def acknowledge(self, deliveries: Sequence[Delivery]) -> None:
        """These items are stored and judged (committed): never deliver them again."""
        ...


@dataclass(frozen=True, slots=True)
class Need:
    """What a unit of work touches: it locks these and loads exactly their context."""

    customers: frozenset[str] = frozenset()
    items: frozenset[str] = frozenset()
    order_ids: frozenset[str] = frozenset()
    keys: frozenset[str] = frozenset()
    """Idempotency keys and order ids of arriving orders (locked: one judge per order)."""
    since: date | None = None
    """Earliest order date of arriving orders: earlier orders they may duplicate are loaded."""
    probes: DupProbes | None = None
    """What arriving orders could duplicate (PO keys, line signatures); None: all recent."""
    warehouses: frozenset[str] | None = None
    """Warehouses arriving orders ship from: the stock holders loaded are those at these
    (and at the loaded orders' warehouses); None: at every warehouse."""


class ReferenceRepository(Protocol):
    """Reference data as a handler checks and changes it."""

    def require_known(self, **named: str | None) -> None:
        """Refuse ids that name nothing in the reference data (UnknownReferenceError)."""
        ...

    def require_receipt(self, *, item_id: str, warehouse_id: str, po_id: str | None) -> None:
        """Refuse a receipt naming an unknown item, warehouse or PO, or another PO's position."""
        ...

    def require_unit(self, *, item_id: str, uom: str) -> None:
        """Refuse a unit the item cannot convert."""
        ...

    def base_unit(self, item_id: str) -> str:
        """The item's base unit of measure."""
        ...

    def po_position(self, po_id: str) -> tuple[str, str] | None:
        """(item, warehouse) an inbound PO is due at, None if there is no such PO."""
        ...

    def set_po_due(self, po_id: str, due: date) -> None:
        """Store an inbound PO's new due date."""
        ...

    def save_contract(self, contract: PriceContract) -> None:
        """Add or replace a price contract."""
        ...

    def save_item_fix(self, item: Item | None, conversion: UnitConversion | None) -> None:
        """Replace an item's master data and/or one of its conversions."""
        ...

    def save_licence(self, licence: CustomerLicence) -> None:
        """Add or replace a customer licence."""
        ...


class CaseRepository(Protocol):
    """Cases and the orders they concern, as handlers look them up."""

    def get(self, case_id: str) -> Case | None:
        """The case as stored, None if there is none."""
        ...

    def approvals(self, case_id: str) -> list[Approval]:
        """Every approval asked for on a case, chain by chain, level by level."""
        ...

    def orders_with_open(self, code: ExceptionCode, **where: Any) -> list[str]:
        """Orders with an open case of a code (where: customer_id, or item_id+warehouse_id)."""
        ...

    def open_orders_of(self, customer_id: str, item_id: str) -> list[str]:
        """A customer's open orders of an item."""
        ...

    def orders_with_open_cases_for_item(self, item_id: str) -> list[str]:
        """Orders of an item that have any open case."""
        ...


class Directory(Protocol):
    """Who the people are and which roles they hold (authority and approvals ask it).

    `adapters.directory.UsersDirectory` reads the users table (docs/security.md); the
    simulator's team and tests use `MappingDirectory`.
    """

    def knows(self, user_id: str) -> bool:
        """True when the user exists (a case may be assigned to them)."""
        ...

    def roles_of(self, user_id: str) -> frozenset[str]:
        """The roles a user holds (none for an unknown user)."""
        ...


class TimerStore(Protocol):
    """Cases' SLA and escalation timers (work items of kind `timer`), in the unit of work."""

    def cases(self, case_ids: Collection[str]) -> dict[str, Case]:
        """These cases as stored, by id (one query)."""
        ...

    def park(self, case_id: str) -> int:
        """Stop the waiting (queued or claimed) timers of a paused case; how many."""
        ...

    def park_claimed(self, work_ids: Collection[int], *, worker: str) -> None:
        """Stop timers this worker claimed whose case turned out paused."""
        ...

    def parked(self, case_id: str) -> dict[int, datetime]:
        """The stopped timers of a case: id → the due time it had."""
        ...

    def requeue(self, due: Mapping[int, datetime]) -> None:
        """Start stopped timers again, each due at its new time."""
        ...


class UnitOfWork(Protocol):
    """One transaction: a handler locks and loads what it touches, changes it, commits once."""

    reference: ReferenceRepository
    cases: CaseRepository
    timers: TimerStore
    roster: Roster | None
    """Who works the queues, their loads, absences and turns (None: no assignment here)."""
    committed: list[Changes]
    """What each commit of this unit of work wrote (the bus publishes its facts)."""

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...

    def lock(self, need: Need) -> None:
        """Lock what some work touches before reading it (released at commit or rollback)."""
        ...

    def hydrate(self, need: Need) -> Pipeline:
        """Lock what the work touches, then load exactly that context into a pipeline."""
        ...

    def idempotency(self) -> IdempotencyIndex:
        """Results given before, read inside this transaction."""
        ...

    def raws_by_hash(self, hashes: Collection[str], *, channel: str) -> dict[str, str]:
        """The earliest stored raw payload of each hash on a channel."""
        ...

    def cases_of_raws(self, raw_ids: Collection[str], *, batches: Collection[str]) -> set[str]:
        """Quarantine cases opened before for these raw payloads."""
        ...

    def stored_raws(self, raw_ids: Collection[str]) -> dict[str, RawPayload]:
        """Stored raw payloads by id (their bytes, as received)."""
        ...

    def enqueue(self, work: Collection[NewWork]) -> None:
        """Queue work for workers, committed with this unit of work (or not at all)."""
        ...

    def complete(self, work_ids: Collection[int], *, worker: str) -> None:
        """Mark claimed work done with this unit of work's effects (ClaimLostError if lost)."""
        ...

    def commit(self, changes: Changes | None = None) -> None:
        """Write the changes and commit: the only commit there is."""
        ...

    def rollback(self) -> None:
        """Undo everything since the last commit."""
        ...


class ClaimStore(Protocol):
    """Work items that workers claim under a lease; completion happens in the work's own
    transaction (adapters.db.claims.complete), so only claiming and failing are here."""

    def claim(self, *, kinds: Collection[str], worker: str, limit: int, lease: timedelta,
              now: datetime) -> list[WorkItem]:
        """Up to `limit` due items of these kinds, now held by `worker` until now + lease."""
        ...

    def fail(self, items: Sequence[WorkItem], *, error: str,
             retry_at: Mapping[int, datetime | None]) -> int:
        """Record a failed attempt: queued again at retry_at[id], or failed for good on None."""
        ...


class OutboxClaims(Protocol):
    """Outbox messages that workers claim for delivery, never out of order within an order."""

    def claim_outbox(self, *, worker: str, limit: int, lease: timedelta,
                     now: datetime) -> list[ClaimedMessage]:
        """Due messages of up to `limit` orders, each order's from its oldest undelivered on."""
        ...

    def mark_sent(self, message_ids: Sequence[str], *, at: datetime) -> None:
        """Record that these messages were delivered."""
        ...

    def mark_failed(self, retry_at: Mapping[str, datetime], *, worker: str,
                    error: str) -> None:
        """Record a failed delivery of each message, to be tried again at its retry_at."""
        ...

    def release(self, message_ids: Sequence[str], *, worker: str) -> None:
        """Give back messages `worker` holds but did not try (no attempt is counted)."""
        ...

    def dead_letter(self, cases: Mapping[str, Case], *, worker: str,
                    at: datetime) -> list[str]:
        """Move each message `worker` holds to the dead-letter state and open its
        INTEGRATION_FAILURE case, in one transaction; the ids it moved."""
        ...


class RawFileStore(Protocol):
    """Whole files kept raw: each is stored (and committed) before a byte of it is read."""

    def store(self, handle: BinaryIO, *, source: str, channel: str, now: datetime,
              profile: dict[str, Any] | None = None) -> StoredFile:
        """Copy a file in chunk by chunk; identical bytes received before keep the first copy."""
        ...

    def open(self, raw_id: str) -> BinaryIO:
        """The stored bytes as a stream (read a chunk at a time, outside any unit of work)."""
        ...

    def meta(self, raw_id: str) -> dict[str, object] | None:
        """Source, channel and size of a stored payload."""
        ...

    def state(self, raw_id: str) -> FileState | None:
        """The processing state of a stored payload (None when there is none)."""
        ...

    def unfinished(self, *, idle_since: datetime | None = None) -> list[UnfinishedFile]:
        """Stored files not processed to their end, without progress since `idle_since`."""
        ...

    def touch(self, raw_id: str, *, at: datetime) -> None:
        """Record an attempt on a file in a transaction of its own (a failed resume)."""
        ...


class FileLookups(Protocol):
    """What file handlers read between their units of work (trading partners, registry, keys)."""

    def partners(self) -> dict[tuple[str, str], TradingPartner]:
        """Every trading partner by its ISA sender key."""
        ...

    def accepted_before(self, sender: str, control: str) -> str | None:
        """The raw payload accepted under this sender and ISA13 before, if any."""
        ...

    def identifier_keys(self, customers: set[str], values: set[str]) -> ItemKeys:
        """Cross-references, GTINs and manufacturer parts these product identifiers name."""
        ...

    def cases_of_file(self, raw_id: str) -> set[str]:
        """Ids of the cases opened for a stored file's content."""
        ...

    def failure_attempts(self) -> list[dict[str, Any]]:
        """Open INTEGRATION_FAILURE cases: evidence, opened_at, attempts `n`, `last` attempt."""
        ...


class FileRecords(Protocol):
    """What a file's unit of work reads and writes in its own transaction."""

    def end_batch(self, raw_id: str, *, last: bool, at: datetime) -> None:
        """Record a batch's progress on its file; the last batch marks the file processed."""
        ...

    def existing_cases(self, case_ids: Collection[str]) -> set[str]:
        """Those of these case ids that are stored."""
        ...

    def write_outbound(self, docs: Sequence[Outbound], *, now: datetime) -> list[Outbound]:
        """Write the documents whose natural key is new, numbered from the counter."""
        ...

    def record_interchanges(self, rows: Mapping[tuple[str, str], str], *, raw_id: str,
                            now: datetime) -> None:
        """Record (sender, ISA13) → status; an accepted interchange is never downgraded."""
        ...

    def open_cases(self, case_ids: Collection[str]) -> list[Case]:
        """Those of these cases that are open or in progress."""
        ...

    def replace_partners(self, partners: Sequence[TradingPartner]) -> None:
        """Replace every trading partner."""
        ...


class FileUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that also offers the file records on its transaction."""

    files: FileRecords

    def __enter__(self) -> FileUnitOfWork: ...
