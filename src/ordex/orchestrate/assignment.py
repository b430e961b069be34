"""Who gets a case: the assignment strategy of its queue, over the people who work that queue.

A queue's strategy (docs/assignment.md) is one of

- `manual`: nobody is chosen; people pick cases from the queue themselves;
- `round_robin`: the next eligible person after the one who got the queue's last case;
- `least_loaded`: the eligible person with the lowest load (open cases ÷ capacity);
- `skill_match`: among eligible people with a matching skill (the case's code, the customer's
  segment, the customer's region), the best match, then the least loaded of them; nobody
  matching hands the case to the queue's fallback strategy.

Eligible means active, not away, working the queue, on shift at the moment (their working
days and hours in their own time zone) and under capacity. Nobody eligible leaves the case in
the queue, unassigned: it is never given to someone off shift or full. A reopened case goes
back to its owner when the owner is eligible. People are the identity `User`s themselves
(domain/identity.py): the fields assignment reads exist once. The functions here are pure:
they take the people, their loads and the queue's last pick, and answer user ids.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from ordex.domain.assignment import MANUAL, QueueAssignment, Strategy
from ordex.domain.identity import WEEKDAYS, User

__all__ = ["CaseToAssign", "Pick", "Strategy", "assign_all", "choose", "eligible", "on_shift"]


def on_shift(user: User, at: datetime) -> bool:
    """True when `at` (aware) falls in the user's working days and hours, in their time zone."""
    local = at.astimezone(ZoneInfo(user.time_zone))
    hours, clock = user.working_hours, local.time().replace(tzinfo=None)
    return WEEKDAYS[local.weekday()] in hours.days and hours.start <= clock < hours.end


@dataclass(frozen=True, slots=True)
class CaseToAssign:
    """What the strategy reads of a case."""

    case_id: str
    queue: str
    code: str
    segment: str = ""
    """The customer's segment (tier)."""
    region: str = ""
    owner: str | None = None
    """Who last worked it (a reopened case goes back to them)."""


@dataclass(frozen=True, slots=True)
class Pick:
    """Who a case goes to (None: it stays in its queue) and by which strategy."""

    user_id: str | None
    strategy: str
    """The strategy that chose (`owner` for a reopened case back to its owner)."""


def eligible(team: Iterable[User], queue: str, *, loads: Mapping[str, int],
             away: Collection[str], at: datetime) -> list[User]:
    """Who may get a case of the queue now, in user id order."""
    return sorted((u for u in team if u.active and u.user_id not in away and queue in u.queues
                   and loads.get(u.user_id, 0) < u.capacity and on_shift(u, at)),
                  key=lambda u: u.user_id)


def choose(case: CaseToAssign, team: Collection[User], rule: QueueAssignment, *,
           loads: Mapping[str, int], last: str | None, away: Collection[str] = (),
           at: datetime) -> Pick:
    """Who the case goes to under the queue's rule (a None user: it stays in its queue)."""
    people = eligible(team, case.queue, loads=loads, away=away, at=at)
    if case.owner and any(u.user_id == case.owner for u in people):
        return Pick(case.owner, "owner")
    for strategy in (rule.strategy, rule.fallback):
        who = _by(strategy, case, people, loads=loads, last=last)
        if who is not None or strategy is not Strategy.SKILL_MATCH:
            return Pick(who, strategy.value)
    return Pick(None, rule.strategy.value)


def _by(strategy: Strategy, case: CaseToAssign, people: list[User], *,
        loads: Mapping[str, int], last: str | None) -> str | None:
    if strategy is Strategy.MANUAL or not people:
        return None
    if strategy is Strategy.ROUND_ROBIN:
        after = [u for u in people if last is not None and u.user_id > last]
        return (after or people)[0].user_id
    if strategy is Strategy.SKILL_MATCH:
        best = max(_skill(u, case) for u in people)
        if not any(best):
            return None
        people = [u for u in people if _skill(u, case) == best]
    return min(people, key=lambda u: (loads.get(u.user_id, 0) / max(u.capacity, 1),
                                      loads.get(u.user_id, 0), u.user_id)).user_id


def _skill(user: User, case: CaseToAssign) -> tuple[bool, bool, bool]:
    """How well a person fits a case: the code first, then the segment, then the region."""
    s = user.skills
    return (case.code in s.codes, bool(case.segment) and case.segment in s.segments,
            bool(case.region) and case.region in s.regions)


def assign_all(cases: Iterable[CaseToAssign], team: Collection[User],
               rules: Mapping[str, QueueAssignment], *, loads: Mapping[str, int],
               last: Mapping[str, str | None], away: Collection[str] = (),
               at: datetime) -> dict[str, Pick]:
    """Assign cases in order; each pick counts in the loads and turns of the ones after it."""
    running, turns = dict(loads), dict(last)
    chosen: dict[str, Pick] = {}
    for case in cases:
        pick = choose(case, team, rules.get(case.queue, MANUAL), loads=running,
                      last=turns.get(case.queue), away=away, at=at)
        chosen[case.case_id] = pick
        if pick.user_id is not None:
            running[pick.user_id] = running.get(pick.user_id, 0) + 1
            if pick.strategy == Strategy.ROUND_ROBIN.value:
                turns[case.queue] = pick.user_id
    return chosen
