"""What intake answers per order: cancelled and auto-resolved orders are reported as such."""

from datetime import timedelta

from builders import DAY, NOW, decide_pipeline, line, order, sourcing_reference

LATER = DAY + timedelta(days=7)  # slack enough that no late-shipment warning joins in


def test_order_whose_every_case_policy_closed_is_reported_auto_resolved() -> None:
    p = decide_pipeline(sourcing_reference(home="0", other="0", allows_substitutes=True))
    result = p.accept(order(line(1, qty="40"), ship=LATER), raw_id="r1", key=None, now=NOW)
    assert result.cases == ("O-1:INVENTORY_SHORTFALL",)
    assert result.status == "auto_resolved" and result.held_lines == ()


def test_order_with_one_case_left_open_is_held_even_when_another_auto_resolved() -> None:
    p = decide_pipeline(sourcing_reference(home="0", other="0", allows_substitutes=True))
    result = p.accept(order(line(1, qty="40", price="100.00"), ship=LATER), raw_id="r1",
                      key=None, now=NOW)
    assert set(result.cases) == {"O-1:INVENTORY_SHORTFALL", "O-1:PRICE_MISMATCH"}
    assert result.status == "held" and result.held_lines == (1,)


def test_duplicate_the_policy_cancelled_is_reported_cancelled() -> None:
    p = decide_pipeline(sourcing_reference())
    first = p.accept(order(line(1, qty="5")), raw_id="r1", key=None, now=NOW)
    again = p.accept(order(line(1, qty="5"), order_id="O-2"), raw_id="r2", key=None, now=NOW)
    assert first.status == "accepted"
    assert again.status == "cancelled" and again.as_dict()["status"] == "cancelled"
