"""A stream of its own per test on the real local NATS JetStream server, and publishing to it."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable, Iterator

import nats
import pytest
from nats.js.api import PubAck

from ordex.adapters.broker import BrokerUnreachableError, JetStreamConfig, provision

NATS_URL = os.environ.get("ORDEX_TEST_NATS_URL", "nats://127.0.0.1:4222")
START = ("start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- "
         "-a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server")
MakeBroker = Callable[..., JetStreamConfig]


async def _on_server(config: JetStreamConfig, work: Callable[..., object]) -> object:
    client = await nats.connect(config.url)
    try:
        return await work(client.jetstream())  # type: ignore[misc]
    finally:
        await client.close()


def _publish(config: JetStreamConfig, bodies: list[bytes],
             msg_ids: list[str | None] | None = None) -> list[PubAck]:
    """Publish `bodies` on the test's subject, each with its Nats-Msg-Id when given."""
    subject = config.subject.removesuffix(".>") + ".orders"
    ids = msg_ids or [None] * len(bodies)

    async def work(js: nats.js.JetStreamContext) -> list[PubAck]:
        return [await js.publish(subject, body, headers={"Nats-Msg-Id": i} if i else None)
                for body, i in zip(bodies, ids, strict=True)]
    return asyncio.run(_on_server(config, work))  # type: ignore[return-value]



@pytest.fixture
def make_broker() -> Iterator[MakeBroker]:
    """Provisions a stream and durable consumer of its own per call; deletes them afterwards."""
    made: list[JetStreamConfig] = []

    def make(*, ack_wait: float = 1.0) -> JetStreamConfig:
        tag = uuid.uuid4().hex[:12]
        config = JetStreamConfig(url=NATS_URL, stream=f"TEST_{tag}", subject=f"test.{tag}.>",
                                 consumer=f"workers_{tag}", ack_wait=ack_wait,
                                 connect_timeout=5)
        try:
            provision(config)
        except BrokerUnreachableError as exc:
            pytest.fail(f"NATS JetStream must run at {NATS_URL} ({exc}); start it: {START}")
        made.append(config)
        return config

    yield make
    for config in made:
        asyncio.run(_on_server(config, lambda js, c=config: js.delete_stream(c.stream)))


