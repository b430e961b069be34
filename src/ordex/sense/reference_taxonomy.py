"""CSV parsers for the reference files of the full exception taxonomy (docs/formats.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from typing import TYPE_CHECKING, Any

from ordex.domain.model import (
    CarrierService,
    CustomerLicence,
    ItemCrossReference,
    OrderHistoryEntry,
    TaxExemption,
    TaxRule,
)

if TYPE_CHECKING:
    from ordex.sense.reference import Row


def _cutoff(r: Row) -> time | None:
    raw = r.text("cutoff", "")
    if not raw:
        return None
    try:
        return time.fromisoformat(raw)
    except ValueError:
        raise r.error("cutoff", f"'{raw}' is not a time (HH:MM)") from None


def _carrier_service(r: Row) -> CarrierService:
    weight = r.text("max_weight", "")
    return CarrierService(
        r.text("carrier_id").upper(), r.text("service").upper(),
        r.decimal("max_weight") if weight else None, r.flag("hazmat_allowed"),
        tuple(s.strip().upper() for s in r.text("states", "").split("|") if s.strip()),
        _cutoff(r))


TAXONOMY_PARSERS: dict[str, tuple[str, Callable[[Row], Any], bool]] = {
    "tax_rules.csv": ("tax_rules", lambda r: TaxRule(
        r.text("state").upper(), r.decimal("rate"), r.text("country", "US").upper()), False),
    "tax_exemptions.csv": ("tax_exemptions", lambda r: TaxExemption(
        r.text("customer_id"), r.text("certificate_id"), r.day("valid_from"),
        r.day("valid_to"), r.text("state", "").upper()), False),
    "customer_licences.csv": ("licences", lambda r: CustomerLicence(
        r.text("customer_id"), r.text("licence_type").upper(), r.text("licence_id"),
        r.day("valid_from"), r.day("valid_to")), False),
    "carrier_services.csv": ("carrier_services", _carrier_service, False),
    "item_cross_references.csv": ("cross_references", lambda r: ItemCrossReference(
        r.text("customer_id"), r.text("buyer_part"), r.text("item_id"),
        r.text("qualifier", "").upper()), False),
    "order_history.csv": ("order_history", lambda r: OrderHistoryEntry(
        r.text("customer_id"), r.text("item_id"), r.day("order_date"),
        r.decimal("base_qty")), False),
}
