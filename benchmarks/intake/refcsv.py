"""Write a simulated distributor's reference data as the CSV folder `ordex load-reference` reads.

A writer of our own because ordex has none: the folder is the documented input format
(docs/formats.md, "Reference data"), so the benchmark loads reference data the way a user does.
Substitutes, freight lanes and service terms have no reference file yet and are not written.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date, time
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

FILES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("customers.csv", "customers", ("customer_id", "name", "tier", "credit_limit", "region",
                                    "payment_terms_days", "default_ship_via",
                                    "freight_terms_required", "tax_exempt")),
    ("ship_tos.csv", "ship_tos", ("customer_id", "ship_to_id", "name", "line1", "line2", "city",
                                  "state", "postal_code", "country")),
    ("items.csv", "items", ("item_id", "description", "base_uom", "list_price", "unit_cost",
                            "status", "weight", "licence_type", "hazmat_class",
                            "export_restricted", "successor_id", "gtin", "mfr_part")),
    ("uom_conversions.csv", "conversions", ("item_id", "uom", "base_qty")),
    ("warehouses.csv", "warehouses", ("warehouse_id", "name", "state", "postal_code",
                                      "lead_time_days")),
    ("inventory.csv", "inventory", ("item_id", "warehouse_id", "on_hand", "allocated",
                                    "safety_stock")),
    ("inbound_pos.csv", "inbound_pos", ("po_id", "item_id", "warehouse_id", "quantity",
                                        "due_date")),
    ("price_contracts.csv", "contracts", ("contract_id", "customer_id", "item_id", "uom",
                                          "min_qty", "unit_price", "currency", "valid_from",
                                          "valid_to")),
    ("receivables.csv", "receivables", ("customer_id", "invoice_id", "amount_open", "due_date")),
    ("carriers.csv", "carriers", ("carrier_id", "name", "services")),
    ("tax_rules.csv", "tax_rules", ("state", "rate", "country")),
    ("tax_exemptions.csv", "tax_exemptions", ("customer_id", "certificate_id", "valid_from",
                                              "valid_to", "state")),
    ("customer_licences.csv", "licences", ("customer_id", "licence_type", "licence_id",
                                           "valid_from", "valid_to")),
    ("carrier_services.csv", "carrier_services", ("carrier_id", "service", "max_weight",
                                                  "hazmat_allowed", "states", "cutoff")),
    ("item_cross_references.csv", "cross_references", ("customer_id", "buyer_part", "item_id",
                                                       "qualifier")),
    ("order_history.csv", "order_history", ("customer_id", "item_id", "order_date",
                                            "base_qty")),
)
"""File, attribute of the reference data, columns (docs/formats.md)."""
PARTNER_COLUMNS = ("partner_id", "isa_qualifier", "isa_id", "customer_id", "warehouse_id",
                   "lead_days", "strict_totals")


def cell(value: Any) -> str:
    """One value as the reference reader parses it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date | Decimal | int):
        return str(value)
    if isinstance(value, frozenset | set):
        return "|".join(sorted(str(v) for v in value))
    if isinstance(value, tuple | list):
        return "|".join(str(v) for v in value)
    return str(value)


def _field(row: Any, column: str) -> Any:
    """A column of a domain row; a ship-to's address parts live on its address."""
    if hasattr(row, column):
        return getattr(row, column)
    return getattr(row.address, column)


def _write(path: Path, columns: tuple[str, ...], rows: Iterable[Any]) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([cell(_field(row, c)) for c in columns])
            count += 1
    return count


def write_folder(ref: Any, partners: list[dict[str, str]], folder: Path) -> dict[str, int]:
    """Write every reference file that has rows, and trading_partners.csv; rows per file."""
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, attr, columns in FILES:
        rows = getattr(ref, attr)
        if rows:
            counts[name] = _write(folder / name, columns, rows)
    if partners:
        counts["trading_partners.csv"] = _write_dicts(folder / "trading_partners.csv", partners)
    return counts


def _write_dicts(path: Path, rows: list[dict[str, str]]) -> int:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, PARTNER_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)
