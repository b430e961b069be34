"""A decision as the ERP commands it implies: a split is a SplitLine, a substitution a
SubstituteItem, a reprice a ChangePrice with its contract, and so on (docs/erp.md, "From a
decision to commands").

The same table serves an automatic remedy and a person's action (accepting the recommendation,
choosing another of the ranked actions, or overriding it with parameters of their own):
`commands_for` sees only the action and its validated detail.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ordex.domain.cases import Case
from ordex.domain.codes import Action
from ordex.domain.erp_commands import (
    AddNote,
    CancelLine,
    ChangePrice,
    ChangeQuantity,
    ChangeShipVia,
    ChangeWarehouse,
    ErpCommand,
    RevisePromise,
    Shipment,
    SplitLine,
    SubstituteItem,
    UpdateShipTo,
)
from ordex.domain.model import Address, Order, OrderLine
from ordex.interpret.context import DetectionContext

ZERO = Decimal(0)


class Decision:
    """What one decision is about: the order, the case, the action, its detail and why."""

    def __init__(self, *, order: Order, case: Case, action: Action, detail: Mapping[str, Any],
                 reason: str, ctx: DetectionContext) -> None:
        self.order, self.case, self.action, self.detail = order, case, action, detail
        self.reason, self.ctx = reason, ctx
        self.lines = {ln.line_no: ln for ln in order.lines}

    def case_lines(self) -> list[OrderLine]:
        """The lines the case concerns (every line for a whole-order case)."""
        return [ln for ln in self.order.lines if not self.case.lines
                or ln.line_no in self.case.lines]

    def base(self, item_id: str) -> str:
        """The base unit of an item (the unit plan quantities are in)."""
        item = self.ctx.items.get(item_id)
        return item.base_uom if item is not None else "EA"

    def base_quantity(self, line: OrderLine, item_id: str | None = None) -> Decimal:
        """A line's quantity in the base unit of its item (or of another item)."""
        return (self.ctx.units.to_base(item_id or line.item_id, line.quantity, line.uom)
                or line.quantity)

    def ship_date(self, late_days: int) -> str | None:
        """The date a plan row ships: the requested date plus its late days (None: on time)."""
        if not late_days:
            return None
        day: date = self.order.requested_ship_date + timedelta(days=late_days)
        return day.isoformat()

    def common(self) -> dict[str, str]:
        """The fields every command of this decision carries."""
        return {"reason": self.reason, "case_id": self.case.case_id,
                "reason_code": self.action.value}


def _plan(d: Decision) -> list[ErpCommand]:
    """A sourcing plan per line: one other warehouse → ChangeWarehouse; another item →
    SubstituteItem; several sources or a backorder → SplitLine; later → RevisePromise."""
    allocations = list(d.detail.get("allocations") or ())
    backorders = {int(k): Decimal(str(v)) for k, v in (d.detail.get("backorders") or {}).items()}
    if not allocations and d.detail.get("warehouse_id"):
        return [ChangeWarehouse(d.order.order_id, tuple(sorted(d.case.lines)),
                                str(d.detail["warehouse_id"]).upper(), **d.common())]
    planned = {int(a["line"]) for a in allocations} | set(backorders)
    if d.action is Action.BACKORDER:  # a case line the plan does not fill waits for stock
        planned |= {ln.line_no for ln in d.case_lines()}
    out: list[ErpCommand] = []
    for n in sorted(planned):
        line = d.lines.get(n)
        if line is None:
            continue
        rows = [a for a in allocations if int(a["line"]) == n]
        back = backorders.get(n, ZERO if rows else d.base_quantity(line))
        out.extend(_line_plan(d, line, rows, back))
    return out


def _line_plan(d: Decision, line: OrderLine, rows: list[Mapping[str, Any]],
               back: Decimal) -> list[ErpCommand]:
    n, c = line.line_no, d.common()
    if back <= 0 and len(rows) == 1:
        row = rows[0]
        item, wh = str(row["item_id"]), str(row["warehouse_id"])
        late = d.ship_date(int(row.get("late_days") or 0))
        found: list[ErpCommand] = []
        if item != line.item_id:
            found.append(SubstituteItem(d.order.order_id, n, item, line.item_id,
                                        Decimal(str(row["quantity"])), d.base(item), wh, **c))
        elif wh != d.order.warehouse_id:
            found.append(ChangeWarehouse(d.order.order_id, (n,), wh, **c))
        if late is not None:
            found.append(RevisePromise(d.order.order_id, (n,), late, **c))
        return found
    shipments = tuple(Shipment(str(r["item_id"]), str(r["warehouse_id"]),
                               Decimal(str(r["quantity"])),
                               d.ship_date(int(r.get("late_days") or 0))) for r in rows)
    return [SplitLine(d.order.order_id, n, shipments, back, d.base(line.item_id), **c)]


def _reprice(d: Decision) -> list[ErpCommand]:
    """ChangePrice per line, with the contract the finding priced it from (None: list price)."""
    contracts = {int(e["line"]): e.get("contract_id") for e in d.case.evidence.get("lines") or []
                 if isinstance(e, dict) and e.get("line") is not None}
    return [ChangePrice(d.order.order_id, int(k), Decimal(str(v)), d.order.currency,
                        contracts.get(int(k)), **d.common())
            for k, v in sorted((d.detail.get("prices") or {}).items(), key=lambda kv: int(kv[0]))]


def _ship_to(d: Decision) -> list[ErpCommand]:
    fields = {k: str(v or "") for k, v in (d.detail.get("address") or {}).items()
              if k in Address.__dataclass_fields__}
    ship_to_id = d.detail.get("ship_to_id")
    return [UpdateShipTo(d.order.order_id, Address(**fields),
                         str(ship_to_id) if ship_to_id else None, **d.common())]


def _map_item(d: Decision) -> list[ErpCommand]:
    item = str(d.detail["item_id"])
    return [SubstituteItem(d.order.order_id, ln.line_no, item, ln.item_id,
                           d.base_quantity(ln, item), d.base(item), d.order.warehouse_id,
                           **d.common()) for ln in d.case_lines() if ln.item_id != item]


def _expedite(d: Decision) -> list[ErpCommand]:
    lines = ",".join(str(n) for n in d.detail.get("lines") or sorted(d.lines))
    return [AddNote(d.order.order_id, f"expedite lines {lines}", **d.common())]


def _promise(d: Decision) -> list[ErpCommand]:
    return [RevisePromise(d.order.order_id, tuple(sorted(d.case.lines)),
                          str(d.detail["promise_date"]), **d.common())]


def _quantities(d: Decision) -> list[ErpCommand]:
    return [ChangeQuantity(d.order.order_id, int(k), Decimal(str(v)), d.lines[int(k)].uom,
                           **d.common())
            for k, v in sorted((d.detail.get("quantities") or {}).items(),
                               key=lambda kv: int(kv[0]))]


def _cancel_lines(d: Decision) -> list[ErpCommand]:
    return [CancelLine(d.order.order_id, int(n), **d.common())
            for n in sorted(d.detail.get("lines") or ())]


BUILDERS: dict[Action, Callable[[Decision], list[ErpCommand]]] = {
    Action.ALTERNATE_WAREHOUSE: _plan, Action.SPLIT_SHIPMENT: _plan,
    Action.SUBSTITUTE_ITEM: _plan, Action.BACKORDER: _plan, Action.REPRICE: _reprice,
    Action.CORRECT_ADDRESS: _ship_to,
    Action.ASSIGN_CARRIER: lambda d: [ChangeShipVia(d.order.order_id,
                                                    str(d.detail["ship_via"]), **d.common())],
    Action.MAP_ITEM: _map_item, Action.EXPEDITE: _expedite, Action.REVISE_PROMISE: _promise,
    Action.CHANGE_QUANTITY: _quantities, Action.CANCEL_LINE: _cancel_lines,
}
"""The commands each action implies (holds, releases and cancelling a duplicate are sent by
the pipeline itself; an action not here, like ACCEPT_PRICE, changes nothing in the ERP)."""


def commands_for(*, order: Order, case: Case, action: Action, detail: Mapping[str, Any],
                 reason: str, ctx: DetectionContext) -> list[ErpCommand]:
    """The ERP commands a decision implies, in the order they are to be applied."""
    build = BUILDERS.get(action)
    if build is None:
        return []
    return build(Decision(order=order, case=case, action=action, detail=detail, reason=reason,
                          ctx=ctx))
