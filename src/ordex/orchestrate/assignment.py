"""Who gets a case: the assignment strategy of its queue, over the people who work that queue.

A queue's strategy (docs/casework.md, "Assignment") is one of

- `manual`: nobody is chosen; people pick cases from the queue themselves;
- `round_robin`: the next eligible person after the one who got the queue's last case;
- `least_loaded`: the eligible person with the lowest load (open cases ÷ capacity);
- `skill_match`: among eligible people, those whose skills match the case best (its code, the
  customer's segment, the customer's region), then the least loaded of them.

Eligible means active, not absent, working the queue, on shift at the moment (their working
days and hours in their own time zone) and under capacity. Nobody eligible leaves the case in
the queue, unassigned: it is never given to someone off shift or full. A reopened case goes
back to its owner when the owner is eligible. The functions here are pure: they take the
people, their loads and the queue's last pick, and answer user ids.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Strategy(StrEnum):
    """How a queue's cases find a person."""

    MANUAL = "manual"
    """Nobody is chosen: people pick from the queue."""
    ROUND_ROBIN = "round_robin"
    """In turn, after the person who got the queue's last case."""
    LEAST_LOADED = "least_loaded"
    """The person with the lowest open cases ÷ capacity."""
    SKILL_MATCH = "skill_match"
    """The best skill match (code, customer segment, region), then the least loaded."""


@dataclass(frozen=True, slots=True)
class Shift:
    """Working days and hours in a time zone (a shift ending before it starts spans midnight)."""

    time_zone: str = "UTC"
    days: frozenset[str] = frozenset(WEEKDAYS[:5])
    start: time = time(8, 0)
    end: time = time(17, 0)

    def on(self, at: datetime) -> bool:
        """True when `at` (aware) falls in a working day's hours, in the shift's time zone."""
        local = at.astimezone(ZoneInfo(self.time_zone))
        clock = local.time().replace(tzinfo=None)
        if self.start <= self.end:
            return WEEKDAYS[local.weekday()] in self.days and self.start <= clock < self.end
        if clock >= self.start:  # the evening part belongs to today's shift
            return WEEKDAYS[local.weekday()] in self.days
        return clock < self.end and WEEKDAYS[(local.weekday() - 1) % 7] in self.days


@dataclass(frozen=True, slots=True)
class Member:
    """A person as assignment sees them."""

    user_id: str
    queues: frozenset[str]
    capacity: int = 20
    """Open cases the person can carry at once."""
    shift: Shift = field(default_factory=Shift)
    codes: frozenset[str] = frozenset()
    segments: frozenset[str] = frozenset()
    """Customer segments (tiers) they know."""
    regions: frozenset[str] = frozenset()
    active: bool = True
    absent: bool = False


@dataclass(frozen=True, slots=True)
class CaseToAssign:
    """What the strategy reads of a case."""

    case_id: str
    queue: str
    code: str
    segment: str = ""
    region: str = ""
    owner: str | None = None
    """Who last worked it (a reopened case goes back to them)."""


def eligible(team: Iterable[Member], queue: str, *, loads: Mapping[str, int],
             at: datetime) -> list[Member]:
    """Who may get a case of the queue now, in user id order."""
    return sorted((m for m in team if m.active and not m.absent and queue in m.queues
                   and m.shift.on(at) and loads.get(m.user_id, 0) < m.capacity),
                  key=lambda m: m.user_id)


def choose(case: CaseToAssign, team: Collection[Member], strategy: Strategy, *,
           loads: Mapping[str, int], last: str | None, at: datetime) -> str | None:
    """The user id the case goes to, or None to leave it in its queue."""
    people = eligible(team, case.queue, loads=loads, at=at)
    if case.owner and any(m.user_id == case.owner for m in people):
        return case.owner
    if strategy is Strategy.MANUAL or not people:
        return None
    if strategy is Strategy.ROUND_ROBIN:
        after = [m for m in people if last is not None and m.user_id > last]
        return (after or people)[0].user_id
    if strategy is Strategy.SKILL_MATCH:
        best = max(_skill(m, case) for m in people)
        people = [m for m in people if _skill(m, case) == best]
    return min(people, key=lambda m: (loads.get(m.user_id, 0) / m.capacity,
                                      loads.get(m.user_id, 0), m.user_id)).user_id


def _skill(member: Member, case: CaseToAssign) -> tuple[int, int, int]:
    """How well a person fits a case: the code first, then the segment, then the region."""
    return (case.code in member.codes, bool(case.segment) and case.segment in member.segments,
            bool(case.region) and case.region in member.regions)


def assign_all(cases: Iterable[CaseToAssign], team: Collection[Member],
               strategies: Mapping[str, Strategy], *, loads: Mapping[str, int],
               last: Mapping[str, str | None], at: datetime) -> dict[str, str | None]:
    """Assign cases in order; each pick counts in the loads and turns of the ones after it."""
    running, turns = dict(loads), dict(last)
    chosen: dict[str, str | None] = {}
    for case in cases:
        who = choose(case, team, strategies.get(case.queue, Strategy.MANUAL), loads=running,
                     last=turns.get(case.queue), at=at)
        chosen[case.case_id] = who
        if who is not None:
            running[who] = running.get(who, 0) + 1
            turns[case.queue] = who
    return chosen


def reassign_absent(absent: str, cases: Iterable[CaseToAssign], team: Collection[Member],
                    strategies: Mapping[str, Strategy], *, loads: Mapping[str, int],
                    last: Mapping[str, str | None], at: datetime) -> dict[str, str | None]:
    """The open cases of someone who is away, given to others by their queue's strategy
    (None: back to the queue, as in a manual queue or when nobody else is eligible)."""
    others = [m for m in team if m.user_id != absent]
    mine = [CaseToAssign(c.case_id, c.queue, c.code, c.segment, c.region, owner=None)
            for c in cases]
    return assign_all(mine, others, strategies, loads=loads, last=last, at=at)
