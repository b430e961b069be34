"""Tests hand commands to the bus the way entry points do; these build the common ones."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ordex.bootstrap import App
from ordex.domain import commands as c
from ordex.domain.context_events import LicenceUploaded, PriceContractChanged
from ordex.domain.events import InboundPODated, PaymentPosted, StockReceived
from ordex.orchestrate.intake import Outcome


def ingest(app: App, payloads: Iterable[tuple[bytes, str]], *, channel: str,
           key: str | None = None) -> list[Outcome]:
    """IngestOrders of (body, source) payloads."""
    outcomes: list[Outcome] = app.bus.handle(c.IngestOrders(tuple(payloads), channel, key))
    return outcomes


def receive(app: App, event: StockReceived) -> list[str]:
    """ReceiveStock as the event describes it."""
    closed: list[str] = app.bus.handle(c.ReceiveStock(event.item_id, event.warehouse_id,
                                                      event.quantity, event.po_id, event.at))
    return closed


def pay(app: App, event: PaymentPosted) -> list[str]:
    """PostPayment as the event describes it."""
    closed: list[str] = app.bus.handle(c.PostPayment(event.customer_id, event.amount, event.at))
    return closed


def redate(app: App, event: InboundPODated) -> list[str]:
    """RedateInboundPO as the event describes it."""
    changed: list[str] = app.bus.handle(c.RedateInboundPO(event.po_id, event.due_date,
                                                          event.at))
    return changed


def change_contract(app: App, event: PriceContractChanged) -> list[str]:
    """ChangePriceContract as the event describes it."""
    changed: list[str] = app.bus.handle(c.ChangePriceContract(event.contract, event.at))
    return changed


def upload_licence(app: App, event: LicenceUploaded) -> list[str]:
    """UploadLicence as the event describes it."""
    changed: list[str] = app.bus.handle(c.UploadLicence(event.licence, event.at))
    return changed


def act(app: App, case_id: str, *, action: str, actor: str, reason: str = "",
        params: dict[str, Any] | None = None) -> dict[str, Any]:
    """TakeCase (action "take") or ResolveCase; the case as it now stands."""
    if action == "take":
        app.bus.handle(c.TakeCase(case_id, actor))
    else:
        app.bus.handle(c.ResolveCase(case_id, actor, action, reason, params or {}))
    return app.queries.case(case_id) or {}
