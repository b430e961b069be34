"""Simulated people's choices: the action a desk takes, credit reviews with approvals, pauses.

A desk person mostly accepts ordex's recommendation when it is an action a person takes (one
that settles the case: not HOLD, ESCALATE, WAIT_FOR_RECEIPT or NOTIFY_CUSTOMER, which keep the
hold); `OVERRIDES` of the time they choose another ranked alternative instead, with a reason.
When ordex only proposes to keep the hold, the person picks the best ranked alternative that
settles the case, else the desk's usual action for the code (an override with a reason).

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
    AcceptRecommendation,
    ApproveCase,
    ChooseAlternative,
    OverrideRecommendation,
    PauseCase,
    RejectCase,
    RequestApproval,
    ResolveCase,
    ResumeCase,
    TakeCase,
)
from ordex.domain.errors import OrdexError
from ordex.orchestrate.casework import recommended
from ordex.orchestrate.resolutions import EFFECTS, Kind
from ordex.simulate.people import ROSTERS

ANALYST, MANAGER, DIRECTOR = "credit-analyst", "credit-manager", "finance-director"
ANALYST_LIMIT = Decimal(25_000)
"""What the analyst releases alone (the shipped authority matrix's first level)."""
SIGNS = 0.85
"""Share of approval requests each approver signs (the rest are refused with a reason)."""
PAUSES = 0.15
"""Share of desk cases of the codes below that wait for the customer first."""
PAUSED_CODES = frozenset({"INVALID_SHIP_TO", "PRICE_MISMATCH", "DUPLICATE_ORDER",
                          "MISSING_CARRIER_INSTRUCTIONS"})
ON_SHIFT = ROSTERS["credit"]
"""Analysts and approvers work the credit queue's shifts."""
WAITING = (CaseState.OPEN, CaseState.ASSIGNED, CaseState.IN_PROGRESS)
OVERRIDES = 0.15
"""Share of cases a person resolves with another ranked alternative than the settling action
ordex recommends."""
SETTLES = frozenset(a.value for a, e in EFFECTS.items() if e.kind is not Kind.KEEP_HOLD)
"""Actions that settle a case (a person takes them to close it)."""
Params = Callable[[str], dict[str, Any]]
"""The parameters a person gives with an action (simulate/people.py `parameters`)."""
Handle = Callable[[datetime, object], Any]
Push = Callable[[datetime, str, Any], bool]
Released = Callable[[Case], None]
"""Told of a credit hold a person released (the simulated book must follow)."""


def review_credit(case: Case | None, at: datetime, *, handle: Handle, push: Push,
                  team: random.Random, released: Released) -> int:
    """The analyst's review of a credit hold: release it, or ask for approval; commands sent."""
    if case is None or case.state not in WAITING:
        return 0  # released by a payment meanwhile, or already worked
    if case.state is not CaseState.IN_PROGRESS:  # not touched yet
        handle(at, TakeCase(case.case_id, ANALYST))
    done = at + timedelta(minutes=team.randint(5, 40))
    if case.value_at_risk <= ANALYST_LIMIT:
        handle(done, ResolveCase(case.case_id, ANALYST, "RELEASE",
                                 "payment promised by the customer's treasurer; history is good"))
        released(case)
        return 2
    handle(done, RequestApproval(case.case_id, ANALYST, "RELEASE",
                                 "long-standing customer, payment promised this week"))
    push(ON_SHIFT.add(done + timedelta(hours=team.uniform(1, 8)), 0), "approval", case.case_id)
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
            push(ON_SHIFT.add(at + timedelta(hours=team.uniform(1, 8)), 0), "approval",
                 case.case_id)
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


def resolve_case(case: Case, at: datetime, *, actor: str, fallback: str, params: Params,
                 handle: Handle, team: random.Random) -> str | None:
    """Resolve a taken case as a person would (the module's docstring); the action taken.

    When ordex's parameters no longer fit (the stock moved since it recommended), the person
    falls back to the desk's usual action; None when nothing could be taken."""
    for action, command in _choices(case, actor=actor, fallback=fallback, params=params,
                                    team=team):
        try:
            handle(at, command)
        except OrdexError:
            continue
        return action
    return None


def _choices(case: Case, *, actor: str, fallback: str, params: Params,
             team: random.Random) -> list[tuple[str, object]]:
    """The person's choice first, then the desk's usual action should it not apply."""
    best, ranked = recommended(case)
    others = [(n, a) for n, a in enumerate(ranked, start=1) if a != best and a in SETTLES]
    desk = (fallback, ResolveCase(case.case_id, actor, fallback, f"{actor} handled the case",
                                  params(fallback)))
    if best is not None and best in SETTLES and (team.random() >= OVERRIDES or not others):
        given = params(best)
        first: tuple[str, object] = (best, ResolveCase(
            case.case_id, actor, best, "as ordex recommends", given) if given else
            AcceptRecommendation(case.case_id, actor, "as ordex recommends"))
    elif others:
        rank, action = others[0]
        why = ("the customer prefers it" if best in SETTLES
               else f"ordex proposes {best}; this settles it now")
        first = (action, ChooseAlternative(case.case_id, actor, rank=rank, reason=why,
                                           params=params(action)))
    elif best is not None and best != fallback:
        first = (fallback, OverrideRecommendation(
            case.case_id, actor, fallback, f"ordex proposes {best}; the desk settles it",
            params(fallback)))
    else:
        return [desk]
    return [first, desk]
