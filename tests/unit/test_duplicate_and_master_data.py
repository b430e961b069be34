"""DUPLICATE_ORDER and MASTER_DATA_CONFLICT."""

from datetime import timedelta

from ordex.interpret.detectors.duplicate_order import DuplicateOrder
from ordex.interpret.detectors.master_data import MasterDataConflict

from builders import DAY, NOW, context, line, order

dup = DuplicateOrder()
master = MasterDataConflict()


def test_same_po_after_normalising_case_spaces_and_leading_zeros_is_a_duplicate() -> None:
    ctx = context()
    ctx.remember(order(line(), order_id="O-1", po="4500-ab1"))
    [finding] = dup.evaluate(order(line(item="GADGET"), order_id="O-2", po=" 004500-AB1 "), ctx)
    assert finding.evidence["original_order_id"] == "O-1"
    assert finding.evidence["rule"] == "same_po"


def test_never_flags_an_order_against_itself_or_a_cancelled_one() -> None:
    ctx = context()
    first = order(line(), order_id="O-1", po="P1")
    ctx.remember(first)
    assert dup.evaluate(first, ctx) == []
    ctx.forget_cancelled("ACME", "O-1")
    assert dup.evaluate(order(line(), order_id="O-2", po="P1"), ctx) == []


def test_same_po_outside_the_window_is_not_a_duplicate() -> None:
    ctx = context(duplicate_po_window_days=30)
    ctx.remember(order(line(), order_id="O-1", po="P1", day=DAY - timedelta(days=31)))
    assert dup.evaluate(order(line(item="GADGET"), order_id="O-2", po="P1"), ctx) == []
    ctx.remember(order(line(), order_id="O-3", po="P1", day=DAY - timedelta(days=30)))
    assert dup.evaluate(order(line(item="GADGET"), order_id="O-2", po="P1"), ctx) != []


def test_identical_lines_to_same_ship_to_within_hours_is_a_duplicate() -> None:
    ctx = context()
    ctx.remember(order(line(1), line(2, item="GADGET"), order_id="O-1", po="P1"))
    later = order(line(1), line(2, item="GADGET"), order_id="O-2", po="P2",
                  received=NOW + timedelta(hours=47))
    [finding] = dup.evaluate(later, ctx)
    assert finding.evidence["rule"] == "same_lines"
    too_late = order(line(1), line(2, item="GADGET"), order_id="O-3", po="P3",
                     received=NOW + timedelta(hours=49))
    assert dup.evaluate(too_late, ctx) == []


def test_nine_of_ten_identical_lines_is_a_duplicate_but_four_of_five_is_not() -> None:
    ctx = context()
    ten = [line(i, item=f"I{i}", qty="1") for i in range(1, 11)]
    ctx.remember(order(*ten, order_id="O-1", po="P1"))
    nine = [*ten[:9], line(10, item="OTHER", qty="1")]
    assert dup.evaluate(order(*nine, order_id="O-2", po="P2"), ctx) != []
    ctx2 = context()
    five = [line(i, item=f"I{i}", qty="1") for i in range(1, 6)]
    ctx2.remember(order(*five, order_id="O-1", po="P1"))
    four = [*five[:4], line(5, item="I5", qty="2")]
    assert dup.evaluate(order(*four, order_id="O-2", po="P2"), ctx2) == []


def test_same_lines_to_another_ship_to_is_not_a_duplicate() -> None:
    ctx = context()
    ctx.remember(order(line(), order_id="O-1", po="P1", code="S1"))
    assert dup.evaluate(order(line(), order_id="O-2", po="P2", code="S2"), ctx) == []


def test_unknown_item_unit_and_customer_are_master_data_problems() -> None:
    [finding] = master.evaluate(order(line(1, item="NOPE"), line(2, uom="PL"),
                                      customer="NOBODY"), context())
    kinds = [p["problem"] for p in finding.evidence["problems"]]
    assert kinds == ["unknown_item", "unit_not_convertible", "unknown_customer"]
    assert finding.lines == (1, 2)


def test_known_item_in_convertible_unit_is_clean() -> None:
    assert master.evaluate(order(line(uom="CS")), context()) == []
