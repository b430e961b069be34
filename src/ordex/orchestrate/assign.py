"""Applying a queue's assignment strategy to cases, inside the unit of work that changes them.

Set-based: for a batch of cases the roster is asked once for the team of their queues, once
for those people's open-case counts, once for who is away and once for the queues' round-robin
turns, whatever the number of cases. Each assignment is an audited move open → assigned by
`system:assignment`, its reason naming the strategy (docs/assignment.md).

Round-robin under several workers: each queue's last pick is a row (`assignment_turns`) read
and written in the unit of work, after the unit of work locked the queue (a PostgreSQL
transaction advisory lock; SQLite's write lock holds the whole database), and the people it
may pick are locked before their loads are read: two workers never both continue from the
same turn, nor both fill the last free place of one person.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from ordex.domain.assignment import MANUAL, SYSTEM_ASSIGNMENT, Absence, QueueAssignment, Strategy
from ordex.domain.cases import Case, CaseState
from ordex.domain.identity import User
from ordex.domain.model import Customer
from ordex.orchestrate.assignment import CaseToAssign, Pick, assign_all
from ordex.orchestrate.changes import Changes
from ordex.orchestrate.notices import assigned

Rules = Mapping[str, QueueAssignment]
"""Queue → its assignment rule (a queue not named is manual)."""


class Roster(Protocol):
    """Who works the queues, their loads, absences and the queues' turns (in the unit of work)."""

    def hold(self, *, queues: Collection[str] = (), users: Collection[str] = ()) -> None:
        """Lock these queues' turns and these people's loads until the unit of work ends."""
        ...

    def team(self, queues: Collection[str]) -> list[User]:
        """The active users who work any of these queues."""
        ...

    def user(self, user_id: str) -> User | None:
        """One user (active or not), None if there is none."""
        ...

    def loads(self, user_ids: Collection[str]) -> dict[str, int]:
        """Open cases (assigned, in progress, awaiting approval, paused) held by each user."""
        ...

    def away(self, user_ids: Collection[str], *, at: datetime) -> set[str]:
        """Those of these users with an absence covering `at`."""
        ...

    def turns(self, queues: Collection[str]) -> dict[str, str]:
        """Each queue's last round-robin pick."""
        ...

    def save_turns(self, turns: Mapping[str, str], *, at: datetime) -> None:
        """Store each queue's last round-robin pick."""
        ...

    def cases_of(self, user_id: str) -> list[tuple[str, str | None]]:
        """(case id, order id) of the cases a user holds: assigned, in progress or paused."""
        ...

    def waiting(self, queues: Collection[str], *, limit: int) -> list[tuple[str, str | None]]:
        """(case id, order id) of open, unassigned cases of these queues, most urgent first."""
        ...

    def add_absence(self, absence: Absence, *, at: datetime, by: str) -> None:
        """Store an absence."""
        ...

    def end_absences(self, user_id: str, *, at: datetime) -> int:
        """End the user's absences in force or to come at `at`; how many."""
        ...


def to_assign(case: Case, customers: Mapping[str, Customer], *,
              owner: str | None = None) -> CaseToAssign:
    """What the strategy reads of a case: its queue, code, customer segment and region."""
    customer = customers.get(case.customer_id or "")
    return CaseToAssign(case.case_id, case.queue.value, case.code.value,
                        customer.tier.value if customer else "",
                        customer.region if customer else "", owner)


def needs_roster(rules: Rules, cases: Sequence[CaseToAssign]) -> bool:
    """True when some case has an owner to check or a queue whose strategy chooses."""
    return any(c.owner or rules.get(c.queue, MANUAL).strategy is not Strategy.MANUAL
               for c in cases)


def pick(cases: Sequence[CaseToAssign], *, roster: Roster, rules: Rules, at: datetime,
         without: str | None = None) -> dict[str, Pick]:
    """Who each case goes to (queries once per batch; `without`: a person leaving, skipped)."""
    if not needs_roster(rules, cases):
        return {c.case_id: Pick(None, Strategy.MANUAL.value) for c in cases}
    queues = sorted({c.queue for c in cases})
    team = [u for u in roster.team(queues) if u.user_id != without]
    if not team:  # nobody works these queues: nothing to lock or count
        return {c.case_id: Pick(None, rules.get(c.queue, MANUAL).strategy.value)
                for c in cases}
    ids = [u.user_id for u in team]
    turning = [q for q in queues if Strategy.ROUND_ROBIN in (rules.get(q, MANUAL).strategy,
                                                             rules.get(q, MANUAL).fallback)]
    roster.hold(queues=turning, users=ids)  # one sorted order of locks: no deadlock
    picks = assign_all(cases, team, rules, loads=roster.loads(ids), away=roster.away(ids, at=at),
                       last=dict(roster.turns(queues)), at=at)
    queue_of = {c.case_id: c.queue for c in cases}
    turns = {queue_of[case_id]: p.user_id for case_id, p in picks.items()
             if p.user_id is not None and p.strategy == Strategy.ROUND_ROBIN.value}
    if turns:
        roster.save_turns(turns, at=at)
    return picks


def assign_opened(cases: Sequence[Case], *, roster: Roster, rules: Rules,
                  customers: Mapping[str, Customer], changes: Changes, at: datetime) -> int:
    """Give each open, unassigned case to a person by its queue's strategy; how many were."""
    waiting = [c for c in cases if c.state is CaseState.OPEN and c.assignee is None]
    by_id = {c.case_id: c for c in waiting}
    picks = pick([to_assign(c, customers) for c in waiting], roster=roster, rules=rules, at=at)
    given = 0
    for case_id, p in picks.items():
        if p.user_id is not None:
            give(by_id[case_id], p, changes=changes, at=at)
            given += 1
    return given


def give(case: Case, p: Pick, *, changes: Changes, at: datetime, why: str = "") -> None:
    """The audited move of a case to the person its strategy picked."""
    action = "reassign" if case.assignee else "assign"
    reason = f"{p.strategy}: {action}ed to {p.user_id}{why}"
    changes.audit.append(case.move(CaseState.ASSIGNED, actor=SYSTEM_ASSIGNMENT, at=at,
                                   reason=reason, action=action))
    case.assignee = p.user_id
    changes.touch(case)
    changes.notifications.append(assigned(case, by=SYSTEM_ASSIGNMENT, reason=reason, now=at))


@dataclass
class Handover:
    """What became of a person's open cases when they left: reassigned, back in the queue,
    or kept (awaiting approval: the approvers have it)."""

    user_id: str
    reassigned: dict[str, str] = field(default_factory=dict)
    """case id → the person it went to."""
    queued: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for a person."""
        return (f"{self.user_id}: {len(self.reassigned)} case(s) reassigned, "
                f"{len(self.queued)} back in their queue, {len(self.kept)} kept "
                "(awaiting approval)")

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"user_id": self.user_id, "reassigned": self.reassigned,
                "queued": self.queued, "kept": self.kept}


def hand_over(cases: Sequence[Case], *, user_id: str, roster: Roster, rules: Rules,
              customers: Mapping[str, Customer], changes: Changes, at: datetime,
              why: str) -> Handover:
    """Give a leaving person's cases to others by their queues' strategies, in one batch.

    Assigned and in-progress cases move to the person picked (or back to open in their queue);
    a paused case changes hands without moving, so its clock stays stopped; a case awaiting
    approval stays as it is, its approvers unchanged."""
    done = Handover(user_id)
    mine = [c for c in cases if c.assignee == user_id and c.is_open]
    movable = [c for c in mine if c.state is not CaseState.AWAITING_APPROVAL]
    done.kept = [c.case_id for c in mine if c.state is CaseState.AWAITING_APPROVAL]
    picks = pick([to_assign(c, customers) for c in movable], roster=roster, rules=rules, at=at,
                 without=user_id)
    for case in movable:
        p = picks[case.case_id]
        if case.state is CaseState.PAUSED:
            changes.audit.append(case.note(
                actor=SYSTEM_ASSIGNMENT, at=at, action="reassign",
                reason=f"{p.strategy}: {user_id} {why}; to {p.user_id or 'the queue'}"))
            case.assignee = p.user_id
            changes.touch(case)
        elif p.user_id is not None:
            give(case, p, changes=changes, at=at, why=f" ({user_id} {why})")
        else:
            changes.audit.append(case.move(
                CaseState.OPEN, actor=SYSTEM_ASSIGNMENT, at=at, action="unassign",
                reason=f"{p.strategy}: {user_id} {why}; nobody available, back to the "
                       f"{case.queue.value} queue"))
            case.assignee = None
            changes.touch(case)
        if p.user_id is not None:
            done.reassigned[case.case_id] = p.user_id
        else:
            done.queued.append(case.case_id)
    return done
