"""The pipeline on fakes: cases, holds on affected lines only, re-evaluation, outbox."""

from datetime import timedelta
from decimal import Decimal

from ordex.decide.policy import Policy
from ordex.domain.cases import CaseState
from ordex.domain.errors import InvalidPayloadError
from ordex.domain.events import HoldLines, PaymentPosted, ReleaseLines, StockReceived
from ordex.interpret.registry import REGISTRY
from ordex.orchestrate.intake import MemoryIdempotency, ingest
from ordex.orchestrate.outbox import dispatch
from ordex.orchestrate.pipeline import Pipeline
from ordex.sense.orders import store_raw

from builders import NOW, context, line, order, reference
from fakes import FakeErp, FakeOutbox


def pipeline(**ref_args: str) -> Pipeline:
    return Pipeline(ctx=context(reference(**ref_args)), detectors=list(REGISTRY.values()),
                    policy=Policy())


def commands(p: Pipeline) -> list[object]:
    return [m.command for m in p.changes.outbox]


def test_short_line_is_held_alone_and_clean_line_is_allocated() -> None:
    p = pipeline(on_hand="10")
    result = p.accept(order(line(1, qty="50"), line(2, item="GADGET", qty="5", price="5.00")),
                      raw_id="r1", key="O-1", now=NOW)
    assert result.cases == ("O-1:INVENTORY_SHORTFALL",)
    assert result.held_lines == (1,) and not result.whole_order_held
    assert commands(p) == [HoldLines("O-1", (1,), p.changes.new_cases[result.cases[0]].reason,
                                     "O-1:INVENTORY_SHORTFALL", "INVENTORY_SHORTFALL")]
    assert p.ctx.positions[("GADGET", "WH1")].allocated == Decimal(5)
    assert p.ctx.positions[("WIDGET", "WH1")].allocated == Decimal(0)


def test_stock_receipt_auto_resolves_the_shortfall_releases_and_allocates() -> None:
    p = pipeline(on_hand="10")
    p.accept(order(line(1, qty="50")), raw_id="r1", key="O-1", now=NOW)
    later = NOW + timedelta(hours=5)
    assert p.on_stock_received(StockReceived("WIDGET", "WH1", Decimal(39), later), now=later) == []
    closed = p.on_stock_received(StockReceived("WIDGET", "WH1", Decimal(1), later), now=later)
    assert closed == ["O-1:INVENTORY_SHORTFALL"]
    case = p.changes.new_cases["O-1:INVENTORY_SHORTFALL"]
    assert case.state is CaseState.AUTO_RESOLVED and "stock received" in (case.resolution or "")
    assert isinstance(commands(p)[-1], ReleaseLines) and commands(p)[-1].lines == (1,)
    assert p.ctx.positions[("WIDGET", "WH1")].allocated == Decimal(50)


def test_payment_releases_credit_holds_first_come_first_served() -> None:
    p = pipeline(limit="1000", ar="950")
    p.accept(order(line(qty="10"), order_id="A", po="P1"), raw_id="r", key="A", now=NOW)
    p.accept(order(line(qty="20"), order_id="B", po="P2"), raw_id="r", key="B",
             now=NOW + timedelta(minutes=1))
    closed = p.on_payment(PaymentPosted("ACME", Decimal("100"), NOW), now=NOW)
    assert closed == ["A:CREDIT_LIMIT_EXCEEDED"]  # 850 + 100 fits; then 950 + 200 does not
    assert p.ctx.open_order_value["ACME"] == Decimal(100)


def test_a_line_stays_held_while_another_blocking_case_holds_it() -> None:
    p = pipeline(on_hand="10", limit="100")
    p.accept(order(line(1, qty="50")), raw_id="r", key="O-1", now=NOW)
    p.on_stock_received(StockReceived("WIDGET", "WH1", Decimal(100), NOW), now=NOW)
    assert not any(isinstance(c, ReleaseLines) for c in commands(p))  # credit holds the order


def test_cancelling_a_duplicate_frees_its_stock_and_cancels_its_other_cases() -> None:
    p = pipeline(on_hand="100", limit="150")
    p.accept(order(line(qty="10"), order_id="A", po="P1"), raw_id="r", key="A", now=NOW)
    p.accept(order(line(qty="10"), order_id="B", po="P1"), raw_id="r", key="B", now=NOW)
    dup = p.work.open_cases["B"]["B:DUPLICATE_ORDER"]
    credit = p.work.open_cases["B"]["B:CREDIT_LIMIT_EXCEEDED"]
    p.resolve(dup, actor="ann", action="CANCEL_DUPLICATE", reason="same PO", now=NOW)
    assert credit.state is CaseState.CANCELLED and dup.state is CaseState.RESOLVED
    assert p.ctx.positions[("WIDGET", "WH1")].allocated == Decimal(10)
    assert p.changes.cancelled_orders == ["B"]


def test_unreadable_payload_becomes_an_integration_failure_case() -> None:
    p = pipeline()
    outcome = ingest(p, MemoryIdempotency(), b'{"order_id": "X"', source="test", channel="api",
                     now=NOW)[0]
    assert outcome.rejected and outcome.result["cases"][0].endswith(":INTEGRATION_FAILURE")
    assert p.changes.raw_payloads[0].body == b'{"order_id": "X"'
    case = next(iter(p.changes.new_cases.values()))
    assert "invalid JSON at line 1" in case.reason and case.queue.value == "integration"


def test_resend_is_answered_with_the_original_result_and_opens_nothing() -> None:
    p, index = pipeline(on_hand="1"), MemoryIdempotency()
    body = (b'{"order_id":"O-9","customer_id":"ACME","customer_po":"P","order_date":"2026-11-23",'
            b'"requested_ship_date":"2026-11-23","ship_to":{"name":"A","line1":"1 Main",'
            b'"city":"Chicago","state":"IL","postal_code":"60607"},"warehouse_id":"WH1",'
            b'"lines":[{"line_no":1,"item_id":"WIDGET","quantity":5,"uom":"EA","unit_price":10}]}')
    first = ingest(p, index, body, source="t", channel="api", now=NOW, on_accept=index.remember)
    cases_before = len(p.changes.new_cases)
    again = ingest(p, index, body, source="t", channel="api", now=NOW)
    assert again[0].replayed and again[0].result == first[0].result
    assert len(p.changes.new_cases) == cases_before and len(p.changes.raw_payloads) == 2


def test_dispatch_delivers_once_even_when_resent() -> None:
    p = pipeline(on_hand="1")
    p.accept(order(line(qty="5")), raw_id="r", key="O-1", now=NOW)
    outbox, erp = FakeOutbox(p.changes.outbox), FakeErp()
    assert dispatch(outbox, erp, now=NOW) == 1
    erp.send(p.changes.outbox)  # a crash before mark_sent would resend
    assert dispatch(outbox, erp, now=NOW) == 0 and len(erp.received) == 1


def test_schema_violation_names_the_field() -> None:
    from ordex.sense.orders import validate_order
    try:
        validate_order({"order_id": "X", "lines": []}, channel="api")
    except InvalidPayloadError as exc:
        fields = {e["field"] for e in exc.errors}
        assert {"customer_id", "lines", "ship_to"} <= fields
    else:
        raise AssertionError("an order without lines must be rejected")
    raw = store_raw(b"x", source="s", channel="api", now=NOW)
    assert len(raw.sha256) == 64
