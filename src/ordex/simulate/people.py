"""The simulated people who work the queues: who answers which case, with what, and when.

Every case still open after intake is worked by a person of its queue with the usual action
for its code (the code simulation's `Desk`, simulate/codes/; docs/decide.md, "People's
actions": credit holds wait for the customer's payment, a suspect quantity is released once the
customer has confirmed it, an integration failure is closed with RETRY once the sender has
resent a corrected payload). Most are finished inside the SLA window the routing policy gave
the case (`WITHIN_SLA`), some late, and a few go stale for days (`STALE`), so the backlog at
any moment holds recent cases with time left and a tail of old, overdue ones — what a control
tower sees on a normal day (docs/simulator.md).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ordex.domain.cases import Case
from ordex.simulate.orders import vars_of
from ordex.simulate.truth import SimOrder

TEAM: dict[str, tuple[str, ...]] = {
    "cs-rep": ("order_desk",), "compliance-officer": ("order_desk",),
    "tax-analyst": ("order_desk",), "pricing-rep": ("pricing",), "planner": ("logistics",),
    "logistics-lead": ("logistics",), "integration-support": ("order_desk",),
    "credit-analyst": ("credit_analyst",), "credit-manager": ("credit_manager",),
    "finance-director": ("finance_director",),
}
"""The simulated people (user id → roles, docs/security.md): each desk's person, and the
credit managers who approve what is beyond an analyst's authority."""

WITHIN_SLA = 0.85
"""Share of cases a person closes before the case's SLA due time."""
STALE = 0.03
"""Share of cases nobody looks at for days: picked up `STALE_HOURS` after opening."""
LATE_FACTOR = (1.0, 2.5)
"""The other cases close between one and two and a half SLA windows after they opened."""
STALE_HOURS = (48, 96)
WORK_MINUTES = (2, 45)
"""How long a person spends on a case between taking and resolving it."""


@dataclass(frozen=True, slots=True)
class Visit:
    """A person's planned work on a case: take it at `take`, resolve it at `done`."""

    take: datetime
    done: datetime


def plan_visit(case: Case, rng: random.Random) -> Visit:
    """When a person takes and resolves a case."""
    window, draw = case.sla_due_at - case.opened_at, rng.random()
    if draw < WITHIN_SLA:
        done = case.opened_at + window * rng.uniform(0.1, 1.0)
    elif draw < 1 - STALE:
        done = case.opened_at + window * rng.uniform(*LATE_FACTOR)
    else:
        done = case.opened_at + timedelta(hours=rng.uniform(*STALE_HOURS))
    work = timedelta(minutes=rng.randint(*WORK_MINUTES))
    return Visit(take=max(case.opened_at, done - work), done=done)


FREIGHT = "ODFL-LTL"
"""The service a logistics lead books when an order names none that fits: LTL freight carries
any weight, hazmat included, to every state in the simulated world."""
PROMISE_SLACK = timedelta(days=2)


def parameters(action: str, order: SimOrder | None, *, addresses: dict[str, Any],
               at: datetime) -> dict[str, Any]:
    """What the person gives with an action that needs a parameter, as a person would: the
    address on file, a freight service, a new date two days out."""
    if order is None:
        return {}
    if action == "CORRECT_ADDRESS":
        return {"address": vars_of(addresses[order.ship_to_key])}
    if action == "ASSIGN_CARRIER":
        return {"ship_via": FREIGHT}
    if action == "REVISE_PROMISE":
        return {"promise_date": (max(order.ship_date, at.date()) + PROMISE_SLACK).isoformat()}
    return {}
