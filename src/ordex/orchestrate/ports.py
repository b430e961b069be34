"""Ports the orchestrate stage needs: where input comes from, where changes and commands go."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ordex.orchestrate.changes import Changes, OutboxMessage


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
