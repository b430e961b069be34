"""Simulated people beyond the desks: credit reviews with approvals, and pauses.

A credit hold no payment will clear is reviewed by a credit analyst some hours after it
opened. Up to the analyst's authority (the policy's matrix: 25,000 by default) the analyst
releases it against the recommendation to hold (an override); above it the analyst asks for
approval, and the credit manager (then, above 250,000, the finance director) signs or refuses
a few working hours later: most sign, some refuse, and a refused case stays with the analyst,
its clock running. Some cases a desk works wait for the customer first: the person pauses the
case (its SLA clock stops) and resumes it half-way to resolving it. Every choice is drawn from
the simulation's own `team` stream, so orders and detection stay as they were.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from ordex.domain.cases import Case, CaseState
from ordex.domain.commands import (
    ApproveCase,
    PauseCase,
    RejectCase,
    RequestApproval,
    ResolveCase,
    ResumeCase,
    TakeCase,
)

ANALYST, MANAGER, DIRECTOR = "credit-analyst", "credit-manager", "finance-director"
ANALYST_LIMIT = Decimal(25_000)
"""What the analyst releases alone (the shipped authority matrix's first level)."""
SIGNS = 0.85
"""Share of approval requests each approver signs (the rest are refused with a reason)."""
PAUSES = 0.15
"""Share of desk cases of the codes below that wait for the customer first."""
PAUSED_CODES = frozenset({"INVALID_SHIP_TO", "PRICE_MISMATCH", "DUPLICATE_ORDER",
                          "MISSING_CARRIER_INSTRUCTIONS"})
WAITING = (CaseState.OPEN, CaseState.ASSIGNED, CaseState.IN_PROGRESS)
Handle = Callable[[datetime, object], Any]
Push = Callable[[datetime, str, Any], bool]
Released = Callable[[Case], None]
"""Told of a credit hold a person released (the simulated book must follow)."""


def review_credit(case: Case | None, at: datetime, *, handle: Handle, push: Push,
                  team: random.Random, released: Released) -> int:
    """The analyst's review of a credit hold: release it, or ask for approval; commands sent."""
    if case is None or case.state not in WAITING:
        return 0  # released by a payment meanwhile, or already worked
    handle(at, TakeCase(case.case_id, ANALYST))
    done = at + timedelta(minutes=team.randint(5, 40))
    if case.value_at_risk <= ANALYST_LIMIT:
        handle(done, ResolveCase(case.case_id, ANALYST, "RELEASE",
                                 "payment promised by the customer's treasurer; history is good"))
        released(case)
        return 2
    handle(done, RequestApproval(case.case_id, ANALYST, "RELEASE",
                                 "long-standing customer, payment promised this week"))
    push(done + timedelta(hours=team.uniform(1, 8)), "approval", case.case_id)
    return 2


def sign(case: Case | None, at: datetime, *, handle: Handle, push: Push,
         team: random.Random, released: Released) -> int:
    """The next approver signs or refuses the pending level (and the next level follows)."""
    if case is None or case.state is not CaseState.AWAITING_APPROVAL:
        return 0
    pending = [a for a in case.approvals if a.state.value == "pending"]
    if not pending:
        return 0
    level = min(pending, key=lambda a: a.level)
    who = DIRECTOR if level.role == "finance_director" else MANAGER
    if team.random() < SIGNS:
        handle(at, ApproveCase(case.case_id, who, "exposure acceptable against the promise"))
        if case.state is CaseState.AWAITING_APPROVAL:
            push(at + timedelta(hours=team.uniform(1, 8)), "approval", case.case_id)
        elif case.state is CaseState.RESOLVED:  # the last signature released the hold
            released(case)
    else:
        handle(at, RejectCase(case.case_id, who, "exposure too high until the payment lands"))
    return 1


def maybe_pause(case: Case, take: datetime, done: datetime, actor: str, *, handle: Handle,
                team: random.Random) -> int:
    """Pause a taken case for the customer and resume it half-way to `done`; commands sent."""
    if case.code.value not in PAUSED_CODES or team.random() >= PAUSES or done <= take:
        return 0
    handle(take, PauseCase(case.case_id, actor, "asked the customer to confirm"))
    handle(take + (done - take) / 2, ResumeCase(case.case_id, actor, "the customer answered"))
    return 2
