"""SLA clocks for people: how long a case has left, or how long it has been overdue."""

from __future__ import annotations

from datetime import UTC, datetime


def _span(seconds: float) -> str:
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {mins:02d} min" if hours else f"{mins} min"


def sla_clock(due: str | None, now: datetime) -> tuple[str, bool]:
    """('2 h 10 min left', False) or ('5 h 03 min overdue', True) for a due time as of now."""
    if not due:
        return "–", False
    at = datetime.fromisoformat(due)
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    left = (at - now).total_seconds()
    if left > 0:
        return f"{_span(left)} left", False
    return f"{_span(-left)} overdue", True
