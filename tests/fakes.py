"""Fakes for every port, so unit tests need no database, network or data files."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ordex.orchestrate.changes import Changes, OutboxMessage
from ordex.orchestrate.ports import Delivery


class FakePostal:
    """A postal directory over a small dict of ZIP → state."""

    def __init__(self, zips: dict[str, str] | None = None) -> None:
        self.zips = zips or {"60607": "IL", "33602": "FL", "10001": "NY", "94105": "CA"}

    def covers(self, country: str) -> bool:
        return country == "US"

    def state_of(self, country: str, postal_code: str) -> str | None:
        return self.zips.get(postal_code[:5]) if country == "US" else None

    def check(self, country: str, state: str, postal_code: str) -> str | None:
        return None


class FakeStore:
    """A ChangeStore that keeps every saved batch in memory."""

    def __init__(self) -> None:
        self.saved: list[Changes] = []

    def save(self, changes: Changes) -> None:
        self.saved.append(changes)


class FakeErp:
    """An ERP connector that records what it was sent, ignoring resent message ids."""

    def __init__(self) -> None:
        self.received: dict[str, OutboxMessage] = {}

    def send(self, messages: Sequence[OutboxMessage]) -> None:
        for m in messages:
            self.received.setdefault(m.message_id, m)


class FakeOutbox:
    """An outbox in memory."""

    def __init__(self, messages: list[OutboxMessage] | None = None) -> None:
        self.messages = list(messages or [])
        self.sent: dict[str, datetime] = {}

    def pending(self, *, limit: int) -> list[OutboxMessage]:
        return [m for m in self.messages if m.message_id not in self.sent][:limit]

    def mark_sent(self, message_ids: Sequence[str], *, at: datetime) -> None:
        for mid in message_ids:
            self.sent[mid] = at


class FakeChannel:
    """A channel over a list of bodies: items in flight until acknowledged, redelivered on demand."""

    name = "fake"

    def __init__(self, bodies: Sequence[bytes] = (), *, fail_receive: int = 0,
                 fail_acknowledge: int = 0, redeliver_when_idle: bool = False) -> None:
        self.waiting = [Delivery(body=b, source="fake", position=f"fake#{n}", key=f"fake:{n}")
                        for n, b in enumerate(bodies, start=1)]
        self.in_flight: dict[str, Delivery] = {}
        self.acknowledged: list[Delivery] = []
        self.calls: list[str] = []
        self.fail_receive, self.fail_acknowledge = fail_receive, fail_acknowledge
        self.redeliver_when_idle = redeliver_when_idle

    def receive(self, *, max_items: int, timeout: float) -> list[Delivery]:
        self.calls.append("receive")
        if self.fail_receive:
            self.fail_receive -= 1
            raise ConnectionError("fake channel: receive failed")
        if not self.waiting and self.redeliver_when_idle:
            self.redeliver()
        batch, self.waiting = self.waiting[:max_items], self.waiting[max_items:]
        self.in_flight.update((d.position, d) for d in batch)
        return batch

    def acknowledge(self, deliveries: Sequence[Delivery]) -> None:
        self.calls.append("acknowledge")
        if self.fail_acknowledge:
            self.fail_acknowledge -= 1
            raise ConnectionError("fake channel: acknowledge failed")
        for d in deliveries:
            self.acknowledged.append(self.in_flight.pop(d.position))

    def redeliver(self) -> None:
        """What the broker does after the ack wait: every unacknowledged item comes again."""
        self.waiting = list(self.in_flight.values()) + self.waiting
        self.in_flight.clear()
