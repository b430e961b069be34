"""INVENTORY_SHORTFALL: ATP = on hand − allocated − safety stock + inbound due in time."""

from datetime import timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ordex.domain.codes import ExceptionCode
from ordex.interpret.detectors.inventory_shortfall import InventoryShortfall

from builders import DAY, context, line, order, reference

detector = InventoryShortfall()


def test_quantity_exactly_at_atp_is_not_short() -> None:
    ctx = context(reference(on_hand="100", allocated="30", safety="20"))
    assert detector.evaluate(order(line(qty="50")), ctx) == []


def test_one_unit_over_atp_is_short_by_one_with_evidence() -> None:
    ctx = context(reference(on_hand="100", allocated="30", safety="20"))
    [finding] = detector.evaluate(order(line(qty="51")), ctx)
    assert finding.code is ExceptionCode.INVENTORY_SHORTFALL
    assert finding.lines == (1,)
    [ev] = finding.evidence["lines"]
    assert (ev["atp"], ev["short_by"], ev["allocated"], ev["safety_stock"]) == ("50", "1", "30", "20")
    assert "short 1" in finding.reason and "WIDGET" in finding.reason


def test_receipt_due_on_ship_date_counts_but_one_day_late_does_not() -> None:
    on_time = context(reference(on_hand="10", inbound=[("40", DAY)]))
    late = context(reference(on_hand="10", inbound=[("40", DAY + timedelta(days=1))]))
    wanted = order(line(qty="50"), ship=DAY)
    assert detector.evaluate(wanted, on_time) == []
    assert detector.evaluate(wanted, late)[0].evidence["lines"][0]["inbound_due"] == "0"


def test_cases_are_converted_to_base_units_before_comparing() -> None:
    ctx = context(reference(on_hand="24"))
    assert detector.evaluate(order(line(qty="2", uom="CS")), ctx) == []
    [finding] = detector.evaluate(order(line(qty="3", uom="cs")), ctx)
    assert finding.evidence["lines"][0]["requested_base_qty"] == "36"


def test_two_lines_of_one_item_are_judged_together_and_only_the_second_is_short() -> None:
    ctx = context(reference(on_hand="30"))
    [finding] = detector.evaluate(order(line(1, qty="20"), line(2, qty="20")), ctx)
    assert finding.lines == (2,)
    assert finding.evidence["lines"][0]["short_by"] == "10"


def test_unknown_item_or_unconvertible_unit_is_left_to_master_data() -> None:
    ctx = context(reference(on_hand="0"))
    assert detector.evaluate(order(line(item="NOPE"), line(2, uom="PL")), ctx) == []


def test_item_not_stocked_at_the_warehouse_is_short_by_everything() -> None:
    ctx = context()
    [finding] = detector.evaluate(order(line(qty="5"), warehouse="WH9"), ctx)
    assert finding.evidence["lines"][0]["atp"] == "0"


quantities = st.integers(min_value=0, max_value=10_000)


@given(on_hand=quantities, asked=st.integers(1, 10_000), extra=st.integers(1, 10_000))
def test_raising_atp_never_creates_a_shortfall(on_hand: int, asked: int, extra: int) -> None:
    before = detector.evaluate(order(line(qty=str(asked))), context(reference(on_hand=str(on_hand))))
    after = detector.evaluate(order(line(qty=str(asked))),
                              context(reference(on_hand=str(on_hand + extra))))
    assert len(after) <= len(before)


@given(on_hand=quantities, allocated=quantities, safety=quantities, asked=st.integers(1, 30_000))
def test_short_if_and_only_if_quantity_exceeds_atp(on_hand: int, allocated: int, safety: int,
                                                    asked: int) -> None:
    ctx = context(reference(on_hand=str(on_hand), allocated=str(allocated), safety=str(safety)))
    found = detector.evaluate(order(line(qty=str(asked))), ctx)
    assert bool(found) == (asked > on_hand - allocated - safety)
    if found:
        short = Decimal(found[0].evidence["lines"][0]["short_by"])
        assert short == min(asked, asked - (on_hand - allocated - safety))
