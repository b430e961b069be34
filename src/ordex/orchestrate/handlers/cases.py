"""Handlers of what people do to cases: take, assign, comment, attach, resolve, approve…

Each opens the unit of work, locks and loads the case and its order, calls one domain step
(pipeline.take, orchestrate/casework.py, orchestrate/approvals.py) and commits. A case that
changed since the person saw it (`expected_version`), or that another person changed while
this one was deciding (the store's version check), is refused with CaseChangedError: exactly
one of two people acting at once wins. Roles come from the Directory port (`directory`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ordex.domain import commands as c
from ordex.domain.cases import Case
from ordex.domain.errors import (
    CaseChangedError,
    IllegalTransitionError,
    NoRecommendationError,
    UnknownCaseError,
    UnknownUserError,
)
from ordex.orchestrate import approvals, casework
from ordex.orchestrate.casework import recommended
from ordex.orchestrate.pipeline import Pipeline
from ordex.orchestrate.ports import Directory, Need, UnitOfWork

Step = Callable[[Pipeline, Case], object]


def take_case(cmd: c.TakeCase, uow: UnitOfWork, *, now: datetime) -> str:
    """Someone starts working a case."""
    return _act(uow, cmd, lambda p, case: casework.take(p, case, actor=cmd.actor, now=now))


def resolve_case(cmd: c.ResolveCase, uow: UnitOfWork, *, now: datetime,
                 directory: Directory | None = None) -> str:
    """A person closes a case with an action of its code, within their authority."""
    return _act(uow, cmd, lambda p, case: casework.resolve_within_authority(
        p, case, actor=cmd.actor, roles=_roles(directory, cmd.actor), action=cmd.action,
        reason=cmd.reason, now=now, params=dict(cmd.params)))


def assign_case(cmd: c.AssignCase, uow: UnitOfWork, *, now: datetime,
                directory: Directory | None = None) -> str:
    """Give a case to a known user (reassign when it had an assignee)."""
    if directory is None or not directory.knows(cmd.assignee):
        raise UnknownUserError(f"assignee: no user {cmd.assignee}", field="assignee")
    return _act(uow, cmd, lambda p, case: casework.assign(
        p, case, actor=cmd.actor, assignee=cmd.assignee, reason=cmd.reason, now=now))


def comment_case(cmd: c.CommentCase, uow: UnitOfWork, *, now: datetime) -> str:
    """Add a note to a case."""
    return _act(uow, cmd, lambda p, case: casework.comment(p, case, actor=cmd.actor,
                                                           text=cmd.text, now=now))


def attach_to_case(cmd: c.AttachToCase, uow: UnitOfWork, *, now: datetime) -> str:
    """Attach a file reference to a case."""
    return _act(uow, cmd, lambda p, case: casework.attach(
        p, case, actor=cmd.actor, name=cmd.name, reference=cmd.reference, now=now))


def accept_recommendation(cmd: c.AcceptRecommendation, uow: UnitOfWork, *, now: datetime,
                          directory: Directory | None = None) -> str:
    """Resolve with the recommended action and its parameters."""
    def step(p: Pipeline, case: Case) -> None:
        best, _ranked = recommended(case)
        if best is None:
            raise NoRecommendationError(
                f"case {case.case_id} has no recommendation to accept", field="case_id")
        casework.resolve_within_authority(p, case, actor=cmd.actor, action=best, now=now,
                                          roles=_roles(directory, cmd.actor), reason=cmd.reason)
    return _act(uow, cmd, step)


def choose_alternative(cmd: c.ChooseAlternative, uow: UnitOfWork, *, now: datetime,
                       directory: Directory | None = None) -> str:
    """Resolve with one of the ranked alternatives (by rank or by action code)."""
    def step(p: Pipeline, case: Case) -> None:
        chosen = casework.alternative(case, rank=cmd.rank, action=cmd.action)
        casework.resolve_within_authority(p, case, actor=cmd.actor, action=chosen, now=now,
                                          roles=_roles(directory, cmd.actor),
                                          reason=cmd.reason, params=dict(cmd.params))
    return _act(uow, cmd, step)


def override_recommendation(cmd: c.OverrideRecommendation, uow: UnitOfWork, *,
                            now: datetime, directory: Directory | None = None) -> str:
    """Resolve with another action than the recommended one, with a reason (recorded)."""
    def step(p: Pipeline, case: Case) -> None:
        casework.need_reason(cmd.reason, what="an override")
        casework.resolve_within_authority(p, case, actor=cmd.actor, action=cmd.action, now=now,
                                          roles=_roles(directory, cmd.actor),
                                          reason=cmd.reason, params=dict(cmd.params))
    return _act(uow, cmd, step)


def request_approval(cmd: c.RequestApproval, uow: UnitOfWork, *, now: datetime,
                     directory: Directory | None = None) -> str:
    """Ask for the chain of approvals an action beyond the actor's authority needs."""
    return _act(uow, cmd, lambda p, case: approvals.request(
        p, case, actor=cmd.actor, roles=_roles(directory, cmd.actor), action=cmd.action,
        reason=cmd.reason, params=dict(cmd.params), now=now))


def approve_case(cmd: c.ApproveCase, uow: UnitOfWork, *, now: datetime,
                 directory: Directory | None = None) -> str:
    """Sign the pending approval level; the last one applies the action."""
    return _act(uow, cmd, lambda p, case: approvals.approve(
        p, case, actor=cmd.actor, roles=_roles(directory, cmd.actor), reason=cmd.reason,
        now=now))


def reject_case(cmd: c.RejectCase, uow: UnitOfWork, *, now: datetime,
                directory: Directory | None = None) -> str:
    """Refuse the pending approval: the case goes back to in_progress."""
    return _act(uow, cmd, lambda p, case: approvals.reject(
        p, case, actor=cmd.actor, roles=_roles(directory, cmd.actor), reason=cmd.reason,
        now=now))


def cancel_case(cmd: c.CancelCase, uow: UnitOfWork, *, now: datetime) -> str:
    """Close a case that no longer applies."""
    return _act(uow, cmd, lambda p, case: casework.cancel(p, case, actor=cmd.actor,
                                                          reason=cmd.reason, now=now))


def reopen_case(cmd: c.ReopenCase, uow: UnitOfWork, *, now: datetime,
                directory: Directory | None = None) -> str:
    """Open a closed case again."""
    if cmd.assignee is not None and (directory is None or not directory.knows(cmd.assignee)):
        raise UnknownUserError(f"assignee: no user {cmd.assignee}", field="assignee")
    return _act(uow, cmd, lambda p, case: casework.reopen(
        p, case, actor=cmd.actor, reason=cmd.reason, assignee=cmd.assignee, now=now),
        closed=True)


def _roles(directory: Directory | None, actor: str) -> frozenset[str]:
    return directory.roles_of(actor) if directory is not None else frozenset()


def _act(uow: UnitOfWork, cmd: c.CaseCommand, step: Step, *, closed: bool = False) -> str:
    """Lock and load the case, run the one domain step on it, commit."""
    with uow:
        pipeline, case = load_case(uow, cmd.case_id, cmd.expected_version, closed=closed)
        step(pipeline, case)
        uow.commit(pipeline.take_changes())
    return case.case_id


def load_case(uow: UnitOfWork, case_id: str, expected: int | None, *,
          closed: bool = False) -> tuple[Pipeline, Case]:
    """The case's order locked and loaded, and the case as it now stands (open, or closed for
    a reopen), with its approvals."""
    uow.lock(Need(order_ids=frozenset({case_id})))
    stored = uow.cases.get(case_id)
    if stored is None:
        raise UnknownCaseError(f"no case {case_id}", case_id=case_id)
    orders = frozenset({stored.order_id}) if stored.order_id else frozenset()
    pipeline = uow.hydrate(Need(order_ids=orders))
    case = pipeline.work.open_cases.get(stored.order_id or "", {}).get(case_id)
    if case is None and (closed or stored.order_id is None) and (closed != stored.is_open):
        case = stored
    if case is None:
        raise IllegalTransitionError(f"case {case_id} is {stored.state.value} and cannot change",
                                     case_id=case_id, state=stored.state.value)
    if expected is not None and case.version != expected:
        raise CaseChangedError(f"case {case_id} changed since version {expected}: it is now "
                               f"version {case.version}, {case.state.value}",
                               case_id=case_id, version=case.version)
    case.approvals = uow.cases.approvals(case_id)
    return pipeline, case
