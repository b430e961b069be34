"""The routing policy, thin for now: queue, priority and SLA for each finding.

Priority (0–100) = customer tier points + order value band points + severity points; the
parts are kept on the decision so the score can always be explained.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from ordex.domain.codes import Queue, Severity
from ordex.domain.findings import Finding
from ordex.domain.model import Customer, CustomerTier, Order

TIER_POINTS: dict[CustomerTier, int] = {
    CustomerTier.PLATINUM: 40, CustomerTier.GOLD: 30,
    CustomerTier.SILVER: 20, CustomerTier.BRONZE: 10,
}
VALUE_BANDS: tuple[tuple[Decimal, int], ...] = (
    (Decimal(50_000), 40), (Decimal(10_000), 30), (Decimal(2_000), 20), (Decimal(500), 10),
)
SEVERITY_POINTS: dict[Severity, int] = {Severity.BLOCKING: 20, Severity.WARNING: 0}
DEFAULT_SLA_HOURS: dict[Queue, int] = {
    Queue.PLANNING: 8, Queue.PRICING: 8, Queue.CREDIT: 4, Queue.CUSTOMER_SERVICE: 4,
    Queue.FINANCE: 24, Queue.LOGISTICS: 8, Queue.COMPLIANCE: 24, Queue.INTEGRATION: 2,
}


@dataclass(frozen=True, slots=True)
class Decision:
    """What the policy decided for one finding: where it goes, how urgent, by when."""

    finding: Finding
    queue: Queue
    priority: int
    priority_parts: dict[str, int]
    value_at_risk: Decimal
    sla_due_at: datetime
    policy_version: str


@dataclass(frozen=True, slots=True)
class Policy:
    """A versioned routing policy."""

    version: str = "builtin-1"
    sla_hours: dict[Queue, int] = field(default_factory=lambda: dict(DEFAULT_SLA_HOURS))

    def decide(self, *, order: Order | None, customer: Customer | None, finding: Finding,
               now: datetime) -> Decision:
        """Route a finding to its owner queue with a priority and an SLA due time."""
        value = _value_at_risk(order, finding)
        parts = {
            "tier": TIER_POINTS[customer.tier] if customer else 0,
            "value": next((pts for floor, pts in VALUE_BANDS if value >= floor), 0),
            "severity": SEVERITY_POINTS[finding.severity],
        }
        due = now + timedelta(hours=self.sla_hours.get(finding.queue, 8))
        return Decision(finding, finding.queue, sum(parts.values()), parts, value, due,
                        self.version)


def _value_at_risk(order: Order | None, finding: Finding) -> Decimal:
    """Value of the lines a finding holds (the whole order when it names no lines)."""
    if order is None:
        return Decimal(0)
    if finding.whole_order:
        return order.value
    held = set(finding.lines)
    return sum((ln.value for ln in order.lines if ln.line_no in held), Decimal(0))
