"""Handlers of the signals that change the context open orders are judged in.

Each signal is handled in two steps. **Take** checks what the signal names and stores what
must be stored at once, in arrival order: a contract, licence, item fix or PO date is a fact
the next order must see. **Re-judge** finds the concerned orders, loads exactly their context
and judges them again. A signal handled now runs both in one unit of work. A queued signal
(`QueueSignal`, the API's `Prefer: respond-async`) runs take now and leaves re-judge to a
worker (`ReevaluateQueued`), which completes its work item in the re-judging transaction.

What a queued re-judge reads is the stored context at that moment, never a copy of the
signal, so two queued changes of one contract re-judge against the latest whichever runs
first. Stock and payments are amounts added to what is stored: they are applied by the
re-judging unit of work itself (amounts commute, so order does not matter).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ordex.domain.codes import ExceptionCode
from ordex.domain.commands import (
    ChangePriceContract,
    FixItemMaster,
    PostPayment,
    QueueSignal,
    ReceiveStock,
    RedateInboundPO,
    ReevaluateQueued,
    Signal,
    UploadLicence,
)
from ordex.domain.context_events import ItemMasterFixed, LicenceUploaded, PriceContractChanged
from ordex.domain.errors import InvalidPayloadError, UnknownInboundPOError
from ordex.domain.events import InboundPODated, PaymentPosted, StockReceived
from ordex.orchestrate import reevaluate
from ordex.orchestrate.pipeline import Pipeline
from ordex.orchestrate.ports import Need, UnitOfWork
from ordex.orchestrate.work import NewWork, WorkKind

SHORTFALL, CREDIT = ExceptionCode.INVENTORY_SHORTFALL, ExceptionCode.CREDIT_LIMIT_EXCEEDED
Target = Mapping[str, Any]
"""What a re-judge needs, as JSON (a queued work item's payload)."""


# -- now: take and re-judge in one unit of work -------------------------------------------

def handle_signal(cmd: Signal, uow: UnitOfWork, *, now: datetime) -> list[str]:
    """Take the signal and re-judge what it concerns; the cases it changed or closed."""
    with uow:
        target = TAKE[type(cmd)](cmd, uow)
        changed = rejudge(target, uow, now=now, signal=cmd)
    return changed


def queue_signal(cmd: QueueSignal, uow: UnitOfWork, *, now: datetime) -> str:
    """Take the signal now and queue its re-judging for a worker; the work's key."""
    with uow:
        target = {**TAKE[type(cmd.signal)](cmd.signal, uow), "queued_at": now.isoformat()}
        key = uuid.uuid4().hex  # two equal receipts are two receipts: never one key
        uow.enqueue([NewWork(WorkKind.REEVALUATE.value, key, target)])
        uow.commit()
    return key


def reevaluate_queued(cmd: ReevaluateQueued, uow: UnitOfWork, *, now: datetime) -> list[str]:
    """Re-judge what a queued signal concerns and complete its work, in one transaction."""
    with uow:
        changed = rejudge(cmd.target, uow, now=now,
                          complete=lambda: uow.complete((cmd.work_id,), worker=cmd.worker))
    return changed


# -- take: check, and store what is a fact at once -----------------------------------------

def _take_stock(cmd: ReceiveStock, uow: UnitOfWork) -> Target:
    uow.reference.require_receipt(item_id=cmd.item_id, warehouse_id=cmd.warehouse_id,
                                  po_id=cmd.po_id)
    return {"signal": "stock", "item_id": cmd.item_id, "warehouse_id": cmd.warehouse_id,
            "quantity": str(cmd.quantity), "po_id": cmd.po_id, "at": _iso(cmd.at)}


def _take_payment(cmd: PostPayment, uow: UnitOfWork) -> Target:
    uow.reference.require_known(customer_id=cmd.customer_id)
    return {"signal": "payment", "customer_id": cmd.customer_id, "amount": str(cmd.amount),
            "at": _iso(cmd.at)}


def _take_po_date(cmd: RedateInboundPO, uow: UnitOfWork) -> Target:
    key = uow.reference.po_position(cmd.po_id)
    if key is None:
        reason = f"no inbound PO {cmd.po_id} in the reference data"
        raise UnknownInboundPOError(f"po_id: {reason}", po_id=cmd.po_id, field="po_id",
                                    errors=[{"field": "po_id", "reason": reason}])
    uow.lock(Need(items=frozenset({key[0]})))
    uow.reference.set_po_due(cmd.po_id, cmd.due_date)
    return {"signal": "po_date", "po_id": cmd.po_id, "item_id": key[0], "warehouse_id": key[1],
            "due_date": cmd.due_date.isoformat(), "at": _iso(cmd.at)}


def _take_contract(cmd: ChangePriceContract, uow: UnitOfWork) -> Target:
    k = cmd.contract
    uow.lock(Need(customers=frozenset({k.customer_id}), items=frozenset({k.item_id})))
    uow.reference.require_known(customer_id=k.customer_id, item_id=k.item_id)
    uow.reference.require_unit(item_id=k.item_id, uom=k.uom)
    uow.reference.save_contract(k)
    return {"signal": "contract", "contract_id": k.contract_id, "customer_id": k.customer_id,
            "item_id": k.item_id, "at": _iso(cmd.at)}


def _take_item_fix(cmd: FixItemMaster, uow: UnitOfWork) -> Target:
    uow.lock(Need(items=frozenset({cmd.item_id})))
    uow.reference.require_known(item_id=cmd.item_id)
    _require_fix_fits(uow, cmd)
    uow.reference.save_item_fix(cmd.item, cmd.conversion)
    return {"signal": "item_fix", "item_id": cmd.item_id, "at": _iso(cmd.at)}


def _take_licence(cmd: UploadLicence, uow: UnitOfWork) -> Target:
    lic = cmd.licence
    uow.lock(Need(customers=frozenset({lic.customer_id})))
    uow.reference.require_known(customer_id=lic.customer_id)
    uow.reference.save_licence(lic)
    return {"signal": "licence", "customer_id": lic.customer_id,
            "licence_id": lic.licence_id, "at": _iso(cmd.at)}


TAKE: dict[type, Callable[[Any, UnitOfWork], Target]] = {
    ReceiveStock: _take_stock, PostPayment: _take_payment, RedateInboundPO: _take_po_date,
    ChangePriceContract: _take_contract, FixItemMaster: _take_item_fix,
    UploadLicence: _take_licence,
}


# -- re-judge: the concerned orders against the stored context -----------------------------

def rejudge(target: Mapping[str, Any], uow: UnitOfWork, *, now: datetime,
            signal: Signal | None = None, complete: Callable[[], None] | None = None
            ) -> list[str]:
    """Load what the target concerns, judge it again and commit (inside an open unit of work).

    With `signal` (handled now) its own data is applied to the loaded context, as the
    session unit of work of the simulator needs; without (queued), the stored data is read.
    """
    at = datetime.fromisoformat(target["at"]) if target.get("at") else now
    kind = target["signal"]
    if kind not in REJUDGE:
        raise InvalidPayloadError(f"signal: unknown kind {kind!r} in queued work",
                                  errors=[{"field": "signal", "reason": f"unknown {kind!r}"}])
    pipeline, changed = REJUDGE[kind](target, signal, uow, at)
    if complete is not None:
        complete()
    uow.commit(pipeline.take_changes())
    return changed


Rejudged = tuple[Pipeline, list[str]]


def _rejudge_stock(target: Target, _signal: Signal | None, uow: UnitOfWork,
                   at: datetime) -> Rejudged:
    item, warehouse = target["item_id"], target["warehouse_id"]
    uow.lock(Need(items=frozenset({item})))
    ids = uow.cases.orders_with_open(SHORTFALL, item_id=item, warehouse_id=warehouse)
    pipeline = uow.hydrate(Need(items=frozenset({item}), order_ids=frozenset(ids)))
    return pipeline, pipeline.on_stock_received(StockReceived(
        item, warehouse, Decimal(target["quantity"]), at, target["po_id"]), now=at)


def _rejudge_payment(target: Target, _signal: Signal | None, uow: UnitOfWork,
                     at: datetime) -> Rejudged:
    customer = target["customer_id"]
    uow.lock(Need(customers=frozenset({customer})))
    ids = uow.cases.orders_with_open(CREDIT, customer_id=customer)
    pipeline = uow.hydrate(Need(customers=frozenset({customer}), order_ids=frozenset(ids)))
    return pipeline, pipeline.on_payment(
        PaymentPosted(customer, Decimal(target["amount"]), at), now=at)


def _rejudge_po_date(target: Target, signal: Signal | None, uow: UnitOfWork,
                     at: datetime) -> Rejudged:
    item, warehouse, po_id = target["item_id"], target["warehouse_id"], target["po_id"]
    uow.lock(Need(items=frozenset({item})))
    ids = uow.cases.orders_with_open(SHORTFALL, item_id=item, warehouse_id=warehouse)
    pipeline = uow.hydrate(Need(items=frozenset({item}), order_ids=frozenset(ids)))
    stored = [po.due_date for po in pipeline.ctx.inbound.get((item, warehouse), ())
              if po.po_id == po_id]
    due = signal.due_date if isinstance(signal, RedateInboundPO) else (
        stored[0] if stored else date.fromisoformat(target["due_date"]))
    return pipeline, reevaluate.on_inbound_po_dated(pipeline, InboundPODated(po_id, due, at),
                                                    now=at)


def _rejudge_contract(target: Target, signal: Signal | None, uow: UnitOfWork,
                      at: datetime) -> Rejudged:
    customer, item = target["customer_id"], target["item_id"]
    uow.lock(Need(customers=frozenset({customer}), items=frozenset({item})))
    ids = uow.cases.open_orders_of(customer, item)
    pipeline = uow.hydrate(Need(customers=frozenset({customer}), items=frozenset({item}),
                                order_ids=frozenset(ids)))
    contract = signal.contract if isinstance(signal, ChangePriceContract) else next(
        (c for c in reversed(pipeline.ctx.contracts.get((customer, item), ()))
         if c.contract_id == target["contract_id"]), None)
    if contract is None:  # replaced by another contract id since: its own work re-judges
        return pipeline, []
    return pipeline, reevaluate.on_price_contract_changed(
        pipeline, PriceContractChanged(contract, at), now=at)


def _rejudge_item_fix(target: Target, signal: Signal | None, uow: UnitOfWork,
                      at: datetime) -> Rejudged:
    item = target["item_id"]
    uow.lock(Need(items=frozenset({item})))
    ids = uow.cases.orders_with_open_cases_for_item(item)
    pipeline = uow.hydrate(Need(items=frozenset({item}), order_ids=frozenset(ids)))
    fix = signal if isinstance(signal, FixItemMaster) else None  # queued: loaded as stored
    event = ItemMasterFixed(item, at, fix.item if fix else None, fix.conversion if fix else None)
    return pipeline, reevaluate.on_item_master_fixed(pipeline, event, now=at)


def _rejudge_licence(target: Target, signal: Signal | None, uow: UnitOfWork,
                     at: datetime) -> Rejudged:
    customer = target["customer_id"]
    uow.lock(Need(customers=frozenset({customer})))
    ids = uow.cases.orders_with_open(ExceptionCode.COMPLIANCE_HOLD, customer_id=customer)
    pipeline = uow.hydrate(Need(customers=frozenset({customer}), order_ids=frozenset(ids)))
    licence = signal.licence if isinstance(signal, UploadLicence) else next(
        (lic for lic in reversed(pipeline.ctx.licences.get(customer, ()))
         if lic.licence_id == target["licence_id"]), None)
    if licence is None:
        return pipeline, []
    return pipeline, reevaluate.on_licence_uploaded(pipeline, LicenceUploaded(licence, at),
                                                    now=at)


REJUDGE: dict[str, Callable[[Target, Signal | None, UnitOfWork, datetime], Rejudged]] = {
    "stock": _rejudge_stock, "payment": _rejudge_payment, "po_date": _rejudge_po_date,
    "contract": _rejudge_contract, "item_fix": _rejudge_item_fix, "licence": _rejudge_licence,
}


def _require_fix_fits(uow: UnitOfWork, cmd: FixItemMaster) -> None:
    """A conversion names the item it fixes and never re-scales the item's base unit."""
    fix = cmd.conversion
    if fix is None:
        return
    problem = ("item_id", f"the conversion is for {fix.item_id}, not {cmd.item_id}") \
        if fix.item_id != cmd.item_id else None
    if problem is None and fix.uom.upper() == uow.reference.base_unit(cmd.item_id) \
            and fix.base_qty != 1:
        problem = ("base_qty", f"{fix.uom} is the base unit of {cmd.item_id}; its base_qty is 1")
    if problem is not None:
        raise InvalidPayloadError(f"{problem[0]}: {problem[1]}",
                                  errors=[{"field": problem[0], "reason": problem[1]}])


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None
