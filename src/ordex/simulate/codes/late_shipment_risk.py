"""LATE_SHIPMENT_RISK in the simulator: follows from the other labels and the slack left."""

from __future__ import annotations

from datetime import timedelta

from ordex.domain.codes import ExceptionCode
from ordex.simulate.code_simulation import CodeSimulation, Desk, Facts
from ordex.simulate.truth import SimOrder


def _truth(order: SimOrder, facts: Facts) -> bool:
    """Held by anything while asking to ship with less slack than policy allows."""
    earliest = order.order_date + timedelta(days=facts.index.lead[order.warehouse_id])
    slack = (order.ship_date - earliest).days
    return bool(facts.labels) and slack < facts.settings.late_risk_slack_days


SIMULATION = CodeSimulation(ExceptionCode.LATE_SHIPMENT_RISK, truth=_truth, follows=True,
                            desk=Desk("logistics-lead", "EXPEDITE"))
