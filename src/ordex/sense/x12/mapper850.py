"""Map the segments of one 850 transaction set onto a PurchaseOrder850.

Segments are routed by where they stand: the header, an N1 loop, an N9 loop, a PO1 line
loop (with its own N1 and N9 loops), an SLN sub-line loop, or the summary after CTT. Segments
the control tower does not use (ITD, PKG, PO4, MSG...) are skipped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal

from ordex.sense.x12.errors import X12ContentError, X12Error
from ordex.sense.x12.fields import INVALID_CODE, View
from ordex.sense.x12.model import (
    Carrier,
    Charge,
    Contact,
    Envelope,
    Line,
    PurchaseOrder850,
    Reference,
)
from ordex.sense.x12.segments850 import (
    MAX_ELEMENTS,
    PartyDraft,
    carrier,
    charge,
    contact,
    dated,
    hash_matches,
    reference,
    too_many_elements,
)
from ordex.sense.x12.tokenizer import Segment

_PARTY_TAGS = frozenset({"N2", "N3", "N4", "REF", "PER"})


@dataclass
class _Target:
    """Where REF, PER, DTM and SAC segments go: the header or one line."""

    refs: list[Reference] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    dates: dict[str, dt.date] = field(default_factory=dict)
    charges: list[Charge] = field(default_factory=list)
    parties: list[PartyDraft] = field(default_factory=list)


@dataclass
class _LineDraft(_Target):
    """A PO1 loop being read."""

    po1: View | None = None
    description: str | None = None
    prices: dict[str, Decimal] = field(default_factory=dict)


def _freeze_line(draft: _LineDraft, ordinal: int) -> Line:
    """Read the PO1 segment of a line and combine it with the loop's other segments."""
    po1 = draft.po1
    assert po1 is not None
    quantity = po1.number(2, "quantity ordered", required=True)
    assert quantity is not None
    unit = po1.required(3, "unit or basis for measurement code")
    price = po1.number(4, "unit price")
    pairs = tuple(po1.pairs(6, "product/service id", last=MAX_ELEMENTS["PO1"]))
    ids: dict[str, str] = {}
    for qualifier, value in pairs:
        ids.setdefault(qualifier, value)
    return Line(
        line_number=po1.seg.get(1), ordinal=ordinal, quantity=quantity,
        quantity_text=po1.seg.get(2), unit=unit, unit_price=price,
        unit_price_text=po1.text(4), price_basis=po1.text(5), product_ids=ids,
        description=draft.description, charges=tuple(draft.charges), dates=draft.dates,
        references=tuple(draft.refs), parties=tuple(p.freeze() for p in draft.parties),
        prices=draft.prices, identifiers=pairs)


class _Builder:
    """Accumulates one 850 while its segments stream by."""

    def __init__(self, envelope: Envelope) -> None:
        self.envelope = envelope
        self.header = _Target()
        self.beg: View | None = None
        self.currency: str | None = None
        self.carriers: list[Carrier] = []
        self.lines: list[_LineDraft] = []
        self.ctt: View | None = None
        self.where = "header"

    def target(self) -> _Target:
        """Return the header or the current line."""
        return self.lines[-1] if self.in_lines() else self.header

    def in_lines(self) -> bool:
        """Tell whether segments now belong to the last PO1 loop."""
        return bool(self.lines) and self.where != "summary"

    def add(self, view: View) -> None:
        """Route one segment by its tag and the current loop."""
        tag = view.tag
        if self.where == "summary" and tag in ("PO1", "N1", "BEG"):
            raise view.error(f"segment {tag} is not allowed after CTT", segment_code="7")
        if self.where.endswith("party") and tag in _PARTY_TAGS:
            self._party_segment(view)
        elif self.where in ("sln", "n9", "line_n9") and tag in ("DTM", "MSG", "PID", "MEA"):
            return
        else:
            self._segment(view)

    def _segment(self, view: View) -> None:
        """Handle a segment outside N1/N9/SLN sub-loops."""
        tag, line_level = view.tag, self.in_lines()
        if tag == "BEG":
            self._beg(view)
        elif tag == "PO1":
            self.lines.append(_LineDraft(po1=view))
            self.where = "line"
        elif tag == "N1":
            self.target().parties.append(PartyDraft(view))
            self.where = "line_party" if line_level else "party"
        elif tag in ("N2", "N3", "N4"):
            raise view.error(f"segment {tag} is outside an N1 loop", segment_code="7")
        elif tag == "N9":
            self.where = "line_n9" if line_level else "n9"
        elif tag == "SLN":
            self.where = "sln"
        elif tag == "CTT":
            self.ctt, self.where = view, "summary"
        elif line_level:
            self._line_segment(view)
        else:
            self._header_segment(view)

    def _beg(self, view: View) -> None:
        if self.beg is not None:
            raise view.error("segment BEG appears more than once", segment_code="5")
        self.beg = view

    def _party_segment(self, view: View) -> None:
        party, tag = self.target().parties[-1], view.tag
        if tag == "N2":
            party.names.extend(v for v in (view.text(1), view.text(2)) if v)
        elif tag == "N3":
            party.lines.extend(v for v in (view.text(1), view.text(2)) if v)
        elif tag == "N4":
            party.n4 = view
        elif tag == "REF":
            party.refs.append(reference(view))
        else:
            party.contacts.append(contact(view))

    def _common(self, view: View, target: _Target) -> bool:
        """Handle REF, PER, DTM and SAC for the header or a line; False if not one of them."""
        tag = view.tag
        if tag == "REF":
            target.refs.append(reference(view))
        elif tag == "PER":
            target.contacts.append(contact(view))
        elif tag == "DTM":
            qualifier, when = dated(view)
            if when is not None:
                target.dates.setdefault(qualifier, when)
        elif tag == "SAC":
            target.charges.append(charge(view))
        else:
            return False
        return True

    def _header_segment(self, view: View) -> None:
        if self._common(view, self.header):
            return
        if view.tag == "CUR":
            self.currency = self._currency(view)
        elif view.tag == "TD5":
            self.carriers.append(carrier(view))

    def _line_segment(self, view: View) -> None:
        line = self.lines[-1]
        if self.where == "sln" or self._common(view, line):
            return
        if view.tag == "PID" and line.description is None:
            line.description = view.text(5)
        elif view.tag == "CTP":
            price = view.number(3, "unit price")
            if price is not None:
                line.prices.setdefault(view.text(2) or "", price)
        elif view.tag == "CUR":
            currency = self._currency(view)
            self.currency = self.currency or currency

    def _currency(self, view: View) -> str:
        view.code(1, "entity identifier code")
        code = view.required(2, "currency code")
        if len(code) != 3 or not code.isalpha():
            raise view.error(f"{code!r} is not an ISO 4217 currency code", element=2,
                             code=INVALID_CODE)
        return code

    def build(self, strict_hash_total: bool) -> tuple[PurchaseOrder850, tuple[X12Error, ...]]:
        """Return the order and its warnings; raise on the first content error."""
        beg = self.beg
        if beg is None:
            raise X12ContentError(
                f"transaction {self.envelope.transaction_control}: the mandatory BEG segment is "
                "missing", segment_id="BEG", segment_code="3", transaction_code="5",
                transaction_segment_position=2)
        lines = tuple(_freeze_line(d, i) for i, d in enumerate(self.lines, start=1))
        order = PurchaseOrder850(
            envelope=self.envelope, purpose=beg.code(1, "transaction set purpose code"),
            order_type=beg.code(2, "purchase order type code"),
            po_number=beg.required(3, "purchase order number"),
            order_date=_required_date(beg.date(5, "purchase order date", required=True)),
            release=beg.text(4), currency=self.currency, references=tuple(self.header.refs),
            contacts=tuple(self.header.contacts), dates=self.header.dates,
            carriers=tuple(self.carriers),
            parties=tuple(p.freeze() for p in self.header.parties),
            charges=tuple(self.header.charges), lines=lines)
        return self._summary(order, strict_hash_total)

    def _summary(self, order: PurchaseOrder850,
                 strict: bool) -> tuple[PurchaseOrder850, tuple[X12Error, ...]]:
        """Check CTT01 (number of PO1 segments) and CTT02 (hash total of PO102).

        A disagreement is a warning (the order is read, the 997 says E) unless `strict`.
        """
        ctt = self.ctt
        if ctt is None:
            return order, ()
        count = ctt.number(1, "number of line items", required=True)
        problems: list[X12ContentError] = []
        if count != len(order.lines):
            problems.append(ctt.error(f"says {ctt.seg.get(1)!r} line items but the transaction "
                                      f"has {len(order.lines)} PO1 segments", element=1,
                                      code=INVALID_CODE))
        total = ctt.number(2, "hash total")
        quantities = [line.quantity_text for line in order.lines]
        if total is not None and not hash_matches(total, quantities):
            problems.append(ctt.error(
                f"hash total {ctt.seg.get(2)!r} is not the sum of the PO102 quantities "
                f"({sum(line.quantity for line in order.lines)})", element=2,
                code=INVALID_CODE))
        if strict and problems:
            raise problems[0]
        assert count is not None
        return replace(order, line_count=int(count), hash_total=total), tuple(problems)


def _required_date(value: dt.date | None) -> dt.date:
    """Narrow a date that `required=True` guarantees."""
    assert value is not None
    return value


def map_850(segments: list[Segment], envelope: Envelope, *, strict_hash_total: bool = False
            ) -> tuple[PurchaseOrder850, tuple[X12Error, ...]]:
    """Map one ST..SE 850 transaction set; raise X12ContentError on the first fault."""
    builder = _Builder(envelope)
    control = envelope.transaction_control
    too_long: list[X12Error] = []
    for index in range(1, len(segments) - 1):
        view = View(segments[index], index + 1, control)
        builder.add(view)
        too_long.extend(w for w in [too_many_elements(view)] if w is not None)
    order, warnings = builder.build(strict_hash_total)
    return order, (*too_long, *warnings)
