"""Signals queued for workers: checked and stored at once, re-judged by a worker exactly once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from test_reevaluation_storage import bolt_order, state

from commands import ingest
from ordex.adapters.db import tables as t
from ordex.bootstrap import App, worker_handlers
from ordex.domain import commands as c
from ordex.domain.errors import UnknownReferenceError
from ordex.domain.model import CustomerLicence, PriceContract
from ordex.entrypoints.worker import main as run_worker

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


def work(app: App) -> list[tuple[str, str]]:
    with app.engine.connect() as conn:
        return [(r.kind, r.state) for r in conn.execute(  # SLA timers are work too: not these
            select(t.work_items.c.kind, t.work_items.c.state).where(
                t.work_items.c.kind == "reevaluate").order_by(t.work_items.c.id))]


def drain(app: App) -> None:
    assert run_worker(app.settings, once=True, handlers=worker_handlers(app),
                      clock=app.clock) == 0


def test_a_queued_licence_is_stored_at_once_and_releases_the_hold_when_a_worker_runs(
        example_app: App) -> None:
    app = example_app
    ingest(app, [(bolt_order("B-1", "10", "0.80"), "test")], channel="api")
    lic = CustomerLicence("BOLT", "DEA", "DEA-B1", date(2026, 1, 1), date(2026, 12, 31))
    app.bus.handle(c.QueueSignal(c.UploadLicence(lic, NOW)))
    with app.engine.connect() as conn:  # the licence is a fact at once: the next order sees it
        stored = conn.execute(select(func.count()).select_from(t.customer_licences).where(
            t.customer_licences.c.licence_id == "DEA-B1")).scalar_one()
    assert stored == 1
    assert state(app, "B-1:COMPLIANCE_HOLD") == "open"
    assert work(app) == [("reevaluate", "queued")]
    drain(app)
    assert state(app, "B-1:COMPLIANCE_HOLD") == "auto_resolved"
    assert work(app) == [("reevaluate", "done")]
    drain(app)  # nothing left: a second run re-judges nothing again
    assert work(app) == [("reevaluate", "done")]


def test_a_bad_queued_signal_is_refused_at_once_and_nothing_is_queued(
        example_app: App) -> None:
    with pytest.raises(UnknownReferenceError, match="customer_id"):
        example_app.bus.handle(c.QueueSignal(c.PostPayment("NOBODY", Decimal(10), NOW)))
    with pytest.raises(UnknownReferenceError, match="item_id"):
        example_app.bus.handle(c.QueueSignal(c.ReceiveStock("NOPE", "ATL", Decimal(10))))
    assert work(example_app) == []


def test_two_queued_changes_of_one_contract_re_judge_against_the_latest_in_any_order(
        example_app: App) -> None:
    """The worker reads the stored contract, not the queued copy: order does not matter."""
    app = example_app
    ingest(app, [(bolt_order("B-1", "10", "0.80"), "test")], channel="api")
    low = PriceContract("K-BOLT-1", "BOLT", "SYRINGE-10", "EA", Decimal(0), Decimal("0.60"),
                        date(2026, 11, 1), date(2026, 12, 31))
    app.bus.handle(c.QueueSignal(c.ChangePriceContract(low, NOW)))
    app.bus.handle(c.QueueSignal(c.ChangePriceContract(
        PriceContract(*[getattr(low, f) for f in ("contract_id", "customer_id", "item_id",
                                                   "uom", "min_qty")], Decimal("0.80"),
                      low.valid_from, low.valid_to), NOW)))
    with app.engine.connect() as conn:
        queued = conn.execute(select(t.work_items.c.id, t.work_items.c.payload).where(
            t.work_items.c.kind == "reevaluate").order_by(
            t.work_items.c.id.desc())).all()  # the later change first
        price = conn.execute(select(t.price_contracts.c.unit_price).where(
            t.price_contracts.c.contract_id == "K-BOLT-1")).scalar_one()
    assert Decimal(price) == Decimal("0.80")  # stored at once, in arrival order
    with app.engine.begin() as conn:  # claim both for one worker, as a worker would
        conn.execute(t.work_items.update().where(t.work_items.c.kind == "reevaluate").values(
            state="claimed", claimed_by="w-test", lease_until=datetime(2099, 1, 1, tzinfo=UTC)))
    for work_id, payload in queued:
        app.bus.handle(c.ReevaluateQueued(work_id, payload, "w-test"))
    with app.engine.connect() as conn:
        opened = conn.execute(select(t.cases.c.case_id).where(
            t.cases.c.order_id == "B-1", t.cases.c.code == "PRICE_MISMATCH")).scalars().all()
    assert opened == []  # the order's price is the latest contract's: no mismatch opened
    assert work(app) == [("reevaluate", "done"), ("reevaluate", "done")]
