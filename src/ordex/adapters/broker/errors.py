"""What can go wrong between ordex and its message broker."""

from __future__ import annotations

from ordex.domain.errors import OrdexError


class BrokerUnreachableError(OrdexError):
    """The message broker did not answer: check ORDEX_BROKER_URL and that the server runs."""


class BrokerConsumerMissingError(OrdexError):
    """The broker has no such stream or durable consumer: provision it first."""


class BrokerConsumerUnfitError(OrdexError):
    """The durable consumer is not a pull consumer with explicit acknowledgements."""


class BrokerTimeoutError(OrdexError):
    """The message broker did not finish a request in time."""
