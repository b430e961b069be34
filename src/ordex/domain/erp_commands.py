"""Commands for the ERP: what a decision, automatic or a person's, asks the system of record.

Every command names its order, the case that decided it (`case_id`), a `reason` in words and a
`reason_code` (the exception code for a hold, the action code for a decision's change).
Quantities are in the item's base unit (`uom` says which), prices in the order's currency,
dates ISO 8601 (docs/erp.md, "Commands").
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ordex.domain.model import Address


@dataclass(frozen=True, slots=True)
class HoldLines:
    """Hold these lines of an order (empty lines = the whole order)."""

    order_id: str
    lines: tuple[int, ...]
    reason: str
    case_id: str
    reason_code: str = ""


@dataclass(frozen=True, slots=True)
class ReleaseLines:
    """Release these lines of an order for picking (empty lines = the whole order)."""

    order_id: str
    lines: tuple[int, ...]
    reason: str
    case_id: str
    reason_code: str = ""


@dataclass(frozen=True, slots=True)
class CancelOrder:
    """Cancel an order (for example a confirmed duplicate)."""

    order_id: str
    reason: str
    case_id: str
    reason_code: str = ""


@dataclass(frozen=True, slots=True)
class RevisePromise:
    """These lines will ship later than requested; promise this date."""

    order_id: str
    lines: tuple[int, ...]
    promise_date: str
    """The new promised ship date, ISO 8601 (YYYY-MM-DD)."""
    reason: str
    case_id: str
    reason_code: str = ""


@dataclass(frozen=True, slots=True)
class ChangeWarehouse:
    """Ship these lines (empty = the whole order) from another warehouse."""

    order_id: str
    lines: tuple[int, ...]
    warehouse_id: str
    reason: str
    case_id: str
    reason_code: str = ""


@dataclass(frozen=True, slots=True)
class Shipment:
    """One part of a split line: this much of this item from this warehouse, on this date."""

    item_id: str
    warehouse_id: str
    quantity: Decimal
    ship_date: str | None = None
    """ISO 8601; None: the order's requested ship date."""


@dataclass(frozen=True, slots=True)
class SplitLine:
    """Ship one line in parts (warehouses, dates), and backorder what no part covers."""

    order_id: str
    line_no: int
    shipments: tuple[Shipment, ...]
    backorder_quantity: Decimal
    uom: str
    reason: str
    case_id: str
    reason_code: str = ""


@dataclass(frozen=True, slots=True)
class ChangeQuantity:
    """Set a line's quantity."""

    order_id: str
    line_no: int
    quantity: Decimal
    uom: str
    reason: str
    case_id: str
    reason_code: str = ""


@dataclass(frozen=True, slots=True)
class ChangePrice:
    """Set a line's unit price, naming the contract it comes from (None: the list price)."""

    order_id: str
    line_no: int
    unit_price: Decimal
    currency: str
    contract_id: str | None
    reason: str
    case_id: str
    reason_code: str = ""


@dataclass(frozen=True, slots=True)
class SubstituteItem:
    """Ship another item on a line (a substitute, or the item a customer's part number means)."""

    order_id: str
    line_no: int
    item_id: str
    ordered_item_id: str
    quantity: Decimal
    uom: str
    warehouse_id: str
    reason: str
    case_id: str
    reason_code: str = ""


@dataclass(frozen=True, slots=True)
class CancelLine:
    """Cancel one line of an order (the rest ships)."""

    order_id: str
    line_no: int
    reason: str
    case_id: str
    reason_code: str = ""


@dataclass(frozen=True, slots=True)
class UpdateShipTo:
    """Ship the order to this address (`ship_to_id`: the master ship-to it came from)."""

    order_id: str
    ship_to: Address
    ship_to_id: str | None
    reason: str
    case_id: str
    reason_code: str = ""


@dataclass(frozen=True, slots=True)
class ChangeShipVia:
    """Ship the order by this carrier service."""

    order_id: str
    ship_via: str
    reason: str
    case_id: str
    reason_code: str = ""


@dataclass(frozen=True, slots=True)
class AddNote:
    """Put a note on the order (a decision the ERP keeps no field for, e.g. expedite)."""

    order_id: str
    text: str
    reason: str
    case_id: str
    reason_code: str = ""


@dataclass(frozen=True, slots=True)
class ApplyDecision:
    """Legacy catch-all (no longer written): an action with its parameters, as ordex sent
    decisions before each change had its own command. Outbox rows of this kind are still read
    and delivered."""

    order_id: str
    case_id: str
    action: str
    detail: dict[str, Any]
    reason: str
    policy_version: str


ErpCommand = (HoldLines | ReleaseLines | CancelOrder | RevisePromise | ChangeWarehouse
              | SplitLine | ChangeQuantity | ChangePrice | SubstituteItem | CancelLine
              | UpdateShipTo | ChangeShipVia | AddNote | ApplyDecision)

COMMAND_KINDS: dict[str, type] = {c.__name__: c for c in (
    HoldLines, ReleaseLines, CancelOrder, RevisePromise, ChangeWarehouse, SplitLine,
    ChangeQuantity, ChangePrice, SubstituteItem, CancelLine, UpdateShipTo, ChangeShipVia,
    AddNote, ApplyDecision)}
"""Every kind a stored outbox row may name."""
LEGACY_KINDS = frozenset({"ApplyDecision"})
"""Kinds still read and delivered but never written any more."""
CURRENT_KINDS = tuple(k for k in COMMAND_KINDS if k not in LEGACY_KINDS)
"""The kinds ordex writes today: every connector must map each of them."""


def json_ready(value: Any) -> Any:
    """Decimals and dates as strings, tuples as lists, dataclasses as objects."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: json_ready(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def as_json(command: ErpCommand) -> dict[str, Any]:
    """A command as a JSON object of its fields."""
    data: dict[str, Any] = json_ready(command)
    return data
