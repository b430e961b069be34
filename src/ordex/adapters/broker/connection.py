"""One NATS connection: bounded wait for the first contact, then reconnection without end."""

from __future__ import annotations

import asyncio
import logging

import nats.errors
from nats.aio.client import Client
from nats.js.api import AckPolicy, ConsumerInfo
from nats.js.errors import NotFoundError

from ordex.adapters.broker.config import JetStreamConfig
from ordex.adapters.broker.errors import (
    BrokerConsumerMissingError,
    BrokerConsumerUnfitError,
    BrokerUnreachableError,
)

log = logging.getLogger("ordex.broker")
ATTEMPT_SECONDS = 2
"""How long one connection attempt may take (the first contact retries until connect_timeout)."""


async def _reconnected() -> None:
    log.warning("broker: reconnected")


async def connect(config: JetStreamConfig) -> Client:
    """A connection to `config.url`; BrokerUnreachableError when none is made in time."""
    client = Client()

    async def error(exc: Exception) -> None:
        # one line per problem (nats-py would log a traceback); before the first contact the
        # failed attempts are quiet: the one clear error comes if no attempt succeeds in time
        level = logging.WARNING if client.is_connected or client.is_reconnecting else logging.DEBUG
        log.log(level, "broker: %s: %s", type(exc).__name__, exc)

    async def disconnected() -> None:
        if not client.is_closed:  # closing on purpose is no news
            log.warning("broker: disconnected; reconnecting")

    try:
        await asyncio.wait_for(client.connect(
            config.url, name="ordex", connect_timeout=ATTEMPT_SECONDS,
            max_reconnect_attempts=-1, error_cb=error, disconnected_cb=disconnected,
            reconnected_cb=_reconnected), timeout=config.connect_timeout)
    except (TimeoutError, OSError, nats.errors.Error) as exc:
        await client.close()
        raise BrokerUnreachableError(
            f"the message broker did not answer within {config.connect_timeout:g} s "
            f"({type(exc).__name__}): check ORDEX_BROKER_URL and that the server runs",
            timeout=config.connect_timeout) from exc
    return client


async def fit_consumer(client: Client, config: JetStreamConfig) -> ConsumerInfo:
    """The durable consumer's info, refused unless it is a pull consumer acked one by one."""
    try:
        info: ConsumerInfo = await client.jetstream().consumer_info(config.stream, config.consumer)
    except NotFoundError as exc:
        raise BrokerConsumerMissingError(
            f"the broker has no durable consumer {config.consumer!r} on stream "
            f"{config.stream!r}: provision it first", stream=config.stream,
            consumer=config.consumer) from exc
    if info.config.deliver_subject or info.config.ack_policy != AckPolicy.EXPLICIT:
        raise BrokerConsumerUnfitError(
            f"durable consumer {config.consumer!r} must be a pull consumer with explicit "
            "acknowledgements", consumer=config.consumer)
    return info
