"""Handlers of the signals that change the context open orders are judged in.

Each checks what the signal names, stores the change, finds the concerned orders, loads
exactly their context, re-judges them and commits: one unit of work.
"""

from __future__ import annotations

from datetime import datetime

from ordex.domain.codes import ExceptionCode
from ordex.domain.commands import (
    ChangePriceContract,
    FixItemMaster,
    PostPayment,
    ReceiveStock,
    RedateInboundPO,
    UploadLicence,
)
from ordex.domain.context_events import ItemMasterFixed, LicenceUploaded, PriceContractChanged
from ordex.domain.errors import InvalidPayloadError, UnknownInboundPOError
from ordex.domain.events import InboundPODated, PaymentPosted, StockReceived
from ordex.orchestrate import reevaluate
from ordex.orchestrate.ports import Need, UnitOfWork

SHORTFALL, CREDIT = ExceptionCode.INVENTORY_SHORTFALL, ExceptionCode.CREDIT_LIMIT_EXCEEDED


def receive_stock(cmd: ReceiveStock, uow: UnitOfWork, *, now: datetime) -> list[str]:
    """Apply a stock receipt and auto-resolve the shortfalls it covers."""
    event = StockReceived(cmd.item_id, cmd.warehouse_id, cmd.quantity, cmd.at or now, cmd.po_id)
    with uow:
        uow.lock(Need(items=frozenset({cmd.item_id})))
        uow.reference.require_receipt(item_id=cmd.item_id, warehouse_id=cmd.warehouse_id,
                                      po_id=cmd.po_id)
        ids = uow.cases.orders_with_open(SHORTFALL, item_id=cmd.item_id,
                                         warehouse_id=cmd.warehouse_id)
        pipeline = uow.hydrate(Need(items=frozenset({cmd.item_id}), order_ids=frozenset(ids)))
        closed = pipeline.on_stock_received(event, now=event.at)
        uow.commit(pipeline.take_changes())
    return closed


def post_payment(cmd: PostPayment, uow: UnitOfWork, *, now: datetime) -> list[str]:
    """Apply a payment and release the credit holds it clears."""
    event = PaymentPosted(cmd.customer_id, cmd.amount, cmd.at or now)
    with uow:
        uow.lock(Need(customers=frozenset({cmd.customer_id})))
        uow.reference.require_known(customer_id=cmd.customer_id)
        ids = uow.cases.orders_with_open(CREDIT, customer_id=cmd.customer_id)
        pipeline = uow.hydrate(Need(customers=frozenset({cmd.customer_id}),
                                    order_ids=frozenset(ids)))
        closed = pipeline.on_payment(event, now=event.at)
        uow.commit(pipeline.take_changes())
    return closed


def redate_inbound_po(cmd: RedateInboundPO, uow: UnitOfWork, *, now: datetime) -> list[str]:
    """A supplier re-dated an inbound PO: shortfalls on its position are re-judged."""
    event = InboundPODated(cmd.po_id, cmd.due_date, cmd.at or now)
    with uow:
        key = uow.reference.po_position(cmd.po_id)
        if key is None:
            reason = f"no inbound PO {cmd.po_id} in the reference data"
            raise UnknownInboundPOError(f"po_id: {reason}", po_id=cmd.po_id, field="po_id",
                                        errors=[{"field": "po_id", "reason": reason}])
        uow.lock(Need(items=frozenset({key[0]})))
        uow.reference.set_po_due(cmd.po_id, cmd.due_date)
        ids = uow.cases.orders_with_open(SHORTFALL, item_id=key[0], warehouse_id=key[1])
        pipeline = uow.hydrate(Need(items=frozenset({key[0]}), order_ids=frozenset(ids)))
        changed = reevaluate.on_inbound_po_dated(pipeline, event, now=event.at)
        uow.commit(pipeline.take_changes())
    return changed


def change_price_contract(cmd: ChangePriceContract, uow: UnitOfWork, *,
                          now: datetime) -> list[str]:
    """A contract was added or replaced: that customer's open orders of the item are re-judged."""
    k, event = cmd.contract, PriceContractChanged(cmd.contract, cmd.at or now)
    with uow:
        uow.lock(Need(customers=frozenset({k.customer_id}), items=frozenset({k.item_id})))
        uow.reference.require_known(customer_id=k.customer_id, item_id=k.item_id)
        uow.reference.require_unit(item_id=k.item_id, uom=k.uom)
        uow.reference.save_contract(k)
        ids = uow.cases.open_orders_of(k.customer_id, k.item_id)
        pipeline = uow.hydrate(Need(customers=frozenset({k.customer_id}),
                                    items=frozenset({k.item_id}), order_ids=frozenset(ids)))
        changed = reevaluate.on_price_contract_changed(pipeline, event, now=event.at)
        uow.commit(pipeline.take_changes())
    return changed


def fix_item_master(cmd: FixItemMaster, uow: UnitOfWork, *, now: datetime) -> list[str]:
    """Item master data was fixed: orders of the item with open cases are re-judged."""
    event = ItemMasterFixed(cmd.item_id, cmd.at or now, cmd.item, cmd.conversion)
    with uow:
        uow.lock(Need(items=frozenset({cmd.item_id})))
        uow.reference.require_known(item_id=cmd.item_id)
        _require_fix_fits(uow, event)
        uow.reference.save_item_fix(cmd.item, cmd.conversion)
        ids = uow.cases.orders_with_open_cases_for_item(cmd.item_id)
        pipeline = uow.hydrate(Need(items=frozenset({cmd.item_id}), order_ids=frozenset(ids)))
        changed = reevaluate.on_item_master_fixed(pipeline, event, now=event.at)
        uow.commit(pipeline.take_changes())
    return changed


def upload_licence(cmd: UploadLicence, uow: UnitOfWork, *, now: datetime) -> list[str]:
    """A licence arrived: the customer's compliance holds are re-judged."""
    lic, event = cmd.licence, LicenceUploaded(cmd.licence, cmd.at or now)
    with uow:
        uow.lock(Need(customers=frozenset({lic.customer_id})))
        uow.reference.require_known(customer_id=lic.customer_id)
        uow.reference.save_licence(lic)
        ids = uow.cases.orders_with_open(ExceptionCode.COMPLIANCE_HOLD,
                                         customer_id=lic.customer_id)
        pipeline = uow.hydrate(Need(customers=frozenset({lic.customer_id}),
                                    order_ids=frozenset(ids)))
        changed = reevaluate.on_licence_uploaded(pipeline, event, now=event.at)
        uow.commit(pipeline.take_changes())
    return changed


def _require_fix_fits(uow: UnitOfWork, event: ItemMasterFixed) -> None:
    """A conversion names the item it fixes and never re-scales the item's base unit."""
    fix = event.conversion
    if fix is None:
        return
    problem = ("item_id", f"the conversion is for {fix.item_id}, not {event.item_id}") \
        if fix.item_id != event.item_id else None
    if problem is None and fix.uom.upper() == uow.reference.base_unit(event.item_id) \
            and fix.base_qty != 1:
        problem = ("base_qty", f"{fix.uom} is the base unit of {event.item_id}; its base_qty is 1")
    if problem is not None:
        raise InvalidPayloadError(f"{problem[0]}: {problem[1]}",
                                  errors=[{"field": problem[0], "reason": problem[1]}])
