"""SLA clocks a policy makes: its business calendars and the due times of a case.

A case's calendar is its customer's region's, else its queue's, else the policy's default;
a policy that names no calendar counts round the clock (the clock hours of `sla_hours`).
Targets come per code × customer tier (`any` for the rest of a code), else the policy's
default; a resolution target nobody names is the queue's `sla_hours`, on the calendar.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import holidays as holiday_data

from ordex.decide.sla_rules import (
    WEEKDAYS,
    CalendarRule,
    EscalationChain,
    HolidayRule,
    SlaRule,
    Target,
)
from ordex.domain.calendar import (
    ROUND_THE_CLOCK,
    BusinessCalendar,
    CalendarError,
    Holidays,
    WorkingHours,
)
from ordex.domain.codes import ExceptionCode, Queue
from ordex.domain.model import Customer

FALLBACK_RESOLUTION_HOURS = 8.0


def holidays_of(rule: HolidayRule) -> Holidays:
    """Public holidays of a country (and subdivision) from the `holidays` package.

    The package computes the dates from its own rules, year by year as they are asked for:
    nothing is downloaded.
    """
    known = holiday_data.list_supported_countries()
    if rule.country not in known:
        raise CalendarError(f"holidays.country: no public holidays known for {rule.country!r} "
                            "(an ISO 3166-1 alpha-2 code, e.g. US, DE)")
    if rule.subdiv is not None and rule.subdiv not in known[rule.country]:
        raise CalendarError(f"holidays.subdiv: {rule.country} has no subdivision "
                            f"{rule.subdiv!r} (known: {', '.join(known[rule.country])})")
    found: Holidays = holiday_data.country_holidays(rule.country, subdiv=rule.subdiv)
    return found


def calendar_of(name: str, rule: CalendarRule) -> BusinessCalendar:
    """The business calendar a policy's calendar keys describe."""
    hours = {WEEKDAYS.index(day): WorkingHours.parse(text) for day, text in rule.hours.items()}
    found = holidays_of(rule.holidays) if rule.holidays else ROUND_THE_CLOCK.holidays
    return BusinessCalendar(name, rule.zone, hours, found, frozenset(rule.closures))


@dataclass(frozen=True, slots=True)
class SlaDue:
    """A case's SLA as it opens: the calendar counted on and the due times on it."""

    calendar: str
    response_due_at: datetime | None
    resolution_due_at: datetime


@dataclass(frozen=True)
class SlaClock:
    """A policy's calendars, targets and escalation chains."""

    calendars: dict[str, BusinessCalendar] = field(default_factory=dict)
    rule: SlaRule = field(default_factory=SlaRule)
    sla_hours: dict[Queue, int] = field(default_factory=dict)
    escalation: dict[Queue, EscalationChain] = field(default_factory=dict)

    def calendar(self, name: str) -> BusinessCalendar:
        """A calendar by name (round the clock for a name this policy does not define)."""
        return self.calendars.get(name, ROUND_THE_CLOCK)

    def calendar_name(self, queue: Queue, customer: Customer | None) -> str:
        """The calendar a case of this queue and customer counts on."""
        region = customer.region if customer is not None else ""
        return (self.rule.region_calendars.get(region) or self.rule.queue_calendars.get(queue)
                or self.rule.calendar or ROUND_THE_CLOCK.name)

    def target(self, code: ExceptionCode, customer: Customer | None, queue: Queue
               ) -> tuple[float | None, float]:
        """(response, resolution) business hours for a case; response None when none is set."""
        by_tier = self.rule.targets.get(code, {})
        found = (by_tier.get(customer.tier.value) if customer is not None else None) or by_tier.get(
            "any") or Target()
        response = found.response or self.rule.default.response
        resolution = (found.resolution or self.rule.default.resolution
                      or float(self.sla_hours.get(queue, FALLBACK_RESOLUTION_HOURS)))
        return response, resolution

    def due(self, *, code: ExceptionCode, customer: Customer | None, queue: Queue,
            opened_at: datetime) -> SlaDue:
        """The calendar and due times of a case opened at `opened_at`."""
        name = self.calendar_name(queue, customer)
        cal = self.calendar(name)
        response, resolution = self.target(code, customer, queue)
        return SlaDue(name,
                      cal.add(opened_at, timedelta(hours=response)) if response else None,
                      cal.add(opened_at, timedelta(hours=resolution)))


_CLOCKS: OrderedDict[int, tuple[Any, SlaClock]] = OrderedDict()
_KEPT = 16
_LOCK = threading.Lock()


def sla_clock_of(doc: Any, sla_hours: dict[Queue, int]) -> SlaClock:
    """The SLA clock of a policy document, built once per parsed document (holiday tables
    are built lazily by year, and kept)."""
    key = id(doc)
    with _LOCK:
        hit = _CLOCKS.get(key)
        if hit is not None and hit[0] is doc:
            _CLOCKS.move_to_end(key)
            return hit[1]
    clock = SlaClock({n: calendar_of(n, r) for n, r in doc.calendars.items()}, doc.sla,
                     dict(sla_hours), dict(doc.escalation))
    with _LOCK:
        _CLOCKS[key] = (doc, clock)
        while len(_CLOCKS) > _KEPT:
            _CLOCKS.popitem(last=False)
    return clock
