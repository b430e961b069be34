"""The simulated people who work the queues: who answers which case, with what, and when.

Every case still open after intake is worked by a person of its queue with the usual action
for its code (the code simulation's `Desk`, simulate/codes/; docs/decide.md, "People's
actions": credit holds wait for the customer's payment, a suspect quantity is released once the
customer has confirmed it, an integration failure is closed with RETRY once the sender has
resent a corrected payload). Most are finished inside the SLA window the routing policy gave
the case (`WITHIN_SLA`), some late, and a few go stale for days (`STALE`), so the backlog at
any moment holds recent cases with time left and a tail of old, overdue ones — what a control
tower sees on a normal day (docs/simulator.md).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ordex.domain.cases import Case
from ordex.simulate.orders import vars_of
from ordex.simulate.truth import SimOrder

TEAM: dict[str, tuple[str, ...]] = {
    "cs-rep": ("order_desk",), "compliance-officer": ("order_desk",),
    "tax-analyst": ("order_desk",), "pricing-rep": ("pricing",), "planner": ("logistics",),
    "logistics-lead": ("logistics",), "integration-support": ("order_desk",),
    "credit-analyst": ("credit_analyst",), "credit-manager": ("credit_manager",),
    "finance-director": ("finance_director",),
}
"""The simulated people (user id → roles, docs/security.md): each desk's person, and the
credit managers who approve what is beyond an analyst's authority."""

RESPONSIVE = 0.9
"""Share of cases a person first touches (takes) by the case's response due time."""
STALE = 0.03
"""Share of cases nobody looks at for days: picked up `STALE_HOURS` after opening."""
SAME_SITTING = 0.7
"""Share of taken cases finished in the same sitting (`WORK_MINUTES` after the take)."""
WITHIN_SLA = 0.85
"""Of the others, the share finished later but before the resolution due time."""
LATE_MINUTES = (60, 960)
"""Working minutes past the resolution due time the rest are finished in."""
STALE_HOURS = (48, 96)
WORK_MINUTES = (2, 45)
"""How long a person spends on a case between taking and resolving it."""
WEEKDAYS, EVERY_DAY = (0, 1, 2, 3, 4), (0, 1, 2, 3, 4, 5, 6)


@dataclass(frozen=True, slots=True)
class Shift:
    """Working hours of some of a queue's team, in their own time zone, on some weekdays."""

    zone: str
    start: int
    """Hour of the day the shift begins (local)."""
    end: int
    days: tuple[int, ...] = WEEKDAYS
    """Weekdays it is worked (Monday is 0)."""


CENTRAL, EASTERN = "America/Chicago", "America/New_York"
SHIFTS: dict[str, tuple[Shift, ...]] = {
    "customer_service": (Shift(CENTRAL, 7, 16), Shift(CENTRAL, 10, 19)),
    "credit": (Shift(EASTERN, 8, 17), Shift(CENTRAL, 9, 18)),
    "pricing": (Shift(CENTRAL, 8, 17),),
    "planning": (Shift(CENTRAL, 6, 15), Shift(CENTRAL, 9, 18)),
    "logistics": (Shift(CENTRAL, 6, 15), Shift(CENTRAL, 12, 21), Shift(CENTRAL, 8, 12, (5,))),
    "finance": (Shift(EASTERN, 8, 17),),
    "compliance": (Shift(CENTRAL, 8, 17),),
    "integration": (Shift(CENTRAL, 7, 19, EVERY_DAY), Shift("Asia/Kolkata", 8, 20, EVERY_DAY)),
}
"""Each queue's team by shift: staggered over the business calendar's hours (policies/
default.yaml: 08:00-17:00 Central, 08:00-18:00 Eastern), logistics on Saturday mornings too,
integration support following the sun on its around-the-clock calendar."""


def _utc(day: date, shift: Shift) -> tuple[datetime, datetime]:
    """A shift on a day as UTC moments (local wall-clock hours, so DST is honoured)."""
    midnight = datetime.combine(day, time(0), ZoneInfo(shift.zone))
    return ((midnight + timedelta(hours=shift.start)).astimezone(UTC),
            (midnight + timedelta(hours=shift.end)).astimezone(UTC))


class Roster:
    """When someone of a queue's team is at work: its shifts as UTC windows, day by day."""

    def __init__(self, shifts: tuple[Shift, ...]) -> None:
        self.shifts = shifts
        self._days: dict[date, list[tuple[datetime, datetime]]] = {}

    def windows(self, day: date) -> list[tuple[datetime, datetime]]:
        """The UTC windows of the shifts worked on a (local) day."""
        if day not in self._days:
            self._days[day] = [_utc(day, s) for s in self.shifts if day.weekday() in s.days]
        return self._days[day]

    def _from(self, at: datetime) -> list[tuple[datetime, datetime]]:
        """Windows ending after `at` over the next eight days, merged where shifts overlap."""
        merged: list[tuple[datetime, datetime]] = []
        for begin, finish in sorted(w for n in range(-1, 8)
                                    for w in self.windows(at.date() + timedelta(days=n))
                                    if w[1] > at):
            if merged and begin <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], finish))
            else:
                merged.append((begin, finish))
        return merged

    def add(self, at: datetime, minutes: float) -> datetime:
        """The moment `minutes` of working time after `at` (from the next shift if off)."""
        left = timedelta(minutes=max(minutes, 0.0))
        for begin, finish in self._from(at):
            here = max(at, begin)
            if here + left <= finish:
                return here + left
            left -= finish - here
        return at + left  # nobody works for a week: the clock time

    def minutes(self, start: datetime, end: datetime) -> float:
        """Working minutes between two moments."""
        total = timedelta()
        for begin, finish in self._from(start):
            if begin >= end:
                break
            total += min(finish, end) - max(start, begin)
        return max(total.total_seconds() / 60, 0.0)


ROSTERS = {queue: Roster(shifts) for queue, shifts in SHIFTS.items()}
ALWAYS = Roster((Shift("UTC", 0, 24, EVERY_DAY),))


@dataclass(frozen=True, slots=True)
class Visit:
    """A person's planned work on a case: take it at `take`, resolve it at `done`."""

    take: datetime
    done: datetime


def first_touch(case: Case, rng: random.Random) -> datetime:
    """When someone of the case's queue takes it: mostly on shift before its response due."""
    roster = ROSTERS.get(case.queue.value, ALWAYS)
    start = roster.add(case.opened_at, 0)
    due = case.response_due_at or case.opened_at + timedelta(hours=2)
    draw = rng.random()
    if draw < RESPONSIVE:
        room = roster.minutes(start, due)
        return roster.add(start, room * rng.uniform(0.05, 0.9) if room > 1 else 1)
    if draw < 1 - STALE:
        return roster.add(max(start, due), rng.uniform(15, 240))
    return roster.add(case.opened_at + timedelta(hours=rng.uniform(*STALE_HOURS)), 0)


def plan_visit(case: Case, rng: random.Random) -> Visit:
    """When a person takes a case (`first_touch`) and resolves it: mostly in the same sitting,
    else later on shift, mostly before the resolution due time."""
    roster = ROSTERS.get(case.queue.value, ALWAYS)
    take = first_touch(case, rng)
    worked = take + timedelta(minutes=rng.randint(*WORK_MINUTES))
    draw = rng.random()
    if draw < SAME_SITTING:
        return Visit(take, worked)
    if draw < SAME_SITTING + (1 - SAME_SITTING) * WITHIN_SLA and case.sla_due_at > worked:
        room = roster.minutes(worked, case.sla_due_at)
        return Visit(take, roster.add(worked, room * rng.uniform(0.1, 0.95)))
    return Visit(take, roster.add(max(worked, case.sla_due_at), rng.uniform(*LATE_MINUTES)))


FREIGHT = "ODFL-LTL"
"""The service a logistics lead books when an order names none that fits: LTL freight carries
any weight, hazmat included, to every state in the simulated world."""
PROMISE_SLACK = timedelta(days=2)


def parameters(action: str, order: SimOrder | None, *, addresses: dict[str, Any],
               at: datetime) -> dict[str, Any]:
    """What the person gives with an action that needs a parameter, as a person would: the
    address on file, a freight service, a new date two days out."""
    if order is None:
        return {}
    if action == "CORRECT_ADDRESS":
        return {"address": vars_of(addresses[order.ship_to_key])}
    if action == "ASSIGN_CARRIER":
        return {"ship_via": FREIGHT}
    if action == "REVISE_PROMISE":
        return {"promise_date": (max(order.ship_date, at.date()) + PROMISE_SLACK).isoformat()}
    return {}
