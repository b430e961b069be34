"""Read the individual segments of an 850 (N1 loop, REF, PER, SAC, DTM, TD5, CTT hash)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from ordex.sense.x12.errors import X12ContentError
from ordex.sense.x12.fields import CONDITIONAL_MISSING, INVALID_CODE, View
from ordex.sense.x12.model import Carrier, Charge, Contact, Party, Reference
from ordex.sense.x12.text import is_digits
from ordex.sense.x12.tokenizer import Segment

_SAC_INDICATORS = frozenset({"A", "C", "N"})
_HASH_DIGITS = 10
TOO_MANY_ELEMENTS = "3"
"""997 AK403: too many data elements."""

MAX_ELEMENTS = {
    # the most elements any version from 003010 to 005010 defines for the segments mapped
    "BEG": 12, "CUR": 21, "REF": 4, "PER": 9, "DTM": 6, "TD5": 15, "N1": 6, "N2": 2,
    "N3": 2, "N4": 7, "PO1": 25, "PID": 9, "CTP": 11, "SAC": 16, "CTT": 7,
}


@dataclass
class PartyDraft:
    """An N1 loop being read."""

    n1: View
    names: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    n4: View | None = None
    refs: list[Reference] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)

    def freeze(self) -> Party:
        """Return the finished Party."""
        n1, n4 = self.n1, self.n4
        return Party(
            entity=n1.code(1, "entity identifier code"), name=n1.text(2),
            id_qualifier=n1.text(3), id_code=n1.text(4), extra_names=tuple(self.names),
            address_lines=tuple(self.lines), city=n4.text(1) if n4 else None,
            state=n4.text(2) if n4 else None, postal_code=n4.text(3) if n4 else None,
            country=(n4.text(4) if n4 else None) or "US", references=tuple(self.refs),
            contacts=tuple(self.contacts), country_sent=n4.text(4) if n4 else None)


def too_many_elements(view: View) -> X12ContentError | None:
    """A warning when a segment has data past its last defined element (read up to it)."""
    most = MAX_ELEMENTS.get(view.tag)
    extra = view.seg.elements[most + 1:] if most is not None else []
    if not any(e.strip() for e in extra):
        return None
    assert most is not None
    return view.error(f"has {len(view.seg.elements) - 1} elements where {view.tag} has at "
                      f"most {most}; the elements after {view.tag}{most:02d} are ignored",
                      element=most + 1, code=TOO_MANY_ELEMENTS)


def reference(view: View) -> Reference:
    """Read a REF segment."""
    qualifier = view.code(1, "reference identification qualifier")
    value, description = view.text(2), view.text(3)
    if value is None and description is None:
        raise view.error("is missing: REF02 or REF03 is required", element=2,
                         code=CONDITIONAL_MISSING)
    return Reference(qualifier, value or "", description)


def contact(view: View) -> Contact:
    """Read a PER segment."""
    function = view.code(1, "contact function code")
    return Contact(function, view.text(2), tuple(view.pairs(3, "communication number", 8)))


def charge(view: View) -> Charge:
    """Read a SAC segment (SAC05 has two implied decimals)."""
    indicator = view.code(1, "allowance or charge indicator", sizes=(1,),
                          allowed=_SAC_INDICATORS)
    return Charge(indicator, view.text(2), view.implied(5, "amount", 2),
                  view.number(7, "percent"), view.text(15))


def dated(view: View) -> tuple[str, dt.date | None]:
    """Read a DTM segment: qualifier and date (DTM02, or DTM06 by its DTM05 format)."""
    qualifier = view.code(1, "date/time qualifier", sizes=(3,))
    if not is_digits(qualifier):
        raise view.error(f"{qualifier!r} is not a date/time qualifier (3 digits)", element=1,
                         code=INVALID_CODE)
    text = view.text(2)
    if text is not None:
        century = view.text(5)
        if len(text) == 6 and century is not None and len(century) == 2 and is_digits(century):
            text = century + text  # 003xxx DTM05 is the century
        fixed = View(with_element(view.seg, 2, text), view.index, view.control)
        return qualifier, fixed.date(2, "date")
    period_format, period = view.text(5), view.text(6)
    if period is None:
        raise view.error("is missing: DTM02 or DTM06 is required", element=2,
                         code=CONDITIONAL_MISSING)
    if period_format in ("D8", "RD8"):
        return qualifier, View(with_element(view.seg, 6, period[:8]), view.index,
                               view.control).date(6, "date")
    return qualifier, None


def with_element(seg: Segment, n: int, value: str) -> Segment:
    """Return a copy of the segment with element n replaced (for normalised re-reads)."""
    elements = list(seg.elements) + [""] * max(0, n + 1 - len(seg.elements))
    elements[n] = value
    return Segment(seg.tag, elements, seg.position, seg.separators)


def carrier(view: View) -> Carrier:
    """Read a TD5 segment."""
    return Carrier(view.text(2), view.text(3), view.text(4), view.text(5), view.text(12))


def hash_matches(total: Decimal, quantities: list[str]) -> bool:
    """Check CTT02: the sum of PO102, plainly or "without regard to decimal points"."""
    if sum((Decimal(q) for q in quantities), Decimal(0)) == total:
        return True
    digits = sum(abs(int(q.replace(".", "").split("E")[0] or "0")) for q in quantities)
    return str(digits)[-_HASH_DIGITS:].lstrip("0") == str(abs(total)).split(".")[0].lstrip("0")
