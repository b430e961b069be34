"""The declaration of a reference CSV file: its columns, their kinds, keys and references.

One `FileSchema` per file is the single source of the header check (unknown, missing and
repeated columns), the parsing of every cell, and the column table in docs/formats.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from enum import Enum
from typing import Any

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")
YES, NO = ("yes", "true", "y", "1"), ("no", "false", "n", "0")
INT_DIGITS, PLACES = 12, 6
"""Digits before and after the point a stored number holds (NUMERIC(18, 6))."""


@dataclass(frozen=True, slots=True)
class Kind:
    """How a cell is read: a label for the docs, a parser that raises ValueError(reason)."""

    label: str
    parse: Callable[[str], Any]
    empty: Any = ""
    """The value of an empty optional cell without a default."""


def text(max_len: int = 100) -> Kind:
    """Free text of at most `max_len` characters."""
    def parse(raw: str) -> str:
        if len(raw) > max_len:
            raise ValueError(f"is longer than {max_len} characters")
        return raw
    return Kind(f"text ≤ {max_len}", parse)


def code(max_len: int = 100) -> Kind:
    """A code, stored upper case."""
    inner = text(max_len).parse
    return Kind(f"code ≤ {max_len} (upper-cased)", lambda raw: inner(raw).upper())


def codes(max_len: int = 500) -> Kind:
    """`|`-separated codes, upper case (empty parts are dropped)."""
    inner = text(max_len).parse
    return Kind("codes separated by |",
                lambda raw: tuple(p.strip().upper() for p in inner(raw).split("|") if p.strip()),
                ())


def number(*, minimum: Decimal | None = None, above: Decimal | None = None,
           maximum: Decimal | None = None) -> Kind:
    """A plain decimal (digits, one optional dot and sign; no exponent, NaN or infinity)."""
    bounds = [f"≥ {minimum}" if minimum is not None else "",
              f"> {above}" if above is not None else "",
              f"≤ {maximum}" if maximum is not None else ""]

    def parse(raw: str) -> Decimal:
        if not _NUMBER.fullmatch(raw):
            raise ValueError(f"'{raw}' is not a number (digits with an optional dot)")
        whole, _, fraction = raw.lstrip("+-").partition(".")
        if len(whole.lstrip("0")) > INT_DIGITS or len(fraction.rstrip("0")) > PLACES:
            raise ValueError(f"'{raw}' has more than {INT_DIGITS} digits before the point "
                             f"or {PLACES} after it")
        value = Decimal(raw)
        if minimum is not None and value < minimum:
            raise ValueError(f"'{raw}' is below {minimum}")
        if above is not None and value <= above:
            raise ValueError(f"'{raw}' must be greater than {above}")
        if maximum is not None and value > maximum:
            raise ValueError(f"'{raw}' is above {maximum}")
        return value
    return Kind(" ".join(["decimal", *filter(None, bounds)]), parse, None)


def whole(*, minimum: int = 0) -> Kind:
    """A whole number of at least `minimum`."""
    def parse(raw: str) -> int:
        if not re.fullmatch(r"[+-]?[0-9]{1,9}", raw):
            raise ValueError(f"'{raw}' is not a whole number")
        if int(raw) < minimum:
            raise ValueError(f"'{raw}' is below {minimum}")
        return int(raw)
    return Kind(f"whole number ≥ {minimum}", parse, None)


def _day(raw: str) -> date:
    if _DATE.fullmatch(raw):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    raise ValueError(f"'{raw}' is not a date (YYYY-MM-DD)")


def _clock(raw: str) -> time:
    if not _TIME.fullmatch(raw):
        raise ValueError(f"'{raw}' is not a time (HH:MM, 00:00 to 23:59)")
    return time.fromisoformat(raw)


def _flag(raw: str) -> bool:
    low = raw.lower()
    if low in YES or low in NO:
        return low in YES
    raise ValueError(f"'{raw}' is not yes or no")


DAY = Kind("date YYYY-MM-DD", _day, None)
CLOCK = Kind("time HH:MM", _clock, None)
FLAG = Kind("yes/no", _flag, False)


def choice(enum: type[Enum]) -> Kind:
    """One of an enum's values (case-insensitive)."""
    allowed = ", ".join(str(e.value) for e in enum)

    def parse(raw: str) -> Any:
        try:
            return enum(raw.lower())
        except ValueError:
            raise ValueError(f"'{raw}' is not one of {allowed}") from None
    return Kind(f"one of {allowed}", parse, None)


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a reference file."""

    name: str
    kind: Kind
    required: bool = False
    default: str = ""
    """The text an empty optional cell stands for ("" = the kind's empty value)."""
    doc: str = ""

    def read(self, raw: str) -> Any:
        """The value of a stripped cell; ValueError(reason) when it is wrong."""
        if raw:
            return self.kind.parse(raw)
        if self.required:
            raise ValueError("is required")
        return self.kind.parse(self.default) if self.default else self.kind.empty


RowCheck = Callable[[dict[str, Any]], "tuple[str, str] | None"]
"""A check of one row's values: None, or (column, reason)."""


def in_order(first: str, last: str) -> RowCheck:
    """The row's `first` date is not after its `last` date."""
    def check(values: dict[str, Any]) -> tuple[str, str] | None:
        if values[first] > values[last]:
            return last, f"{values[last]} is before {first} {values[first]}"
        return None
    return check


@dataclass(frozen=True, slots=True)
class FileSchema:
    """A reference file: its columns and how a row becomes a domain object."""

    name: str
    columns: tuple[Column, ...]
    build: Callable[..., Any]
    """Called with one keyword argument per column."""
    attr: str = ""
    """The ReferenceData list the rows fill ("" = not part of ReferenceData)."""
    required: bool = False
    """The file must exist and have at least one row."""
    key: tuple[str, ...] = ()
    """Columns whose values are unique per row."""
    refs: tuple[tuple[str, str], ...] = ()
    """(column, file): the column names a key of that file (empty cells are not checked)."""
    checks: tuple[RowCheck, ...] = ()
    """Checks across the columns of one row."""
    doc: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """The column names, in declaration order."""
        return tuple(c.name for c in self.columns)


def markdown_table(schemas: tuple[FileSchema, ...]) -> str:
    """The docs/formats.md table of files and columns (required ones in bold)."""
    rows = [["file", "column", "kind", "meaning"], ["---"] * 4]
    for s in schemas:
        facts = [s.doc, f"unique: {' + '.join(s.key)}" if s.key else "",
                 *(f"{col} must be in {target}" for col, target in s.refs)]
        rows.append([f"**{s.name}**" if s.required else s.name, "", "",
                     "; ".join(filter(None, facts))])
        for c in s.columns:
            dflt = f" (default `{c.default}`)" if c.default else ""
            rows.append(["", f"**{c.name}**" if c.required else c.name,
                         c.kind.label + dflt, c.doc])
    return "".join("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |\n"
                   for row in rows)
