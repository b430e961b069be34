"""The simulated people who work the queues: who answers which case, with what, and when.

Every case still open after intake is worked by a person of its queue with the usual action
for its code, unless nobody gets to it during the period (`MISSED`). Most are finished inside
the SLA window the routing policy gave the case (`WITHIN_SLA`), the rest late, so the backlog
at any moment holds recent cases with time left and a tail of old, overdue ones — what a
control tower sees on a normal day (docs/simulator.md).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from ordex.domain.cases import Case


@dataclass(frozen=True, slots=True)
class Desk:
    """How people answer one exception code."""

    actor: str
    action: str


DESKS: dict[str, Desk] = {
    "PRICE_MISMATCH": Desk("pricing-rep", "ACCEPT_PRICE"),
    "MARGIN_BELOW_FLOOR": Desk("pricing-rep", "REPRICE"),
    "INVALID_SHIP_TO": Desk("cs-rep", "CORRECT_ADDRESS"),
    "DUPLICATE_ORDER": Desk("cs-rep", "CANCEL_DUPLICATE"),
    "QUANTITY_ANOMALY": Desk("cs-rep", "NOTIFY_CUSTOMER"),
    "INVENTORY_SHORTFALL": Desk("planner", "BACKORDER"),
    "ALLOCATION_CONFLICT": Desk("planner", "RELEASE"),
    "PAST_DUE_HOLD": Desk("credit-analyst", "RELEASE"),
    "TAX_FAILURE": Desk("tax-analyst", "RELEASE"),
    "MISSING_CARRIER_INSTRUCTIONS": Desk("logistics-lead", "ASSIGN_CARRIER"),
    "SHIPMENT_CONSTRAINT": Desk("logistics-lead", "REVISE_PROMISE"),
    "LATE_SHIPMENT_RISK": Desk("logistics-lead", "EXPEDITE"),
    "COMPLIANCE_HOLD": Desk("compliance-officer", "RELEASE"),
}
"""Codes people work, by code. Credit holds wait for payments and integration failures for a
replay of the fixed payload, as they do in the pipeline; people in the simulator do neither."""

MISSED = 0.05
"""Share of routed cases nobody works during the period (they age past their SLA)."""
WITHIN_SLA = 0.8
"""Share of worked cases a person closes before the case's SLA due time."""
LATE_FACTOR = (1.0, 3.0)
"""A late case closes between one and three SLA windows after it opened."""
WORK_MINUTES = (2, 45)
"""How long a person spends on a case between taking and resolving it."""


@dataclass(frozen=True, slots=True)
class Visit:
    """A person's planned work on a case: take it at `take`, resolve it at `done`."""

    take: datetime
    done: datetime


def plan_visit(case: Case, rng: random.Random) -> Visit | None:
    """When a person takes and resolves a case (None: nobody gets to it in the period)."""
    if rng.random() < MISSED:
        return None
    window = case.sla_due_at - case.opened_at
    share = rng.uniform(0.1, 1.0) if rng.random() < WITHIN_SLA else rng.uniform(*LATE_FACTOR)
    done = case.opened_at + window * share
    work = timedelta(minutes=rng.randint(*WORK_MINUTES))
    return Visit(take=max(case.opened_at, done - work), done=done)
