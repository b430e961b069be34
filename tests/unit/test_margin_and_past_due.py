"""MARGIN_BELOW_FLOOR (cost plus minimum margin) and PAST_DUE_HOLD (ageing after payments)."""

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ordex.domain.model import Receivable
from ordex.interpret.detectors.margin_below_floor import MarginBelowFloor
from ordex.interpret.detectors.past_due_hold import PastDueHold, bucket

from builders import DAY, context, line, order, reference

D = Decimal
margin = MarginBelowFloor()
past_due = PastDueHold()


def test_price_exactly_at_cost_plus_floor_is_accepted_and_a_cent_less_is_not() -> None:
    ctx = context(margin_floor_pct=D("5"))  # WIDGET costs 6.00: floor 6.30
    assert margin.evaluate(order(line(price="6.30")), ctx) == []
    [finding] = margin.evaluate(order(line(price="6.29")), ctx)
    assert finding.lines == (1,)
    assert finding.evidence["lines"][0]["floor_price"] == "6.3000"


def test_floor_converts_cost_to_the_line_unit() -> None:
    ctx = context(margin_floor_pct=D("5"))  # a case of 12 costs 72.00: floor 75.60
    assert margin.evaluate(order(line(qty="1", uom="CS", price="75.60")), ctx) == []
    assert margin.evaluate(order(line(qty="1", uom="CS", price="75.59")), ctx) != []


def test_item_without_cost_is_never_below_floor() -> None:
    ref = reference()
    ref.items = [replace(i, unit_cost=D(0)) for i in ref.items]
    assert margin.evaluate(order(line(price="0.01")), context(ref)) == []


def test_margin_reason_names_cost_and_floor() -> None:
    [finding] = margin.evaluate(order(line(price="5.00")), context())
    assert "below the floor of 6.30" in finding.reason and "cost 6.00" in finding.reason


@settings(deadline=None)
@given(st.decimals(min_value=D("0.01"), max_value=D("1000"), places=2),
       st.decimals(min_value=D("0"), max_value=D("50"), places=1))
def test_a_price_at_or_above_the_floor_never_flags(price: Decimal, pct: Decimal) -> None:
    ctx = context(margin_floor_pct=pct)
    floor = D("6.00") * (1 + pct / 100)
    flagged = margin.evaluate(order(line(price=str(price))), ctx) != []
    assert flagged == (price < floor)


def invoice(days_past_due: int, amount: str = "1000", inv: str = "INV1") -> Receivable:
    return Receivable("ACME", inv, D(amount), DAY - timedelta(days=days_past_due))


def with_invoices(*invoices: Receivable, **settings: object):
    ref = reference()
    ref.receivables = list(invoices)
    return context(ref, **settings)


def test_invoice_exactly_at_policy_days_is_not_held_one_day_more_is() -> None:
    assert past_due.evaluate(order(), with_invoices(invoice(30), past_due_days=30)) == []
    [finding] = past_due.evaluate(order(), with_invoices(invoice(31), past_due_days=30))
    assert finding.lines == ()
    assert finding.evidence["invoices"][0]["days_past_due"] == 31
    assert finding.evidence["buckets"] == {"31-60": "1000"}


def test_payment_applies_to_the_oldest_invoice_first() -> None:
    ctx = with_invoices(invoice(90, "500", "OLD"), invoice(10, "800", "NEW"))
    assert past_due.evaluate(order(), ctx) != []
    ctx.post_payment("ACME", D("500"))
    assert past_due.evaluate(order(), ctx) == []


def test_partly_paid_old_invoice_still_holds_with_the_rest() -> None:
    ctx = with_invoices(invoice(45, "500"))
    ctx.post_payment("ACME", D("200"))
    [finding] = past_due.evaluate(order(), ctx)
    assert finding.evidence["past_due_beyond_policy"] == "300"


def test_small_past_due_amount_is_tolerated() -> None:
    ctx = with_invoices(invoice(45, "25"), past_due_min_amount=D("25"))
    assert past_due.evaluate(order(), ctx) == []


def test_customer_without_receivables_is_never_held() -> None:
    assert past_due.evaluate(order(), context()) == []


def test_ageing_buckets() -> None:
    assert [bucket(d) for d in (1, 30, 31, 60, 61, 90, 91)] == [
        "1-30", "1-30", "31-60", "31-60", "61-90", "61-90", "90+"]


@settings(deadline=None)
@given(st.integers(min_value=0, max_value=200), st.integers(min_value=0, max_value=200),
       st.decimals(min_value=D("0"), max_value=D("3000"), places=2))
def test_paying_more_never_creates_a_past_due_hold(days: int, policy: int, paid: Decimal) -> None:
    ctx = with_invoices(invoice(days, "1000"), past_due_days=policy)
    before = past_due.evaluate(order(), ctx) != []
    ctx.post_payment("ACME", paid)
    after = past_due.evaluate(order(), ctx) != []
    assert not after or before
    assert before == (days > policy)
