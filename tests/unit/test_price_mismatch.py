"""PRICE_MISMATCH: contract (dates, breaks, units) else list price, with tolerance."""

from datetime import timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ordex.domain.model import PriceContract
from ordex.interpret.detectors.price_mismatch import PriceMismatch

from builders import DAY, context, line, order, reference

detector = PriceMismatch()
D = Decimal


def contract(price: str, *, uom: str = "EA", min_qty: str = "0", start=DAY - timedelta(days=30),
             end=DAY, cid: str = "K1") -> PriceContract:
    return PriceContract(cid, "ACME", "WIDGET", uom, D(min_qty), D(price), start, end)


def test_list_price_applies_without_contract() -> None:
    assert detector.evaluate(order(line(price="10.00")), context()) == []
    [finding] = detector.evaluate(order(line(price="11.00")), context())
    assert finding.evidence["lines"][0]["source"] == "list"


def test_price_exactly_at_percent_tolerance_is_accepted_and_a_cent_more_is_not() -> None:
    ctx = context(price_tolerance_abs=D("0.01"), price_tolerance_pct=D("1"))
    assert detector.evaluate(order(line(price="10.10")), ctx) == []  # 1 % of 10.00
    assert detector.evaluate(order(line(price="10.11")), ctx) != []
    assert detector.evaluate(order(line(price="9.90")), ctx) == []
    assert detector.evaluate(order(line(price="9.89")), ctx) != []


def test_absolute_tolerance_wins_when_larger_than_percent() -> None:
    ctx = context(price_tolerance_abs=D("0.50"), price_tolerance_pct=D("1"))
    assert detector.evaluate(order(line(price="10.50")), ctx) == []
    assert detector.evaluate(order(line(price="10.51")), ctx) != []


def test_contract_expiring_today_still_applies_and_not_tomorrow() -> None:
    ref = reference(contracts=[contract("8.00", end=DAY)])
    assert detector.evaluate(order(line(price="8.00"), day=DAY), context(ref)) == []
    tomorrow = order(line(price="8.00"), day=DAY + timedelta(days=1))
    [finding] = detector.evaluate(tomorrow, context(ref))
    assert finding.evidence["lines"][0]["source"] == "list"


def test_contract_not_yet_started_does_not_apply() -> None:
    ref = reference(contracts=[contract("8.00", start=DAY + timedelta(days=1),
                                        end=DAY + timedelta(days=9))])
    assert detector.evaluate(order(line(price="8.00")), context(ref)) != []


def test_case_contract_price_converts_to_each() -> None:
    ref = reference(contracts=[contract("96.00", uom="CS")])  # 8.00 an each
    assert detector.evaluate(order(line(price="8.00", uom="EA")), context(ref)) == []
    assert detector.evaluate(order(line(qty="1", price="96.00", uom="CS")), context(ref)) == []
    [finding] = detector.evaluate(order(line(price="9.00")), context(ref))
    assert finding.evidence["lines"][0]["expected_price"] == "8.00"


def test_quantity_break_in_cases_applies_from_its_threshold_in_each() -> None:
    ref = reference(contracts=[contract("9.00", cid="BASE"),
                               contract("96.00", uom="CS", min_qty="2", cid="BREAK")])
    assert detector.evaluate(order(line(qty="23", price="9.00")), context(ref)) == []
    assert detector.evaluate(order(line(qty="24", price="8.00")), context(ref)) == []
    [finding] = detector.evaluate(order(line(qty="24", price="9.00")), context(ref))
    assert finding.evidence["lines"][0]["contract_id"] == "BREAK"


def test_other_currency_without_contract_in_it_is_a_mismatch() -> None:
    from dataclasses import replace
    eur = replace(order(line(price="10.00")), currency="EUR")
    [finding] = detector.evaluate(eur, context())
    assert "EUR" in finding.reason


@given(cents=st.integers(min_value=-50, max_value=50))
def test_a_price_inside_tolerance_never_mismatches(cents: int) -> None:
    ctx = context(price_tolerance_abs=D("0.50"), price_tolerance_pct=D("0"))
    price = D("10.00") + D(cents) / 100
    assert detector.evaluate(order(line(price=str(price))), ctx) == []


@given(cents=st.integers(min_value=51, max_value=100_000), up=st.booleans())
def test_a_price_outside_tolerance_always_mismatches(cents: int, up: bool) -> None:
    ctx = context(price_tolerance_abs=D("0.50"), price_tolerance_pct=D("0"))
    price = D("10.00") + (D(cents) if up else -D(min(cents, 1000))) / 100
    if price < 0:
        return
    assert detector.evaluate(order(line(price=str(price))), ctx) != []
