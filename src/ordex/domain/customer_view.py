"""What a customer has been told about each order line, and what a decision changes of it.

A customer is never told two different things about one line: each line's last told state is
kept, every later decision is folded into it (so an update carries the line's whole current
state, never half of it), and an update is sent only for the lines whose state differs from
what was told (docs/notifications.md, "order.changed rows"). A value back at what was ordered
is cleared, so a change undone reads as the line as ordered again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

STATUSES = {
    "accepted": "ships as ordered",
    "held": "on hold, a decision pending",
    "backordered": "nothing ships now; the quantity ships when stock arrives",
    "partly_backordered": "part ships now, the rest when stock arrives",
    "substituted": "another item ships in its place",
    "rescheduled": "ships on a new date",
    "repriced": "ships at a new price",
    "quantity_changed": "ships a new quantity",
    "changed": "ships with several changes (quantity, price, date)",
    "cancelled": "will not ship",
}
"""A line's states as the customer is told them (the 855 ACK01 each maps to: docs/edi-x12.md)."""


def _norm(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.normalize()


@dataclass(frozen=True, slots=True)
class LineState:
    """One line as the customer was (or will be) told; None fields are as ordered."""

    status: str = "accepted"
    quantity: Decimal | None = None
    """What ships (now), in the line's unit."""
    backordered: Decimal | None = None
    item_id: str | None = None
    """The item that ships instead of the one ordered."""
    unit_price: Decimal | None = None
    ship_date: date | None = None

    def __post_init__(self) -> None:
        # 10 and 10.000000 are one quantity: states compare by value, whatever their source
        for name in ("quantity", "backordered", "unit_price"):
            object.__setattr__(self, name, _norm(getattr(self, name)))

    def as_dict(self) -> dict[str, Any]:
        """JSON form (decimals and dates as text, unset fields left out)."""
        out: dict[str, Any] = {"status": self.status}
        for name in ("quantity", "backordered", "unit_price"):
            value = getattr(self, name)
            if value is not None:
                out[name] = format(value, "f")
        if self.item_id is not None:
            out["item_id"] = self.item_id
        if self.ship_date is not None:
            out["ship_date"] = self.ship_date.isoformat()
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LineState:
        """The state a stored JSON object holds."""
        def dec(name: str) -> Decimal | None:
            return _norm(Decimal(str(data[name]))) if data.get(name) is not None else None
        day = data.get("ship_date")
        return cls(str(data.get("status") or "accepted"), dec("quantity"), dec("backordered"),
                   data.get("item_id"), dec("unit_price"),
                   date.fromisoformat(day) if day else None)


@dataclass(frozen=True, slots=True)
class Ordered:
    """A line as ordered: what a changed value is compared with."""

    quantity: Decimal
    unit_price: Decimal
    item_id: str
    ship_date: date


@dataclass(frozen=True, slots=True)
class LineChange:
    """What one command does to a line as the customer sees it (None: unchanged)."""

    line_no: int
    quantity: Decimal | None = None
    backordered: Decimal | None = None
    item_id: str | None = None
    unit_price: Decimal | None = None
    ship_date: date | None = None
    cancelled: bool = False


@dataclass(frozen=True, slots=True)
class OrderChange:
    """A decision that changes what will ship: its line changes, in order, and its messages."""

    order_id: str
    customer_id: str
    channel: str
    case_id: str
    action: str
    at: datetime
    changes: tuple[LineChange, ...]
    ordered: Mapping[int, Ordered]
    message_ids: tuple[str, ...] = ()


def fold(told: LineState | None, change: LineChange, ordered: Ordered) -> LineState:
    """The line's state after a change, from the state last told (None: as ordered)."""
    if change.cancelled:
        return LineState("cancelled")
    was = told or LineState()
    if was.status == "cancelled":
        return was  # a cancelled line stays cancelled: no later decision revives it
    def pick(new: Any, old: Any) -> Any:
        return old if new is None else new
    now = LineState(was.status, pick(_norm(change.quantity), was.quantity),
                    pick(_norm(change.backordered), was.backordered),
                    pick(change.item_id, was.item_id), pick(_norm(change.unit_price),
                                                            was.unit_price),
                    pick(change.ship_date, was.ship_date))
    now = replace(
        now,
        backordered=now.backordered if now.backordered else None,
        quantity=None if now.quantity == ordered.quantity.normalize() and not now.backordered
        else now.quantity,
        item_id=None if now.item_id == ordered.item_id else now.item_id,
        unit_price=None if now.unit_price == ordered.unit_price.normalize() else now.unit_price,
        ship_date=None if now.ship_date == ordered.ship_date else now.ship_date)
    return replace(now, status=status_of(now))


def status_of(state: LineState) -> str:
    """The status a line's values make (cancelled and held are set, never derived)."""
    if state.item_id is not None:
        return "substituted"
    if state.backordered:
        return "partly_backordered" if state.quantity else "backordered"
    changed = [name for name, value in (("quantity_changed", state.quantity),
                                        ("repriced", state.unit_price),
                                        ("rescheduled", state.ship_date)) if value is not None]
    if not changed:
        return "accepted"
    return changed[0] if len(changed) == 1 else "changed"


def to_tell(told: Mapping[int, LineState], changes: Sequence[OrderChange]
            ) -> dict[int, LineState]:
    """Fold an order's changes (in order) into what was told; the lines whose state differs
    from the last told, with their new state (a change undone in between tells nothing)."""
    current = dict(told)
    for change in changes:
        for lc in change.changes:
            ordered = change.ordered.get(lc.line_no)
            if ordered is not None:
                current[lc.line_no] = fold(current.get(lc.line_no), lc, ordered)
    return {n: s for n, s in sorted(current.items())
            if s != told.get(n, LineState()) and n in _touched(changes)}


def _touched(changes: Sequence[OrderChange]) -> set[int]:
    return {lc.line_no for c in changes for lc in c.changes}
