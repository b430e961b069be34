"""DUPLICATE_ORDER decisions: only an exact duplicate is cancelled without a person."""

from datetime import timedelta
from decimal import Decimal

from ordex.decide.duplicates import NEAR_CAP, near_duplicate_confidence
from ordex.domain.cases import CaseState
from ordex.domain.events import CancelOrder

from builders import NOW, decide_pipeline, line, order, sourcing_reference

D = Decimal
LAX = """
version: lax-1
effective_from: "2026-01-01T00:00:00Z"
confidence_floor: 0.0
codes:
  DUPLICATE_ORDER:
    actions:
      CANCEL_DUPLICATE: {auto: true, min_confidence: 0.0}
"""


def decision(p, case_id):  # type: ignore[no-untyped-def]
    return next(r for r in p.changes.decisions if r.case_id == case_id)


def test_single_identical_line_under_another_po_goes_to_a_person() -> None:
    p = decide_pipeline(sourcing_reference())
    p.accept(order(line(1, qty="5"), po="PO-1"), raw_id="r1", key=None, now=NOW)
    later = NOW + timedelta(hours=3)
    p.accept(order(line(1, qty="5"), order_id="O-2", po="PO-2", received=later), raw_id="r2",
             key=None, now=later)
    case = p.changes.new_cases["O-2:DUPLICATE_ORDER"]
    rec = decision(p, case.case_id)
    assert case.state is CaseState.OPEN and not rec.auto_apply
    assert "O-2" not in p.work.cancelled
    assert not any(isinstance(m.command, CancelOrder) for m in p.changes.outbox)
    cancel = next(c for c in rec.candidates if c.action.value == "CANCEL_DUPLICATE")
    assert cancel.confidence < 0.9 and rec.chosen.action.value == "NOTIFY_CUSTOMER"


def test_near_duplicate_is_routed_even_when_policy_would_cancel_anything() -> None:
    lines = [line(n, item="WIDGET" if n % 2 else "GADGET", qty=str(n)) for n in range(1, 6)]
    p = decide_pipeline(sourcing_reference(), policy_text=LAX)
    p.accept(order(*lines, po="PO-1"), raw_id="r1", key=None, now=NOW)
    later = NOW + timedelta(minutes=10)
    p.accept(order(*lines, order_id="O-2", po="PO-9", received=later), raw_id="r2", key=None,
             now=later)
    rec = decision(p, "O-2:DUPLICATE_ORDER")
    assert rec.chosen.action.value == "CANCEL_DUPLICATE" and rec.chosen.confidence == NEAR_CAP
    assert not rec.auto_apply and "near-duplicate" in rec.gate
    assert "O-2" not in p.work.cancelled


def test_exact_duplicate_same_customer_same_po_is_still_cancelled_under_policy() -> None:
    p = decide_pipeline(sourcing_reference())
    p.accept(order(line(1, qty="5"), po="4500-1"), raw_id="r1", key=None, now=NOW)
    later = NOW + timedelta(hours=30)
    p.accept(order(line(1, qty="5"), order_id="O-2", po=" 4500-1 ", received=later),
             raw_id="r2", key=None, now=later)
    assert p.changes.new_cases["O-2:DUPLICATE_ORDER"].state is CaseState.AUTO_RESOLVED
    assert "O-2" in p.work.cancelled


def test_same_po_only_once_normalised_goes_to_a_person_even_under_a_lax_policy() -> None:
    for first, second in (("0012", "12"), ("PO-7", "po-7"), ("AB 12", "AB12")):
        p = decide_pipeline(sourcing_reference(), policy_text=LAX)
        p.accept(order(line(1, qty="5"), po=first), raw_id="r1", key=None, now=NOW)
        p.accept(order(line(1, qty="5"), order_id="O-2", po=second), raw_id="r2", key=None,
                 now=NOW)
        case = p.changes.new_cases["O-2:DUPLICATE_ORDER"]
        rec = decision(p, case.case_id)
        assert case.evidence["po_as_written"] is False, (first, second)
        assert case.state is CaseState.OPEN and not rec.auto_apply, (first, second)
        cancel = next(c for c in rec.candidates if c.action.value == "CANCEL_DUPLICATE")
        assert "written otherwise" in str(cancel.effect["needs_person"])
        assert "O-2" not in p.work.cancelled
        assert not any(isinstance(m.command, CancelOrder) for m in p.changes.outbox)


def test_same_po_with_other_lines_goes_to_a_person_even_under_a_lax_policy() -> None:
    p = decide_pipeline(sourcing_reference(), policy_text=LAX)
    p.accept(order(line(1, qty="5"), po="PO-1"), raw_id="r1", key=None, now=NOW)
    p.accept(order(line(1, qty="7"), order_id="O-2", po="PO-1"), raw_id="r2", key=None, now=NOW)
    assert not decision(p, "O-2:DUPLICATE_ORDER").auto_apply
    assert "O-2" not in p.work.cancelled


def test_evidence_weighs_lines_time_apart_and_totals() -> None:
    near = near_duplicate_confidence
    one, two, five = (near(lines=n, gap_hours=D(5), same_total=True) for n in (1, 2, 5))
    assert one < two < five <= NEAR_CAP
    assert near(lines=3, gap_hours=D(2), same_total=True) > near(
        lines=3, gap_hours=D("2.01"), same_total=True)
    assert near(lines=3, gap_hours=D(24), same_total=True) > near(
        lines=3, gap_hours=D("24.01"), same_total=True)
    assert near(lines=3, gap_hours=D(5), same_total=False) < near(
        lines=3, gap_hours=D(5), same_total=True)
    assert near(lines=3, gap_hours=D(5), same_total=None) == near(
        lines=3, gap_hours=D(5), same_total=True)
    assert near(lines=1, gap_hours=D(40), same_total=False) >= 0.05


def test_duplicate_evidence_names_lines_gap_and_both_totals() -> None:
    p = decide_pipeline(sourcing_reference())
    p.accept(order(line(1, qty="5", price="10.00"), po="PO-1"), raw_id="r1", key=None, now=NOW)
    later = NOW + timedelta(hours=1, minutes=30)
    p.accept(order(line(1, qty="5", price="9.00"), order_id="O-2", po="PO-2", received=later),
             raw_id="r2", key=None, now=later)
    ev = p.changes.new_cases["O-2:DUPLICATE_ORDER"].evidence
    assert (ev["lines"], ev["original_lines"], ev["gap_hours"]) == (1, 1, "1.50")
    assert (ev["value"], ev["original_value"], ev["same_po"]) == ("45.00", "50.00", False)
