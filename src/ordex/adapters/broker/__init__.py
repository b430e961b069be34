"""Order payloads from a message broker: a NATS JetStream durable pull consumer."""

from ordex.adapters.broker.channel import JetStreamChannel, delivery_of
from ordex.adapters.broker.config import JetStreamConfig, jetstream_config
from ordex.adapters.broker.errors import (
    BrokerConsumerMissingError,
    BrokerConsumerUnfitError,
    BrokerTimeoutError,
    BrokerUnreachableError,
)
from ordex.adapters.broker.provision import provision

__all__ = [
    "BrokerConsumerMissingError",
    "BrokerConsumerUnfitError",
    "BrokerTimeoutError",
    "BrokerUnreachableError",
    "JetStreamChannel",
    "JetStreamConfig",
    "delivery_of",
    "jetstream_config",
    "provision",
]
