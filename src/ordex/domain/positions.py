"""Where an item sat in what a channel read: every answer and every error names it."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any


@dataclass(frozen=True, slots=True)
class Position:
    """One item's place in its channel; only the parts its format has are set.

    A JSON body's item has `index`; an NDJSON line `line` (and `index` inside a line that
    holds an array); a CSV order `rows`; an EDI transaction its control numbers and segment;
    a broker message its stream `sequence`.
    """

    source: str
    """The file, client or subject the bytes came from (as stored with the raw payload)."""
    index: int | None = None
    """Place of the order in a JSON array or `{"orders": [...]}`, from 0."""
    line: int | None = None
    """Line of an NDJSON file, from 1."""
    rows: tuple[int, int] | None = None
    """First and last row of a CSV order (the header is row 1)."""
    interchange: str | None = None
    """ISA13 of the EDI interchange."""
    group: str | None = None
    """GS06 of the functional group."""
    transaction: str | None = None
    """ST02 of the transaction set."""
    segment: int | None = None
    """Position of the segment an EDI error names, counted from the file's first segment."""
    sequence: str | None = None
    """The broker's place of the message (`STREAM#seq`)."""

    def at(self, index: int) -> Position:
        """The position of item `index` inside this one (an order of a batch)."""
        return replace(self, index=index)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form: the parts that are set, and a label people read."""
        parts: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                parts[f.name] = list(value) if isinstance(value, tuple) else value
        parts["label"] = self.label()
        return parts

    def label(self) -> str:
        """`orders.csv rows 4-6`, `orders.ndjson line 3`, `x.edi ISA 905 GS 1 ST 0001`…"""
        words = [self.source]
        if self.sequence is not None:
            words.append(self.sequence)
        if self.line is not None:
            words.append(f"line {self.line}")
        if self.rows is not None:
            words.append(f"rows {self.rows[0]}-{self.rows[1]}")
        for name, value in (("ISA", self.interchange), ("GS", self.group),
                            ("ST", self.transaction)):
            if value is not None:
                words.append(f"{name} {value}")
        if self.segment is not None:
            words.append(f"segment {self.segment}")
        if self.index is not None:
            words.append(f"[{self.index}]")
        return " ".join(words)
