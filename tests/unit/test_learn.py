"""Detection report and KPI arithmetic."""

from decimal import Decimal

from ordex.learn.detection import detection_report
from ordex.learn.kpis import KpiFacts, compute_kpis


def test_precision_and_recall_per_code() -> None:
    truth = {("a", "X"), ("b", "X"), ("c", "Y")}
    predicted = {("a", "X"), ("c", "X"), ("c", "Y")}
    report = detection_report(predicted, truth)
    assert report["X"] == {"precision": 0.5, "recall": 0.5, "support": 2, "predicted": 2}
    assert report["Y"]["precision"] == 1.0 and report["Y"]["recall"] == 1.0


def test_touchless_rate_and_median_time() -> None:
    facts = KpiFacts(100, 10, {"X": 10}, {"pricing": 2}, {"auto_resolved": 3, "resolved": 1,
                                                           "cancelled": 4},
                     [1.0, 2.0, 3.0, 10.0], 1, Decimal("5"))
    k = compute_kpis(facts)
    assert k["touchless_rate"] == 0.5  # 3 auto of 3 + 1 closed + 2 open
    assert k["closed_touchless_rate"] == 0.75 and k["median_hours_to_resolve"] == 2.5
    assert k["median_hours_to_resolve_by_people"] is None  # no person-resolved spans given
    with_people = compute_kpis(KpiFacts(1, 1, {}, {}, {"resolved": 2}, [1.0, 3.0], 0,
                                        Decimal(0), [1.0, 3.0]))
    assert with_people["median_hours_to_resolve_by_people"] == 2.0
    assert k["exception_rate"] == 0.1 and k["open_backlog"] == 2


def test_people_kpis_from_their_facts() -> None:
    facts = KpiFacts(10, 4, {}, {"credit": 3}, {"resolved": 4, "auto_resolved": 2}, [], 1,
                     Decimal(0), [], {"under_4h": 2, "over_7d": 1}, human_touches=15,
                     resolved_first_touch=3, closed_within_sla=5, closed_after_sla=1)
    k = compute_kpis(facts)
    assert k["open_backlog_by_age"] == {"under_4h": 2, "4h_to_1d": 0, "1d_to_3d": 0,
                                        "3d_to_7d": 0, "over_7d": 1}
    assert k["manual_touches_per_order"] == 1.5
    assert k["first_touch_resolution_rate"] == 0.75  # 3 of 4 resolved by people
    assert k["resolution_sla_compliance"] == round(5 / 7, 6)  # the overdue open case counts
    empty = compute_kpis(KpiFacts(0, 0, {}, {}, {}, [], 0, Decimal(0)))
    assert empty["first_touch_resolution_rate"] == 0.0
    assert empty["resolution_sla_compliance"] == 0.0 and sum(
        empty["open_backlog_by_age"].values()) == 0


def test_override_rates_per_queue_and_recommended_action() -> None:
    facts = KpiFacts(10, 4, {}, {}, {"resolved": 4}, [], 0, Decimal(0),
                     resolved_by_queue={"credit": 3, "pricing": 1},
                     overridden_by_queue={"credit": 1},
                     resolved_by_recommendation={"RELEASE": 2, "REPRICE": 2},
                     overridden_by_recommendation={"REPRICE": 1})
    k = compute_kpis(facts)
    assert k["override_rate"] == 0.25
    assert k["override_rate_by_queue"] == {"credit": round(1 / 3, 6), "pricing": 0.0}
    assert k["override_rate_by_action"] == {"RELEASE": 0.0, "REPRICE": 0.5}


def test_response_sla_compliance_counts_only_outcomes_known() -> None:
    facts = KpiFacts(10, 4, {}, {}, {}, [], 0, Decimal(0), responded_in_time=3,
                     response_missed=1)
    assert compute_kpis(facts)["response_sla_compliance"] == 0.75
    assert compute_kpis(KpiFacts(1, 0, {}, {}, {}, [], 0, Decimal(0)))[
        "response_sla_compliance"] == 0.0
