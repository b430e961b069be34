"""The intake routing policy: queue, priority and SLA for each finding as its case opens.

Priority (0–100) = customer tier points + order value band points + severity points; the
parts are kept on the decision so the score can always be explained. Queue and SLA come from
`routing.route`, the one function that decides them; when the decider recommends for a case
it routes it again, as a whole, with the policy's routing rules and impact score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from ordex.decide.routing import DEFAULT_SLA_HOURS, route
from ordex.decide.sla import SlaClock
from ordex.domain.approvals import AuthorityMatrix
from ordex.domain.assignment import QueueAssignment
from ordex.domain.calendar import ROUND_THE_CLOCK
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
    response_due_at: datetime | None = None
    calendar: str = ROUND_THE_CLOCK.name


@dataclass(frozen=True, slots=True)
class Policy:
    """A versioned routing policy."""

    version: str = "builtin-1"
    sla_hours: dict[Queue, int] = field(default_factory=lambda: dict(DEFAULT_SLA_HOURS))
    authority: AuthorityMatrix = field(default_factory=AuthorityMatrix)
    """Who may decide which action up to which value (docs/casework.md, "Approvals")."""
    sla: SlaClock | None = None
    """Business calendars, targets and escalation chains (None: clock hours of sla_hours)."""
    assignment: dict[str, QueueAssignment] = field(default_factory=dict)
    """Queue → how its cases find a person (a queue not named is manual)."""

    def decide(self, *, order: Order | None, customer: Customer | None, finding: Finding,
               now: datetime) -> Decision:
        """Route a finding to its owner queue with a priority and that queue's SLA due time."""
        value = _value_at_risk(order, finding)
        parts = {
            "tier": TIER_POINTS[customer.tier] if customer else 0,
            "value": next((pts for floor, pts in VALUE_BANDS if value >= floor), 0),
            "severity": SEVERITY_POINTS[finding.severity],
        }
        r = route(code=finding.code, customer=customer, value=value,
                  priority=sum(parts.values()), parts=parts, opened_at=now,
                  sla_hours=self.sla_hours, sla=self.sla)
        return Decision(finding, r.queue, r.priority, parts, value, r.sla_due_at, self.version,
                        r.response_due_at, r.calendar)


def _value_at_risk(order: Order | None, finding: Finding) -> Decimal:
    """Value of the lines a finding holds (the whole order when it names no lines)."""
    if order is None:
        return Decimal(0)
    if finding.whole_order:
        return order.value
    held = set(finding.lines)
    return sum((ln.value for ln in order.lines if ln.line_no in held), Decimal(0))
