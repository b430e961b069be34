"""A candidate action with its predicted outcome, confidence and effect."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ordex.domain.codes import Action

ZERO = Decimal(0)


@dataclass(frozen=True)
class Candidate:
    """One thing that could be done about a case, and what would follow."""

    action: Action
    confidence: float
    cost: Decimal
    """What it costs the business (freight, penalties, revenue given up), in money."""
    ship_date: date | None
    margin: Decimal | None
    customer_impact: str
    summary: str
    value: Decimal = ZERO
    """Value the action commits, compared with the policy's value limit."""
    change_pct: Decimal | None = None
    """Size of the change (price change, credit over the limit) as a percentage."""
    effect: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"action": self.action.value, "confidence": self.confidence,
                "cost": str(self.cost), "ship_date": self.ship_date.isoformat()
                if self.ship_date else None, "margin": None if self.margin is None
                else str(self.margin), "customer_impact": self.customer_impact,
                "summary": self.summary, "value": str(self.value),
                "change_pct": None if self.change_pct is None else str(self.change_pct),
                "effect": self.effect}
