"""The leaders' dashboards (docs/kpis.md, "Dashboards"): a period of local days, the
aggregates the store answers for it, and the report computed from them (no database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo, available_timezones

from ordex.domain.errors import InvalidPayloadError

MAX_DAYS = 366
"""Longest period a dashboard covers (one CASE branch per day on SQLite)."""
DEFAULT_DAYS = 7
MIN_YEAR, MAX_YEAR = 1970, 9998
"""Days a period may cover (the databases' timestamps and Python's dates both hold them)."""
TOP = 10
"""Rows of the recurrence tables."""


@dataclass(frozen=True, slots=True)
class Period:
    """Local days `first`..`last` (inclusive) in `zone`, with the UTC moment each one starts."""

    first: date
    last: date
    zone: str
    starts: tuple[datetime, ...]
    """UTC start of every day, then the end of the last: len(days) + 1 moments."""

    @property
    def days(self) -> list[date]:
        """Every day of the period, in order."""
        return [self.first + timedelta(days=i) for i in range(len(self.starts) - 1)]

    @property
    def begins(self) -> datetime:
        return self.starts[0]

    @property
    def ends(self) -> datetime:
        return self.starts[-1]


def _refused(name: str, reason: str) -> InvalidPayloadError:
    return InvalidPayloadError(f"{name}: {reason}", errors=[{"field": name, "reason": reason}])


def period_of(*, first: date | None, last: date | None, zone: str, now: datetime,
              prefix: str = "query.") -> Period:
    """The period asked for (default: the DEFAULT_DAYS local days up to today); an unknown
    zone, a reversed or too long period is refused naming the field."""
    if zone not in _zones():
        raise _refused(f"{prefix}tz", f"unknown time zone {zone!r} (an IANA name such as "
                       "Europe/Paris)")
    tz = ZoneInfo(zone)
    last = last or now.astimezone(tz).date()
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise _refused(f"{prefix}to", f"{last} is before from {first}")
    if (last - first).days + 1 > MAX_DAYS:
        raise _refused(f"{prefix}to", f"a period is at most {MAX_DAYS} days")
    try:
        days = [first + timedelta(days=i) for i in range((last - first).days + 2)]
        starts = tuple(datetime.combine(d, time(), tz).astimezone(UTC) for d in days)
    except OverflowError:
        raise _refused(f"{prefix}to", f"days from {MIN_YEAR} to {MAX_YEAR} only") from None
    if not MIN_YEAR <= first.year <= last.year <= MAX_YEAR:
        raise _refused(f"{prefix}to", f"days from {MIN_YEAR} to {MAX_YEAR} only")
    return Period(first, last, zone, starts)


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    """The IANA names zoneinfo knows (a directory such as `America` is not a zone)."""
    return frozenset(available_timezones())


@dataclass(frozen=True, slots=True)
class DashboardFacts:
    """Aggregates of a period (cases opened in it, orders received in it) and of the open
    backlog now; each one grouped query's answer."""

    orders_by_day: dict[int, int]
    """Day index → orders received."""
    cases_by_day_code: dict[tuple[int, str], int]
    """(day index, code) → cases opened."""
    orders_by_day_code: dict[tuple[int, str], int]
    """(day index, code) → distinct orders with a case of the code opened that day."""
    touchless_by_day: dict[int, tuple[int, int]]
    """Day index → (auto_resolved, not cancelled) of the cases opened that day."""
    open_by: dict[str, dict[str, tuple[int, Decimal]]]
    """"queue" / "code" / "region" → key → (open cases, value at risk)."""
    cycle_by_code: dict[str, tuple[int, float | None, float | None]]
    """Code → (cases closed in the period, p50 hours, p90 hours)."""
    recurrence_by_customer: list[tuple[str, int, int]] = field(default_factory=list)
    """(customer, cases, distinct codes), most repeated first."""
    recurrence_by_partner: list[tuple[str, int, int]] = field(default_factory=list)
    """(trading partner, cases, distinct (customer, code) pairs), most repeated first."""


class DashboardSource(Protocol):
    """Where dashboard facts come from (the database)."""

    def dashboard_facts(self, *, period: Period, now: datetime) -> DashboardFacts:
        """Aggregates of `period` and the backlog as of `now`."""
        ...


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 6) if whole else 0.0


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _recurrence(rows: list[tuple[str, int, int]], key: str) -> list[dict[str, Any]]:
    return [{key: name, "cases": n, "repeats": n - distinct}
            for name, n, distinct in rows[:TOP]]


def pareto(counts: dict[str, int]) -> list[dict[str, Any]]:
    """Codes by cases, most first, with each one's share and the cumulative share."""
    total, running, out = sum(counts.values()), 0, []
    for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        running += n
        out.append({"code": code, "cases": n, "share": _rate(n, total),
                    "cumulative_share": _rate(running, total)})
    return out


def compute_dashboard(facts: DashboardFacts, period: Period) -> dict[str, Any]:
    """The dashboards' figures of a period (docs/kpis.md, "Dashboards")."""
    days = period.days
    codes = sorted({code for _i, code in facts.cases_by_day_code})
    per_code: dict[str, int] = {}
    for (_i, code), n in facts.cases_by_day_code.items():
        per_code[code] = per_code.get(code, 0) + n
    return {
        "period": {"from": period.first.isoformat(), "to": period.last.isoformat(),
                   "time_zone": period.zone, "starts_at": period.begins.isoformat(),
                   "ends_at": period.ends.isoformat()},
        "exceptions_by_day": [{
            "day": d.isoformat(), "orders": facts.orders_by_day.get(i, 0),
            "cases": {c: facts.cases_by_day_code.get((i, c), 0) for c in codes},
            "rate": {c: _rate(facts.orders_by_day_code.get((i, c), 0),
                              facts.orders_by_day.get(i, 0)) for c in codes},
        } for i, d in enumerate(days)],
        "touchless_by_day": [{
            "day": d.isoformat(), "auto_resolved": facts.touchless_by_day.get(i, (0, 0))[0],
            "cases": facts.touchless_by_day.get(i, (0, 0))[1],
            "rate": _rate(*facts.touchless_by_day.get(i, (0, 0))),
        } for i, d in enumerate(days)],
        "open_backlog_by": {dim: {k: {"cases": n, "value_at_risk": str(v)}
                                  for k, (n, v) in sorted(rows.items())}
                            for dim, rows in sorted(facts.open_by.items())},
        "cycle_hours_by_code": {code: {"cases": n, "p50": _hours(p50), "p90": _hours(p90)}
                                for code, (n, p50, p90) in sorted(facts.cycle_by_code.items())},
        "recurrence_by_customer": _recurrence(facts.recurrence_by_customer, "customer_id"),
        "recurrence_by_partner": _recurrence(facts.recurrence_by_partner, "partner_id"),
        "root_cause_pareto": pareto(per_code),
    }
