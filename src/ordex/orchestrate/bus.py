"""The message bus: each command to its one handler, each fact to its subscribers.

A handler gets the command and a fresh unit of work; the bus is shared by every thread of a
process and keeps no state per call. Work that collided with a concurrent worker (a
deadlock) is run again from the start, on a new unit of work; nothing else is retried here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ordex.domain.errors import WorkConflictError
from ordex.orchestrate.facts import facts_of
from ordex.orchestrate.ports import UnitOfWork

Handler = Callable[[Any, UnitOfWork], Any]
Subscriber = Callable[[Any], None]
ATTEMPTS = 5
"""Runs of a command whose unit of work keeps colliding before the collision is raised."""

log = logging.getLogger("ordex.bus")


class MessageBus:
    """Routes commands to handlers and the facts their commits produced to subscribers."""

    def __init__(self, *, uow: Callable[[], UnitOfWork], handlers: Mapping[type, Handler],
                 subscribers: Mapping[type, Sequence[Subscriber]] | None = None) -> None:
        self.new_uow, self.handlers = uow, dict(handlers)
        self.subscribers = {k: list(v) for k, v in (subscribers or {}).items()}

    def handle(self, command: object) -> Any:
        """Run a command's handler; then tell subscribers what its commits changed."""
        handler = self.handlers.get(type(command))
        if handler is None:
            raise TypeError(f"no handler for {type(command).__name__}")
        for attempt in range(1, ATTEMPTS + 1):
            uow = self.new_uow()
            try:
                result = handler(command, uow)
            except WorkConflictError:
                if attempt == ATTEMPTS:
                    raise
                log.info("%s collided with concurrent work; run %d again",
                         type(command).__name__, attempt)
                continue
            self.publish([f for changes in uow.committed for f in facts_of(changes)])
            return result
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def subscribe(self, fact: type, subscriber: Subscriber) -> None:
        """Call `subscriber` with every published fact of this type."""
        self.subscribers.setdefault(fact, []).append(subscriber)

    def publish(self, facts: Sequence[object]) -> None:
        """Hand facts to their subscribers; a subscriber's failure never undoes the work."""
        for fact in facts:
            for subscriber in self.subscribers.get(type(fact), ()):
                try:
                    subscriber(fact)
                except Exception:  # the work is committed; one subscriber must not stop others
                    log.exception("subscriber of %s failed", type(fact).__name__)
