"""The one intake report on fakes: positions, item entries, totals, and every JSON channel's
answer built from the same outcomes (HTTP body, NDJSON lines, broker batches)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from functools import partial
from itertools import count
from typing import Any

import pytest

from ordex.decide.policy import Policy
from ordex.domain.commands import IngestOrderGroup, IngestOrders
from ordex.domain.model import Warehouse
from ordex.domain.positions import Position
from ordex.interpret.registry import REGISTRY
from ordex.orchestrate import report as report_module
from ordex.orchestrate.batching import Batching, with_last
from ordex.orchestrate.bus import MessageBus
from ordex.orchestrate.consume import consume, judging
from ordex.orchestrate.handlers import intake
from ordex.orchestrate.pipeline import Pipeline
from ordex.orchestrate.report import COMMON, IntakeReport, item, report_of, totals

from builders import context, reference
from fakes import FakeChannel, FakeUnitOfWork

NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)


def _order(order_id: str, qty: Any) -> dict[str, Any]:
    return {"order_id": order_id, "customer_id": "ACME", "customer_po": f"PO-{order_id}",
            "order_date": "2026-11-23", "requested_ship_date": "2026-11-27",
            "warehouse_id": "WH1", "ship_via": "UPSN",
            "ship_to": {"name": "Acme", "line1": "1 Main St", "city": "Chicago", "state": "IL",
                        "postal_code": "60607", "country": "US"},
            "lines": [{"line_no": 1, "item_id": "WIDGET", "quantity": qty, "uom": "EA",
                       "unit_price": "10.00"}]}


def _bus() -> tuple[MessageBus, FakeUnitOfWork]:
    ids, data = count(1), reference()
    data.warehouses = [Warehouse("WH1", "One", "IL", "60607")]
    pipeline = Pipeline(ctx=context(data), detectors=list(REGISTRY.values()),
                        policy=Policy(), new_id=lambda: f"R{next(ids):04d}")
    uow = FakeUnitOfWork(pipeline)
    handlers: dict[type, Any] = {
        IngestOrders: partial(_now, intake.ingest_orders),
        IngestOrderGroup: partial(_now, intake.ingest_order_group)}
    return MessageBus(uow=lambda: uow, handlers=handlers), uow


def _now(handler: Any, command: object, unit: FakeUnitOfWork) -> Any:
    return handler(command, unit, now=NOW)


# -- positions ----------------------------------------------------------------------------

def test_a_position_names_only_the_parts_its_format_has() -> None:
    line = Position("orders.ndjson", line=3)
    assert line.as_dict() == {"source": "orders.ndjson", "line": 3,
                              "label": "orders.ndjson line 3"}
    assert line.at(2).label() == "orders.ndjson line 3 [2]"
    assert Position("o.csv", rows=(4, 6)).as_dict()["rows"] == [4, 6]
    assert Position("o.csv", rows=(4, 6)).label() == "o.csv rows 4-6"
    edi = Position("a.edi", interchange="000000101", group="101", transaction="0002",
                   segment=16)
    assert edi.label() == "a.edi ISA 000000101 GS 101 ST 0002 segment 16"
    assert Position("nats:o", sequence="ORDERS#7").label() == "nats:o ORDERS#7"
    assert Position("api:1.2.3.4").as_dict() == {"source": "api:1.2.3.4", "label": "api:1.2.3.4"}


# -- item entries and totals ----------------------------------------------------------------

def test_an_item_entry_has_the_common_fields_first_and_keeps_channel_extras() -> None:
    entry = item({"order_id": "A", "status": "held", "cases": ("A:X",), "held_lines": [1],
                  "notes": ["n"]}, Position("f", line=1))
    assert tuple(entry)[:len(COMMON)] == COMMON
    assert entry["cases"] == ["A:X"] and entry["errors"] == [] and entry["replayed"] is False
    assert entry["held_lines"] == [1] and entry["notes"] == ["n"]


def test_a_rejection_known_only_by_its_reason_still_names_a_field_and_reason() -> None:
    entry = item({"status": "rejected", "reason": "rejected with its interchange"}, None)
    assert entry["errors"] == [{"field": "(envelope)", "reason": "rejected with its interchange"}]
    assert entry["position"] is None and entry["order_id"] is None


def test_totals_count_every_status_with_zeros_and_a_resend_only_as_replayed() -> None:
    entries = [item({"status": "accepted"}, None), item({"status": "held"}, None, replayed=True),
               item({"status": "unsupported"}, None)]
    assert totals(entries) == {"items": 3, "accepted": 1, "held": 0, "auto_resolved": 0,
                               "cancelled": 0, "rejected": 0, "replayed": 1, "unsupported": 1}
    assert totals([]) == {"items": 0, "accepted": 0, "held": 0, "auto_resolved": 0,
                          "cancelled": 0, "rejected": 0, "replayed": 0}


def test_a_report_keeps_its_first_entries_but_counts_every_item(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_module, "KEEP_RESULTS", 2)
    report = IntakeReport("f", "raw", "file")
    for n in range(5):
        report.add({"order_id": f"O{n}", "status": "rejected", "cases": [f"C{n}"]},
                   Position("f", line=n + 1))
    report.acknowledge({"kind": "997", "partner": "P", "order_id": None})
    assert len(report.results) == 2 and report.totals()["items"] == 5
    assert report.failed_cases == {f"C{n}" for n in range(5)}  # every failure, kept or not
    assert report.summary() == {"rejected": 5, "ack_997": 1}
    shape = report.as_dict()
    assert set(shape) == {"channel", "source", "raw_id", "totals", "results", "summary",
                          "skipped", "acknowledgments"}


def test_merged_reports_add_up() -> None:
    one, two = IntakeReport("s", None, "broker"), IntakeReport("s", None, "broker")
    one.add({"status": "accepted", "order_id": "A"}, None)
    two.add({"status": "rejected", "order_id": None, "cases": ["X"]}, None)
    one.merge(two)
    assert one.totals()["items"] == 2 and one.totals()["rejected"] == 1
    assert [e["status"] for e in one.results] == ["accepted", "rejected"]
    assert one.failed_cases == {"X"}


# -- positions through intake -------------------------------------------------------------

def test_each_order_of_a_batch_is_reported_at_its_index_and_the_bad_one_names_its_field() -> None:
    bus, _uow = _bus()
    body = json.dumps([_order("A", 1), _order("B", "ten")]).encode()
    outcomes = bus.handle(IngestOrders(((body, "api:client"),), "api"))
    report = report_of(outcomes, source="api:client", channel="api")
    good, bad = report.results
    assert good["position"]["label"] == "api:client [0]" and good["status"] == "accepted"
    assert bad["position"]["index"] == 1 and bad["status"] == "rejected"
    assert bad["errors"][0]["field"] == "[1].lines.0.quantity"
    assert report.totals()["items"] == 2 and report.totals()["rejected"] == 1


def test_payload_positions_given_by_a_channel_are_kept_and_a_body_without_orders_is_at_its_own(
        ) -> None:
    bus, _uow = _bus()
    lines = ((json.dumps(_order("A", 1)).encode(), "f:1"), (b"[]", "f:2"))
    at = (Position("f", line=1), Position("f", line=2))
    outcomes = bus.handle(IngestOrders(lines, "file", positions=at))
    assert [o.position for o in outcomes] == list(at)
    assert outcomes[1].result["errors"][0] == {"field": "(body)",
                                               "reason": "no orders in the body"}


def test_a_resend_is_answered_at_the_position_it_came_in() -> None:
    bus, _uow = _bus()
    body = json.dumps(_order("A", 1)).encode()
    bus.handle(IngestOrders(((body, "f:1"),), "file", positions=(Position("f", line=1),)))
    [again] = bus.handle(IngestOrders(((body, "g:9"),), "file",
                                      positions=(Position("g", line=9),)))
    assert again.replayed and again.position == Position("g", line=9)


# -- the broker shape on a fake channel -----------------------------------------------------

def test_a_channel_judged_batch_by_batch_answers_one_report_and_is_acknowledged_after_commit(
        ) -> None:
    bus, uow = _bus()
    bodies = [json.dumps(_order(f"O{n}", "ten" if n == 2 else 1)).encode() for n in range(4)]
    channel = FakeChannel([*bodies, bodies[0]])  # the last: the same order sent again
    report = IntakeReport("fake", None, "broker")
    done = consume(channel, judging(bus.handle, report), max_items=2, timeout=0,
                   stop=threading.Event(), drain=True)
    assert done.acknowledged == 5 and len(channel.acknowledged) == 5
    assert len(uow.written) == done.batches == 3  # one unit of work per batch
    labels = [e["position"]["label"] for e in report.results]
    assert labels == [f"fake fake#{n}" for n in range(1, 6)]
    assert [e["status"] for e in report.results][2] == "rejected"
    assert report.results[2]["errors"][0]["field"] == "lines.0.quantity"
    assert report.results[4]["replayed"] is True
    judged = report.totals()
    assert (judged["items"], judged["rejected"], judged["replayed"]) == (5, 1, 1)
    assert judged["accepted"] + judged["held"] == 3  # the stock runs short for the later ones


def test_a_batch_that_fails_is_neither_reported_nor_acknowledged() -> None:
    channel = FakeChannel([json.dumps(_order("A", 1)).encode()])
    report = IntakeReport("fake", None, "broker")
    calls: list[object] = []

    def failing(command: object) -> Any:
        calls.append(command)
        raise ConnectionError("database went away")
    stop = threading.Event()
    stop_after_retry = threading.Timer(0.2, stop.set)
    stop_after_retry.start()
    done = consume(channel, judging(failing, report), max_items=1, timeout=0, stop=stop,
                   backoff=0.05)
    assert done.failures >= 1 and done.acknowledged == 0
    assert report.totals()["items"] == 0 and channel.acknowledged == [] and calls


# -- one batching rule --------------------------------------------------------------------

def test_batches_are_cut_at_the_size_by_weight_and_the_last_may_be_smaller() -> None:
    rule = Batching(3)
    assert list(rule.batches(range(7))) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(rule.batches([2, 2, 1, 5], weight=lambda n: n)) == [[2, 2], [1, 5]]
    assert list(rule.batches([])) == [] and rule.full(3) and not rule.full(2)
    assert list(with_last(rule.batches([]))) == [([], True)]
    assert [last for _b, last in with_last(rule.batches(range(4)))] == [False, True]
