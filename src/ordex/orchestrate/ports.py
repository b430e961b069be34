"""Ports the orchestrate stage needs: where changes are written and where commands go."""

from __future__ import annotations

from collections.abc import Sequence
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
