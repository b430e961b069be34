"""Deeper evidence: stock elsewhere, prepay customers, ship-to codes, successors, buyer parts."""

from dataclasses import replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ordex.domain.model import (
    Address,
    InventoryPosition,
    ItemCrossReference,
    ItemStatus,
    ShipTo,
    Warehouse,
)
from ordex.interpret.detectors.credit_limit import CreditLimitExceeded
from ordex.interpret.detectors.invalid_ship_to import InvalidShipTo
from ordex.interpret.detectors.inventory_shortfall import InventoryShortfall
from ordex.interpret.detectors.master_data import MasterDataConflict

from builders import GOOD_ADDRESS, context, line, order, reference

D = Decimal
shortfall = InventoryShortfall()
credit = CreditLimitExceeded()
ship_to = InvalidShipTo()
master = MasterDataConflict()


def two_warehouses(other_on_hand: str = "500", **ref_args: str):
    ref = reference(on_hand="10", **ref_args)
    ref.warehouses = [Warehouse("WH1", "One", "IL", "60638"), Warehouse("WH2", "Two", "GA",
                                                                         "30336")]
    ref.inventory.append(InventoryPosition("WIDGET", "WH2", D(other_on_hand)))
    return ref


def test_shortfall_evidence_names_stock_in_other_warehouses() -> None:
    [finding] = shortfall.evaluate(order(line(qty="50")), context(two_warehouses()))
    assert finding.evidence["lines"][0]["other_warehouses"] == [
        {"warehouse_id": "WH2", "atp": "500"}]


def test_empty_other_warehouse_is_not_offered() -> None:
    [finding] = shortfall.evaluate(order(line(qty="50")), context(two_warehouses("0")))
    assert finding.evidence["lines"][0]["other_warehouses"] == []


@settings(deadline=None)
@given(st.integers(0, 1000), st.integers(0, 1000), st.integers(1, 1000))
def test_raising_on_hand_never_creates_a_shortfall(on_hand: int, extra: int, want: int) -> None:
    low = shortfall.evaluate(order(line(qty=str(want))), context(reference(on_hand=str(on_hand))))
    high = shortfall.evaluate(order(line(qty=str(want))),
                              context(reference(on_hand=str(on_hand + extra))))
    assert not high or low


def test_credit_limit_zero_means_prepay_for_any_order_with_value() -> None:
    [finding] = credit.evaluate(order(), context(reference(limit="0")))
    assert finding.evidence["prepay"] is True and "Prepay customer" in finding.reason
    free = order(line(price="0"))
    assert credit.evaluate(free, context(reference(limit="0"))) == []


def test_ordinary_credit_finding_is_not_prepay() -> None:
    [finding] = credit.evaluate(order(line(qty="100")), context(reference(limit="500")))
    assert finding.evidence["prepay"] is False


def with_ship_tos():
    ref = reference()
    ref.ship_tos = [ShipTo("ACME", "ACME-1", GOOD_ADDRESS)]
    return ref


def test_ship_to_code_not_on_file_for_the_customer_is_invalid() -> None:
    assert ship_to.evaluate(order(code="ACME-1"), context(with_ship_tos())) == []
    [finding] = ship_to.evaluate(order(code="ACME-9"), context(with_ship_tos()))
    assert "ACME-9 is not on file" in finding.reason


def test_ship_to_code_is_not_judged_without_ship_tos_on_file() -> None:
    assert ship_to.evaluate(order(code="ANY"), context()) == []


def test_discontinued_item_names_its_successor() -> None:
    ref = reference()
    ref.items = [replace(ref.items[0], status=ItemStatus.DISCONTINUED, successor_id="GADGET"),
                 ref.items[1]]
    [finding] = master.evaluate(order(), context(ref))
    problem = finding.evidence["problems"][0]
    assert problem["successor_id"] == "GADGET" and "(successor: GADGET)" in finding.reason


def test_buyer_part_number_names_the_item_it_maps_to() -> None:
    ref = reference()
    ref.cross_references = [ItemCrossReference("ACME", "AC-77", "WIDGET")]
    [finding] = master.evaluate(order(line(item="AC-77")), context(ref))
    assert finding.evidence["problems"][0]["mapped_item_id"] == "WIDGET"
    [unknown] = master.evaluate(order(line(item="ZZ-1")), context(ref))
    assert unknown.evidence["problems"][0]["problem"] == "unknown_item"


def test_item_not_stocked_at_the_warehouse_but_stocked_elsewhere() -> None:
    ref = two_warehouses()
    ref.inventory = [p for p in ref.inventory if p.warehouse_id == "WH2"]
    [finding] = master.evaluate(order(line()), context(ref))
    assert finding.evidence["problems"][0]["stocked_at"] == ["WH2"]
    assert master.evaluate(order(line()), context(two_warehouses())) == []


def test_unstocked_item_with_no_stock_anywhere_is_left_to_the_shortfall_check() -> None:
    ref = reference()
    ref.inventory = []
    assert master.evaluate(order(line(), address=Address()), context(ref)) == []
