"""Impact and priority: what a case puts at risk, and one score that orders the queues.

score = Σ weight(part) × factor(part), each factor in [0, 1]:
  revenue   = min(1, revenue at risk / revenue_cap)
  margin    = min(1, margin at risk / margin_cap)
  urgency   = 1 − clamp(days to the carrier cutoff of the promised date / urgency_days)
  tier      = tier factor of the customer (platinum 1.0 … bronze 0.2 by default)
  strategic = 1 for a strategic account, else 0
  penalty   = min(1, contractual penalty per day late / penalty_cap)
Weights, caps and factors come from the policy file (docs/decide.md); the parts are kept on
the case so the score is always explained.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

from ordex.decide.rules import ScoringRule
from ordex.domain.model import Customer, Item, Order, OrderLine, ServiceTerms

ZERO = Decimal(0)
CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Impact:
    """What a case puts at risk, the score and its parts."""

    revenue_at_risk: Decimal
    margin_at_risk: Decimal
    days_to_promise: float
    days_to_cutoff: float
    tier: str
    strategic: bool
    penalty_per_day: Decimal
    score: int
    parts: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (money as strings)."""
        return {"score": self.score, "parts": self.parts,
                "revenue_at_risk": str(self.revenue_at_risk),
                "margin_at_risk": str(self.margin_at_risk),
                "days_to_promise": self.days_to_promise, "days_to_cutoff": self.days_to_cutoff,
                "tier": self.tier, "strategic": self.strategic,
                "penalty_per_day": str(self.penalty_per_day)}


def _clamp(value: float) -> float:
    return max(0.0, min(1.0, value))


def impact(*, order: Order | None, lines: tuple[int, ...], customer: Customer | None,
           terms: ServiceTerms | None, items: dict[str, Item], rule: ScoringRule,
           to_base: Callable[[OrderLine], Decimal | None], now: datetime) -> Impact:
    """Score a case on an order's affected lines (all lines when none are named)."""
    revenue = margin = ZERO
    days = cutoff_days = 0.0
    if order is not None:
        chosen = [ln for ln in order.lines if not lines or ln.line_no in lines]
        revenue = sum((ln.value for ln in chosen), ZERO)
        margin = sum((ln.value - (to_base(ln) or ZERO) * items[ln.item_id].unit_cost
                      for ln in chosen if ln.item_id in items), ZERO)
        margin = max(margin, ZERO)
        promise = datetime.combine(order.requested_ship_date, time(23, 59), UTC)
        cutoff = datetime.combine(order.requested_ship_date,
                                  time(rule.carrier_cutoff_hour_utc), UTC)
        days = round((promise - now).total_seconds() / 86400, 2)
        cutoff_days = round((cutoff - now).total_seconds() / 86400, 2)
    penalty_pct = terms.late_penalty_pct_per_day if terms else ZERO
    penalty = (revenue * penalty_pct / 100).quantize(CENT)
    tier = customer.tier if customer else None
    strategic = bool(terms and terms.strategic)
    factors = {
        "revenue": _clamp(float(revenue / rule.revenue_cap)),
        "margin": _clamp(float(margin / rule.margin_cap)),
        "urgency": 1 - _clamp(cutoff_days / rule.urgency_days),
        "tier": rule.tier_factor.get(tier, 0.0) if tier else 0.0,
        "strategic": 1.0 if strategic else 0.0,
        "penalty": _clamp(float(penalty / rule.penalty_cap)),
    }
    parts = {k: round(rule.weights.get(k, 0.0) * f, 2) for k, f in factors.items()}
    score = min(100, max(0, round(sum(parts.values()))))
    return Impact(revenue.quantize(CENT), margin.quantize(CENT), days, cutoff_days,
                  tier.value if tier else "", strategic, penalty, score, parts)
