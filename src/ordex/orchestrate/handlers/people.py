"""Handlers of people coming and going: away, back, and handing over a disabled user's cases.

Each runs in one unit of work: the absence is stored, the person's open cases are locked and
loaded in one batch (their orders), handed over by their queues' strategies
(orchestrate/assign.py) and committed with the audit entries. Reassignment happens when the
absence is recorded; from its start to its end, assignment skips the person. Coming back
assigns the cases waiting unassigned in the person's queues (docs/assignment.md).
"""

from __future__ import annotations

from datetime import datetime

from ordex.domain.assignment import Absence
from ordex.domain.cases import AuditEntry, Case
from ordex.domain.commands import HandOverCases, MarkAway, MarkBack
from ordex.domain.errors import ConfigurationError, UnknownUserError
from ordex.orchestrate.assign import Handover, Roster, assign_opened, hand_over
from ordex.orchestrate.changes import Changes, LoggedEvent
from ordex.orchestrate.pipeline import Pipeline
from ordex.orchestrate.ports import Need, UnitOfWork

PEOPLE = "people"
"""The audit stream of changes to people (docs/security.md)."""


def mark_away(cmd: MarkAway, uow: UnitOfWork, *, now: datetime) -> Handover:
    """Record the absence and hand the person's open cases over."""
    absence = Absence(cmd.user_id, cmd.starts, cmd.ends, cmd.reason.strip())
    with uow:
        roster = _roster(uow, cmd.user_id)
        roster.add_absence(absence, at=now, by=cmd.actor)
        why = f"away {absence.starts.isoformat()} to {absence.ends.isoformat()}"
        return _hand_over(uow, roster, cmd.user_id, cmd.actor, now=now, why=why,
                          event=("UserAway", {"from": absence.starts.isoformat(),
                                              "until": absence.ends.isoformat(),
                                              "reason": absence.reason}))


def mark_back(cmd: MarkBack, uow: UnitOfWork, *, now: datetime) -> dict[str, object]:
    """End the person's absences; cases waiting unassigned in their queues are assigned by
    the queues' strategies now that someone is available (as many as they have room for)."""
    with uow:
        roster = _roster(uow, cmd.user_id)
        ended = roster.end_absences(cmd.user_id, at=now)
        pipeline, cases = _load(uow, _waiting_for(roster, cmd.user_id))
        assign_opened(cases, roster=roster, rules=pipeline.policy.assignment,
                      customers=pipeline.ctx.customers, changes=pipeline.changes, at=now)
        given = {c.case_id: c.assignee for c in cases if c.assignee}
        changes = pipeline.take_changes()
        _record(changes, "UserBack", cmd.user_id, cmd.actor, now, {"ended": ended})
        uow.commit(changes)
    return {"back": cmd.user_id, "absences_ended": ended, "assigned": given}


def _waiting_for(roster: Roster, user_id: str) -> list[tuple[str, str | None]]:
    """The waiting cases of the person's queues, up to their free capacity."""
    user = roster.user(user_id)
    if user is None or not user.active or not user.queues:
        return []
    free = user.capacity - roster.loads([user_id]).get(user_id, 0)
    return roster.waiting(user.queues, limit=free) if free > 0 else []


def hand_over_cases(cmd: HandOverCases, uow: UnitOfWork, *, now: datetime) -> Handover:
    """Hand a person's open cases over (for example once they are disabled)."""
    with uow:
        roster = _roster(uow, cmd.user_id)
        return _hand_over(uow, roster, cmd.user_id, cmd.actor, now=now, why=cmd.why,
                          event=("CasesHandedOver", {"why": cmd.why}))


def _roster(uow: UnitOfWork, user_id: str) -> Roster:
    if uow.roster is None:
        raise ConfigurationError("assignment needs the users table: no roster here")
    if uow.roster.user(user_id) is None:
        raise UnknownUserError(f"no user {user_id}", field="user_id")
    return uow.roster


def _hand_over(uow: UnitOfWork, roster: Roster, user_id: str, actor: str, *, now: datetime,
               why: str, event: tuple[str, dict[str, object]]) -> Handover:
    pipeline, cases = _load(uow, roster.cases_of(user_id))
    done = hand_over(cases, user_id=user_id, roster=roster, rules=pipeline.policy.assignment,
                     customers=pipeline.ctx.customers, changes=pipeline.changes, at=now, why=why)
    changes = pipeline.take_changes()
    _record(changes, event[0], user_id, actor, now, {**event[1], **done.as_dict()})
    uow.commit(changes)
    return done


def _load(uow: UnitOfWork, held: list[tuple[str, str | None]]) -> tuple[Pipeline, list[Case]]:
    """Lock these cases and their orders and load them, as they now stand (open ones)."""
    uow.lock(Need(order_ids=frozenset(c for c, _o in held)))
    pipeline = uow.hydrate(Need(order_ids=frozenset(o for _c, o in held if o)))
    cases: list[Case] = []
    for case_id, order_id in held:
        found = (pipeline.work.open_cases.get(order_id, {}).get(case_id) if order_id
                 else uow.cases.get(case_id))
        if found is not None and found.is_open:
            cases.append(found)
    return pipeline, cases


def _record(changes: Changes, kind: str, user_id: str, actor: str, at: datetime,
            payload: dict[str, object]) -> None:
    """The change in the event log and the people audit stream."""
    changes.events.append(LoggedEvent(kind, at, {"user_id": user_id, "by": actor, **payload}))
    detail = f"user_id={user_id}, " + ", ".join(
        f"{k}={v}" for k, v in sorted(payload.items()) if not isinstance(v, dict | list))
    changes.audit.append(AuditEntry(PEOPLE, at, actor[:100], kind[:40], None, "recorded",
                                    detail.rstrip(", ")))
