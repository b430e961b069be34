"""855 line statuses (ACK01) from what was decided about each line (docs/edi-x12.md).

A case applied automatically says what happens to its lines: a plan that substitutes (IS),
ships part now and backorders the rest (IQ + IB), backorders all (IB) or ships later (DR);
a revised promise (DR with the date); a reprice (IP with the price); a cancelled duplicate
(IR). A case still open waits for a person: IB for a shortfall, IH for anything else. When
several cases change one line, the line is IC with every change, unless one holds,
backorders or rejects it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from ordex.decide.engine import Recommendation
from ordex.domain.cases import Case
from ordex.domain.codes import Action, ExceptionCode
from ordex.domain.model import Order, OrderLine
from ordex.interpret.context import DetectionContext
from ordex.sense.x12 import LineAck

_PLANS = frozenset({Action.SUBSTITUTE_ITEM, Action.BACKORDER, Action.SPLIT_SHIPMENT,
                    Action.ALTERNATE_WAREHOUSE})
_FINAL = ("IR", "IH", "IB")
"""Statuses that win over any change on the same line, in this order."""
_CHANGES = frozenset({"IQ", "IS", "DR", "IP", "IC"})


def _line_units(line: OrderLine, base: Decimal, ctx: DetectionContext) -> Decimal:
    """A base-unit quantity in the line's unit of measure."""
    total = ctx.units.to_base(line.item_id, line.quantity, line.uom)
    return line.quantity if not total else (line.quantity * base / total).normalize()


def _substitute(item_id: str, ctx: DetectionContext) -> tuple[tuple[str, str], ...]:
    """The substitute's identifiers for ACK07..: our part number and its GTIN when on file."""
    item = ctx.items.get(item_id)
    gtin = item.gtin if item is not None else ""
    return (("VN", item_id), *((("UK", gtin),) if gtin else ()))


def _from_plan(line: OrderLine, rec: Recommendation, ctx: DetectionContext) -> list[LineAck]:
    """IS / IQ + IB / IB / DR / IA for one line of an applied sourcing plan."""
    effect: dict[str, Any] = rec.chosen.effect
    n = line.line_no
    allocs = [a for a in effect.get("allocations", []) if a.get("line") == n]
    back = Decimal(str(effect.get("backorders", {}).get(str(n), "0")))
    ship = rec.chosen.ship_date if any(a.get("late_days") for a in allocs) else None
    subs = [a["item_id"] for a in allocs if a.get("substitute")]
    if subs:
        return [LineAck(n, "IS", ship_date=ship, substitute=_substitute(subs[0], ctx))]
    if back > 0 and allocs:
        short = _line_units(line, back, ctx)
        return [LineAck(n, "IQ", quantity=line.quantity - short, ship_date=ship),
                LineAck(n, "IB", quantity=short)]
    if back > 0:
        return [LineAck(n, "IB")]
    return [LineAck(n, "DR", ship_date=ship)] if ship else [LineAck(n, "IA")]


def _applied(line: OrderLine, rec: Recommendation, ctx: DetectionContext) -> list[LineAck]:
    """What an automatically applied action does to one line."""
    action, n = rec.chosen.action, line.line_no
    if action in _PLANS:
        return _from_plan(line, rec, ctx)
    if action is Action.CANCEL_DUPLICATE:
        return [LineAck(n, "IR")]
    if action is Action.REVISE_PROMISE and rec.chosen.ship_date is not None:
        return [LineAck(n, "DR", ship_date=rec.chosen.ship_date)]
    price = rec.chosen.effect.get("prices", {}).get(str(n))
    if action is Action.REPRICE and price is not None:
        return [LineAck(n, "IP", unit_price=Decimal(str(price)))]
    return [LineAck(n, "IA")]


def _case_acks(case: Case, rec: Recommendation | None, order: Order,
               ctx: DetectionContext) -> list[LineAck]:
    """The acks one case gives the lines it concerns (every line for a whole-order case)."""
    lines = [ln for ln in order.lines if not case.lines or ln.line_no in case.lines]
    if case.is_open:
        if not case.blocks:
            return []
        status = "IB" if case.code is ExceptionCode.INVENTORY_SHORTFALL else "IH"
        return [LineAck(ln.line_no, status) for ln in lines]
    if rec is None or not rec.auto_apply:
        return []
    return [a for ln in lines for a in _applied(ln, rec, ctx)]


def _combine(acks: list[LineAck]) -> list[LineAck]:
    """One line's acks from several cases: hold/backorder/reject wins, changes merge to IC."""
    for status in _FINAL:
        if any(a.status == status for a in acks):
            return [a for a in acks if a.status == status][:1] if status != "IB" else (
                [a for a in acks if a.status in ("IQ", "IB")])
    changes = [a for a in acks if a.status in _CHANGES]
    if len({a.status for a in changes}) <= 1:
        return changes or acks[:1]
    first = changes[0]
    ship: date | None = next((a.ship_date for a in changes if a.ship_date), None)
    price = next((a.unit_price for a in changes if a.unit_price is not None), None)
    quantity = next((a.quantity for a in changes if a.quantity is not None), None)
    return [LineAck(first.line_no, "IC", quantity=quantity, unit_price=price, ship_date=ship)]


def line_statuses(*, order: Order, cases: list[Case], decisions: list[Recommendation],
                  ctx: DetectionContext) -> list[LineAck]:
    """The 855 acks of an order's lines from its cases and their recommendations."""
    recs = {r.case_id: r for r in decisions}
    per_line: dict[int, list[LineAck]] = {}
    for case in cases:
        for ack in _case_acks(case, recs.get(case.case_id), order, ctx):
            per_line.setdefault(ack.line_no, []).append(ack)
    return [a for n in sorted(per_line) for a in _combine(per_line[n])]
