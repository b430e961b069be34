"""Read typed element values out of one segment, with errors that say exactly where."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from ordex.sense.x12.errors import X12ContentError
from ordex.sense.x12.text import is_digits
from ordex.sense.x12.tokenizer import Segment

# X12 "R" (real) and "N" (numeric) values: optional minus, digits, optional decimal point;
# 005010 also allows an exponent.
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:E-?\d+)?")
_INTEGER = re.compile(r"-?\d+")

# AK4-03 data element syntax error codes.
MISSING = "1"
CONDITIONAL_MISSING = "2"
INVALID_CHARACTER = "6"
INVALID_CODE = "7"
INVALID_DATE = "8"


def parse_date(text: str) -> dt.date | None:
    """Parse CCYYMMDD, or YYMMDD with years 00-49 in the 2000s; None when invalid."""
    if not is_digits(text) or len(text) not in (6, 8):
        return None
    if len(text) == 6:
        century = "20" if int(text[:2]) < 50 else "19"
        text = century + text
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


class View:
    """One segment of a transaction set, seen with its position for error messages."""

    __slots__ = ("control", "index", "seg")

    def __init__(self, seg: Segment, index: int, control: str | None) -> None:
        self.seg = seg
        self.index = index
        self.control = control

    @property
    def tag(self) -> str:
        """Return the segment id."""
        return self.seg.tag

    def where(self) -> str:
        """Describe the segment's place, e.g. 'PO1 at segment 12 of transaction 0001'."""
        return f"{self.seg.tag} at segment {self.index} of transaction {self.control}"

    def error(self, message: str, *, element: int | None = None, code: str | None = None,
              segment_code: str = "8") -> X12ContentError:
        """Build a content error for this segment (and element, when given)."""
        name = f"{self.seg.tag}{element:02d}" if element is not None else None
        prefix = f"{self.where()}: element {name} " if name else f"{self.where()}: "
        return X12ContentError(prefix + message, segment_position=self.seg.position,
                               transaction_segment_position=self.index, segment_id=self.seg.tag,
                               element=name, segment_code=segment_code, element_code=code,
                               transaction_code="5")

    def text(self, n: int) -> str | None:
        """Return element n stripped, or None when empty or absent."""
        return self.seg.get(n) or None

    def required(self, n: int, what: str) -> str:
        """Return element n, which must be present."""
        value = self.seg.get(n)
        if not value:
            raise self.error(f"({what}) is required but missing", element=n, code=MISSING)
        return value

    def number(self, n: int, what: str, *, required: bool = False) -> Decimal | None:
        """Return element n as a Decimal parsed from its exact text."""
        value = self.required(n, what) if required else self.seg.get(n)
        if not value:
            return None
        if not _NUMBER.fullmatch(value):
            raise self.error(f"{value!r} is not a number ({what})", element=n,
                             code=INVALID_CHARACTER)
        return Decimal(value)

    def implied(self, n: int, what: str, places: int) -> Decimal | None:
        """Return an Nn element (implied decimal places) as a Decimal."""
        value = self.seg.get(n)
        if not value:
            return None
        if _INTEGER.fullmatch(value):
            return Decimal(value).scaleb(-places)
        return self.number(n, what)

    def date(self, n: int, what: str, *, required: bool = False) -> dt.date | None:
        """Return element n as a date (CCYYMMDD or YYMMDD)."""
        value = self.required(n, what) if required else self.seg.get(n)
        if not value:
            return None
        parsed = parse_date(value)
        if parsed is None:
            raise self.error(f"{value!r} is not a valid date, CCYYMMDD or YYMMDD ({what})",
                             element=n, code=INVALID_DATE)
        return parsed

    def code(self, n: int, what: str, *, sizes: tuple[int, ...] = (2, 3),
             allowed: frozenset[str] | None = None) -> str:
        """Return a required qualifier or code; it must look like one (or be allowed)."""
        value = self.required(n, what)
        if allowed is not None and value not in allowed:
            raise self.error(f"{value!r} is not a known {what} (expected one of "
                             f"{', '.join(sorted(allowed))})", element=n, code=INVALID_CODE)
        if len(value) not in sizes or not value.isalnum():
            raise self.error(f"{value!r} is not a valid {what}", element=n, code=INVALID_CODE)
        return value

    def pairs(self, first: int, what: str, last: int = 99) -> list[tuple[str, str]]:
        """Return the (qualifier, value) pairs from element `first` on; halves need each other."""
        found: list[tuple[str, str]] = []
        for n in range(first, min(len(self.seg.elements), last + 1), 2):
            qualifier, value = self.seg.get(n), self.seg.get(n + 1)
            if not qualifier and not value:
                continue
            if not value:
                raise self.error(f"is missing: qualifier {self.tag}{n:02d} {qualifier!r} "
                                 f"needs a {what}", element=n + 1, code=CONDITIONAL_MISSING)
            if not qualifier:
                raise self.error(f"is missing: {what} {value!r} needs a qualifier", element=n,
                                 code=CONDITIONAL_MISSING)
            if len(qualifier) != 2 or not qualifier.isalnum():
                raise self.error(f"{qualifier!r} is not a valid {what} qualifier", element=n,
                                 code=INVALID_CODE)
            found.append((qualifier, value))
        return found
