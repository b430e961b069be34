"""MISSING_CARRIER_INSTRUCTIONS, TAX_FAILURE and COMPLIANCE_HOLD: edges and invariants."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ordex.domain.model import Address, CustomerLicence, TaxExemption, TaxRule
from ordex.interpret.detectors.compliance_hold import ComplianceHold
from ordex.interpret.detectors.missing_carrier import MissingCarrierInstructions
from ordex.interpret.detectors.tax_failure import TaxFailure

from builders import DAY, GOOD_ADDRESS, context, line, order, reference

D = Decimal
carrier = MissingCarrierInstructions()
tax = TaxFailure()
compliance = ComplianceHold()


def customer_ref(**changes: object):
    ref = reference()
    ref.customers = [replace(ref.customers[0], **changes)]
    return ref


# -- carrier instructions ---------------------------------------------------------------
def test_missing_ship_via_is_flagged_only_without_a_customer_default() -> None:
    no_via = replace(order(), ship_via=None)
    [finding] = carrier.evaluate(no_via, context(customer_ref()))
    assert "no ship-via" in finding.reason
    assert carrier.evaluate(no_via, context(customer_ref(default_ship_via="UPSN-GND"))) == []


def test_blank_ship_via_counts_as_missing() -> None:
    assert carrier.evaluate(replace(order(), ship_via="  "), context(customer_ref())) != []


def test_freight_terms_required_by_the_customer_must_be_on_the_order() -> None:
    ref = customer_ref(freight_terms_required=True)
    [finding] = carrier.evaluate(order(), context(ref))
    assert finding.evidence["freight_terms_required"] is True
    assert carrier.evaluate(replace(order(), freight_terms="PREPAID"), context(ref)) == []
    assert carrier.evaluate(order(), context(customer_ref())) == []


# -- tax ----------------------------------------------------------------------------------
def taxed(*states: str, **customer: object):
    ref = customer_ref(**customer)
    ref.tax_rules = [TaxRule(s, D("0.06")) for s in states]
    return ref


def test_ship_to_state_without_a_tax_rule_fails() -> None:
    [finding] = tax.evaluate(order(), context(taxed("FL")))
    assert finding.evidence["jurisdiction"] == {"country": "US", "state": "IL"}
    assert tax.evaluate(order(), context(taxed("IL"))) == []


def test_no_tax_rules_loaded_means_no_jurisdiction_check() -> None:
    assert tax.evaluate(order(), context()) == []


def test_exemption_certificate_valid_through_the_ship_date_and_not_after() -> None:
    ref = taxed("IL", tax_exempt=True)
    ref.tax_exemptions = [TaxExemption("ACME", "EX1", DAY - timedelta(days=300), DAY)]
    assert tax.evaluate(order(ship=DAY), context(ref)) == []
    [finding] = tax.evaluate(order(ship=DAY + timedelta(days=1)), context(ref))
    assert "EX1" in finding.reason and finding.evidence["certificate"]["valid_to"] == "2026-11-23"
    assert finding.evidence["tax_point_date"] == "2026-11-24"


def test_certificate_expiring_between_order_and_shipment_fails_at_the_tax_point() -> None:
    ref = taxed("IL", tax_exempt=True)
    ref.tax_exemptions = [TaxExemption("ACME", "EX1", DAY - timedelta(days=300), DAY)]
    ordered_today_ships_next_week = order(day=DAY, ship=DAY + timedelta(days=7))
    [finding] = tax.evaluate(ordered_today_ships_next_week, context(ref))
    assert "ship date 2026-11-30" in finding.reason


def test_certificate_starting_after_the_order_date_covers_a_later_shipment() -> None:
    ref = taxed("IL", tax_exempt=True)
    ref.tax_exemptions = [TaxExemption("ACME", "EX1", DAY + timedelta(days=3), DAY + timedelta(days=400))]
    assert tax.evaluate(order(day=DAY, ship=DAY + timedelta(days=3)), context(ref)) == []


def test_exempt_customer_without_certificate_fails_and_a_taxable_one_does_not() -> None:
    assert tax.evaluate(order(), context(taxed("IL", tax_exempt=True))) != []
    assert tax.evaluate(order(), context(taxed("IL"))) == []


def test_certificate_for_another_state_does_not_cover_the_order() -> None:
    ref = taxed("IL", tax_exempt=True)
    ref.tax_exemptions = [TaxExemption("ACME", "EX1", DAY, DAY, state="FL")]
    assert tax.evaluate(order(), context(ref)) != []


@settings(deadline=None)
@given(st.integers(min_value=-30, max_value=30), st.integers(min_value=0, max_value=30))
def test_exemption_judgement_matches_the_validity_window(offset: int, length: int) -> None:
    ref = taxed("IL", tax_exempt=True)
    start = DAY + timedelta(days=offset)
    ref.tax_exemptions = [TaxExemption("ACME", "EX1", start, start + timedelta(days=length))]
    valid = start <= DAY <= start + timedelta(days=length)
    assert (tax.evaluate(order(), context(ref)) == []) == valid


# -- compliance ---------------------------------------------------------------------------
def regulated(licences: list[CustomerLicence] | None = None, **item: object):
    ref = reference()
    ref.items = [replace(ref.items[0], **(item or {"licence_type": "DEA"})), ref.items[1]]
    ref.licences = licences or []
    return ref


def licence(start: date, end: date) -> CustomerLicence:
    return CustomerLicence("ACME", "DEA", "L1", start, end)


def test_regulated_item_without_licence_is_held_on_that_line_only() -> None:
    two = order(line(1), line(2, item="GADGET", price="5.00"))
    [finding] = compliance.evaluate(two, context(regulated()))
    assert finding.lines == (1,)
    assert "no DEA licence" in finding.reason


def test_licence_valid_through_the_ship_date_and_not_a_day_later() -> None:
    ref = regulated([licence(DAY - timedelta(days=100), DAY)])
    assert compliance.evaluate(order(ship=DAY), context(ref)) == []
    [finding] = compliance.evaluate(order(ship=DAY + timedelta(days=1)), context(ref))
    assert finding.evidence["lines"][0]["licences_on_file"] == ["L1"]


def test_licence_of_another_type_does_not_count() -> None:
    ref = regulated([CustomerLicence("ACME", "EPA", "L2", DAY, DAY)])
    assert compliance.evaluate(order(), context(ref)) != []


def test_export_restricted_item_to_a_restricted_country_is_held() -> None:
    ref = regulated(export_restricted=True)
    abroad = order(address=Address("Acme", "1 Calle", "", "Havana", "", "10400", "CU"))
    [finding] = compliance.evaluate(abroad, context(ref))
    assert finding.evidence["lines"][0]["problem"] == "export_restricted"
    assert compliance.evaluate(order(address=GOOD_ADDRESS), context(ref)) == []


@settings(deadline=None)
@given(st.integers(min_value=-10, max_value=10), st.integers(min_value=-10, max_value=10))
def test_a_licence_valid_on_the_ship_date_never_holds(start: int, end: int) -> None:
    ref = regulated([licence(DAY + timedelta(days=start), DAY + timedelta(days=end))])
    held = compliance.evaluate(order(), context(ref)) != []
    assert held == (not start <= 0 <= end)


@settings(deadline=None)
@given(st.one_of(st.none(), st.text(max_size=8)), st.one_of(st.none(), st.text(max_size=8)),
       st.text(max_size=8), st.booleans())
def test_carrier_finding_exactly_when_something_is_missing(via, terms, default: str,
                                                          required: bool) -> None:
    ref = customer_ref(default_ship_via=default, freight_terms_required=required)
    found = carrier.evaluate(replace(order(), ship_via=via, freight_terms=terms), context(ref))
    no_carrier = not (via or "").strip() and not default.strip()
    no_terms = required and not (terms or "").strip()
    assert (found != []) == (no_carrier or no_terms)


# -- unknown carrier service ----------------------------------------------------------------
def with_services(**customer: object):
    from datetime import time

    from ordex.domain.model import CarrierService
    ref = customer_ref(**customer)
    ref.carrier_services = [CarrierService("UPSN", "GND", D(150), False, (), time(17, 0))]
    ref.items = [replace(ref.items[0], hazmat_class="3"), ref.items[1]]
    return ref


def test_hazmat_order_on_a_service_not_on_file_is_a_carrier_finding() -> None:
    unknown = replace(order(), ship_via="ACME-FREIGHT")
    [finding] = carrier.evaluate(unknown, context(with_services()))
    assert finding.evidence["unknown_ship_via"] == "ACME-FREIGHT"
    assert "not a carrier service on file" in finding.reason
    assert carrier.evaluate(replace(order(), ship_via="upsn-gnd"), context(with_services())) == []


def test_unknown_customer_default_service_is_named_as_the_default() -> None:
    no_via = replace(order(), ship_via=None)
    [finding] = carrier.evaluate(no_via, context(with_services(default_ship_via="XYZ-AIR")))
    assert "default ship-via XYZ-AIR" in finding.reason


def test_without_carrier_services_loaded_no_ship_via_is_judged_unknown() -> None:
    assert carrier.evaluate(replace(order(), ship_via="ANY-THING"), context(customer_ref())) == []
