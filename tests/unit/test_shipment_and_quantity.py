"""SHIPMENT_CONSTRAINT and QUANTITY_ANOMALY: edges, keying-error names and invariants."""

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ordex.domain.model import CarrierService, OrderHistoryEntry, Warehouse
from ordex.interpret.detectors.quantity_anomaly import QuantityAnomaly, judge, median
from ordex.interpret.detectors.shipment_constraint import ShipmentConstraint

from builders import DAY, context, line, order, reference

D = Decimal
shipment = ShipmentConstraint()
anomaly = QuantityAnomaly()
UPS = CarrierService("UPSN", "GND", D(150), False, (), time(17, 0))


def shipping(lead: int = 1, services: tuple[CarrierService, ...] = (UPS,), **item: object):
    ref = reference()
    ref.warehouses = [Warehouse("WH1", "Chicago DC", "IL", "60638", lead)]
    ref.carrier_services = list(services)
    ref.items = [replace(ref.items[0], weight=D("1"), **item), ref.items[1]]
    return ref


def shipped(*lines, **kwargs):
    """An order sent with ship-via UPSN-GND."""
    return replace(order(*lines, **kwargs), ship_via="UPSN-GND")


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY, time(hour, minute), UTC)


def test_requested_date_exactly_at_lead_time_is_fine_and_a_day_earlier_is_not() -> None:
    ctx = context(shipping(lead=2))
    ship = DAY + timedelta(days=2)
    assert shipment.evaluate(order(ship=ship, received=at(9)), ctx) == []
    [finding] = shipment.evaluate(order(ship=ship - timedelta(days=1), received=at(9)), ctx)
    assert "lead time" in finding.reason


def test_same_day_order_exactly_at_the_cutoff_ships_and_a_minute_later_does_not() -> None:
    ctx = context(shipping(lead=0))
    assert shipment.evaluate(shipped(ship=DAY, received=at(17)), ctx) == []
    [finding] = shipment.evaluate(shipped(ship=DAY, received=at(17, 1)), ctx)
    assert "cutoff" in finding.reason
    assert shipment.evaluate(shipped(ship=DAY + timedelta(days=1), received=at(19)), ctx) == []


def test_order_weight_exactly_at_the_service_limit_is_allowed() -> None:
    ctx = context(shipping())
    tomorrow = DAY + timedelta(days=1)
    assert shipment.evaluate(shipped(line(qty="150"), ship=tomorrow, received=at(9)), ctx) == []
    [finding] = shipment.evaluate(shipped(line(qty="151"), ship=tomorrow, received=at(9)), ctx)
    assert "151 lb" in finding.reason


def test_hazmat_needs_a_service_that_carries_it() -> None:
    tomorrow = DAY + timedelta(days=1)
    ctx = context(shipping(hazmat_class="3"))
    assert "hazardous" in shipment.evaluate(shipped(ship=tomorrow, received=at(9)), ctx)[0].reason
    ltl = CarrierService("UPSN", "GND", None, True, (), None)
    ctx = context(shipping(services=(ltl,), hazmat_class="3"))
    assert shipment.evaluate(shipped(ship=tomorrow, received=at(9)), ctx) == []


def test_carrier_must_serve_the_destination_state() -> None:
    tomorrow = DAY + timedelta(days=1)
    only_fl = CarrierService("UPSN", "GND", None, False, ("FL",), None)
    assert shipment.evaluate(shipped(ship=tomorrow), context(shipping(services=(only_fl,)))) != []
    only_il = CarrierService("UPSN", "GND", None, False, ("IL",), None)
    assert shipment.evaluate(shipped(ship=tomorrow), context(shipping(services=(only_il,)))) == []


def test_unknown_service_or_warehouse_degrades_to_no_finding() -> None:
    assert shipment.evaluate(order(line(qty="9999"), ship=DAY - timedelta(days=3)),
                             context()) == []


@settings(deadline=None)
@given(st.integers(min_value=0, max_value=5), st.integers(min_value=-3, max_value=8))
def test_lead_time_rule_matches_the_calendar(lead: int, days_ahead: int) -> None:
    ship = DAY + timedelta(days=days_ahead)
    flagged = shipment.evaluate(order(ship=ship, received=at(9)),
                                context(shipping(lead=lead))) != []
    assert flagged == (days_ahead < lead)


# -- quantity anomaly ---------------------------------------------------------------------
def history(*quantities: int):
    ref = reference(on_hand="100000")
    ref.order_history = [OrderHistoryEntry("ACME", "WIDGET", DAY - timedelta(days=7 * (k + 1)),
                                           D(q)) for k, q in enumerate(quantities)]
    return ref


USUAL = (10, 12, 9, 11, 10, 10, 13, 8)


def test_ten_times_the_usual_quantity_is_named_as_a_keying_error() -> None:
    [finding] = anomaly.evaluate(order(line(qty="100")), context(history(*USUAL)))
    assert finding.lines == (1,)
    assert "×10 keying error" in finding.reason
    assert finding.evidence["lines"][0]["history_median"] == "10"


def test_hundred_times_and_case_for_each_are_named() -> None:
    [x100] = anomaly.evaluate(order(line(qty="1000")), context(history(*USUAL)))
    assert "×100" in x100.reason
    [case] = anomaly.evaluate(order(line(qty="10", uom="CS")), context(history(*USUAL)))
    assert "case vs each" in case.reason


def test_too_short_a_history_is_never_judged() -> None:
    assert anomaly.evaluate(order(line(qty="1000")), context(history(10, 10, 10, 10))) == []
    assert anomaly.evaluate(order(line(qty="1000")), context(history(10, 10, 10, 10, 10))) != []


def test_ratio_exactly_at_the_minimum_flags_and_just_under_does_not() -> None:
    ctx = context(history(*USUAL), quantity_anomaly_min_ratio=D("4"))
    assert anomaly.evaluate(order(line(qty="40")), ctx) != []  # 4 × median 10
    assert anomaly.evaluate(order(line(qty="39")), ctx) == []


def test_a_legitimately_bigger_order_is_not_an_anomaly() -> None:
    assert anomaly.evaluate(order(line(qty="25")), context(history(*USUAL))) == []


def test_a_wide_history_needs_a_much_larger_outlier() -> None:
    wide = (1, 40, 5, 60, 20, 35, 3, 50)
    assert anomaly.evaluate(order(line(qty="120")), context(history(*wide))) == []


def test_median_is_exact() -> None:
    assert median([D(1), D(4), D(2), D(3)]) == D("2.5")


@settings(deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=500), min_size=5, max_size=30),
       st.integers(min_value=1, max_value=100000))
def test_a_quantity_inside_the_history_range_is_never_anomalous(past: list[int],
                                                                 pick: int) -> None:
    value = D(sorted(past)[pick % len(past)])
    spread_ok = max(past) < 4 * min(past)
    j = judge(value, [D(x) for x in past], threshold=D(10), min_ratio=D(4))
    if spread_ok:
        assert j is None


@settings(deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=500), min_size=5, max_size=30),
       st.integers(min_value=1, max_value=100))
def test_scaling_up_an_anomaly_keeps_it_anomalous(past: list[int], factor: int) -> None:
    history_d = [D(x) for x in past]
    m = median(history_d)
    value = m * 1000
    if judge(value, history_d, threshold=D(10), min_ratio=D(4)) is not None:
        assert judge(value * factor, history_d, threshold=D(10), min_ratio=D(4)) is not None
