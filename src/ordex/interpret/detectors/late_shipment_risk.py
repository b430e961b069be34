"""LATE_SHIPMENT_RISK: a blocked order whose requested date leaves no slack beyond lead time.

Rule-based for now: the order has at least one blocking finding (someone must act before it
ships) and the requested ship date is fewer than `late_risk_slack_days` days after the
earliest date the warehouse can ship (order date + lead time). A learned model may replace
the rule later behind the same code.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from ordex.domain.codes import Action, ExceptionCode, Queue, Severity
from ordex.domain.findings import Finding
from ordex.domain.model import Order
from ordex.interpret.context import DetectionContext
from ordex.interpret.exception_type import ExceptionType
from ordex.interpret.settings import setting


class LateShipmentRisk:
    """Reviews the other findings of an order against the time left to ship it."""

    code = ExceptionCode.LATE_SHIPMENT_RISK

    def evaluate(self, order: Order, ctx: DetectionContext) -> list[Finding]:
        """Nothing on its own: the risk comes from other findings (see `review`)."""
        return []

    def review(self, order: Order, ctx: DetectionContext,
               findings: Sequence[Finding]) -> list[Finding]:
        """A warning when blocking findings meet a requested date without slack."""
        blocking = sorted({f.code.value for f in findings
                           if f.severity is Severity.BLOCKING and f.code is not self.code})
        if not blocking:
            return []
        warehouse = ctx.warehouses.get(order.warehouse_id)
        if warehouse is None:
            return []  # no lead time known: no basis to predict (degrades to no finding)
        lead = warehouse.lead_time_days
        earliest = order.order_date + timedelta(days=lead)
        slack = (order.requested_ship_date - earliest).days
        if slack >= ctx.settings.late_risk_slack_days:
            return []
        reason = (f"Likely to ship late: requested {order.requested_ship_date.isoformat()} "
                  f"leaves {slack} day(s) of slack after {lead} day(s) lead time, and the "
                  f"order is held by {', '.join(blocking)}.")
        evidence = {"requested_ship_date": order.requested_ship_date.isoformat(),
                    "earliest_ship_date": earliest.isoformat(), "slack_days": slack,
                    "lead_time_days": lead, "blocking_codes": blocking,
                    "model": "rule:slack-and-blocking-cases"}
        return [Finding(self.code, Severity.WARNING, (), reason, evidence)]


PLUGIN = ExceptionType(
    code=ExceptionCode.LATE_SHIPMENT_RISK, queue=Queue.LOGISTICS, detector=LateShipmentRisk(),
    rank=150,
    needs=frozenset({"warehouses"}),
    settings=(setting("late_risk_slack_days"),),
    actions=frozenset({Action.EXPEDITE, Action.REVISE_PROMISE, Action.RELEASE,
                       Action.NOTIFY_CUSTOMER}),
    remedies="ordex.decide.followups:late_risk_remedies",
    simulation="ordex.simulate.codes.late_shipment_risk:SIMULATION",
)
