"""Handlers of SLA clocks: fire due timers; pause a case for the customer and resume it.

Firing loads the timers' cases in one query and completes the timers with their effects in
one transaction: a timer another worker took over rolls back (ClaimLostError), and a case a
person changed meanwhile is refused by the store's version check and fired again on retry, so
each timer has its effect once. A timer of a closed case completes without effect; one of a
paused case is parked until the case resumes.
"""

from __future__ import annotations

from datetime import datetime

from ordex.domain.calendar import ROUND_THE_CLOCK
from ordex.domain.cases import CaseState
from ordex.domain.commands import FireTimers, PauseCase, ResumeCase
from ordex.orchestrate.changes import Changes
from ordex.orchestrate.handlers.cases import load_case
from ordex.orchestrate.ports import UnitOfWork
from ordex.orchestrate.sla import fire


def fire_timers(cmd: FireTimers, uow: UnitOfWork, *, now: datetime) -> int:
    """Fire the claimed timers on their cases; how many had an effect."""
    with uow:
        cases = uow.timers.cases({payload["case_id"] for _i, _d, payload in cmd.timers})
        changes, done, parked = Changes(), [], []
        for work_id, due, payload in cmd.timers:
            case = cases.get(payload["case_id"])
            if case is not None and case.state is CaseState.PAUSED:
                parked.append(work_id)
                continue
            if case is not None and case.is_open:
                fire(case, payload, due=due, now=now, changes=changes)
            done.append(work_id)
        uow.timers.park_claimed(parked, worker=cmd.worker)
        uow.complete(done, worker=cmd.worker)
        uow.commit(changes)
    return len(changes.clock_facts)


def pause_case(cmd: PauseCase, uow: UnitOfWork, *, now: datetime) -> str:
    """A case waits for the customer: its clock and its timers stop."""
    with uow:
        pipeline, case = load_case(uow, cmd.case_id, cmd.expected_version)
        pipeline.changes.audit.append(case.pause(
            actor=cmd.actor, at=now, reason=cmd.reason or "waiting for the customer"))
        pipeline.changes.touch(case)
        uow.timers.park(case.case_id)
        uow.commit(pipeline.take_changes())
    return case.case_id


def resume_case(cmd: ResumeCase, uow: UnitOfWork, *, now: datetime) -> str:
    """A paused case runs again: due times and timers move by the business time it waited."""
    with uow:
        pipeline, case = load_case(uow, cmd.case_id, cmd.expected_version)
        sla = pipeline.policy.sla
        cal = sla.calendar(case.sla_calendar) if sla is not None else ROUND_THE_CLOCK
        waited = cal.elapsed(case.paused_at or now, now)

        def shift(due: datetime) -> datetime:
            return cal.add(due, waited)

        pipeline.changes.audit.append(case.resume(actor=cmd.actor, at=now, paused=waited,
                                                  shift=shift))
        pipeline.changes.touch(case)
        uow.timers.requeue({i: shift(due) for i, due in uow.timers.parked(case.case_id).items()})
        uow.commit(pipeline.take_changes())
    return case.case_id
