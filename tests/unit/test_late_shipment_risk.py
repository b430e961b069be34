"""LATE_SHIPMENT_RISK: blocking findings plus a requested date without slack."""

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ordex.domain.codes import ExceptionCode, Severity
from ordex.domain.findings import Finding
from ordex.domain.model import Warehouse
from ordex.interpret.detectors.late_shipment_risk import LateShipmentRisk
from ordex.interpret.registry import REGISTRY, detect

from builders import DAY, context, line, order, reference

late = LateShipmentRisk()
BLOCK = Finding(ExceptionCode.PRICE_MISMATCH, Severity.BLOCKING, (1,), "price")
WARN = Finding(ExceptionCode.LATE_SHIPMENT_RISK, Severity.WARNING, (), "late")


def lead(days: int, **settings: object):
    ref = reference()
    ref.warehouses = [Warehouse("WH1", "Chicago DC", "IL", "60638", days)]
    return context(ref, **settings)


def test_blocked_order_due_on_the_earliest_possible_day_is_at_risk() -> None:
    ctx = lead(1, late_risk_slack_days=1)
    [finding] = late.review(order(ship=DAY + timedelta(days=1)), ctx, [BLOCK])
    assert finding.severity is Severity.WARNING
    assert finding.evidence["slack_days"] == 0
    assert finding.evidence["blocking_codes"] == ["PRICE_MISMATCH"]


def test_one_day_of_slack_is_enough_at_the_default_policy() -> None:
    ctx = lead(1, late_risk_slack_days=1)
    assert late.review(order(ship=DAY + timedelta(days=2)), ctx, [BLOCK]) == []


def test_an_unblocked_order_is_never_at_risk() -> None:
    assert late.review(order(ship=DAY), lead(3), []) == []
    assert late.review(order(ship=DAY), lead(3), [WARN]) == []


def test_detect_runs_the_review_after_the_other_detectors() -> None:
    detectors = [REGISTRY[ExceptionCode.PRICE_MISMATCH], late]
    codes = [f.code for f in detect(order(line(price="99.00"), ship=DAY), lead(0), detectors)]
    assert codes == [ExceptionCode.PRICE_MISMATCH, ExceptionCode.LATE_SHIPMENT_RISK]
    assert detect(order(line(price="10.00"), ship=DAY), lead(0), detectors) == []


@settings(deadline=None)
@given(st.integers(min_value=0, max_value=5), st.integers(min_value=-2, max_value=8),
       st.integers(min_value=0, max_value=4))
def test_risk_matches_the_slack_rule(days: int, ahead: int, policy: int) -> None:
    ctx = lead(days, late_risk_slack_days=policy)
    flagged = late.review(order(ship=DAY + timedelta(days=ahead)), ctx, [BLOCK]) != []
    assert flagged == (ahead - days < policy)


def test_unknown_warehouse_degrades_to_no_finding() -> None:
    assert late.review(order(ship=DAY), context(), [BLOCK]) == []
