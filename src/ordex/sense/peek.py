"""A first look at JSON payloads: which customers, items and orders a batch will touch.

A unit of work locks and loads exactly that before it judges the batch; a payload that does
not decode is skipped here and reported by intake itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from ordex.domain.errors import InvalidPayloadError
from ordex.sense.orders import decode_json, split_orders


def peek_docs(bodies: Iterable[bytes]) -> list[dict[str, Any]]:
    """The order objects of payloads that decode."""
    docs: list[dict[str, Any]] = []
    for body in bodies:
        try:
            data = decode_json(body)
        except InvalidPayloadError:  # intake itself reports why it does not read
            continue
        found = data if isinstance(data, list) else data.get("orders", [data]) if isinstance(
            data, dict) else []
        docs.extend(d for d in found if isinstance(d, dict))
    return docs


def is_batch(body: bytes) -> bool:
    """Whether a payload holds a list of orders (its items' cases are `raw-ID-INDEX`)."""
    try:
        return split_orders(decode_json(body))[1]
    except InvalidPayloadError:
        return False


def peek_keys(docs: Iterable[dict[str, Any]]) -> tuple[set[str], set[str], date | None]:
    """Customers, items and the earliest order date named in order objects."""
    customers: set[str] = set()
    items: set[str] = set()
    earliest: date | None = None
    for doc in docs:
        customers.add(str(doc.get("customer_id", "")))
        items.update(str(ln.get("item_id", "")) for ln in doc.get("lines", []) or []
                     if isinstance(ln, dict))
        try:
            day = date.fromisoformat(str(doc.get("order_date")))
        except ValueError:
            continue
        earliest = day if earliest is None or day < earliest else earliest
    return customers, items, earliest
