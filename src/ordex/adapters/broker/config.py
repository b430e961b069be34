"""Where a JetStream channel reads from, taken from ordex's Settings."""

from __future__ import annotations

from dataclasses import dataclass

from ordex.config import Settings


@dataclass(frozen=True, slots=True)
class JetStreamConfig:
    """A NATS server, the stream that holds order payloads and the durable consumer ordex reads."""

    url: str = "nats://127.0.0.1:4222"
    stream: str = "ORDEX_ORDERS"
    subject: str = "ordex.orders.>"
    """The subjects the stream captures and the consumer reads (wildcards allowed)."""
    consumer: str = "ordex-intake"
    """The durable pull consumer every ordex worker shares."""
    ack_wait: float = 30.0
    """Seconds a delivered, unacknowledged message waits before it is delivered again."""
    max_ack_pending: int = 20_000
    """Messages delivered and not yet acknowledged, over all workers, before delivery pauses."""
    duplicate_window: float = 120.0
    """Seconds the stream remembers a Nats-Msg-Id to drop a republished message."""
    connect_timeout: float = 10.0
    """Seconds to wait for the first connection before giving up."""


def jetstream_config(settings: Settings) -> JetStreamConfig:
    """The broker part of ordex's settings (docs/configuration.md)."""
    return JetStreamConfig(
        url=settings.broker_url, stream=settings.broker_stream,
        subject=settings.broker_subject, consumer=settings.broker_consumer,
        ack_wait=settings.broker_ack_wait_seconds,
        max_ack_pending=settings.broker_max_ack_pending)
