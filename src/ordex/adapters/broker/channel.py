"""A JetStream durable pull consumer as an ordex Channel: blocking, thread-safe, at least once."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from types import TracebackType

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.client import JetStreamContext

from ordex.adapters.broker.config import JetStreamConfig
from ordex.adapters.broker.connection import connect, fit_consumer
from ordex.adapters.broker.loop import LoopThread
from ordex.domain.positions import Position
from ordex.orchestrate.ports import Delivery

log = logging.getLogger("ordex.broker")
MSG_ID = "Nats-Msg-Id"
GRACE = 5.0
"""Seconds a blocking call waits beyond its own timeout for the loop thread to answer."""
MIN_FETCH = 0.01
"""The shortest wait a fetch may ask the server for (JetStream refuses zero)."""
FORGET_AFTER_ACK_WAITS = 10
"""A delivery neither settled nor delivered again within this many ack waits is forgotten."""


@dataclass(frozen=True, slots=True)
class _Held:
    """A message delivered to this channel and not yet settled, and when it arrived."""

    msg: Msg
    at: float


def delivery_of(msg: Msg) -> Delivery:
    """The Delivery of one JetStream message; its key is stable across redeliveries."""
    meta = msg.metadata
    seq = meta.sequence.stream
    key = (msg.headers or {}).get(MSG_ID) or f"nats:{meta.stream}:{seq}"
    return Delivery(body=msg.data, source=f"nats:{msg.subject}",
                    position=f"{meta.stream}#{seq}", key=key,
                    at=Position(f"nats:{msg.subject}", sequence=f"{meta.stream}#{seq}"))


class JetStreamChannel:
    """Reads order payloads from a durable pull consumer that any number of workers share."""

    name = "broker"

    def __init__(self, config: JetStreamConfig) -> None:
        self.config = config
        self._loop = LoopThread(name=f"ordex-broker-{config.consumer}")
        self._fetching = threading.Lock()
        self._held_lock = threading.Lock()
        self._held: dict[str, _Held] = {}
        try:
            self._client, self._sub, self.ack_wait = self._loop.run(
                self._open(), timeout=config.connect_timeout + GRACE)
        except BaseException:
            self._loop.close()
            raise

    async def _open(self) -> tuple[Client, JetStreamContext.PullSubscription, float]:
        client = await connect(self.config)
        try:
            info = await fit_consumer(client, self.config)
            sub = await client.jetstream().pull_subscribe_bind(
                self.config.consumer, stream=self.config.stream)
        except BaseException:
            await client.close()
            raise
        return client, sub, float(info.config.ack_wait or self.config.ack_wait)

    def receive(self, *, max_items: int, timeout: float) -> list[Delivery]:
        """Up to `max_items` messages, waiting at most `timeout` seconds for the first."""
        wait = max(timeout, MIN_FETCH)
        with self._fetching:  # one pull request at a time: fetches share one inbox
            msgs = self._loop.run(self._fetch(max_items, wait), timeout=wait + GRACE)
        now = time.monotonic()
        deliveries = [delivery_of(m) for m in msgs]
        with self._held_lock:
            self._forget_stale(now)
            for d, m in zip(deliveries, msgs, strict=True):
                self._held[d.position] = _Held(m, now)
        return deliveries

    async def _fetch(self, max_items: int, wait: float) -> list[Msg]:
        try:
            return await self._sub.fetch(max_items, timeout=wait)
        except TimeoutError:  # nats' own and asyncio's: no message came in time
            return []

    def acknowledge(self, deliveries: Sequence[Delivery]) -> None:
        """These are committed: the stream drops them and delivers them to no one again."""
        self._settle(deliveries, Msg.ack)

    def retry(self, deliveries: Sequence[Delivery], *, delay: float | None = None) -> None:
        """Deliver these again (to any worker) now, or after `delay` seconds."""
        self._settle(deliveries, lambda m: m.nak(delay=delay))

    def reject(self, deliveries: Sequence[Delivery]) -> None:
        """Never deliver these again, though not processed (the broker logs an advisory)."""
        self._settle(deliveries, Msg.term)

    def extend(self, deliveries: Sequence[Delivery]) -> None:
        """Still working on these: restart their ack wait so they are not delivered again."""
        self._settle(deliveries, Msg.in_progress, keep=True)

    def _settle(self, deliveries: Sequence[Delivery], action: Callable[[Msg], Awaitable[None]],
                *, keep: bool = False) -> None:
        with self._held_lock:
            pick = self._held.get if keep else self._held.pop
            found = [(d.position, h) for d in deliveries
                     if (h := pick(d.position, None)) is not None]
            if keep:  # still in work: forgotten no sooner than a fresh delivery
                now = time.monotonic()
                self._held.update((p, _Held(h.msg, now)) for p, h in found)
        if len(found) < len(deliveries):
            log.warning("broker: %d of %d deliveries were not held by this channel (settled "
                        "already, or forgotten): the broker delivers any unsettled one again",
                        len(deliveries) - len(found), len(deliveries))
        if found:
            msgs = [h.msg for _, h in found]
            self._loop.run(self._each(msgs, action), timeout=2 * GRACE + len(msgs) / 1000)

    async def _each(self, msgs: list[Msg], action: Callable[[Msg], Awaitable[None]]) -> None:
        for msg in msgs:
            await action(msg)
        await self._client.flush(timeout=int(GRACE))  # the server has read every reply

    def _forget_stale(self, now: float) -> None:
        horizon = now - FORGET_AFTER_ACK_WAITS * self.ack_wait
        for position in [p for p, h in self._held.items() if h.at < horizon]:
            del self._held[position]

    @property
    def held(self) -> int:
        """Messages delivered to this channel and not yet settled."""
        with self._held_lock:
            return len(self._held)

    def close(self) -> None:
        """Close the connection; messages not acknowledged are delivered again after ack wait."""
        if self._client.is_closed:
            return
        try:
            self._loop.run(self._client.close(), timeout=GRACE)
        finally:
            self._loop.close()

    def __enter__(self) -> JetStreamChannel:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
