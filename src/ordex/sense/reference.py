"""Reads reference data from a folder of CSV files, one file per entity (docs/formats.md).

Each file is declared once, as a `FileSchema`: adding a column is one `Column` line here (and
the field of the same name on the domain class the row builds).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
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
from ordex.sense.edi_partners import PARTNERS, TradingPartner
from ordex.sense.identifiers import gtin14
from ordex.sense.reference_csv import Parsed, Problems, read_file, suggest
from ordex.sense.reference_schema import (
    DAY,
    FLAG,
    Column,
    FileSchema,
    Kind,
    choice,
    code,
    codes,
    in_order,
    number,
    text,
    whole,
)
from ordex.sense.reference_trade import TRADE_FILES

ZERO = Decimal(0)
ID = text(100)
"""An identifier: kept as written (orders must name it the same way)."""
CUSTOMER, ITEM, WAREHOUSE = "customers.csv", "items.csv", "warehouses.csv"


def _gtin(raw: str) -> str:
    value = gtin14(raw)
    if value is None:
        raise ValueError(f"'{raw}' is not a valid GTIN (8, 12, 13 or 14 digits with a correct "
                         "check digit)")
    return value


GTIN = Kind("GTIN (8, 12, 13 or 14 digits)", _gtin)


def _ship_to(customer_id: str, ship_to_id: str, **address: str) -> ShipTo:
    return ShipTo(customer_id, ship_to_id, Address(**address))


CORE_FILES: tuple[FileSchema, ...] = (
    FileSchema("customers.csv", (
        Column("customer_id", ID, True),
        Column("name", text(200), True),
        Column("tier", choice(CustomerTier), default="bronze"),
        Column("credit_limit", number(minimum=ZERO), True, doc="0 = prepay customer"),
        Column("region", text(50)),
        Column("payment_terms_days", whole(), default="30"),
        Column("default_ship_via", code(50), doc="e.g. `UPSN-GND`, used when an order has none"),
        Column("freight_terms_required", FLAG),
        Column("tax_exempt", FLAG, doc="needs a valid certificate in `tax_exemptions.csv`"),
    ), Customer, "customers", required=True, key=("customer_id",), doc="customer master"),
    FileSchema("ship_tos.csv", (
        Column("customer_id", ID, True),
        Column("ship_to_id", ID, True),
        Column("name", text(200)), Column("line1", text(200)), Column("line2", text(200)),
        Column("city", text(200)), Column("state", text(50)), Column("postal_code", text(20)),
        Column("country", text(2), default="US"),
    ), _ship_to, "ship_tos", key=("customer_id", "ship_to_id"),
        refs=(("customer_id", CUSTOMER),), doc="customers' delivery locations"),
    FileSchema("items.csv", (
        Column("item_id", ID, True),
        Column("description", text(300)),
        Column("base_uom", code(10), True),
        Column("list_price", number(minimum=ZERO), True, doc="per base unit"),
        Column("unit_cost", number(minimum=ZERO), default="0",
               doc="per base unit; the margin floor is taken from it"),
        Column("status", choice(ItemStatus), default="active"),
        Column("weight", number(minimum=ZERO), default="0", doc="pounds per base unit"),
        Column("licence_type", code(50),
               doc="licence a customer needs, e.g. `DEA`; empty = not regulated"),
        Column("hazmat_class", text(20), doc="UN class; empty = not hazardous"),
        Column("export_restricted", FLAG),
        Column("successor_id", ID, doc="the item replacing a discontinued one"),
        Column("gtin", GTIN, doc="GTIN-8/12/13/14 (UPC-A, EAN); check digit verified; stored "
                                 "as GTIN-14"),
        Column("mfr_part", text(100), doc="manufacturer part number (EDI qualifier MG)"),
    ), Item, "items", required=True, key=("item_id",), refs=(("successor_id", ITEM),),
        doc="item master"),
    FileSchema("uom_conversions.csv", (
        Column("item_id", ID, True),
        Column("uom", code(10), True),
        Column("base_qty", number(above=ZERO), True, doc="base units in one `uom`, e.g. CS = 12"),
    ), UnitConversion, "conversions", key=("item_id", "uom"), refs=(("item_id", ITEM),),
        doc="units of measure other than an item's base unit"),
    FileSchema("warehouses.csv", (
        Column("warehouse_id", ID, True),
        Column("name", text(200)), Column("state", text(50)), Column("postal_code", text(20)),
        Column("lead_time_days", whole(), default="0",
               doc="days from order to earliest shipment; 0 = same day before the cutoff"),
    ), Warehouse, "warehouses", required=True, key=("warehouse_id",), doc="warehouses"),
    FileSchema("inventory.csv", (
        Column("item_id", ID, True),
        Column("warehouse_id", ID, True),
        Column("on_hand", number(), True, doc="base units (may be negative when oversold)"),
        Column("allocated", number(minimum=ZERO), default="0", doc="base units"),
        Column("safety_stock", number(minimum=ZERO), default="0", doc="base units"),
    ), InventoryPosition, "inventory", key=("item_id", "warehouse_id"),
        refs=(("item_id", ITEM), ("warehouse_id", WAREHOUSE)), doc="stock positions"),
    FileSchema("inbound_pos.csv", (
        Column("po_id", ID, True),
        Column("item_id", ID, True),
        Column("warehouse_id", ID, True),
        Column("quantity", number(above=ZERO), True, doc="base units"),
        Column("due_date", DAY, True),
    ), InboundPO, "inbound_pos", key=("po_id",),
        refs=(("item_id", ITEM), ("warehouse_id", WAREHOUSE)), doc="open supplier POs"),
    FileSchema("price_contracts.csv", (
        Column("contract_id", ID, True),
        Column("customer_id", ID, True),
        Column("item_id", ID, True),
        Column("uom", code(10), True, doc="the item's base unit or one in uom_conversions.csv"),
        Column("min_qty", number(minimum=ZERO), default="0", doc="quantity break, in `uom`"),
        Column("unit_price", number(minimum=ZERO), True, doc="per `uom`"),
        Column("currency", code(3), default="USD"),
        Column("valid_from", DAY, True, doc="inclusive"),
        Column("valid_to", DAY, True, doc="inclusive"),
    ), PriceContract, "contracts", key=("contract_id",),
        refs=(("customer_id", CUSTOMER), ("item_id", ITEM)),
        checks=(in_order("valid_from", "valid_to"),), doc="contract prices and breaks"),
    FileSchema("receivables.csv", (
        Column("customer_id", ID, True),
        Column("invoice_id", ID, True),
        Column("amount_open", number(), True, doc="negative = an unapplied credit"),
        Column("due_date", DAY, True),
    ), Receivable, "receivables", key=("invoice_id",), refs=(("customer_id", CUSTOMER),),
        doc="open invoices"),
    FileSchema("carriers.csv", (
        Column("carrier_id", ID, True),
        Column("name", text(200)),
        Column("services", codes(), doc="service codes"),
    ), Carrier, "carriers", key=("carrier_id",), doc="carriers"),
)
FILES: tuple[FileSchema, ...] = (*CORE_FILES, *TRADE_FILES, PARTNERS)
"""Every file a reference folder may hold, in the order they are read."""
IGNORED_PREFIXES = (".", "readme")
"""Files whose names start so are not reference data (hidden files, READMEs)."""


@dataclass
class ReferenceFolder:
    """What a reference folder holds: the reference data and the EDI trading partners."""

    ref: ReferenceData
    partners: list[TradingPartner] = field(default_factory=list)


def load_reference(folder: Path) -> ReferenceData:
    """The reference data of a folder; ReferenceDataError lists every problem found."""
    return load_folder(folder).ref


def load_folder(folder: Path) -> ReferenceFolder:
    """Read and check every file of a folder, or raise one error listing all problems."""
    if not folder.is_dir():
        raise ReferenceDataError(f"{folder}: reference folder does not exist", folder=str(folder))
    problems = Problems()
    _unknown_files(folder, problems)
    parsed = {s.name: _read(folder, s, problems) for s in FILES}
    problems.raise_any()  # the cross-file checks below would only echo these
    _check_references(folder, parsed, problems)
    _check_units(folder, parsed, problems)
    problems.raise_any()
    ref = ReferenceData()
    for s in FILES:
        if s.attr:
            getattr(ref, s.attr).extend(s.build(**row.values) for row in parsed[s.name])
    return ReferenceFolder(ref, [PARTNERS.build(**row.values) for row in parsed[PARTNERS.name]])


def _unknown_files(folder: Path, problems: Problems) -> None:
    known = [s.name for s in FILES]
    for path in sorted(folder.iterdir()):
        if path.name in known or path.name.lower().startswith(IGNORED_PREFIXES):
            continue
        if path.is_file():
            problems.add(str(path), None, None, f"unknown reference file{suggest(path.name, known)}"
                         f" (known files: {', '.join(known)})")


def _read(folder: Path, schema: FileSchema, problems: Problems) -> list[Parsed]:
    path = folder / schema.name
    if not path.is_file():
        if schema.required:
            problems.add(str(path), None, None, "required file is missing")
        return []
    before = len(problems.found)
    rows = read_file(path, schema, problems, label=str(path))
    if schema.required and not rows and len(problems.found) == before:
        problems.add(str(path), None, None, "required file has no rows")
    return rows


def _check_references(folder: Path, parsed: dict[str, list[Parsed]], problems: Problems) -> None:
    keys = {s.name: {r.values[s.key[0]] for r in parsed[s.name]} for s in FILES if s.key}
    for s in FILES:
        for column, target in s.refs:
            for row in parsed[s.name]:
                value = row.values[column]
                if value and value not in keys[target]:
                    problems.add(str(folder / s.name), row.line, column,
                                 f"{value} is not in {target}")


def _check_units(folder: Path, parsed: dict[str, list[Parsed]], problems: Problems) -> None:
    base = {r.values["item_id"]: r.values["base_uom"] for r in parsed[ITEM]}
    units: dict[str, set[str]] = {item: {uom} for item, uom in base.items()}
    for r in parsed["uom_conversions.csv"]:
        v = r.values
        units.setdefault(v["item_id"], set()).add(v["uom"])
        if base.get(v["item_id"]) == v["uom"] and v["base_qty"] != 1:
            problems.add(str(folder / "uom_conversions.csv"), r.line, "base_qty",
                         f"{v['uom']} is the base unit of {v['item_id']}; its base_qty is 1")
    for r in parsed["price_contracts.csv"]:
        item, uom = r.values["item_id"], r.values["uom"]
        if item in units and uom not in units[item]:
            problems.add(str(folder / "price_contracts.csv"), r.line, "uom",
                         f"item {item} has no unit {uom} (its units: "
                         f"{', '.join(sorted(units[item]))}; add it to uom_conversions.csv)")


def schema_of(name: str) -> FileSchema:
    """The declaration of one reference file."""
    return next(s for s in FILES if s.name == name)


def reference_columns() -> dict[str, Any]:
    """File name → column names (for docs and tests)."""
    return {s.name: s.names for s in FILES}
