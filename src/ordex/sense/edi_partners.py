"""Trading partners: who an EDI interchange sender is, in our customer master."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ordex.sense.reference_csv import Problems, read_file
from ordex.sense.reference_schema import FLAG, Column, FileSchema, Kind, code, text, whole

CHANGE_PURPOSES = ("04", "05")
"""BAK01 (353) codes a partner may ask for in an 855 change: change, replace."""


def _purpose(raw: str) -> str:
    if raw.strip() not in CHANGE_PURPOSES:
        raise ValueError(f"'{raw}' is not one of {', '.join(CHANGE_PURPOSES)}")
    return raw.strip()


@dataclass(frozen=True, slots=True)
class TradingPartner:
    """An EDI sender (ISA05/ISA06) and the customer, warehouse and lead time it maps to."""

    partner_id: str
    isa_qualifier: str
    isa_id: str
    customer_id: str
    warehouse_id: str
    lead_days: int = 0
    strict_totals: bool = False
    """Reject an 850 whose CTT01/CTT02 disagree with its lines (default: read it, note it)."""
    change_purpose: str = "04"
    """BAK01 of the 855 that tells a later change: `04` change (default) or `05` replace, as
    the partner's guide asks."""

    @property
    def key(self) -> tuple[str, str]:
        """How an interchange finds its partner: (qualifier, id), both trimmed, upper case."""
        return partner_key(self.isa_qualifier, self.isa_id)


def partner_key(qualifier: str | None, sender: str | None) -> tuple[str, str]:
    """The lookup key of an ISA sender."""
    return ((qualifier or "").strip().upper(), (sender or "").strip().upper())


PARTNERS = FileSchema("trading_partners.csv", (
    Column("partner_id", text(100), True),
    Column("isa_qualifier", code(2), default="ZZ", doc="ISA05"),
    Column("isa_id", text(15), True, doc="ISA06, the sender id"),
    Column("customer_id", text(100), True),
    Column("warehouse_id", text(100), True, doc="where the partner's orders ship from"),
    Column("lead_days", whole(), default="0", doc="days added to the order date when an 850 "
                                                  "has no requested ship date"),
    Column("strict_totals", FLAG, doc="yes = reject an 850 whose CTT01/CTT02 disagree with "
                                      "its lines (default: read it and note the disagreement)"),
    Column("change_purpose", Kind("04 or 05", _purpose), default="04",
           doc="BAK01 of an 855 change: 04 change (default) or 05 replace, as the partner asks"),
), TradingPartner, key=("partner_id",),
    refs=(("customer_id", "customers.csv"), ("warehouse_id", "warehouses.csv")),
    doc="EDI senders (ISA05/ISA06) and what their 850s map to")


def load_partners(folder: Path) -> list[TradingPartner]:
    """trading_partners.csv of a reference folder alone (empty when the file is absent)."""
    path = folder / PARTNERS.name
    if not path.exists():
        return []
    problems = Problems()
    rows = read_file(path, PARTNERS, problems, label=str(path))
    problems.raise_any()
    return [PARTNERS.build(**row.values) for row in rows]
