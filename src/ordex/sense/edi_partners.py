"""Trading partners: who an EDI interchange sender is, in our customer master."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ordex.sense.reference import rows


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

    @property
    def key(self) -> tuple[str, str]:
        """How an interchange finds its partner: (qualifier, id), both trimmed, upper case."""
        return partner_key(self.isa_qualifier, self.isa_id)


def partner_key(qualifier: str | None, sender: str | None) -> tuple[str, str]:
    """The lookup key of an ISA sender."""
    return ((qualifier or "").strip().upper(), (sender or "").strip().upper())


def load_partners(folder: Path) -> list[TradingPartner]:
    """trading_partners.csv of a reference folder (empty when the file is absent)."""
    path = folder / "trading_partners.csv"
    if not path.exists():
        return []
    return [
        TradingPartner(
            r.text("partner_id"),
            r.text("isa_qualifier", "ZZ"),
            r.text("isa_id"),
            r.text("customer_id"),
            r.text("warehouse_id"),
            int(r.decimal("lead_days", "0")),
            r.flag("strict_totals"),
        )
        for r in rows(path)
    ]
