"""An order's content hash: the same as the dataclasses.asdict form stored hashes were made of."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from ordex.domain.model import Order, OrderLine
from ordex.sense.orders import _canonical, content_sha256, decode_json, parse_items, split_orders

ROOT = Path(__file__).resolve().parents[2]


def _as_stored_before(order: Order) -> str:
    """The hash as ordex computed it when the stored hashes were written."""
    data = dataclasses.asdict(dataclasses.replace(order, received_at=None, channel=""))
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=_canonical,
                                     separators=(",", ":")).encode()).hexdigest()


def _example_orders() -> list[Order]:
    orders: list[Order] = []
    for line in (ROOT / "examples" / "orders.ndjson").read_text().splitlines():
        items, _batch = split_orders(decode_json(line.encode()))
        orders += [p.order for p in parse_items(items, channel="api", batch=False)
                   if p.order is not None]
    return orders


def test_every_example_order_hashes_as_before() -> None:
    orders = _example_orders()
    assert len(orders) >= 3
    for order in orders:
        assert content_sha256(order) == _as_stored_before(order)


def test_identifiers_arrival_and_channel_hash_as_before_and_only_content_counts() -> None:
    order = _example_orders()[0]
    tagged = replace(order, lines=(replace(order.lines[0], identifiers=(("VN", "X-1"),
                                                                        ("BP", "77"))),
                                   *order.lines[1:]))
    assert content_sha256(tagged) == _as_stored_before(tagged)
    assert content_sha256(tagged) != content_sha256(order)
    moved = replace(order, received_at=datetime(2026, 1, 1, tzinfo=UTC), channel="edi")
    assert content_sha256(moved) == content_sha256(order)
    spelled = replace(order, lines=tuple(replace(ln, quantity=ln.quantity * Decimal("1.00"))
                                         for ln in order.lines))
    assert content_sha256(spelled) == content_sha256(order)  # 5 and 5.00 are one quantity
    more = replace(order, lines=(*order.lines, OrderLine(99, "X", Decimal(1), "EA", Decimal("2.50"))))
    assert content_sha256(more) == _as_stored_before(more) != content_sha256(order)
