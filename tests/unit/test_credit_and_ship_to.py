"""CREDIT_LIMIT_EXCEEDED and INVALID_SHIP_TO."""

from decimal import Decimal

from ordex.domain.model import Address
from ordex.interpret.detectors.credit_limit import CreditLimitExceeded
from ordex.interpret.detectors.invalid_ship_to import InvalidShipTo

from builders import context, line, order, reference

credit = CreditLimitExceeded()
ship_to = InvalidShipTo()


def test_exposure_exactly_at_limit_is_allowed() -> None:
    ctx = context(reference(limit="1000", ar="800"))
    ctx.add_open_orders("ACME", Decimal("100"))
    assert credit.evaluate(order(line(qty="10", price="10.00")), ctx) == []


def test_one_cent_over_the_limit_is_held_with_every_part_in_evidence() -> None:
    ctx = context(reference(limit="1000", ar="800.01"))
    ctx.add_open_orders("ACME", Decimal("100"))
    [finding] = credit.evaluate(order(line(qty="10", price="10.00")), ctx)
    assert finding.whole_order
    assert finding.evidence["over_by"] == "0.01"
    assert finding.evidence["open_receivables"] == "800.01"
    assert "1,000.00" in finding.reason


def test_payment_brings_exposure_back_under_the_limit() -> None:
    ctx = context(reference(limit="1000", ar="1500"))
    assert credit.evaluate(order(line()), ctx) != []
    ctx.post_payment("ACME", Decimal("700"))
    assert credit.evaluate(order(line()), ctx) == []


def test_unknown_customer_is_left_to_master_data() -> None:
    assert credit.evaluate(order(line(), customer="NOBODY"), context()) == []


def test_valid_address_and_zip_plus_four_pass() -> None:
    assert ship_to.evaluate(order(line()), context()) == []
    plus4 = Address("Acme", "1 Main", "", "Chicago", "il", "60607-1234", "US")
    assert ship_to.evaluate(order(line(), address=plus4), context()) == []


def test_zip_in_another_state_is_named() -> None:
    bad = Address("Acme", "1 Main", "", "Chicago", "IN", "60607", "US")
    [finding] = ship_to.evaluate(order(line(), address=bad), context())
    assert "60607 is in IL, not IN" in finding.reason


def test_zip_that_does_not_exist_and_missing_city_are_both_reported() -> None:
    bad = Address("Acme", "1 Main", "", "", "IL", "00000", "US")
    [finding] = ship_to.evaluate(order(line(), address=bad), context())
    assert finding.evidence["problems"] == ["city is missing", "postal code 00000 does not exist in US"]


def test_country_must_be_iso_two_letters_and_others_skip_zip_check() -> None:
    usa = Address("Acme", "1 Main", "", "Chicago", "IL", "60607", "USA")
    assert "ISO 3166" in ship_to.evaluate(order(line(), address=usa), context())[0].reason
    canada = Address("Acme", "1 Main", "", "Toronto", "ON", "M5V 2T6", "CA")
    assert ship_to.evaluate(order(line(), address=canada), context()) == []


def test_malformed_us_zip_is_reported() -> None:
    bad = Address("Acme", "1 Main", "", "Chicago", "IL", "6060", "US")
    assert "not a US ZIP" in ship_to.evaluate(order(line(), address=bad), context())[0].reason
