"""Unit-of-measure conversion per item."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from ordex.domain.model import Item, UnitConversion


class UnitTable:
    """Converts quantities and prices between an item's units and its base unit."""

    def __init__(self, items: Iterable[Item], conversions: Iterable[UnitConversion]) -> None:
        self._factor: dict[tuple[str, str], Decimal] = {}
        for item in items:
            self._factor[(item.item_id, item.base_uom.upper())] = Decimal(1)
        for conv in conversions:
            self._factor[(conv.item_id, conv.uom.upper())] = conv.base_qty

    def add(self, conversion: UnitConversion) -> None:
        """Add or replace one conversion."""
        self._factor[(conversion.item_id, conversion.uom.upper())] = conversion.base_qty

    def factor(self, item_id: str, uom: str) -> Decimal | None:
        """Base units in one `uom` of the item, or None when no conversion is known."""
        return self._factor.get((item_id, uom.upper()))

    def to_base(self, item_id: str, quantity: Decimal, uom: str) -> Decimal | None:
        """The quantity in the item's base unit, or None when the unit is not convertible."""
        factor = self.factor(item_id, uom)
        return None if factor is None else quantity * factor
