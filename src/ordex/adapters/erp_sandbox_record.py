"""The sandbox ERP's own record of an order, and what each command kind does to it.

A record is JSON: the order's header (warehouse, ship-to, carrier, promise, holds, notes,
status) and its lines by number (item, quantity, price and contract, warehouse, promise,
shipments of a split, backorder, status). It starts as the order ordex took in; every command
the sandbox receives is applied to it once (docs/erp.md, "The sandbox ERP").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from ordex.domain.erp_commands import (
    AddNote,
    ApplyDecision,
    CancelLine,
    CancelOrder,
    ChangePrice,
    ChangeQuantity,
    ChangeShipVia,
    ChangeWarehouse,
    ErpCommand,
    HoldLines,
    ReleaseLines,
    RevisePromise,
    SplitLine,
    SubstituteItem,
    UpdateShipTo,
    json_ready,
)

Record = dict[str, Any]


def seed_record(order: Mapping[str, Any] | None, lines: list[Mapping[str, Any]],
                order_id: str) -> Record:
    """The record of an order as ordex took it in (an unknown order: an empty one)."""
    head = order or {}
    return {"order_id": order_id, "status": "open",
            "warehouse_id": head.get("warehouse_id"), "ship_to": head.get("ship_to"),
            "ship_to_id": head.get("ship_to_code"), "ship_via": head.get("ship_via"),
            "promise_date": None, "order_held": False, "held_lines": [], "holds": {},
            "notes": [], "decisions": [],
            "lines": {str(ln["line_no"]): _line(ln, head.get("warehouse_id")) for ln in lines}}


def _line(row: Mapping[str, Any], warehouse: str | None) -> dict[str, Any]:
    return {"item_id": row.get("item_id"), "quantity": _text(row.get("quantity")),
            "uom": row.get("uom"), "unit_price": _text(row.get("unit_price")),
            "contract_id": None, "warehouse_id": warehouse, "promise_date": None,
            "shipments": [], "backorder_quantity": "0", "status": "open"}


def _text(value: Any) -> str | None:
    return None if value is None else format(Decimal(str(value)).normalize(), "f")


def _line_of(record: Record, line_no: int) -> dict[str, Any]:
    """A line of the record; a line it never saw is added empty (the ERP had it, ordex sent)."""
    found: dict[str, Any] = record["lines"].setdefault(
        str(line_no), _line({"line_no": line_no}, record.get("warehouse_id")))
    return found


def _targets(record: Record, lines: tuple[int, ...]) -> list[dict[str, Any]]:
    """The lines a command names (none named: every line of the order)."""
    if lines:
        return [_line_of(record, n) for n in lines]
    return list(record["lines"].values())


def _hold(r: Record, c: HoldLines) -> None:
    if c.lines:
        r["held_lines"] = sorted(set(r["held_lines"]) | set(c.lines))
    else:
        r["order_held"] = True
    r["holds"][c.case_id] = c.reason_code or c.reason


def _release(r: Record, c: ReleaseLines) -> None:
    every = {int(n) for n in r["lines"]}
    if not c.lines or set(c.lines) >= every:
        r["order_held"] = False
    r["held_lines"] = [] if not c.lines else sorted(set(r["held_lines"]) - set(c.lines))
    r["holds"].pop(c.case_id, None)


def _cancel(r: Record, c: CancelOrder) -> None:
    r["status"] = "cancelled"
    for line in r["lines"].values():
        line["status"] = "cancelled"


def _promise(r: Record, c: RevisePromise) -> None:
    if not c.lines:
        r["promise_date"] = c.promise_date
    for line in _targets(r, c.lines):
        line["promise_date"] = c.promise_date


def _warehouse(r: Record, c: ChangeWarehouse) -> None:
    if not c.lines:
        r["warehouse_id"] = c.warehouse_id
    for line in _targets(r, c.lines):
        line["warehouse_id"] = c.warehouse_id


def _split(r: Record, c: SplitLine) -> None:
    line = _line_of(r, c.line_no)
    line["shipments"] = json_ready(list(c.shipments))
    line["backorder_quantity"] = str(c.backorder_quantity)


def _quantity(r: Record, c: ChangeQuantity) -> None:
    line = _line_of(r, c.line_no)
    line["quantity"], line["uom"] = str(c.quantity), c.uom


def _price(r: Record, c: ChangePrice) -> None:
    line = _line_of(r, c.line_no)
    line["unit_price"], line["contract_id"] = str(c.unit_price), c.contract_id


def _substitute(r: Record, c: SubstituteItem) -> None:
    line = _line_of(r, c.line_no)
    line.update(item_id=c.item_id, ordered_item_id=c.ordered_item_id,
                quantity=str(c.quantity), uom=c.uom, warehouse_id=c.warehouse_id)


def _cancel_line(r: Record, c: CancelLine) -> None:
    _line_of(r, c.line_no)["status"] = "cancelled"


def _ship_to(r: Record, c: UpdateShipTo) -> None:
    r["ship_to"], r["ship_to_id"] = json_ready(c.ship_to), c.ship_to_id


def _ship_via(r: Record, c: ChangeShipVia) -> None:
    r["ship_via"] = c.ship_via


def _note(r: Record, c: AddNote) -> None:
    r["notes"].append({"text": c.text, "case_id": c.case_id, "reason_code": c.reason_code})


def _legacy(r: Record, c: ApplyDecision) -> None:
    r["decisions"].append({"action": c.action, "detail": json_ready(c.detail),
                           "case_id": c.case_id})


APPLY: dict[type, Callable[[Record, Any], None]] = {
    HoldLines: _hold, ReleaseLines: _release, CancelOrder: _cancel, RevisePromise: _promise,
    ChangeWarehouse: _warehouse, SplitLine: _split, ChangeQuantity: _quantity,
    ChangePrice: _price, SubstituteItem: _substitute, CancelLine: _cancel_line,
    UpdateShipTo: _ship_to, ChangeShipVia: _ship_via, AddNote: _note, ApplyDecision: _legacy}
"""What each command kind does to the record (every kind is here; a test checks)."""


def apply_command(record: Record, command: ErpCommand, *, message_id: str) -> None:
    """Apply one command to the record, in place."""
    APPLY[type(command)](record, command)
    record["last_message_id"] = message_id
