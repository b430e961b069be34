"""The parameters of a person's action: taken from the request or the recommendation, checked.

Each reader returns the detail the ERP command carries, or raises ActionParameterError naming
the parameter and the reason (422 on the API, exit 2 on the CLI).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from ordex.domain.cases import Case
from ordex.domain.codes import Action
from ordex.domain.errors import ActionParameterError
from ordex.domain.model import Order
from ordex.interpret.context import DetectionContext
from ordex.sense.reference_schema import DAY

ADDRESS_FIELDS = ("name", "line1", "line2", "city", "state", "postal_code", "country")
NEEDED_ADDRESS = ("line1", "city", "state", "postal_code")


def given_or_recommended(case: Case, action: Action, param: str, given: Any) -> Any:
    """The request's value, else the one the case's recommendation proposed (None: neither)."""
    if given is not None:
        return given
    alternatives = (case.evidence.get("recommendation") or {}).get("alternatives") or {}
    effect = alternatives.get(action.value) or {}
    if param == "warehouse_id" and effect.get("allocations"):
        return {"allocations": effect["allocations"]}
    if param == "prices" and not effect.get(param):
        return _evidence_prices(case)
    if param == "lines" and effect.get("allocations"):  # BACKORDER: ship what there is
        return {"allocations": effect["allocations"],
                "backorders": effect.get("backorders") or {}}
    return effect.get(param)


def _evidence_prices(case: Case) -> dict[str, str] | None:
    """REPRICE's default: the price the finding names per line (the margin floor for
    MARGIN_BELOW_FLOOR, the contract or list price for PRICE_MISMATCH); None when it names none."""
    prices = {}
    for entry in case.evidence.get("lines") or []:
        if not isinstance(entry, dict):
            continue
        price = entry.get("floor_price") or entry.get("expected_price")
        if entry.get("line") is not None and price is not None:
            prices[str(entry["line"])] = str(price)
    return prices or None


def _missing(param: str, action: str) -> ActionParameterError:
    return ActionParameterError(f"{param}: required for {action} (the case's recommendation "
                                "has none to default to)", field=param)


def warehouse(ctx: DetectionContext, order: Order, case: Case, value: Any) -> dict[str, Any]:
    """ALTERNATE_WAREHOUSE: the case's lines ship from one other warehouse that has the stock."""
    if isinstance(value, dict) and value.get("allocations"):
        return feasible_allocations(ctx, order, case, value["allocations"])
    if not isinstance(value, str) or not value.strip():
        raise _missing("warehouse_id", "ALTERNATE_WAREHOUSE")
    wh = value.strip().upper()
    if ctx.warehouses and wh not in ctx.warehouses:
        raise ActionParameterError(f"warehouse_id: {wh} is not a warehouse on file",
                                   field="warehouse_id")
    plan = []
    for ln in order.lines:
        if ln.line_no not in case.lines and case.lines:
            continue
        base = ctx.units.to_base(ln.item_id, ln.quantity, ln.uom) or ln.quantity
        atp = ctx.atp(ln.item_id, wh, order.requested_ship_date).quantity
        if atp < base:
            raise ActionParameterError(f"warehouse_id: {wh} has {atp} of {ln.item_id} available "
                                       f"to promise, line {ln.line_no} needs {base}",
                                       field="warehouse_id")
        plan.append({"line": ln.line_no, "item_id": ln.item_id, "warehouse_id": wh,
                     "quantity": str(base)})
    return {"warehouse_id": wh, "allocations": plan}


def allocations(ctx: DetectionContext, order: Order, case: Case, value: Any) -> dict[str, Any]:
    """SPLIT_SHIPMENT / SUBSTITUTE_ITEM: a plan of (line, item, warehouse, quantity) rows."""
    if not isinstance(value, list) or not value:
        raise _missing("allocations", "this action")
    lines = set(case.lines) or {ln.line_no for ln in order.lines}
    plan = []
    for n, row in enumerate(value):
        where = f"allocations.{n}"
        try:
            line, qty = int(row["line"]), Decimal(str(row["quantity"]))
            item, wh = str(row["item_id"]), str(row["warehouse_id"]).upper()
        except (KeyError, TypeError, ValueError, InvalidOperation):
            raise ActionParameterError(f"{where}: needs line, item_id, warehouse_id and a "
                                       "numeric quantity", field=where) from None
        if line not in lines or qty <= 0 or item not in ctx.items or (
                ctx.warehouses and wh not in ctx.warehouses):
            raise ActionParameterError(f"{where}: line {line} of the case, a known item and "
                                       "warehouse and a positive quantity are required",
                                       field=where)
        plan.append({**{k: v for k, v in row.items()}, "line": line, "item_id": item,
                     "warehouse_id": wh, "quantity": str(qty)})
    return {"allocations": plan}


def feasible_allocations(ctx: DetectionContext, order: Order, case: Case,
                         value: Any) -> dict[str, Any]:
    """SPLIT_SHIPMENT / SUBSTITUTE_ITEM / a warehouse plan: the rows, each with the stock
    available to promise now (by the requested ship date plus its late days)."""
    rows = allocations(ctx, order, case, value)["allocations"]
    need: dict[tuple[str, str, int], Decimal] = {}
    for row in rows:
        key = (row["item_id"], row["warehouse_id"], int(row.get("late_days") or 0))
        need[key] = need.get(key, Decimal(0)) + Decimal(row["quantity"])
    for (item, wh, late), qty in need.items():
        day = order.requested_ship_date + timedelta(days=late)
        free = ctx.atp(item, wh, day).quantity
        if free < qty:
            raise ActionParameterError(f"allocations: {wh} has {free.normalize():f} of {item} "
                                       f"available to promise, the plan needs "
                                       f"{qty.normalize():f}", field="allocations")
    return {"allocations": rows}


def case_lines(ctx: DetectionContext, order: Order, case: Case, value: Any) -> dict[str, Any]:
    """BACKORDER / EXPEDITE: the lines concerned (the case's, else the whole order); with the
    recommended plan's stock (checked like any allocation) and what is backordered."""
    detail = dict(value) if isinstance(value, dict) else {}
    if detail.get("allocations"):
        detail.update(_available_now(ctx, order, case, detail))
    return {**detail, "lines": list(case.lines) or [ln.line_no for ln in order.lines]}


def _available_now(ctx: DetectionContext, order: Order, case: Case,
                   detail: dict[str, Any]) -> dict[str, Any]:
    """A backorder ships what is there now: each row of the plan is cut to the stock available
    to promise today (the plan may be hours old); what it cannot ship is backordered."""
    rows = allocations(ctx, order, case, detail["allocations"])["allocations"]
    backorders = {str(k): Decimal(str(v)) for k, v in (detail.get("backorders") or {}).items()}
    used: dict[tuple[str, str], Decimal] = {}
    kept = []
    for row in rows:
        key = (row["item_id"], row["warehouse_id"])
        day = order.requested_ship_date + timedelta(days=int(row.get("late_days") or 0))
        free = ctx.atp(*key, day).quantity - used.get(key, Decimal(0))
        qty = min(Decimal(row["quantity"]), max(free, Decimal(0)))
        short = Decimal(row["quantity"]) - qty
        if short > 0:
            line = str(row["line"])
            backorders[line] = backorders.get(line, Decimal(0)) + short
        if qty > 0:
            used[key] = used.get(key, Decimal(0)) + qty
            kept.append({**row, "quantity": str(qty)})
    return {"allocations": kept, "backorders": {k: str(v) for k, v in backorders.items()}}


def prices(_ctx: DetectionContext, order: Order, case: Case, value: Any) -> dict[str, Any]:
    """REPRICE: the new unit price per line number (lines of the case)."""
    if not isinstance(value, dict) or not value:
        raise _missing("prices", "REPRICE")
    known = {ln.line_no for ln in order.lines if not case.lines or ln.line_no in case.lines}
    out: dict[str, str] = {}
    for key, raw in value.items():
        try:
            line, price = int(key), Decimal(str(raw))
        except (TypeError, ValueError, InvalidOperation):
            raise ActionParameterError(f"prices.{key}: a line number and a price are required",
                                       field=f"prices.{key}") from None
        if line not in known or not price.is_finite() or price < 0:
            raise ActionParameterError(f"prices.{key}: line {line} is not a line of the case "
                                       "or the price is negative", field=f"prices.{key}")
        out[str(line)] = str(price)
    return {"prices": out}


def promise_date(_ctx: DetectionContext, order: Order, _case: Case, value: Any) -> dict[str, Any]:
    """REVISE_PROMISE: a date not before the order date."""
    if value is None:
        raise _missing("promise_date", "REVISE_PROMISE")
    try:
        day = value if isinstance(value, date) else DAY.parse(str(value))
    except ValueError:
        raise ActionParameterError(f"promise_date: {value!r} is not a date (YYYY-MM-DD)",
                                   field="promise_date") from None
    if day < order.order_date:
        raise ActionParameterError(f"promise_date: {day.isoformat()} is before the order date "
                                   f"{order.order_date.isoformat()}", field="promise_date")
    return {"promise_date": day.isoformat()}


def address(ctx: DetectionContext, _order: Order, _case: Case, value: Any) -> dict[str, Any]:
    """CORRECT_ADDRESS: a complete address whose postal code lies in its state."""
    if not isinstance(value, dict):
        raise _missing("address", "CORRECT_ADDRESS")
    got = {k: str(value.get(k) or "").strip() for k in ADDRESS_FIELDS}
    got["country"] = (got["country"] or "US").upper()
    got["state"] = got["state"].upper()
    empty = [k for k in NEEDED_ADDRESS if not got[k]]
    if empty:
        raise ActionParameterError(f"address.{empty[0]}: required", field=f"address.{empty[0]}")
    state = ctx.postal.state_of(got["country"], got["postal_code"])
    if state is not None and state != got["state"]:
        raise ActionParameterError(f"address.postal_code: {got['postal_code']} is in {state}, "
                                   f"not {got['state']}", field="address.postal_code")
    return {"address": got}


def _given_text(value: Any, param: str, action: str) -> str:
    """A text parameter, stripped; required."""
    if not isinstance(value, str) or not value.strip():
        raise _missing(param, action)
    return value.strip()


def ship_via(ctx: DetectionContext, _order: Order, _case: Case, value: Any) -> dict[str, Any]:
    """ASSIGN_CARRIER: a carrier service on file."""
    via = _given_text(value, "ship_via", "ASSIGN_CARRIER").upper()
    if ctx.services and via not in ctx.services:
        raise ActionParameterError(f"ship_via: {via} is not a carrier service on file; on file: "
                                   f"{', '.join(sorted(ctx.services))}", field="ship_via")
    return {"ship_via": via}


def item(ctx: DetectionContext, _order: Order, _case: Case, value: Any) -> dict[str, Any]:
    """MAP_ITEM: the item on file the case's lines really mean."""
    item_id = _given_text(value, "item_id", "MAP_ITEM")
    if item_id not in ctx.items:
        raise ActionParameterError(f"item_id: {item_id} is not an item on file",
                                   field="item_id")
    return {"item_id": item_id}


def quantities(_ctx: DetectionContext, order: Order, case: Case, value: Any) -> dict[str, Any]:
    """CHANGE_QUANTITY: the new quantity per line number (lines of the case, in their unit)."""
    if not isinstance(value, dict) or not value:
        raise _missing("quantities", "CHANGE_QUANTITY")
    known = {ln.line_no for ln in order.lines if not case.lines or ln.line_no in case.lines}
    out: dict[str, str] = {}
    for key, raw in value.items():
        try:
            line, qty = int(key), Decimal(str(raw))
        except (TypeError, ValueError, InvalidOperation):
            raise ActionParameterError(f"quantities.{key}: a line number and a quantity are "
                                       "required", field=f"quantities.{key}") from None
        if line not in known or not qty.is_finite() or qty <= 0:
            raise ActionParameterError(f"quantities.{key}: line {line} is not a line of the "
                                       "case or the quantity is not positive (CANCEL_LINE "
                                       "cancels a line)", field=f"quantities.{key}")
        out[str(line)] = str(qty)
    return {"quantities": out}


def cancel_lines(_ctx: DetectionContext, order: Order, case: Case, value: Any) -> dict[str, Any]:
    """CANCEL_LINE: the lines to cancel (default: the case's); never every line of the order
    (CANCEL_DUPLICATE or the ERP cancels a whole order)."""
    lines = value if value is not None else list(case.lines)
    if not isinstance(lines, list) or not lines:
        raise _missing("lines", "CANCEL_LINE")
    try:
        wanted = sorted({int(n) for n in lines})
    except (TypeError, ValueError):
        raise ActionParameterError("lines: line numbers are required", field="lines") from None
    known = {ln.line_no for ln in order.lines}
    if not set(wanted) <= known:
        raise ActionParameterError(f"lines: {sorted(set(wanted) - known)} not on the order",
                                   field="lines")
    if set(wanted) == known:
        raise ActionParameterError("lines: cancelling every line cancels the order; not an "
                                   "action on a line", field="lines")
    return {"lines": wanted}
