"""Work that workers claim: work items with their states and moves, and claimed outbox messages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from ordex.domain.errors import OrdexError
from ordex.orchestrate.changes import OutboxMessage


class WorkKind(StrEnum):
    """What a work item asks a worker to do (the handler it goes to)."""

    INTAKE = "intake"
    """Judge a batch of stored raw payloads (parse, detect, decide, open cases)."""
    REEVALUATE = "reevaluate"
    """Judge open orders again because their context changed (stock, payment, PO date)."""
    TIMER = "timer"
    """Act when a moment comes (an SLA breach, an escalation step); due at `not_before`."""
    NOTIFY = "notify"
    """Tell a person or a system that something happened."""


class WorkState(StrEnum):
    """Where a work item stands."""

    QUEUED = "queued"
    """Waiting to be claimed, from `not_before` on."""
    CLAIMED = "claimed"
    """A worker holds it until `lease_until`; once that has passed any worker may claim it."""
    DONE = "done"
    """Its effects are committed, in the same transaction that completed it."""
    FAILED = "failed"
    """It failed as often as the retry policy allows; kept with its last error for a person."""
    PARKED = "parked"
    """A timer of a paused case: never claimed until the case resumes and re-times it."""


WORK_MOVES: dict[WorkState, frozenset[WorkState]] = {
    WorkState.QUEUED: frozenset({WorkState.CLAIMED, WorkState.PARKED}),
    # CLAIMED → CLAIMED: a lease that expired (its worker died or hung) is taken over.
    WorkState.CLAIMED: frozenset({WorkState.DONE, WorkState.QUEUED, WorkState.FAILED,
                                  WorkState.CLAIMED, WorkState.PARKED}),
    WorkState.DONE: frozenset(),
    WorkState.FAILED: frozenset(),
    WorkState.PARKED: frozenset({WorkState.QUEUED}),
}


def moves_into(target: WorkState) -> frozenset[WorkState]:
    """The states a work item may be in to move to `target` (the claim store's WHERE)."""
    return frozenset(src for src, dsts in WORK_MOVES.items() if target in dsts)


class OutboxState(StrEnum):
    """Where an outbound ERP message stands."""

    PENDING = "pending"
    """Not delivered yet; a worker may hold it (`claimed_by`, `lease_until`) while it sends."""
    SENT = "sent"
    """The ERP connector accepted it (`sent_at`)."""
    DEAD = "dead"
    """Dead letter: it failed as often as the delivery policy allows, or the connector called
    its failure permanent (`dead_at`, `last_error`). An INTEGRATION_FAILURE case names it; the
    order's later messages wait behind it until a replay puts it back to pending."""


OUTBOX_MOVES: dict[OutboxState, frozenset[OutboxState]] = {
    OutboxState.PENDING: frozenset({OutboxState.SENT, OutboxState.DEAD}),
    OutboxState.SENT: frozenset(),
    OutboxState.DEAD: frozenset({OutboxState.PENDING}),  # a replay, by a person
}


@dataclass(frozen=True, slots=True)
class NewWork:
    """A work item to enqueue; (kind, key) is its identity, so enqueueing twice is harmless."""

    kind: str
    key: str
    payload: dict[str, Any]
    not_before: datetime | None = None
    """Not to be claimed before this moment (timers, delayed work); None means now."""
    subject: str | None = None
    """What the work is about (a timer's case), so that it can be found by it."""


@dataclass(frozen=True, slots=True)
class WorkItem:
    """A claimed work item, as its handler receives it."""

    id: int
    kind: str
    key: str
    payload: dict[str, Any]
    attempts: int
    """Failed attempts so far (an expired lease counts as one)."""
    not_before: datetime
    claimed_by: str
    lease_until: datetime
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class ClaimedMessage:
    """An outbox message a worker holds for delivery, with its failed attempts so far."""

    message: OutboxMessage
    attempts: int
    replays: int = 0
    """How often a person put it back to pending after it was dead-lettered."""


@dataclass(frozen=True, slots=True)
class SendFailure:
    """Why the ERP did not apply one message, and whether trying again can help."""

    error: str
    """What went wrong, for the person who reads the dead letter's case."""
    permanent: bool = False
    """The ERP refused the command itself (a 4xx, a validation error): retrying cannot help,
    so the message is dead-lettered at once."""
    retry_after: timedelta | None = None
    """The ERP asked to wait at least this long (HTTP 429 Retry-After)."""


@dataclass(frozen=True, slots=True)
class SendReport:
    """What a connector did with the messages it was given.

    A message in neither `applied` nor `failed` was not tried (a connector stops an order at
    its first failure, so its later messages keep their place); it is released as it was.
    """

    applied: frozenset[str] = frozenset()
    """Message ids the ERP applied now or had applied before (a resend it recognised)."""
    failed: Mapping[str, SendFailure] = field(default_factory=dict)


class ClaimLostError(OrdexError):
    """Another worker took over this work after the lease expired: these effects roll back."""
