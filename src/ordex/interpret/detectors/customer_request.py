"""CUSTOMER_REQUEST: a customer asks to change, cancel, expedite or query an order. Raised from
the customer's message, not by a detector: this module only registers it."""

from __future__ import annotations

from ordex.domain.codes import Action, ExceptionCode, Queue
from ordex.interpret.exception_type import ExceptionType

PLUGIN = ExceptionType(
    code=ExceptionCode.CUSTOMER_REQUEST, queue=Queue.CUSTOMER_SERVICE,
    actions=frozenset({Action.RELEASE, Action.REVISE_PROMISE, Action.EXPEDITE, Action.HOLD,
                       Action.NOTIFY_CUSTOMER, Action.CHANGE_QUANTITY, Action.CANCEL_LINE}),
)
