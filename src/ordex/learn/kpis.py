"""KPI definitions (docs/kpis.md) computed from aggregates the store provides."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from statistics import median
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class KpiFacts:
    """The aggregates KPIs are computed from."""

    orders: int
    orders_with_exception: int
    orders_by_code: dict[str, int]
    open_by_queue: dict[str, int]
    closed_by_state: dict[str, int]
    hours_to_close: list[float]
    overdue_open: int
    value_at_risk_open: Decimal
    hours_to_resolve_by_people: list[float] = field(default_factory=list)
    open_by_age: dict[str, int] = field(default_factory=dict)
    """Open cases per AGE_BUCKETS label (age = now − opened_at)."""
    human_touches: int = 0
    """Audit entries written by a person (not by ordex itself)."""
    resolved_first_touch: int = 0
    """Cases a person resolved that one person worked alone, never reopened."""
    closed_within_sla: int = 0
    """Resolved and auto-resolved cases closed at or before their resolution due time."""
    closed_after_sla: int = 0
    """Resolved and auto-resolved cases closed after their resolution due time."""
    responded_in_time: int = 0
    """Cases with a response target a person first touched by its due time."""
    response_missed: int = 0
    """Cases touched after their response due time, or untouched and still open past it."""
    resolved_by_queue: dict[str, int] = field(default_factory=dict)
    """Cases a person resolved, per queue."""
    overridden_by_queue: dict[str, int] = field(default_factory=dict)
    """Of those, the ones resolved with another action than recommended, per queue."""
    resolved_by_recommendation: dict[str, int] = field(default_factory=dict)
    """Cases a person resolved, per the action ordex recommended for them."""
    overridden_by_recommendation: dict[str, int] = field(default_factory=dict)
    """Of those, the ones resolved with another action, per the action recommended."""
    median_hours_to_close: float | None = None
    """The median of `hours_to_close` when the store computes it (then the list is empty)."""
    median_hours_by_people: float | None = None
    """The median of `hours_to_resolve_by_people` when the store computes it."""


AGE_BUCKETS: tuple[tuple[str, float | None], ...] = (
    ("under_4h", 4.0), ("4h_to_1d", 24.0), ("1d_to_3d", 72.0), ("3d_to_7d", 168.0),
    ("over_7d", None),
)
"""Backlog aging buckets: (label, upper bound in hours, exclusive; None: no bound)."""


HEADLINE: tuple[tuple[str, str, str], ...] = (
    ("orders", "Orders", "count"),
    ("exception_rate", "Exception rate", "percent"),
    ("touchless_rate", "Touchless", "percent"),
    ("median_hours_to_resolve_by_people", "Median time to resolve (people)", "hours"),
    ("open_backlog", "Open cases", "count"),
    ("overdue_open_cases", "Past SLA", "count"),
)
"""The headline KPIs (key, label, kind): the control-tower tiles and the CLI's summary line."""


class KpiSource(Protocol):
    """Where KPI facts come from (the database in production)."""

    def kpi_facts(self, *, now: datetime) -> KpiFacts:
        """Aggregates as of `now`."""
        ...


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 6) if whole else 0.0


def _median(given: float | None, spans: list[float]) -> float | None:
    """The store's median, else the median of the spans (None: no span)."""
    if given is not None:
        return round(given, 3)
    return round(median(spans), 3) if spans else None


def compute_kpis(facts: KpiFacts) -> dict[str, Any]:
    """Exception rate by code, backlog by queue, touchless rate, median time to resolve."""
    closed_by_work = (facts.closed_by_state.get("resolved", 0)
                      + facts.closed_by_state.get("auto_resolved", 0))
    return {
        "orders": facts.orders,
        "exception_rate": _rate(facts.orders_with_exception, facts.orders),
        "exception_rate_by_code": {code: _rate(n, facts.orders)
                                   for code, n in sorted(facts.orders_by_code.items())},
        "open_backlog_by_queue": dict(sorted(facts.open_by_queue.items())),
        "open_backlog": sum(facts.open_by_queue.values()),
        "overdue_open_cases": facts.overdue_open,
        "open_value_at_risk": str(facts.value_at_risk_open),
        "closed_cases": dict(sorted(facts.closed_by_state.items())),
        "touchless_rate": _rate(facts.closed_by_state.get("auto_resolved", 0),
                                closed_by_work + sum(facts.open_by_queue.values())),
        "closed_touchless_rate": _rate(facts.closed_by_state.get("auto_resolved", 0),
                                       closed_by_work),
        "median_hours_to_resolve": _median(facts.median_hours_to_close,
                                           facts.hours_to_close),
        "median_hours_to_resolve_by_people": _median(facts.median_hours_by_people,
                                                     facts.hours_to_resolve_by_people),
        "open_backlog_by_age": {label: facts.open_by_age.get(label, 0)
                                for label, _hours in AGE_BUCKETS},
        "manual_touches_per_order": _rate(facts.human_touches, facts.orders),
        "first_touch_resolution_rate": _rate(facts.resolved_first_touch,
                                             facts.closed_by_state.get("resolved", 0)),
        "override_rate": _rate(sum(facts.overridden_by_queue.values()),
                               sum(facts.resolved_by_queue.values())),
        "override_rate_by_queue": {q: _rate(facts.overridden_by_queue.get(q, 0), n)
                                   for q, n in sorted(facts.resolved_by_queue.items())},
        "override_rate_by_action": {
            a: _rate(facts.overridden_by_recommendation.get(a, 0), n)
            for a, n in sorted(facts.resolved_by_recommendation.items())},
        "response_sla_compliance": _rate(facts.responded_in_time,
                                         facts.responded_in_time + facts.response_missed),
        "resolution_sla_compliance": _rate(
            facts.closed_within_sla,
            facts.closed_within_sla + facts.closed_after_sla + facts.overdue_open),
    }


def _shown(value: Any, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "percent":
        return f"{value * 100:.1f} %"
    if kind == "hours":
        return f"{value:.1f} h"
    return f"{value:,}"


def headline(kpis: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The headline KPIs of a report as (key, label, text), formatted once for every screen."""
    return [(key, label, _shown(kpis[key], kind)) for key, label, kind in HEADLINE]
