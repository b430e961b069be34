"""Events that change the context orders are judged in (issue 3: continuous re-evaluation).

A stock receipt, a payment and an inbound PO date change are in `events.py`; these are the
reference-data changes that re-judge the open orders they concern.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ordex.domain.model import CustomerLicence, Item, PriceContract, UnitConversion


@dataclass(frozen=True, slots=True)
class PriceContractChanged:
    """A price contract was added or replaced (same contract id)."""

    contract: PriceContract
    at: datetime


@dataclass(frozen=True, slots=True)
class ItemMasterFixed:
    """Item master data was corrected: the item itself and/or one of its unit conversions."""

    item_id: str
    at: datetime
    item: Item | None = None
    conversion: UnitConversion | None = None


@dataclass(frozen=True, slots=True)
class LicenceUploaded:
    """A customer's licence was uploaded (new or renewed)."""

    licence: CustomerLicence
    at: datetime
