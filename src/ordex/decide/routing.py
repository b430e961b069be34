"""Routing: the one place a case's queue, priority and SLA due time are decided, together.

The queue is the first routing rule of the policy the case matches, else its code's owner
queue; the SLA due time is that queue's hours after the case opened. Because queue and SLA are
chosen in one call, a case routed away from its owner queue gets the SLA of the queue it is
routed to (docs/decide.md, "Routing").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from ordex.decide.rules import PolicyDocument, RoutingRule
from ordex.decide.sla import SlaClock
from ordex.domain.calendar import ROUND_THE_CLOCK
from ordex.domain.codes import ExceptionCode, Queue
from ordex.domain.model import Customer
from ordex.interpret.registry import owner_queue

DEFAULT_SLA_HOURS: dict[Queue, int] = {
    Queue.PLANNING: 8, Queue.PRICING: 8, Queue.CREDIT: 4, Queue.CUSTOMER_SERVICE: 4,
    Queue.FINANCE: 24, Queue.LOGISTICS: 8, Queue.COMPLIANCE: 24, Queue.INTEGRATION: 2,
}
FALLBACK_SLA_HOURS = 8
"""SLA of a queue no table names."""


@dataclass(frozen=True, slots=True)
class Route:
    """Where a case goes, how urgent it is, and by when someone must have acted."""

    queue: Queue
    priority: int
    priority_parts: Mapping[str, float]
    sla_due_at: datetime
    """When the case must be resolved (its resolution due time)."""
    response_due_at: datetime | None = None
    """When a person must first have touched it (None: no response target)."""
    calendar: str = ROUND_THE_CLOCK.name
    """The business calendar its due times count on."""


def sla_hours_of(policy: PolicyDocument) -> dict[Queue, int]:
    """The SLA hours per queue in force under a policy (its table over the defaults)."""
    return {**DEFAULT_SLA_HOURS, **policy.sla_hours}


def queue_for(rules: Sequence[RoutingRule], code: ExceptionCode, customer: Customer | None,
              value: Decimal) -> Queue:
    """The first routing rule the case matches, else the code's owner queue."""
    for r in rules:
        if ((r.code is None or r.code is code)
                and (r.region is None or (customer is not None and customer.region == r.region))
                and (r.tier is None or (customer is not None and customer.tier is r.tier))
                and (r.min_value is None or value >= r.min_value)
                and (r.max_value is None or value < r.max_value)):
            return r.queue
    return owner_queue(code)


def route(*, code: ExceptionCode, customer: Customer | None, value: Decimal, priority: int,
          parts: Mapping[str, float], opened_at: datetime, rules: Sequence[RoutingRule] = (),
          sla_hours: Mapping[Queue, int] = DEFAULT_SLA_HOURS,
          sla: SlaClock | None = None) -> Route:
    """Queue, priority and SLA of a case, decided together (the SLA is the chosen queue's).

    With an SLA clock the due times are business hours on the case's calendar; without one,
    the queue's `sla_hours` in clock hours.
    """
    queue = queue_for(rules, code, customer, value)
    if sla is not None:
        due = sla.due(code=code, customer=customer, queue=queue, opened_at=opened_at)
        return Route(queue, priority, dict(parts), due.resolution_due_at, due.response_due_at,
                     due.calendar)
    hours = sla_hours.get(queue, FALLBACK_SLA_HOURS)
    return Route(queue, priority, dict(parts), opened_at + timedelta(hours=hours))
