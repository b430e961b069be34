"""No automatic action a careful person would not take: suspect quantities, unknown services."""

from dataclasses import replace
from datetime import time, timedelta
from decimal import Decimal

from ordex.decide.policy import Policy
from ordex.domain.cases import CaseState
from ordex.domain.events import HoldLines, StockReceived
from ordex.domain.model import CarrierService, OrderHistoryEntry
from ordex.interpret.registry import REGISTRY
from ordex.orchestrate.pipeline import Pipeline

from builders import DAY, NOW, context, decide_pipeline, line, order, sourcing_reference

D = Decimal
USUAL = (38, 40, 41, 39, 40, 42)


def with_history(ref, *quantities: int):  # type: ignore[no-untyped-def]
    ref.order_history = [OrderHistoryEntry("ACME", "WIDGET", DAY - timedelta(days=7 * (k + 1)),
                                           D(q)) for k, q in enumerate(quantities)]
    return ref


def test_suspect_quantity_is_not_split_across_warehouses_and_the_shortfall_waits() -> None:
    ref = with_history(sourcing_reference(home="1000", other="5000"), *USUAL)
    p = decide_pipeline(ref)
    p.accept(order(line(1, qty="2900", price="100.00")), raw_id="r1", key=None, now=NOW)
    short = p.changes.new_cases["O-1:INVENTORY_SHORTFALL"]
    assert p.changes.new_cases["O-1:QUANTITY_ANOMALY"].is_open
    rec = next(r for r in p.changes.decisions if r.case_id == short.case_id)
    assert short.state is CaseState.OPEN and not rec.auto_apply
    assert rec.chosen.action.value == "ESCALATE" and "QUANTITY_ANOMALY" in rec.gate + \
        rec.explanation
    assert all(isinstance(m.command, HoldLines) for m in p.changes.outbox)
    assert p.ctx.positions[("WIDGET", "WH2")].allocated == 0


def test_stock_receipt_does_not_allocate_a_line_whose_quantity_is_in_doubt() -> None:
    ref = with_history(sourcing_reference(home="1000", other="0"), *USUAL)
    p = decide_pipeline(ref)
    p.accept(order(line(1, qty="2900", price="100.00")), raw_id="r1", key=None, now=NOW)
    closed = p.on_stock_received(StockReceived("WIDGET", "WH1", D(5000), NOW), now=NOW)
    assert closed == [] and p.work.allocated["O-1"].get(1) is None
    assert p.work.open_cases["O-1"]["O-1:INVENTORY_SHORTFALL"].is_open


def test_usual_quantity_short_at_home_is_still_sourced_on_its_own() -> None:
    ref = with_history(sourcing_reference(home="10", other="100"), *USUAL)
    p = decide_pipeline(ref)
    p.accept(order(line(1, qty="40", price="100.00")), raw_id="r1", key=None, now=NOW)
    assert "O-1:QUANTITY_ANOMALY" not in p.changes.new_cases
    assert p.changes.new_cases["O-1:INVENTORY_SHORTFALL"].state is CaseState.AUTO_RESOLVED


def test_a_ship_via_not_on_file_is_never_replaced_without_a_person() -> None:
    ref = sourcing_reference()
    ref.carrier_services = [CarrierService("UPSN", "GND", D(500), False, (), time(17, 0))]
    p = decide_pipeline(ref)
    p.accept(replace(order(line(1, qty="5")), ship_via="FDX-PRIORITY"), raw_id="r1", key=None,
             now=NOW)
    case = p.changes.new_cases["O-1:MISSING_CARRIER_INSTRUCTIONS"]
    rec = next(r for r in p.changes.decisions if r.case_id == case.case_id)
    assert rec.chosen.action.value == "ASSIGN_CARRIER" and not rec.auto_apply
    assert "FDX-PRIORITY" in rec.gate and case.state is CaseState.OPEN


# -- stock that arrives after the requested ship date ------------------------------------------
def plain_pipeline(ref):  # type: ignore[no-untyped-def]
    from ordex.decide.policy import Policy
    from ordex.interpret.registry import REGISTRY
    from ordex.orchestrate.pipeline import Pipeline

    from builders import context
    return Pipeline(ctx=context(ref), detectors=list(REGISTRY.values()), policy=Policy())


def test_receipt_after_the_ship_date_revises_the_promise_on_case_order_and_erp() -> None:
    from ordex.domain.events import ReleaseLines, RevisePromise

    from builders import reference
    p = plain_pipeline(reference(on_hand="10"))
    p.accept(order(line(qty="40"), ship=DAY), raw_id="r", key=None, now=NOW)
    late = NOW + timedelta(days=2)
    assert p.on_stock_received(StockReceived("WIDGET", "WH1", D(50), late), now=late) == [
        "O-1:INVENTORY_SHORTFALL"]
    case = p.changes.new_cases["O-1:INVENTORY_SHORTFALL"]
    assert case.state is CaseState.AUTO_RESOLVED and "promise revised to 2026-11-25" in (
        case.resolution or "")
    assert case.evidence["promise"]["promise_date"] == "2026-11-25"
    assert case.history[-1].action == "REVISE_PROMISE"
    sent = [m.command for m in p.changes.outbox]
    [revise] = [c for c in sent if isinstance(c, RevisePromise)]
    assert (revise.order_id, revise.lines, revise.promise_date) == ("O-1", (1,), "2026-11-25")
    assert any(isinstance(c, ReleaseLines) for c in sent)


def test_receipt_on_the_ship_date_itself_keeps_the_promise() -> None:
    from ordex.domain.events import RevisePromise

    from builders import reference
    p = plain_pipeline(reference(on_hand="10"))
    p.accept(order(line(qty="40"), ship=DAY), raw_id="r", key=None, now=NOW)
    same_day = NOW + timedelta(hours=12)
    p.on_stock_received(StockReceived("WIDGET", "WH1", D(50), same_day), now=same_day)
    assert not any(isinstance(m.command, RevisePromise) for m in p.changes.outbox)
    assert "promise" not in p.changes.new_cases["O-1:INVENTORY_SHORTFALL"].evidence


def test_stock_receipt_does_not_go_to_an_order_held_as_a_likely_duplicate() -> None:
    p = Pipeline(ctx=context(sourcing_reference(home="0", other="0")),
                 detectors=list(REGISTRY.values()), policy=Policy())  # no decider: cases wait
    p.accept(order(line(1, qty="40"), po="PO-1"), raw_id="r1", key=None, now=NOW)
    p.accept(order(line(1, qty="40"), order_id="O-2", po="PO-2"), raw_id="r2", key=None, now=NOW)
    assert p.work.open_cases["O-2"]["O-2:DUPLICATE_ORDER"].is_open
    closed = p.on_stock_received(StockReceived("WIDGET", "WH1", D(80), NOW), now=NOW)
    assert closed == ["O-1:INVENTORY_SHORTFALL"]  # enough for both: only the real order takes it
    assert p.work.allocated["O-2"].get(1) is None
    assert p.work.open_cases["O-2"]["O-2:INVENTORY_SHORTFALL"].is_open
