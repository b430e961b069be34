"""Reads reference data from a folder of CSV files, one file per entity (docs/formats.md)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ordex.domain.errors import ReferenceDataError
from ordex.domain.model import (
    Address,
    Carrier,
    Customer,
    CustomerTier,
    InboundPO,
    InventoryPosition,
    Item,
    ItemStatus,
    PriceContract,
    Receivable,
    ShipTo,
    UnitConversion,
    Warehouse,
)
from ordex.domain.reference import ReferenceData
from ordex.sense.identifiers import gtin14
from ordex.sense.reference_taxonomy import TAXONOMY_PARSERS


@dataclass(frozen=True)
class Row:
    """One CSV row with the place it came from, for precise errors."""

    file: str
    line: int
    values: dict[str, str]

    def text(self, column: str, default: str | None = None) -> str:
        """A required (or defaulted) text column."""
        value = (self.values.get(column) or "").strip()
        if value:
            return value
        if default is not None:
            return default
        raise self.error(column, "is required")

    def decimal(self, column: str, default: str | None = None) -> Decimal:
        """A decimal column."""
        raw = self.text(column, default)
        try:
            return Decimal(raw)
        except InvalidOperation:
            raise self.error(column, f"'{raw}' is not a number") from None

    def day(self, column: str) -> date:
        """An ISO date column (YYYY-MM-DD)."""
        raw = self.text(column)
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise self.error(column, f"'{raw}' is not a date (YYYY-MM-DD)") from None

    def flag(self, column: str) -> bool:
        """A yes/no column (true/false, yes/no, 1/0; empty = no)."""
        raw = self.text(column, "no").lower()
        if raw in ("true", "yes", "y", "1"):
            return True
        if raw in ("false", "no", "n", "0"):
            return False
        raise self.error(column, f"'{raw}' is not yes or no")

    def choice(self, column: str, enum: Any, default: str | None = None) -> Any:
        """A column whose value must be one of an enum's values."""
        raw = self.text(column, default).lower()
        try:
            return enum(raw)
        except ValueError:
            allowed = ", ".join(e.value for e in enum)
            raise self.error(column, f"'{raw}' is not one of {allowed}") from None

    def error(self, column: str, problem: str) -> ReferenceDataError:
        """A ReferenceDataError naming file, line and column."""
        return ReferenceDataError(f"{self.file} line {self.line}: column {column} {problem}",
                                  file=self.file, line=self.line, column=column)


def rows(path: Path) -> Iterator[Row]:
    """The rows of a CSV file with a header line (UTF-8, BOM tolerated)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for i, values in enumerate(csv.DictReader(handle), start=2):
                yield Row(path.name, i, {k.strip(): v for k, v in values.items() if k})
    except UnicodeDecodeError:
        raise ReferenceDataError(f"{path.name} is not UTF-8 text", file=path.name) from None


def item_gtin(r: Row) -> str:
    """The optional gtin column of items.csv as GTIN-14; a wrong check digit is refused."""
    raw = r.text("gtin", "")
    if not raw:
        return ""
    code = gtin14(raw)
    if code is None:
        raise r.error("gtin", f"'{raw}' is not a valid GTIN (8, 12, 13 or 14 digits with a "
                              "correct check digit)")
    return code


PARSERS: dict[str, tuple[str, Callable[[Row], Any], bool]] = {
    "customers.csv": ("customers", lambda r: Customer(
        r.text("customer_id"), r.text("name"), r.choice("tier", CustomerTier, "bronze"),
        r.decimal("credit_limit"), r.text("region", ""),
        int(r.decimal("payment_terms_days", "30")), r.text("default_ship_via", "").upper(),
        r.flag("freight_terms_required"), r.flag("tax_exempt")), True),
    "ship_tos.csv": ("ship_tos", lambda r: ShipTo(r.text("customer_id"), r.text("ship_to_id"),
        Address(r.text("name", ""), r.text("line1", ""), r.text("line2", ""), r.text("city", ""),
                r.text("state", ""), r.text("postal_code", ""), r.text("country", "US"))), False),
    "items.csv": ("items", lambda r: Item(
        r.text("item_id"), r.text("description", ""), r.text("base_uom").upper(),
        r.decimal("list_price"), r.decimal("unit_cost", "0"),
        r.choice("status", ItemStatus, "active"), r.decimal("weight", "0"),
        r.text("licence_type", "").upper(), r.text("hazmat_class", ""),
        r.flag("export_restricted"), r.text("successor_id", ""), item_gtin(r),
        r.text("mfr_part", "")), True),
    "uom_conversions.csv": ("conversions", lambda r: UnitConversion(
        r.text("item_id"), r.text("uom").upper(), r.decimal("base_qty")), False),
    "warehouses.csv": ("warehouses", lambda r: Warehouse(
        r.text("warehouse_id"), r.text("name", ""), r.text("state", ""),
        r.text("postal_code", ""), int(r.decimal("lead_time_days", "0"))), True),
    "inventory.csv": ("inventory", lambda r: InventoryPosition(
        r.text("item_id"), r.text("warehouse_id"), r.decimal("on_hand"),
        r.decimal("allocated", "0"), r.decimal("safety_stock", "0")), False),
    "inbound_pos.csv": ("inbound_pos", lambda r: InboundPO(
        r.text("po_id"), r.text("item_id"), r.text("warehouse_id"), r.decimal("quantity"),
        r.day("due_date")), False),
    "price_contracts.csv": ("contracts", lambda r: PriceContract(
        r.text("contract_id"), r.text("customer_id"), r.text("item_id"), r.text("uom").upper(),
        r.decimal("min_qty", "0"), r.decimal("unit_price"), r.day("valid_from"),
        r.day("valid_to"), r.text("currency", "USD").upper()), False),
    "receivables.csv": ("receivables", lambda r: Receivable(
        r.text("customer_id"), r.text("invoice_id"), r.decimal("amount_open"),
        r.day("due_date")), False),
    "carriers.csv": ("carriers", lambda r: Carrier(
        r.text("carrier_id"), r.text("name", ""),
        tuple(s for s in r.text("services", "").split("|") if s)), False),
    **TAXONOMY_PARSERS,
}


def load_reference(folder: Path) -> ReferenceData:
    """Read every known CSV file of a folder; customers, items, warehouses are required."""
    if not folder.is_dir():
        raise ReferenceDataError(f"reference folder {folder} does not exist", folder=str(folder))
    ref = ReferenceData()
    for name, (attr, parse, required) in PARSERS.items():
        path = folder / name
        if not path.exists():
            if required:
                raise ReferenceDataError(f"reference folder {folder} has no {name}", file=name)
            continue
        getattr(ref, attr).extend(parse(row) for row in rows(path))
    return ref
