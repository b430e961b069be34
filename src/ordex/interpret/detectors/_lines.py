"""Helpers detectors share for reading order lines in base units."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from ordex.domain.model import Order, OrderLine
from ordex.interpret.context import DetectionContext


def known_lines(order: Order, ctx: DetectionContext) -> Iterator[tuple[OrderLine, Decimal]]:
    """Lines whose item is known and whose unit converts, with the quantity in base units."""
    for line in order.lines:
        if line.item_id not in ctx.items:
            continue
        base = ctx.units.to_base(line.item_id, line.quantity, line.uom)
        if base is not None:
            yield line, base


def qty(value: Decimal) -> str:
    """A quantity as people write it (no exponent, no trailing zeros)."""
    text = format(value.normalize(), "f")
    return text


def money(value: Decimal) -> str:
    """An amount with two decimals at least, more when the amount has them."""
    exponent = value.normalize().as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return f"{value:,.{places}f}"
