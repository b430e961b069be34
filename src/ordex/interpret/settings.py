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
        "ALLOCATION_CONFLICT",
        "PRICE_MISMATCH",
        "CREDIT_LIMIT_EXCEEDED",
        "INVALID_SHIP_TO",
        "DUPLICATE_ORDER",
        "MARGIN_BELOW_FLOOR",
        "PAST_DUE_HOLD",
        "MISSING_CARRIER_INSTRUCTIONS",
        "TAX_FAILURE",
        "COMPLIANCE_HOLD",
        "SHIPMENT_CONSTRAINT",
        "QUANTITY_ANOMALY",
        "LATE_SHIPMENT_RISK",
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
    margin_floor_pct: Decimal = Decimal("5")
    """Minimum margin over item cost, percent: a price below cost × (1 + this/100) is flagged."""
    past_due_days: int = 30
    """An open invoice more than this many days past due at the order date holds the order."""
    past_due_min_amount: Decimal = Decimal("0")
    """Past-due totals at or below this amount are tolerated."""
    export_restricted_countries: tuple[str, ...] = ("BY", "CU", "IR", "KP", "RU", "SY")
    """ISO countries export-restricted items may not ship to."""
    quantity_anomaly_min_history: int = 5
    """Earlier order lines of the customer for the item needed before judging a quantity."""
    quantity_anomaly_mad_threshold: Decimal = Decimal("10")
    """Robust z-score (distance from the median in scaled MADs) above which a quantity is odd."""
    quantity_anomaly_min_ratio: Decimal = Decimal("4")
    """A quantity must also be at least this many times the median (or below 1/this) to flag."""
    late_risk_slack_days: int = 1
    """A blocked order whose requested date is fewer days than this after the earliest possible
    ship date (order date + warehouse lead time) is at risk of shipping late."""
