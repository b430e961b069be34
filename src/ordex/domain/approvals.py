"""Authority limits and approval chains: who may decide an action on a case of a given value.

The authority matrix is role × action × value limit: for each action (optionally only on some
codes) an ordered list of levels, each a role and the largest value it may decide alone (the
last level may have no limit). An amount is *covered* by the first level whose limit reaches
it; that level and every level above the first whose lower neighbour's limit the amount
exceeds must approve (docs/casework.md, "Approvals"). Everything here is pure.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any


@dataclass(frozen=True, slots=True)
class AuthorityLevel:
    """One level of authority: a role and the largest value it decides alone (None: any)."""

    role: str
    limit: Decimal | None = None

    def covers(self, amount: Decimal) -> bool:
        """True when this level may decide the amount alone (the limit is inclusive)."""
        return self.limit is None or amount <= self.limit


@dataclass(frozen=True, slots=True)
class AuthorityRule:
    """The levels of authority for one action, on some codes (empty: every code)."""

    action: str
    levels: tuple[AuthorityLevel, ...]
    codes: frozenset[str] = frozenset()

    def applies(self, action: str, code: str) -> bool:
        """True for this action on a case of this code."""
        return action == self.action and (not self.codes or code in self.codes)

    def rank_of(self, roles: Collection[str]) -> int:
        """The highest level any of these roles holds (-1: none)."""
        return max((i for i, lv in enumerate(self.levels) if lv.role in roles), default=-1)

    def covering(self, amount: Decimal) -> int:
        """The index of the first level that covers the amount (len(levels): none does)."""
        return next((i for i, lv in enumerate(self.levels) if lv.covers(amount)),
                    len(self.levels))


@dataclass(frozen=True, slots=True)
class AuthorityMatrix:
    """Every authority rule, first match wins, and the approval SLA target."""

    rules: tuple[AuthorityRule, ...] = ()
    approval_hours: float = 8.0

    def rule_for(self, action: str, code: str) -> AuthorityRule | None:
        """The rule that governs an action on a code (None: anyone working the case may)."""
        return next((r for r in self.rules if r.applies(action, code)), None)


def levels_needed(matrix: AuthorityMatrix, *, action: str, code: str,
                  amount: Decimal) -> tuple[AuthorityLevel, ...]:
    """The approval levels an action on a case of this value needs, lowest first.

    An amount the first level covers needs that level; above it, every level from the second
    up to the covering one (or every level but the first, when none covers it)."""
    rule = matrix.rule_for(action, code)
    if rule is None:
        return ()
    top = rule.covering(amount)
    if top == 0:
        return rule.levels[:1]
    return rule.levels[1:top + 1]


def may_decide(matrix: AuthorityMatrix, *, roles: Collection[str], action: str, code: str,
               amount: Decimal) -> bool:
    """True when a person with these roles may take the action directly."""
    rule = matrix.rule_for(action, code)
    return rule is None or rule.rank_of(roles) >= rule.covering(amount)


def may_approve(matrix: AuthorityMatrix, *, roles: Collection[str], action: str, code: str,
                level: str) -> bool:
    """True when these roles may sign a level: its role, or a higher level's."""
    rule = matrix.rule_for(action, code)
    if rule is None:
        return level in roles
    wanted = next((i for i, lv in enumerate(rule.levels) if lv.role == level), None)
    return level in roles or (wanted is not None and rule.rank_of(roles) >= wanted)


class ApprovalState(StrEnum):
    """Where one approval of a chain stands."""

    PENDING = "pending"
    """Waiting for a person of its role (in that role's approval queue)."""
    APPROVED = "approved"
    """Signed, with a reason."""
    REJECTED = "rejected"
    """Refused, with a reason: the chain ends and the case goes back to in_progress."""
    VOID = "void"
    """No longer needed: an earlier level of the chain rejected."""
    WITHDRAWN = "withdrawn"
    """The case left awaiting_approval another way (cancelled, resolved by a payment or by
    re-evaluation): the reason names the move; it waits in no queue and never comes back."""


@dataclass(slots=True)
class Approval:
    """One level of an approval chain: the action asked for and who must sign it, by when."""

    approval_id: str
    chain_id: str
    case_id: str
    level: int
    role: str
    action: str
    params: dict[str, Any]
    amount: Decimal
    requested_by: str
    proposed_by: str
    requested_at: datetime
    due_at: datetime
    reason: str
    """Why the action was asked for (the requester's words)."""
    state: ApprovalState = ApprovalState.PENDING
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_reason: str | None = None
    queue: str = field(default="")
    """The approval queue it waits in: its role's."""

    def decide(self, state: ApprovalState, *, actor: str | None, reason: str | None,
               now: datetime) -> None:
        """Record the decision on this level (approved, rejected or void)."""
        self.state, self.decided_by, self.decided_at = state, actor, now
        self.decision_reason = reason


def new_chain(*, case_id: str, chain_no: int, levels: tuple[AuthorityLevel, ...], action: str,
              params: Mapping[str, Any], amount: Decimal, requested_by: str, proposed_by: str,
              reason: str, now: datetime, hours: float) -> list[Approval]:
    """A chain of pending approvals, one per level; level n is due n × `hours` after now."""
    chain_id = f"{case_id}#{chain_no}"
    return [Approval(f"{chain_id}.{n}", chain_id, case_id, n, lv.role, action, dict(params),
                     amount, requested_by, proposed_by, now, now + timedelta(hours=hours * n),
                     reason, queue=lv.role)
            for n, lv in enumerate(levels, start=1)]


def withdraw_pending(approvals: list[Approval], *, actor: str, reason: str,
                     now: datetime) -> list[Approval]:
    """Withdraw every pending approval (the case closed without them); those withdrawn."""
    gone = [a for a in approvals if a.state is ApprovalState.PENDING]
    for a in gone:
        a.decide(ApprovalState.WITHDRAWN, actor=actor, reason=reason, now=now)
    return gone


def pending_chain(approvals: list[Approval]) -> list[Approval]:
    """The approvals of the chain still in course (the latest chain), lowest level first."""
    if not approvals:
        return []
    latest = approvals[-1].chain_id
    return [a for a in approvals if a.chain_id == latest]
