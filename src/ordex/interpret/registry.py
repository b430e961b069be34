"""The detector interface and the one place detectors are registered."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ordex.domain.codes import ExceptionCode
from ordex.domain.errors import ConfigurationError
from ordex.domain.findings import Finding
from ordex.domain.model import Order
from ordex.interpret.context import DetectionContext
from ordex.interpret.detectors import (
    allocation_conflict,
    compliance_hold,
    credit_limit,
    duplicate_order,
    invalid_ship_to,
    inventory_shortfall,
    late_shipment_risk,
    margin_below_floor,
    master_data,
    missing_carrier,
    past_due_hold,
    price_mismatch,
    quantity_anomaly,
    shipment_constraint,
    tax_failure,
)


class Detector(Protocol):
    """Finds one kind of exception on an order in its context."""

    code: ExceptionCode

    def evaluate(self, order: Order, ctx: DetectionContext) -> list[Finding]:
        """The findings of this code on the order (empty when none)."""
        ...


class Reviewer(Protocol):
    """A detector that also judges the findings of the others (e.g. late-shipment risk)."""

    code: ExceptionCode

    def review(self, order: Order, ctx: DetectionContext,
               findings: Sequence[Finding]) -> list[Finding]:
        """Findings that follow from the other detectors' findings."""
        ...


REGISTRY: dict[ExceptionCode, Detector] = {
    d.code: d
    for d in (
        master_data.MasterDataConflict(),
        inventory_shortfall.InventoryShortfall(),
        allocation_conflict.AllocationConflict(),
        price_mismatch.PriceMismatch(),
        credit_limit.CreditLimitExceeded(),
        invalid_ship_to.InvalidShipTo(),
        duplicate_order.DuplicateOrder(),
        margin_below_floor.MarginBelowFloor(),
        past_due_hold.PastDueHold(),
        missing_carrier.MissingCarrierInstructions(),
        tax_failure.TaxFailure(),
        compliance_hold.ComplianceHold(),
        shipment_constraint.ShipmentConstraint(),
        quantity_anomaly.QuantityAnomaly(),
        late_shipment_risk.LateShipmentRisk(),
    )
}


def detectors_for(enabled: Sequence[str]) -> list[Detector]:
    """The registered detectors named in configuration, in registry order."""
    unknown = [name for name in enabled if name not in REGISTRY]
    if unknown:
        raise ConfigurationError(f"unknown detector(s) in configuration: {', '.join(unknown)}",
                                 unknown=unknown)
    wanted = set(enabled)
    return [d for code, d in REGISTRY.items() if code.value in wanted]


def detect(order: Order, ctx: DetectionContext, detectors: Sequence[Detector]) -> list[Finding]:
    """Run every detector over the order, then the reviewers over what they found."""
    findings: list[Finding] = []
    for detector in detectors:
        findings.extend(detector.evaluate(order, ctx))
    for detector in detectors:
        review = getattr(detector, "review", None)  # a Reviewer; cheaper than isinstance
        if review is not None:
            findings.extend(review(order, ctx, tuple(findings)))
    return findings
