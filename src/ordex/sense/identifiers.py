"""Product identifiers (X12 PO1 qualifier/value pairs): GTIN checks and mapping to our items.

A line is mapped through, in order: the customer's cross-reference for the pair's qualifier
(a row without qualifier stands for the buyer part qualifiers BP/IN), the global identifiers
on the item master (GTIN, manufacturer part), then the vendor part as our own item id. The
first step that names exactly one item wins; a step naming two different items is a
conflict for a person, never a guess (docs/edi-x12.md, "Item mapping").
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field

from stdnum import ean
from stdnum.exceptions import ValidationError

Pair = tuple[str, str]

BUYER_PART = frozenset({"BP", "IN"})
"""Qualifiers a cross-reference row without qualifier matches (buyer's part number)."""
GTIN_QUALIFIERS = frozenset({"UP", "UA", "UK", "EN", "EO"})
"""UPC-A, UPC/EAN case code, GTIN-14, EAN-13 and EAN-8: looked up as GTIN-14."""
MANUFACTURER = frozenset({"MG"})
VENDOR_PART = frozenset({"VN", "VP", "VC"})
"""The seller's own part or catalogue number: our item id."""
_GTIN_LENGTHS = (8, 12, 13, 14)


def gtin14(value: str) -> str | None:
    """Return a GTIN-8/12/13/14 as GTIN-14 (zero-padded), or None when it is not a valid one."""
    digits = value.strip()
    if len(digits) not in _GTIN_LENGTHS or not digits.isdigit():
        return None
    try:
        return ean.validate(digits).zfill(14)
    except ValidationError:  # bad check digit
        return None


def describe(pairs: Iterable[Pair]) -> str:
    """Render identifiers for people: 'SK 54895030, VC 5383-3117'."""
    return ", ".join(f"{q} {v}" for q, v in pairs)


@dataclass(frozen=True)
class ItemKeys:
    """Everything a batch needs to map identifiers: cross-references and the item master."""

    cross_refs: Mapping[tuple[str, str, str], str] = field(default_factory=dict)
    """(customer, qualifier or '', part) → item."""
    gtins: Mapping[str, str] = field(default_factory=dict)
    """GTIN-14 → item."""
    mfr_parts: Mapping[str, str] = field(default_factory=dict)
    """Manufacturer part number → item."""
    items: Container[str] = frozenset()
    """Our item ids."""


@dataclass(frozen=True)
class ItemMatch:
    """The outcome for one line: our item (or None) and, if none, why in plain words."""

    item_id: str | None
    via: str | None = None
    problem: str | None = None


def _cross_ref(pairs: list[Pair], customer: str, keys: ItemKeys) -> list[tuple[str, str]]:
    found = []
    for q, v in pairs:
        item = keys.cross_refs.get((customer, q, v))
        if item is None and q in BUYER_PART:
            item = keys.cross_refs.get((customer, "", v))
        if item is not None:
            found.append((item, f"cross-reference {q} {v}"))
    return found


def _global(pairs: list[Pair], keys: ItemKeys) -> list[tuple[str, str]]:
    found = []
    for q, v in pairs:
        code = gtin14(v) if q in GTIN_QUALIFIERS else None
        item = keys.gtins.get(code) if code else None
        if item is None and q in MANUFACTURER:
            item = keys.mfr_parts.get(v.strip())
        if item is not None:
            found.append((item, f"{'GTIN' if code else 'manufacturer part'} {q} {v}"))
    return found


def _vendor(pairs: list[Pair], keys: ItemKeys) -> list[tuple[str, str]]:
    return [(v, f"vendor part {q} {v}") for q, v in pairs
            if q in VENDOR_PART and v in keys.items]


def map_item(pairs: Iterable[Pair], *, customer_id: str, keys: ItemKeys) -> ItemMatch:
    """Map a line's identifiers to one of our items, step by step (see the module docstring)."""
    pairs = list(pairs)
    for found in (_cross_ref(pairs, customer_id, keys), _global(pairs, keys),
                  _vendor(pairs, keys)):
        items = sorted({item for item, _via in found})
        if len(items) == 1:
            return ItemMatch(items[0], found[0][1])
        if len(items) > 1:
            return ItemMatch(None, problem=f"{describe(pairs)} point to different items "
                                          f"({', '.join(items)})")
    bad = [f"{q} {v}" for q, v in pairs if q in GTIN_QUALIFIERS and gtin14(v) is None]
    note = f" ({', '.join(bad)}: not a valid GTIN)" if bad else ""
    return ItemMatch(None, problem=f"unknown product {describe(pairs) or '(no identifier)'}"
                                  + note)
