"""Ports the orchestrate stage needs: where input comes from, where changes and commands go."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from ordex.orchestrate.changes import Changes, OutboxMessage
from ordex.orchestrate.work import ClaimedMessage, WorkItem


class ChangeStore(Protocol):
    """Writes a batch of changes atomically."""

    def save(self, changes: Changes) -> None:
        """Write everything in one transaction."""
        ...


class ErpConnector(Protocol):
    """Delivers commands to the ERP; delivery is idempotent by message id."""

    def send(self, messages: Sequence[OutboxMessage]) -> None:
        """Deliver the messages (a resend of a delivered message id has no effect)."""
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


class Channel(Protocol):
    """A source of raw order payloads: read raw bytes, then acknowledge what became of them."""

    name: str
    """The channel's name as stored with each raw payload (`broker`, `ndjson`, `edi`…)."""

    def receive(self, *, max_items: int, timeout: float) -> list[Delivery]:
        """Up to `max_items` items, waiting at most `timeout` seconds for the first."""
        ...

    def acknowledge(self, deliveries: Sequence[Delivery]) -> None:
        """These items are stored and judged (committed): never deliver them again."""
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
