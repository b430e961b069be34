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
    credit_limit,
    duplicate_order,
    invalid_ship_to,
    inventory_shortfall,
    master_data,
    price_mismatch,
)


class Detector(Protocol):
    """Finds one kind of exception on an order in its context."""

    code: ExceptionCode

    def evaluate(self, order: Order, ctx: DetectionContext) -> list[Finding]:
        """The findings of this code on the order (empty when none)."""
        ...


REGISTRY: dict[ExceptionCode, Detector] = {
    d.code: d
    for d in (
        master_data.MasterDataConflict(),
        inventory_shortfall.InventoryShortfall(),
        price_mismatch.PriceMismatch(),
        credit_limit.CreditLimitExceeded(),
        invalid_ship_to.InvalidShipTo(),
        duplicate_order.DuplicateOrder(),
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
    """Run every detector over the order and collect the findings."""
    findings: list[Finding] = []
    for detector in detectors:
        findings.extend(detector.evaluate(order, ctx))
    return findings
