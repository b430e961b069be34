"""Earlier orders for duplicate detection, indexed so a check never scans a whole customer.

A same-PO duplicate is found by its normalised PO key; a near-identical one must share at
least one identical (item, quantity, unit) line with the new order (any similarity threshold
above zero implies it), so only orders sharing a line to the same ship-to are compared.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ordex.interpret.context import RecentOrder

Line = tuple[str, Decimal, str]


class RecentIndex:
    """Arrival-ordered earlier orders by customer and PO key, and by customer, place and line."""

    def __init__(self) -> None:
        self._seq: dict[str, int] = {}
        self._by_id: dict[str, RecentOrder] = {}
        self._by_po: dict[tuple[str, str], list[RecentOrder]] = defaultdict(list)
        self._by_line: dict[tuple[str, str, Line], list[RecentOrder]] = defaultdict(list)

    def add(self, customer_id: str, entry: RecentOrder) -> None:
        """Index an order (a second add of the same order id is ignored)."""
        if entry.order_id in self._by_id:
            return
        self._seq[entry.order_id] = len(self._seq)
        self._by_id[entry.order_id] = entry
        if entry.po_key:
            self._by_po[(customer_id, entry.po_key)].append(entry)
        for line in entry.lines:
            self._by_line[(customer_id, entry.ship_to_key, line)].append(entry)

    def find(self, order_id: str) -> RecentOrder | None:
        """An indexed order by id."""
        return self._by_id.get(order_id)

    def with_po(self, customer_id: str, key: str) -> list[RecentOrder]:
        """Orders of the customer with this PO key, newest first."""
        return list(reversed(self._by_po.get((customer_id, key), ()))) if key else []

    def sharing_lines(self, customer_id: str, place: str,
                      lines: Counter[Line]) -> list[RecentOrder]:
        """Orders of the customer to this place sharing an identical line, newest first."""
        found = {e.order_id: e for line in lines
                 for e in self._by_line.get((customer_id, place, line), ())}
        return sorted(found.values(), key=lambda e: -self._seq[e.order_id])


@dataclass(frozen=True)
class DupProbes:
    """What a batch's duplicate checks can match on: PO keys and exact lines."""

    po_keys: frozenset[str]
    lines: frozenset[Line]


def probes_for(docs: Iterable[Any]) -> DupProbes:
    """PO keys and (item, quantity, unit) lines of canonical order dicts (bad ones skipped)."""
    keys: set[str] = set()
    lines: set[Line] = set()
    for doc in docs:
        if not isinstance(doc, dict):
            continue
        keys.add("".join(str(doc.get("customer_po") or "").split()).upper().lstrip("0"))
        for line in doc.get("lines") or []:
            if not isinstance(line, dict):
                continue
            try:
                qty = Decimal(str(line.get("quantity"))).normalize()
            except (InvalidOperation, ValueError):
                continue
            for item in {line.get("item_id"), line.get("vendor_part"), line.get("buyer_part")}:
                if item:
                    lines.add((str(item), qty, str(line.get("uom") or "").upper()))
    return DupProbes(frozenset(keys - {""}), frozenset(lines))
