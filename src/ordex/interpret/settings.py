"""Thresholds the detectors use; built from configuration by the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class DetectionSettings:
    """Which detectors run and their thresholds."""

    enabled: tuple[str, ...] = (
        "MASTER_DATA_CONFLICT",
        "INVENTORY_SHORTFALL",
        "PRICE_MISMATCH",
        "CREDIT_LIMIT_EXCEEDED",
        "INVALID_SHIP_TO",
        "DUPLICATE_ORDER",
    )
    price_tolerance_abs: Decimal = Decimal("0.01")
    """A price within this many currency units of the expected price is accepted."""
    price_tolerance_pct: Decimal = Decimal("0.5")
    """A price within this percentage of the expected price is accepted (the larger wins)."""
    base_currency: str = "USD"
    duplicate_po_window_days: int = 30
    """Two orders of a customer with the same PO number within this many days are duplicates."""
    duplicate_lines_window_hours: int = 48
    """Near-identical orders to the same ship-to within this many hours are duplicates."""
    duplicate_lines_similarity: Decimal = Decimal("0.9")
    """Share of identical (item, quantity) lines from which two orders are near-identical."""
    required_ship_to_fields: tuple[str, ...] = field(
        default=("name", "line1", "city", "state", "postal_code", "country"))
