"""INTEGRATION_FAILURE: input that could not become an order, or an ERP write-back that keeps
failing. Raised by intake and the outbox, not by a detector: this module only registers it."""

from __future__ import annotations

from ordex.domain.codes import Action, ExceptionCode, Queue
from ordex.interpret.exception_type import ExceptionType

PLUGIN = ExceptionType(
    code=ExceptionCode.INTEGRATION_FAILURE, queue=Queue.INTEGRATION,
    actions=frozenset({Action.RETRY}),
    simulation="ordex.simulate.codes.integration_failure:SIMULATION",
)
