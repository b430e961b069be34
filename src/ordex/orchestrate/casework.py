"""Working a case: assign, comment, attach, resolve within authority, cancel, reopen.

Each function is the one domain step of a handler (handlers/cases.py): it checks what the
person may do, moves the case through the one table of moves (domain/cases.py) and records
what happened on the pipeline's changes. Approvals are in orchestrate/approvals.py.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from ordex.domain.approvals import ApprovalState, may_decide
from ordex.domain.cases import CLOSED_STATES, Case, CaseState
from ordex.domain.casework import Attachment, Comment, Override
from ordex.domain.codes import Severity
from ordex.domain.errors import (
    AuthorityExceededError,
    IllegalTransitionError,
    NoRecommendationError,
    ReasonRequiredError,
)
from ordex.domain.events import HoldLines
from ordex.orchestrate.assign import give, pick, to_assign
from ordex.orchestrate.assignment import Pick
from ordex.orchestrate.notices import assigned
from ordex.orchestrate.pipeline import Pipeline
from ordex.orchestrate.resolutions import check_action
from ordex.orchestrate.workset import CREDIT

AWAITING = CaseState.AWAITING_APPROVAL


def need_reason(reason: str, *, what: str) -> str:
    """The reason, stripped; ReasonRequiredError naming the field when it is blank."""
    text = reason.strip()
    if not text:
        raise ReasonRequiredError(f"reason: {what} needs a reason", field="reason")
    return text


def take(p: Pipeline, case: Case, *, actor: str, now: datetime) -> None:
    """Start working a case; one awaiting approval moves only by approve, reject or cancel."""
    _not_awaiting(case, to="in_progress")
    p.take(case, actor=actor, now=now)


def _not_awaiting(case: Case, *, to: str) -> None:
    if case.state is AWAITING:
        raise IllegalTransitionError(
            f"case {case.case_id} cannot move from awaiting_approval to {to} this way: "
            "approve, reject or cancel it",
            case_id=case.case_id, from_state=case.state.value, to_state=to)


def assign(p: Pipeline, case: Case, *, actor: str, assignee: str, reason: str,
           now: datetime) -> None:
    """Give the case to a person; a case that had an assignee is reassigned."""
    action = "reassign" if case.assignee else "assign"
    why = reason.strip() or f"{action}ed to {assignee}"
    p.changes.audit.append(case.move(CaseState.ASSIGNED, actor=actor, at=now, reason=why,
                                     action=action))
    case.assignee = assignee
    p.changes.touch(case)
    if assignee != actor:  # taking a case oneself needs no notice
        p.changes.notifications.append(assigned(case, by=actor, reason=why, now=now))


def comment(p: Pipeline, case: Case, *, actor: str, text: str, now: datetime) -> None:
    """Add a note; the case keeps its state."""
    body = text.strip()
    if not body:
        raise ReasonRequiredError("text: a comment needs text", field="text")
    p.changes.comments.append(Comment(case.case_id, now, actor, body))
    p.changes.audit.append(case.note(actor=actor, at=now, reason=body[:500], action="comment"))
    p.changes.touch(case)


def attach(p: Pipeline, case: Case, *, actor: str, name: str, reference: str,
           now: datetime) -> None:
    """Record a reference to a file kept elsewhere; the case keeps its state."""
    p.changes.attachments.append(Attachment(case.case_id, now, actor, name, reference))
    p.changes.audit.append(case.note(actor=actor, at=now, reason=f"{name}: {reference}",
                                     action="attach"))
    p.changes.touch(case)


def recommended(case: Case) -> tuple[str | None, list[str]]:
    """The recommended action and the ranked alternatives (best first) on the case."""
    rec = case.evidence.get("recommendation") or {}
    return rec.get("action"), list((rec.get("alternatives") or {}).keys())


def alternative(case: Case, *, rank: int | None, action: str | None) -> str:
    """The alternative of that rank (1: the best) or action code, or NoRecommendationError."""
    _best, ranked = recommended(case)
    if rank is not None:
        if not 1 <= rank <= len(ranked):
            raise NoRecommendationError(
                f"rank: case {case.case_id} has {len(ranked)} ranked alternatives, not {rank}",
                field="rank")
        return ranked[rank - 1]
    if action is None or action not in ranked:
        raise NoRecommendationError(
            f"action: {action} is not a ranked alternative of case {case.case_id}; ranked: "
            f"{', '.join(ranked) or 'none'}", field="action")
    return action


def resolve_within_authority(p: Pipeline, case: Case, *, actor: str, roles: Collection[str],
                             action: str, reason: str, now: datetime,
                             params: Mapping[str, Any] | None = None) -> None:
    """Resolve with an action, if the actor's authority covers the case's value."""
    _not_awaiting(case, to="resolved")
    chosen = check_action(case, action).value
    if not may_decide(p.policy.authority, roles=roles, action=chosen, code=case.code.value,
                      amount=case.value_at_risk):
        raise AuthorityExceededError(
            f"{chosen} on {case.case_id} ({case.value_at_risk}) is beyond the authority of "
            f"{actor} ({', '.join(sorted(roles)) or 'no role'}): request approval",
            field="action", action=chosen)
    record_override(p, case, actor=actor, chosen=chosen, reason=reason, now=now)
    p.resolve(case, actor=actor, action=chosen, reason=reason, now=now, params=params)


def override_of(case: Case, *, actor: str, chosen: str, reason: str,
                now: datetime) -> Override | None:
    """The override a resolution with `chosen` is (None: it follows the recommendation).

    Choosing a ranked alternative is an `alternative`; any other action an `override`. The
    `override` command requires its reason; a plain resolve records whatever reason it has."""
    best, ranked = recommended(case)
    if best is None or chosen == best:
        return None
    kind = "alternative" if chosen in ranked else "override"
    return Override(case.case_id, now, actor, case.code.value, case.queue.value, best, chosen,
                    kind, reason.strip())


def record_override(p: Pipeline, case: Case, *, actor: str, chosen: str, reason: str,
                    now: datetime) -> None:
    """Record a resolution that differs from the recommendation, for the override rate."""
    found = override_of(case, actor=actor, chosen=chosen, reason=reason, now=now)
    if found is not None:
        p.changes.overrides.append(found)
        p.changes.audit.append(case.note(  # the override is in the tamper-evident trail too
            actor=actor, at=now, action=found.kind,
            reason=f"recommended {found.recommended}, chose {found.chosen}: "
                   f"{found.reason or '(no reason given)'}"))


def void_pending(p: Pipeline, case: Case, *, now: datetime) -> None:
    """Void every pending approval of the case (a rejection ends the chain)."""
    for a in case.approvals:
        if a.state is ApprovalState.PENDING:
            a.decide(ApprovalState.VOID, actor=None, reason=None, now=now)
            p.changes.approvals.append(a)


def cancel(p: Pipeline, case: Case, *, actor: str, reason: str, now: datetime) -> None:
    """Close a case that no longer applies; its hold is released, pending approvals
    withdrawn (by `Pipeline.close`)."""
    why = need_reason(reason, what="cancelling a case")
    p.close(case, CaseState.CANCELLED, actor=actor, reason=why, now=now, action="cancel")
    order = p.work.orders.get(case.order_id or "")
    if case.code is CREDIT and order is not None and order.order_id not in p.work.cancelled:
        p.ctx.add_open_orders(order.customer_id, order.value)  # off credit hold: exposure again


def reopen(p: Pipeline, case: Case, *, actor: str, reason: str, assignee: str | None,
           now: datetime) -> None:
    """Open a closed case again: to `assignee`, else its owner if available, else by strategy."""
    why = need_reason(reason, what="reopening a case")
    if case.state not in CLOSED_STATES:
        raise IllegalTransitionError(
            f"case {case.case_id} is {case.state.value}, not closed: nothing to reopen",
            case_id=case.case_id, from_state=case.state.value, to_state="open")
    order = p.work.orders.get(case.order_id or "")
    if order is not None and order.order_id in p.work.cancelled:
        raise IllegalTransitionError(
            f"case {case.case_id} cannot reopen: order {order.order_id} is cancelled",
            case_id=case.case_id, from_state=case.state.value, to_state="open")
    was = case.state
    if assignee is None and p.roster is not None:
        _reopen_by_strategy(p, case, actor=actor, reason=why, now=now)
    else:
        owner = assignee or case.assignee
        target = CaseState.ASSIGNED if owner else CaseState.OPEN
        p.changes.audit.append(case.move(target, actor=actor, at=now, reason=why,
                                         action="reopen"))
        case.assignee = owner
        p.changes.touch(case)
        if owner is not None and owner != actor:
            p.changes.notifications.append(assigned(case, by=actor, reason=why, now=now))
    p.work.add_case(case)
    if order is not None and case.severity is Severity.BLOCKING:
        p._send(now, HoldLines(order.order_id, case.lines, f"reopened: {why}", case.case_id,
                               case.code.value))
        if case.code is CREDIT and was is not CaseState.CANCELLED:
            p.ctx.add_open_orders(order.customer_id, -order.value)  # on credit hold again


def _reopen_by_strategy(p: Pipeline, case: Case, *, actor: str, reason: str,
                        now: datetime) -> None:
    """Reopen into the queue, then back to its owner unless they are disabled or away (off
    shift or full, they still know the case best: it waits in their work), else to whom the
    queue's strategy picks (nobody: it waits in the queue)."""
    owner = case.assignee
    p.changes.audit.append(case.move(CaseState.OPEN, actor=actor, at=now, reason=reason,
                                     action="reopen"))
    case.assignee = None
    p.changes.touch(case)
    if p.roster is None:
        return
    known = p.roster.user(owner) if owner else None
    if known is not None and known.active and not p.roster.away([known.user_id], at=now):
        give(case, Pick(known.user_id, "owner"), changes=p.changes, at=now)
        return
    found = pick([to_assign(case, p.ctx.customers, owner=owner)], roster=p.roster,
                 rules=p.policy.assignment, at=now)[case.case_id]
    if found.user_id is not None:
        give(case, found, changes=p.changes, at=now)
