"""The command handlers on the fake unit of work: one unit per call, one commit, the facts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from itertools import count
from typing import Any

import pytest

from ordex.decide.policy import Policy
from ordex.domain.commands import (
    IngestOrders,
    JudgeQueued,
    PostPayment,
    QueueOrders,
    QueueSignal,
    ReceiveStock,
    ReevaluateQueued,
    ResolveCase,
    TakeCase,
)
from ordex.domain.errors import (
    CaseChangedError,
    IllegalTransitionError,
    UnknownCaseError,
    UnknownReferenceError,
)
from ordex.domain.events import CaseChanged, CaseOpened, ErpCommandsQueued, OrderAccepted
from ordex.domain.model import Warehouse
from ordex.interpret.registry import REGISTRY
from ordex.orchestrate.bus import MessageBus
from ordex.orchestrate.handlers import cases, intake, signals
from ordex.orchestrate.pipeline import Pipeline

from builders import context, reference
from fakes import FakeUnitOfWork

NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)
HANDLERS: dict[type, Any] = {
    IngestOrders: intake.ingest_orders, QueueOrders: intake.queue_orders,
    JudgeQueued: intake.judge_queued, ReceiveStock: signals.handle_signal,
    PostPayment: signals.handle_signal, TakeCase: cases.take_case,
    ResolveCase: cases.resolve_case, QueueSignal: signals.queue_signal,
    ReevaluateQueued: signals.reevaluate_queued}


def _setup(**ref: Any) -> tuple[MessageBus, FakeUnitOfWork, list[object]]:
    ids, data = count(1), reference(**ref)
    data.warehouses = [Warehouse("WH1", "One", "IL", "60607")]
    pipeline = Pipeline(ctx=context(data), detectors=list(REGISTRY.values()),
                        policy=Policy(), new_id=lambda: f"R{next(ids):04d}")
    uow, facts = FakeUnitOfWork(pipeline), []
    bus = MessageBus(uow=lambda: uow, handlers={k: partial(_at_now, h)
                                                 for k, h in HANDLERS.items()})
    for kind in (OrderAccepted, CaseOpened, CaseChanged, ErpCommandsQueued):
        bus.subscribe(kind, facts.append)
    return bus, uow, facts


def _at_now(handler: Any, command: object, unit: FakeUnitOfWork) -> Any:
    return handler(command, unit, now=NOW)


def _order(order_id: str, qty: int, *, po: str | None = None) -> bytes:
    return json.dumps({
        "order_id": order_id, "customer_id": "ACME", "customer_po": po or f"PO-{order_id}",
        "order_date": "2026-11-23", "requested_ship_date": "2026-11-27", "warehouse_id": "WH1",
        "ship_via": "UPSN", "ship_to": {"name": "Acme", "line1": "1 Main St",
                                        "city": "Chicago", "state": "IL",
                                        "postal_code": "60607", "country": "US"},
        "lines": [{"line_no": 1, "item_id": "WIDGET", "quantity": qty, "uom": "EA",
                   "unit_price": "10.00"}]}).encode()


def test_ingest_orders_judges_the_payloads_in_one_unit_of_work_and_commits_once() -> None:
    bus, uow, facts = _setup(on_hand="50")
    outcomes = bus.handle(IngestOrders(((_order("A", 10), "t"), (_order("B", 90), "t")), "api"))
    assert [o.result["status"] for o in outcomes] == ["accepted", "held"]
    assert uow.entered == 1 and len(uow.written) == 1
    assert {type(f) for f in facts} == {OrderAccepted, CaseOpened, ErpCommandsQueued}
    assert CaseOpened("B:INVENTORY_SHORTFALL", "INVENTORY_SHORTFALL", "planning", "B") in facts
    assert uow.written[0].positions == {("WIDGET", "WH1"): (Decimal(0), Decimal(10))}


def test_the_same_order_sent_again_is_answered_from_the_first_unit_of_work() -> None:
    bus, uow, _facts = _setup()
    first = bus.handle(IngestOrders(((_order("A", 10), "t"),), "api"))[0]
    again = bus.handle(IngestOrders(((_order("A", 10), "t2"),), "api"))[0]
    assert again.replayed and again.result == first.result
    assert [len(w.orders) for w in uow.written] == [1, 0]


def test_a_stock_receipt_releases_the_shortfall_it_covers() -> None:
    bus, _uow, facts = _setup(on_hand="5")
    bus.handle(IngestOrders(((_order("A", 10), "t"),), "api"))
    assert bus.handle(ReceiveStock("WIDGET", "WH1", Decimal(3))) == []
    closed = bus.handle(ReceiveStock("WIDGET", "WH1", Decimal(5)))
    assert closed == ["A:INVENTORY_SHORTFALL"]
    assert CaseChanged("A:INVENTORY_SHORTFALL", "auto_resolved", None) in facts


def test_a_receipt_for_an_unknown_item_changes_nothing() -> None:
    bus, uow, _facts = _setup()
    with pytest.raises(UnknownReferenceError, match="item_id"):
        bus.handle(ReceiveStock("NOPE", "WH1", Decimal(3)))
    assert uow.written == []


def test_a_payment_releases_the_credit_hold_it_clears() -> None:
    bus, _uow, _facts = _setup(limit="50")
    [held] = bus.handle(IngestOrders(((_order("A", 10), "t"),), "api"))
    assert "A:CREDIT_LIMIT_EXCEEDED" in held.result["cases"]
    assert bus.handle(PostPayment("ACME", Decimal(10))) == []  # exposure still over the limit
    assert bus.handle(PostPayment("ACME", Decimal(60))) == ["A:CREDIT_LIMIT_EXCEEDED"]


def test_a_person_takes_then_resolves_a_case_and_a_stale_version_is_refused() -> None:
    bus, _uow, facts = _setup(on_hand="5")
    bus.handle(IngestOrders(((_order("A", 10), "t"),), "api"))
    case_id = "A:INVENTORY_SHORTFALL"
    bus.handle(TakeCase(case_id, "ann"))
    with pytest.raises(CaseChangedError):
        bus.handle(ResolveCase(case_id, "bob", "BACKORDER", "", expected_version=0))
    bus.handle(ResolveCase(case_id, "ann", "BACKORDER", "ship what is there"))
    assert CaseChanged(case_id, "resolved", "ann") in facts
    with pytest.raises(IllegalTransitionError, match="resolved"):
        bus.handle(ResolveCase(case_id, "bob", "BACKORDER", ""))
    with pytest.raises(UnknownCaseError):
        bus.handle(TakeCase("NOPE:INVENTORY_SHORTFALL", "ann"))


def test_queued_orders_are_stored_raw_first_and_judged_with_their_work_completed() -> None:
    bus, uow, _facts = _setup()
    assert bus.handle(QueueOrders(((_order("A", 10), "s:1", "K-1"),
                                   (_order("A", 10), "s:2", "K-1")), "broker")) == 2
    [work] = uow.queued
    assert len(uow.written[0].raw_payloads) == 1  # identical bytes are stored once
    assert uow.written[0].orders == []  # nothing judged before a worker takes it
    raws = tuple((str(r), k) for r, k in work.payload["raws"])
    outcomes = bus.handle(JudgeQueued((7,), raws, "w-1"))
    assert [o.replayed for o in outcomes] == [False, True]
    assert [o.result["order_id"] for o in outcomes] == ["A", "A"]
    assert len(uow.written[-1].orders) == 1


def test_a_queued_receipt_is_checked_at_once_and_releases_the_shortfall_when_a_worker_runs_it(
        ) -> None:
    bus, uow, _facts = _setup(on_hand="5")
    bus.handle(IngestOrders(((_order("A", 10), "t"),), "api"))
    with pytest.raises(UnknownReferenceError, match="item_id"):
        bus.handle(QueueSignal(ReceiveStock("NOPE", "WH1", Decimal(5))))
    assert uow.queued == []  # refused at once: nothing queued
    written = len(uow.written)
    bus.handle(QueueSignal(ReceiveStock("WIDGET", "WH1", Decimal(5))))
    [work] = uow.queued
    assert work.payload["signal"] == "stock" and work.payload["quantity"] == "5"
    assert all(not c.dirty_cases and not c.new_cases for c in uow.written[written:])
    closed = bus.handle(ReevaluateQueued(3, work.payload, "w-1"))
    assert closed == ["A:INVENTORY_SHORTFALL"]
    assert uow.completed == [((3,), "w-1")]


def test_a_queued_payment_releases_the_hold_only_when_re_judged() -> None:
    bus, uow, _facts = _setup(limit="50")
    bus.handle(IngestOrders(((_order("A", 10), "t"),), "api"))
    bus.handle(QueueSignal(PostPayment("ACME", Decimal(60))))
    [work] = uow.queued
    assert bus.handle(ReevaluateQueued(1, work.payload, "w-1")) == ["A:CREDIT_LIMIT_EXCEEDED"]
