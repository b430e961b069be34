"""Create the stream and the durable consumer ordex reads, when they are missing."""

from __future__ import annotations

import asyncio

from nats.aio.client import Client
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError

from ordex.adapters.broker.config import JetStreamConfig
from ordex.adapters.broker.connection import connect, fit_consumer


def provision(config: JetStreamConfig) -> None:
    """Make sure the stream and its durable pull consumer exist (existing ones are kept as are)."""
    asyncio.run(_provision(config))


async def _provision(config: JetStreamConfig) -> None:
    client = await connect(config)
    try:
        await _stream(client, config)
        await _consumer(client, config)
        await fit_consumer(client, config)
    finally:
        await client.close()


async def _stream(client: Client, config: JetStreamConfig) -> None:
    """A file-backed work queue: a message leaves the stream once a worker acknowledged it."""
    js = client.jetstream()
    try:
        await js.stream_info(config.stream)
    except NotFoundError:
        await js.add_stream(StreamConfig(
            name=config.stream, subjects=[config.subject], retention=RetentionPolicy.WORK_QUEUE,
            storage=StorageType.FILE, duplicate_window=config.duplicate_window))


async def _consumer(client: Client, config: JetStreamConfig) -> None:
    """The durable pull consumer every worker shares; each message goes to one of them."""
    js = client.jetstream()
    try:
        await js.consumer_info(config.stream, config.consumer)
    except NotFoundError:
        await js.add_consumer(config.stream, ConsumerConfig(
            durable_name=config.consumer, ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL, ack_wait=config.ack_wait,
            max_ack_pending=config.max_ack_pending, filter_subject=config.subject))
