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
          sla_hours: Mapping[Queue, int] = DEFAULT_SLA_HOURS) -> Route:
    """Queue, priority and SLA of a case, decided together (the SLA is the chosen queue's)."""
    queue = queue_for(rules, code, customer, value)
    hours = sla_hours.get(queue, FALLBACK_SLA_HOURS)
    return Route(queue, priority, dict(parts), opened_at + timedelta(hours=hours))
