"""Thresholds the detectors use; built from configuration by the composition root.

The thresholds of the stable codes are typed fields (each is also an `ORDEX_*` key). A code
added as a plug-in declares its own `Setting`s with their defaults in its registration and
reads them with `DetectionSettings.get`; their values come from `options`
(`ORDEX_DETECTOR_OPTIONS`), so adding one edits neither this module nor `config.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any


def registered_detectors() -> tuple[str, ...]:
    """Every code that has a detector, in the order the detectors run."""
    # imported here: the registry imports the detectors, which import this module
    from ordex.interpret.registry import REGISTRY

    return tuple(code.value for code in REGISTRY)


@dataclass(frozen=True, slots=True)
class Setting:
    """A threshold a code reads: its key, its default and what it means."""

    key: str
    default: Any
    doc: str = ""


@dataclass(frozen=True, slots=True)
class DetectionSettings:
    """Which detectors run and their thresholds."""

    enabled: tuple[str, ...] = field(default_factory=registered_detectors)
    """Codes whose detector runs (default: every registered detector)."""
    options: Mapping[str, Any] = field(default_factory=dict)
    """Values of the settings plug-in codes declare (key → value), validated by the registry."""
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

    def get(self, setting: Setting) -> Any:
        """The value of a setting: the typed field of that name, else the configured option,
        else the setting's default."""
        if setting.key in TYPED:
            return getattr(self, setting.key)
        return self.options.get(setting.key, setting.default)


TYPED: frozenset[str] = frozenset(f.name for f in fields(DetectionSettings)) - {"enabled",
                                                                               "options"}
"""The thresholds that are typed fields (and `ORDEX_*` configuration keys of their own)."""


def setting(key: str) -> Setting:
    """A typed threshold as a `Setting`, with its field's default (a wrong key fails at once)."""
    found = next((f for f in fields(DetectionSettings) if f.name == key and key in TYPED), None)
    if found is None:
        raise KeyError(f"DetectionSettings has no threshold {key!r}")
    return Setting(key, getattr(DetectionSettings(enabled=()), key), "")
