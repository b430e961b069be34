"""Approvals: request a chain the authority matrix names, sign it level by level, or reject it.

Segregation of duties: whoever requested or proposed the action may not approve it, and one
person signs at most one level of a chain. Approvals and rejections need a reason. A
rejection ends the chain (the levels after it are void) and the case goes back to
in_progress with its owner; the last approval applies the action through the same
resolution path as a person's resolve (docs/casework.md, "Approvals").
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from ordex.domain.approvals import (
    Approval,
    ApprovalState,
    levels_needed,
    may_approve,
    may_decide,
    new_chain,
    pending_chain,
)
from ordex.domain.cases import Case, CaseState
from ordex.domain.errors import (
    ApprovalNotNeededError,
    AuthorityExceededError,
    IllegalTransitionError,
    SegregationOfDutiesError,
)
from ordex.orchestrate.casework import (
    need_reason,
    recommended,
    record_override,
    void_pending,
)
from ordex.orchestrate.notices import approval_waiting
from ordex.orchestrate.pipeline import Pipeline
from ordex.orchestrate.resolutions import check_action

AWAITING = CaseState.AWAITING_APPROVAL


def request(p: Pipeline, case: Case, *, actor: str, roles: Collection[str], action: str | None,
            reason: str, params: Mapping[str, Any], now: datetime) -> list[Approval]:
    """Ask for the approvals an action on this case needs; the case awaits them."""
    best, _ranked = recommended(case)
    wanted = action or best
    if wanted is None:
        raise IllegalTransitionError(f"action: case {case.case_id} has no recommendation; "
                                     "name the action to approve", field="action")
    chosen = check_action(case, wanted).value
    matrix, code, amount = p.policy.authority, case.code.value, case.value_at_risk
    levels = levels_needed(matrix, action=chosen, code=code, amount=amount)
    if not levels or may_decide(matrix, roles=roles, action=chosen, code=code, amount=amount):
        raise ApprovalNotNeededError(
            f"{chosen} on {case.case_id} ({amount}) needs no approval from {actor}: resolve it",
            field="action")
    chain_no = len({a.chain_id for a in case.approvals}) + 1
    proposer = case.assignee if case.assignee and case.assignee != actor else actor
    chain = new_chain(case_id=case.case_id, chain_no=chain_no, levels=levels, action=chosen,
                      params=params, amount=amount, requested_by=actor, proposed_by=proposer,
                      reason=reason.strip(), now=now, hours=matrix.approval_hours)
    roles_text = " → ".join(a.role for a in chain)
    p.changes.audit.append(case.move(AWAITING, actor=actor, at=now, action="request_approval",
                                     reason=f"{chosen} ({amount}) needs {roles_text}"
                                     + (f": {reason.strip()}" if reason.strip() else "")))
    case.assignee = proposer
    case.approvals.extend(chain)
    p.changes.approvals.extend(chain)
    p.changes.touch(case)
    p.changes.notifications.append(approval_waiting(case, chain[0], now=now))
    return chain


def approve(p: Pipeline, case: Case, *, actor: str, roles: Collection[str], reason: str,
            now: datetime) -> Approval:
    """Sign the chain's pending level; the last signature applies the action."""
    why = need_reason(reason, what="an approval")
    step, chain = _current(p, case, actor=actor, roles=roles)
    step.decide(ApprovalState.APPROVED, actor=actor, reason=why, now=now)
    p.changes.approvals.append(step)
    if waiting := [a for a in chain if a.state is ApprovalState.PENDING]:
        p.changes.audit.append(case.note(actor=actor, at=now, action="approve",
                                         reason=f"level {step.level} ({step.role}): {why}"))
        p.changes.touch(case)
        p.changes.notifications.append(approval_waiting(case, min(
            waiting, key=lambda a: a.level), now=now))
        return step
    p.changes.audit.append(case.note(actor=actor, at=now, action="approve",
                                     reason=f"level {step.level} ({step.role}), last: {why}"))
    record_override(p, case, actor=step.requested_by, chosen=step.action,
                    reason=step.reason or why, now=now)
    signed = ", ".join(f"{a.decided_by} ({a.role})" for a in chain)
    text = f"requested by {step.requested_by}, approved by {signed}" + (
        f": {step.reason}" if step.reason else "")
    p.resolve(case, actor=actor, action=step.action, reason=text, now=now, params=step.params)
    return step


def reject(p: Pipeline, case: Case, *, actor: str, roles: Collection[str], reason: str,
           now: datetime) -> Approval:
    """Refuse the pending level: the chain ends, the case goes back to its owner in progress."""
    why = need_reason(reason, what="a rejection")
    step, _chain = _current(p, case, actor=actor, roles=roles)
    step.decide(ApprovalState.REJECTED, actor=actor, reason=why, now=now)
    p.changes.approvals.append(step)
    void_pending(p, case, now=now)
    owner = case.assignee
    p.changes.audit.append(case.move(CaseState.IN_PROGRESS, actor=actor, at=now,
                                     action="reject", reason=f"{step.action} rejected at level "
                                     f"{step.level} ({step.role}): {why}"))
    case.assignee = owner
    p.changes.touch(case)
    return step


def _current(p: Pipeline, case: Case, *, actor: str,
             roles: Collection[str]) -> tuple[Approval, list[Approval]]:
    """The pending level of the case's chain, if this person may sign it (else an error)."""
    chain = pending_chain(case.approvals)
    step = next((a for a in chain if a.state is ApprovalState.PENDING), None)
    if case.state is not AWAITING or step is None:
        raise IllegalTransitionError(
            f"case {case.case_id} is {case.state.value}: no approval is pending",
            case_id=case.case_id, from_state=case.state.value, to_state=case.state.value)
    if actor in (step.requested_by, step.proposed_by):
        raise SegregationOfDutiesError(
            f"{actor} requested or proposed {step.action} on {case.case_id} and may not "
            "approve or reject it", field="actor")
    if any(a.decided_by == actor for a in chain):
        raise SegregationOfDutiesError(
            f"{actor} already signed chain {step.chain_id}: another person must sign level "
            f"{step.level}", field="actor")
    if not may_approve(p.policy.authority, roles=roles, action=step.action,
                       code=case.code.value, level=step.role):
        raise AuthorityExceededError(
            f"level {step.level} of {step.chain_id} needs {step.role}; {actor} holds "
            f"{', '.join(sorted(roles)) or 'no role'}", field="actor")
    return step, chain
