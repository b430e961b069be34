"""Percentiles and per-route summaries of timed requests."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (the smallest value with at least pct % at or below it)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Route:
    """Timings and status codes of one route in one phase."""

    seconds: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)

    def add(self, seconds: float, status: str) -> None:
        self.seconds.append(seconds)
        self.statuses[status] += 1

    def summary(self, wall: float) -> dict[str, object]:
        """Requests, requests/s over the phase, p50/p95/p99 in ms, status counts."""
        if not self.seconds:
            return {"requests": 0, "statuses": dict(self.statuses)}
        ms = [s * 1000 for s in self.seconds]
        return {"requests": len(ms), "requests_per_second": round(len(ms) / wall, 1),
                "p50_ms": round(percentile(ms, 50), 1), "p95_ms": round(percentile(ms, 95), 1),
                "p99_ms": round(percentile(ms, 99), 1), "max_ms": round(max(ms), 1),
                "statuses": dict(self.statuses)}
