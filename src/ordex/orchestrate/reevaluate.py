"""Continuous re-evaluation: context events re-judge only the open orders they concern.

An inbound PO date change touches the orders waiting for stock on that item and warehouse;
a price-contract change the orders of that customer and item; an item master-data fix the
orders naming that item; a licence upload the customer's orders with a compliance case. The
orders are found through the work set's indexes (never a rescan). An open case whose
condition is gone is auto-resolved with the event as its reason; a new condition on an open
order opens a new case (id `ORDER@TIMESTAMP:CODE`, so it never collides with a closed one).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from ordex.domain.cases import Case, CaseState
from ordex.domain.codes import ExceptionCode
from ordex.domain.context_events import ItemMasterFixed, LicenceUploaded, PriceContractChanged
from ordex.domain.events import InboundPODated
from ordex.domain.model import Item, Order, UnitConversion
from ordex.interpret.context import DetectionContext
from ordex.interpret.registry import PLUGINS, codes_reevaluated_by
from ordex.orchestrate.pipeline import SYSTEM, Pipeline

C = ExceptionCode
STOCK_CODES = tuple(code for code, kind in PLUGINS.items() if kind.draws_stock)
"""Codes judged on the order's unallocated lines (allocated stock is the order's own)."""


def on_inbound_po_dated(p: Pipeline, event: InboundPODated, *, now: datetime) -> list[str]:
    """Move the PO's due date, then re-judge the orders waiting on that stock position."""
    key = p.ctx.redate_inbound(event.po_id, event.due_date)
    if key is None:
        return []
    waiting = sorted(p.work.shortfall_by_position.get(key, {}).values(),
                     key=lambda c: (c.opened_at, c.case_id))
    why = f"inbound PO {event.po_id} now due {event.due_date.isoformat()}"
    changed: list[str] = []
    for order_id in dict.fromkeys(c.order_id or "" for c in waiting):
        changed += rejudge(p, p.work.orders[order_id], codes_reevaluated_by(InboundPODated),
                           why=why, now=now)
    return changed


def on_price_contract_changed(p: Pipeline, event: PriceContractChanged, *,
                              now: datetime) -> list[str]:
    """Replace or add the contract, then re-judge that customer's orders of that item."""
    k = event.contract
    key = (k.customer_id, k.item_id)
    p.ctx.contracts[key] = [c for c in p.ctx.contracts.get(key, ())
                            if c.contract_id != k.contract_id] + [k]
    why = f"price contract {k.contract_id} changed"
    return _rejudge_all(p, p.work.by_customer_item.get(key, ()),
                        codes_reevaluated_by(PriceContractChanged), why, now)


def on_item_master_fixed(p: Pipeline, event: ItemMasterFixed, *, now: datetime) -> list[str]:
    """Apply the corrected item or conversion, then re-judge the orders naming the item."""
    apply_item_fix(p.ctx, event.item, event.conversion)
    why = f"master data of {event.item_id} fixed"
    order_ids = sorted(p.work.by_item.get(event.item_id, ()))
    changed = _rejudge_all(p, order_ids, codes_reevaluated_by(ItemMasterFixed), why, now)
    for order_id in order_ids:
        changed += _settle_stock(p, p.work.orders[order_id], why, now)
    return changed


def on_licence_uploaded(p: Pipeline, event: LicenceUploaded, *, now: datetime) -> list[str]:
    """Add the licence, then re-judge the customer's orders held by a code it concerns."""
    lic = event.licence
    p.ctx.licences[lic.customer_id] = [
        held for held in p.ctx.licences.get(lic.customer_id, ())
        if held.licence_id != lic.licence_id] + [lic]
    codes = codes_reevaluated_by(LicenceUploaded)
    held = [o for o in p.work.by_customer.get(lic.customer_id, ())
            if any(c.code in codes for c in p.work.open_cases.get(o, {}).values())]
    why = f"licence {lic.licence_id} ({lic.licence_type}) uploaded"
    return _rejudge_all(p, held, codes, why, now)


def apply_item_fix(ctx: DetectionContext, item: Item | None,
                   conversion: UnitConversion | None) -> None:
    """Put a corrected item and/or conversion in the context (a new item brings its base unit)."""
    if item is not None:
        ctx.items[item.item_id] = item
        ctx.units.add(replace(conversion, item_id=item.item_id)
                      if conversion else _base_unit(item))
    elif conversion is not None:
        ctx.units.add(conversion)


def rejudge(p: Pipeline, order: Order, codes: Iterable[ExceptionCode], *, why: str,
            now: datetime) -> list[str]:
    """Run the codes' detectors again; close cases that are gone, open the new ones."""
    if order.order_id in p.work.cancelled:
        return []
    changed: list[str] = []
    for code in codes:
        detector = p.by_code.get(code)
        if detector is None:
            continue
        judged = _unallocated(p, order) if code in STOCK_CODES else order
        findings = detector.evaluate(judged, p.ctx) if judged.lines else []
        case = _open_case(p, order.order_id, code)
        if (case is not None and code in STOCK_CODES
                and p.stock_waits(order.order_id) & set(case.lines)):
            continue  # the quantity or the duplicate is settled first (docs/decide.md)
        if case is not None and not findings:
            if code is C.INVENTORY_SHORTFALL:
                p._allocate(order, set(case.lines))  # the covered lines take their stock
            p.close(case, CaseState.AUTO_RESOLVED, actor=SYSTEM, reason=why, now=now)
            changed.append(case.case_id)
        elif case is None and findings:
            subject = f"{order.order_id}@{now.strftime('%Y%m%dT%H%M%S')}"
            customer = p.ctx.customers.get(order.customer_id)
            opened = p._open(subject, order, customer, findings[0], now)
            changed.append(opened.case_id)
    return changed


def _rejudge_all(p: Pipeline, order_ids: Iterable[str], codes: tuple[ExceptionCode, ...],
                 why: str, now: datetime) -> list[str]:
    changed: list[str] = []
    for order_id in sorted(order_ids):
        changed += rejudge(p, p.work.orders[order_id], codes, why=why, now=now)
    return changed


def _open_case(p: Pipeline, order_id: str, code: ExceptionCode) -> Case | None:
    return next((c for c in p.work.open_cases.get(order_id, {}).values() if c.code is code),
                None)


def _unallocated(p: Pipeline, order: Order) -> Order:
    """The order's lines that hold no allocation (allocated stock is the order's own)."""
    held = p.work.allocated.get(order.order_id, {})
    return replace(order, lines=tuple(ln for ln in order.lines if ln.line_no not in held))



def _base_unit(item: Item) -> UnitConversion:
    return UnitConversion(item.item_id, item.base_uom, Decimal(1))


def _settle_stock(p: Pipeline, order: Order, why: str, now: datetime) -> list[str]:
    """Once no master-data case holds the order, judge and allocate its unallocated lines."""
    if order.order_id in p.work.cancelled or _open_case(
            p, order.order_id, C.MASTER_DATA_CONFLICT) is not None:
        return []
    changed = rejudge(p, order, (C.INVENTORY_SHORTFALL,), why=why, now=now)
    short = _open_case(p, order.order_id, C.INVENTORY_SHORTFALL)
    blocked = set(short.lines) if short is not None else set()
    p._allocate(order, {ln.line_no for ln in _unallocated(p, order).lines} - blocked)
    return changed
