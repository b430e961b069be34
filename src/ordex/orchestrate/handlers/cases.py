"""Handlers of what people do to cases: take one, resolve one.

The case and its order are locked and loaded in the unit of work; a case that changed since
the person saw it (`expected_version`), or that another person changed while this one was
deciding (the store's version check), is refused with CaseChangedError: exactly one of two
people acting at once wins.
"""

from __future__ import annotations

from datetime import datetime

from ordex.domain.cases import Case
from ordex.domain.commands import ResolveCase, TakeCase
from ordex.domain.errors import CaseChangedError, IllegalTransitionError, UnknownCaseError
from ordex.orchestrate.pipeline import Pipeline
from ordex.orchestrate.ports import Need, UnitOfWork


def take_case(cmd: TakeCase, uow: UnitOfWork, *, now: datetime) -> str:
    """Someone starts working a case."""
    with uow:
        pipeline, case = load_case(uow, cmd.case_id, cmd.expected_version)
        pipeline.take(case, actor=cmd.actor, now=now)
        uow.commit(pipeline.take_changes())
    return case.case_id


def resolve_case(cmd: ResolveCase, uow: UnitOfWork, *, now: datetime) -> str:
    """A person closes a case with an action of its code; the action has its own effect."""
    with uow:
        pipeline, case = load_case(uow, cmd.case_id, cmd.expected_version)
        pipeline.resolve(case, actor=cmd.actor, action=cmd.action, reason=cmd.reason, now=now,
                         params=dict(cmd.params))
        uow.commit(pipeline.take_changes())
    return case.case_id


def load_case(uow: UnitOfWork, case_id: str, expected: int | None) -> tuple[Pipeline, Case]:
    """The case's order locked and loaded, and the case as it now stands, still open."""
    uow.lock(Need(order_ids=frozenset({case_id})))
    stored = uow.cases.get(case_id)
    if stored is None:
        raise UnknownCaseError(f"no case {case_id}", case_id=case_id)
    orders = frozenset({stored.order_id}) if stored.order_id else frozenset()
    pipeline = uow.hydrate(Need(order_ids=orders))
    case = pipeline.work.open_cases.get(stored.order_id or "", {}).get(case_id)
    if case is None and stored.order_id is None and stored.is_open:
        case = stored
    if case is None:
        raise IllegalTransitionError(f"case {case_id} is {stored.state.value} and cannot change",
                                     case_id=case_id, state=stored.state.value)
    if expected is not None and case.version != expected:
        raise CaseChangedError(f"case {case_id} changed since version {expected}: it is now "
                               f"version {case.version}, {case.state.value}",
                               case_id=case_id, version=case.version)
    return pipeline, case
