"""The CSV order channel: one row per order line, header fields repeated, columns per sender.

A profile (JSON, docs/formats.md) names the sender's columns for each canonical field, gives
constants for fields the file lacks, and the sender's locale for dates and decimals.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ordex.domain.errors import ParseError

HEADER_FIELDS = (
    "order_id",
    "customer_id",
    "customer_po",
    "order_date",
    "requested_ship_date",
    "ship_via",
    "warehouse_id",
    "currency",
)
SHIP_TO_FIELDS = ("code", "name", "line1", "line2", "city", "state", "postal_code", "country")
LINE_FIELDS = ("line_no", "item_id", "quantity", "uom", "unit_price")
DATES = ("order_date", "requested_ship_date")
NUMBERS = ("quantity", "unit_price")


class CsvProfileError(ParseError):
    """The CSV profile is not valid."""


@dataclass(frozen=True)
class CsvProfile:
    """How one sender writes order CSV files."""

    columns: dict[str, str]
    constants: dict[str, str] = field(default_factory=dict)
    delimiter: str = ","
    encoding: str = "utf-8-sig"
    date_formats: tuple[str, ...] = ("%Y-%m-%d",)
    decimal_separator: str = "."
    thousands_separator: str = ""

    @classmethod
    def from_json(cls, text: str, *, source: str = "profile") -> CsvProfile:
        """Read and check a profile, naming the key that is wrong."""
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CsvProfileError(f"{source}: not JSON ({exc.msg} at line {exc.lineno})") from None
        if not isinstance(raw, dict) or not isinstance(raw.get("columns"), dict):
            raise CsvProfileError(f"{source}: 'columns' must map canonical fields to column names")
        known = {*HEADER_FIELDS, *(f"ship_to.{f}" for f in SHIP_TO_FIELDS), *LINE_FIELDS}
        for key in (*raw["columns"], *raw.get("constants", {})):
            if key not in known:
                raise CsvProfileError(
                    f"{source}: unknown field '{key}' (known: {', '.join(sorted(known))})"
                )
        formats = raw.get("date_formats", raw.get("date_format", "%Y-%m-%d"))
        profile = cls(
            columns=dict(raw["columns"]),
            constants=dict(raw.get("constants", {})),
            delimiter=raw.get("delimiter", ","),
            encoding=raw.get("encoding", "utf-8-sig"),
            date_formats=_formats(formats, source),
            decimal_separator=raw.get("decimal_separator", "."),
            thousands_separator=raw.get("thousands_separator", ""),
        )
        missing = [
            f
            for f in ("order_id", "item_id", "quantity", "uom")
            if f not in profile.columns and f not in profile.constants
        ]
        if missing:
            raise CsvProfileError(f"{source}: no column given for {', '.join(missing)}")
        return profile

    @classmethod
    def load(cls, path: Path) -> CsvProfile:
        """A profile from a JSON file."""
        return cls.from_json(path.read_text(encoding="utf-8"), source=str(path))


def _formats(value: object, source: str) -> tuple[str, ...]:
    """date_format: one strptime format or a list of them."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise CsvProfileError(f"{source}: 'date_format' must be a format or a list of formats")


DEFAULT_PROFILE = CsvProfile(
    columns={
        **{f: f for f in HEADER_FIELDS},
        **{f"ship_to.{f}": f"ship_to_{f}" for f in SHIP_TO_FIELDS},
        **{f: f for f in LINE_FIELDS},
    }
)
"""Canonical column names, in the documented order (docs/formats.md)."""


@dataclass(frozen=True)
class CsvOrder:
    """One order assembled from consecutive rows, or why its rows could not be read."""

    order: dict[str, Any] | None
    rows: tuple[int, int]
    error: str | None = None
    column: str | None = None


class _Reader:
    """Converts one row's cells with the profile's locale."""

    def __init__(self, profile: CsvProfile) -> None:
        self.p = profile

    def cell(self, row: dict[str, str], name: str) -> str:
        if name in self.p.constants:
            return self.p.constants[name]
        column = self.p.columns.get(name)
        return (row.get(column) or "").strip() if column else ""

    def number(self, text: str, name: str) -> str:
        cleaned = (
            text.replace(self.p.thousands_separator, "") if self.p.thousands_separator else text
        )
        cleaned = (
            cleaned.replace(self.p.decimal_separator, ".")
            if self.p.decimal_separator != "."
            else cleaned
        )
        try:
            return str(Decimal(cleaned))
        except InvalidOperation:
            raise ValueError(f"'{text}' is not a number") from None

    def date(self, text: str) -> str:
        for fmt in self.p.date_formats:
            try:
                return datetime.strptime(text, fmt).date().isoformat()
            except ValueError:
                continue
        raise ValueError(f"'{text}' is not a date in {' or '.join(self.p.date_formats)}")


def read_orders(lines: Iterable[str], profile: CsvProfile) -> Iterator[CsvOrder]:
    """Orders from CSV text lines; rows of one order must be consecutive."""
    reader = _Reader(profile)
    rows = csv.DictReader(lines, delimiter=profile.delimiter)
    header = [c for c in (rows.fieldnames or []) if c]
    absent = sorted({c for c in profile.columns.values() if c not in header})
    if absent:
        raise CsvProfileError(
            f"CSV header lacks column(s) {', '.join(absent)} named by the "
            f"profile (header has: {', '.join(header)})"
        )
    current: list[tuple[int, dict[str, str]]] = []
    for number, row in enumerate(rows, start=2):
        oid = reader.cell(row, "order_id")
        if current and reader.cell(current[0][1], "order_id") != oid:
            yield _assemble(current, reader)
            current = []
        current.append((number, row))
    if current:
        yield _assemble(current, reader)


def _assemble(group: list[tuple[int, dict[str, str]]], reader: _Reader) -> CsvOrder:
    first, span = group[0][1], (group[0][0], group[-1][0])
    name = "order_id"
    try:
        order: dict[str, Any] = {"channel": "csv"}
        for name in HEADER_FIELDS:
            value = reader.cell(first, name)
            if value:
                order[name] = reader.date(value) if name in DATES else value
        order["ship_to"] = {
            f: reader.cell(first, f"ship_to.{f}")
            for f in SHIP_TO_FIELDS
            if reader.cell(first, f"ship_to.{f}")
        }
        order["lines"] = []
        for n, (_number, row) in enumerate(group, start=1):
            line: dict[str, Any] = {}
            for name in LINE_FIELDS:
                value = reader.cell(row, name)
                line[name] = reader.number(value, name) if name in NUMBERS and value else value
            line["line_no"] = line.get("line_no") or n
            order["lines"].append(line)
    except ValueError as exc:
        return CsvOrder(None, span, f"rows {span[0]}-{span[1]}: column for {name}: {exc}", name)
    return CsvOrder(order, span)


def read_csv_bytes(body: bytes, profile: CsvProfile) -> Iterator[CsvOrder]:
    """Orders from a whole CSV payload."""
    try:
        text = body.decode(profile.encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ParseError(f"CSV is not {profile.encoding} text: {exc}") from None
    yield from read_orders(io.StringIO(text, newline=""), profile)


def profile_json(profile: CsvProfile) -> dict[str, Any]:
    """A profile as JSON data (stored with its file, read back with `CsvProfile.from_json`)."""
    data: dict[str, Any] = json.loads(json.dumps(dataclasses.asdict(profile)))
    return data
