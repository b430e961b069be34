"""Context events re-judge only the orders they concern; gone conditions auto-resolve."""

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from ordex.decide.policy import Policy
from ordex.domain.cases import CaseState
from ordex.domain.context_events import ItemMasterFixed, LicenceUploaded, PriceContractChanged
from ordex.domain.events import HoldLines, InboundPODated
from ordex.domain.model import CustomerLicence, Item, ItemStatus, PriceContract, UnitConversion
from ordex.interpret.registry import REGISTRY
from ordex.orchestrate.pipeline import Pipeline
from ordex.orchestrate.reevaluate import (
    on_inbound_po_dated,
    on_item_master_fixed,
    on_licence_uploaded,
    on_price_contract_changed,
)

from builders import DAY, NOW, context, line, order, reference

D = Decimal
LATER = NOW + timedelta(hours=3)


def pipeline(ref=None) -> Pipeline:
    return Pipeline(ctx=context(ref or reference()), detectors=list(REGISTRY.values()),
                    policy=Policy())


def case(p: Pipeline, case_id: str):
    return p.changes.new_cases[case_id]


def test_inbound_po_pulled_in_covers_the_waiting_shortfall() -> None:
    p = pipeline(reference(on_hand="10", inbound=[("50", DAY + timedelta(days=5))]))
    p.accept(order(line(qty="40")), raw_id="r", key="O-1", now=NOW)
    closed = on_inbound_po_dated(p, InboundPODated("PO0", DAY, LATER), now=LATER)
    assert closed == ["O-1:INVENTORY_SHORTFALL"]
    assert case(p, "O-1:INVENTORY_SHORTFALL").state is CaseState.AUTO_RESOLVED
    assert "inbound PO PO0 now due" in (case(p, "O-1:INVENTORY_SHORTFALL").resolution or "")
    assert p.ctx.positions[("WIDGET", "WH1")].allocated == D(40)


def test_inbound_po_still_too_late_changes_nothing_and_unknown_po_is_ignored() -> None:
    p = pipeline(reference(on_hand="10", inbound=[("50", DAY + timedelta(days=5))]))
    p.accept(order(line(qty="40")), raw_id="r", key="O-1", now=NOW)
    assert on_inbound_po_dated(p, InboundPODated("PO0", DAY + timedelta(days=1), LATER),
                               now=LATER) == []
    assert on_inbound_po_dated(p, InboundPODated("NOPE", DAY, LATER), now=LATER) == []


def test_contract_change_resolves_the_mismatch_it_explains() -> None:
    p = pipeline()
    p.accept(order(line(price="8.00")), raw_id="r", key="O-1", now=NOW)
    assert "O-1:PRICE_MISMATCH" in p.changes.new_cases
    k = PriceContract("K9", "ACME", "WIDGET", "EA", D(0), D("8.00"), DAY, DAY)
    closed = on_price_contract_changed(p, PriceContractChanged(k, LATER), now=LATER)
    assert closed == ["O-1:PRICE_MISMATCH"]


def test_contract_change_that_creates_a_mismatch_opens_a_new_case() -> None:
    p = pipeline()
    p.accept(order(line(price="10.00")), raw_id="r", key="O-1", now=NOW)
    k = PriceContract("K9", "ACME", "WIDGET", "EA", D(0), D("7.00"), DAY, DAY)
    [opened] = on_price_contract_changed(p, PriceContractChanged(k, LATER), now=LATER)
    assert opened.startswith("O-1@") and opened.endswith(":PRICE_MISMATCH")
    new = case(p, opened)
    assert new.order_id == "O-1" and new.state is CaseState.OPEN
    assert isinstance(p.changes.outbox[-1].command, HoldLines)


def test_contract_change_touches_only_orders_of_that_customer_and_item() -> None:
    p = pipeline()
    p.accept(order(line(item="GADGET", price="5.00")), raw_id="r", key="O-1", now=NOW)
    k = PriceContract("K9", "ACME", "WIDGET", "EA", D(0), D("1.00"), DAY, DAY)
    assert on_price_contract_changed(p, PriceContractChanged(k, LATER), now=LATER) == []


def test_master_data_fix_resolves_the_unit_problem_and_allocates_the_line() -> None:
    p = pipeline()
    p.accept(order(line(qty="2", uom="PL", price="100.00")), raw_id="r", key="O-1", now=NOW)
    assert "O-1:MASTER_DATA_CONFLICT" in p.changes.new_cases
    fix = ItemMasterFixed("WIDGET", LATER, conversion=UnitConversion("WIDGET", "PL", D(10)))
    changed = on_item_master_fixed(p, fix, now=LATER)
    assert "O-1:MASTER_DATA_CONFLICT" in changed
    assert p.ctx.positions[("WIDGET", "WH1")].allocated == D(20)


def test_reactivated_item_resolves_discontinued_case() -> None:
    ref = reference()
    ref.items = [replace(ref.items[0], status=ItemStatus.DISCONTINUED), ref.items[1]]
    p = pipeline(ref)
    p.accept(order(line()), raw_id="r", key="O-1", now=NOW)
    fixed = Item("WIDGET", "Widget", "EA", D("10.00"), D("6.00"))
    assert "O-1:MASTER_DATA_CONFLICT" in on_item_master_fixed(
        p, ItemMasterFixed("WIDGET", LATER, item=fixed), now=LATER)


def test_licence_upload_releases_the_compliance_hold() -> None:
    ref = reference()
    ref.items = [replace(ref.items[0], licence_type="DEA"), ref.items[1]]
    p = pipeline(ref)
    p.accept(order(line()), raw_id="r", key="O-1", now=NOW)
    assert "O-1:COMPLIANCE_HOLD" in p.changes.new_cases
    wrong = CustomerLicence("ACME", "EPA", "L0", DAY, DAY)
    assert on_licence_uploaded(p, LicenceUploaded(wrong, LATER), now=LATER) == []
    good = CustomerLicence("ACME", "DEA", "L1", DAY, DAY)
    assert on_licence_uploaded(p, LicenceUploaded(good, LATER), now=LATER) == [
        "O-1:COMPLIANCE_HOLD"]


def test_cancelled_orders_are_not_rejudged() -> None:
    p = pipeline()
    p.accept(order(line(price="10.00")), raw_id="r", key="O-1", now=NOW)
    p.work.cancelled.add("O-1")
    k = PriceContract("K9", "ACME", "WIDGET", "EA", D(0), D("7.00"), DAY, DAY)
    assert on_price_contract_changed(p, PriceContractChanged(k, LATER), now=LATER) == []
