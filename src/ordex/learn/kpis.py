"""KPI definitions (docs/kpis.md) computed from aggregates the store provides."""

from __future__ import annotations

from dataclasses import dataclass, field
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


class KpiSource(Protocol):
    """Where KPI facts come from (the database in production)."""

    def kpi_facts(self) -> KpiFacts:
        """Current aggregates."""
        ...


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 6) if whole else 0.0


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
        "median_hours_to_resolve": (round(median(facts.hours_to_close), 3)
                                    if facts.hours_to_close else None),
        "median_hours_to_resolve_by_people": (
            round(median(facts.hours_to_resolve_by_people), 3)
            if facts.hours_to_resolve_by_people else None),
    }
