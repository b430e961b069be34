"""Decide in the pipeline: next-best actions, the policy gate, auto-resolution, reproducibility."""

from decimal import Decimal
from pathlib import Path

from ordex.domain.cases import CaseState
from ordex.domain.events import CancelOrder, ChangeWarehouse, HoldLines, SplitLine
from ordex.domain.model import PriceContract

from builders import DAY, NOW, decide_pipeline, line, order, sourcing_reference

D = Decimal
DEFAULT = (Path(__file__).resolve().parents[2] / "policies" / "default.yaml").read_text()


def case_of(p, case_id):  # type: ignore[no-untyped-def]
    return p.changes.new_cases[case_id]


def decision(p, case_id):  # type: ignore[no-untyped-def]
    return next(r for r in p.changes.decisions if r.case_id == case_id)


def test_shortfall_is_sourced_from_another_warehouse_and_closed_auto_resolved() -> None:
    p = decide_pipeline(sourcing_reference(home="10", other="100"))
    p.accept(order(line(1, qty="40", price="100.00")), raw_id="r1", key=None, now=NOW)
    case = case_of(p, "O-1:INVENTORY_SHORTFALL")
    rec = decision(p, case.case_id)
    assert case.state is CaseState.AUTO_RESOLVED
    assert rec.auto_apply and rec.chosen.action.value in {"ALTERNATE_WAREHOUSE", "SPLIT_SHIPMENT"}
    assert case.resolution and rec.chosen.action.value in case.resolution
    applied = [m.command for m in p.changes.outbox
               if isinstance(m.command, ChangeWarehouse | SplitLine)]
    assert applied and all(c.reason_code == rec.chosen.action.value for c in applied)
    assert f"policy {rec.policy_version}" in applied[0].reason
    assert case.evidence["decision"]["commands"] == [
        m.message_id for m in p.changes.outbox if m.command in applied]
    used = sum(D(a["quantity"]) for a in rec.chosen.effect["allocations"])
    assert used == 40
    assert p.ctx.positions[("WIDGET", "WH2")].allocated + p.ctx.positions[
        ("WIDGET", "WH1")].allocated == 40
    assert p.ctx.positions[("WIDGET", "WH2")].allocated <= 100


def test_substitute_is_never_chosen_when_the_customer_forbids_it() -> None:
    p = decide_pipeline(sourcing_reference(home="0", other="0", allows_substitutes=False))
    p.accept(order(line(1, qty="20", price="100.00")), raw_id="r1", key=None, now=NOW)
    rec = decision(p, "O-1:INVENTORY_SHORTFALL")
    for cand in rec.candidates:
        assert all(a["item_id"] == "WIDGET" for a in cand.effect.get("allocations", ()))


def test_approved_substitute_fills_the_line_when_the_customer_allows_it() -> None:
    p = decide_pipeline(sourcing_reference(home="0", other="0", allows_substitutes=True))
    p.accept(order(line(1, qty="20", price="100.00")), raw_id="r1", key=None, now=NOW)
    rec = decision(p, "O-1:INVENTORY_SHORTFALL")
    assert rec.chosen.action.value == "SUBSTITUTE_ITEM" and rec.auto_apply
    assert p.ctx.positions[("GIZMO", "WH1")].allocated == 20


def test_price_above_contract_is_repriced_automatically_with_the_score_parts() -> None:
    ref = sourcing_reference()
    ref.contracts = [PriceContract("K1", "ACME", "WIDGET", "EA", D(0), D("9.00"), DAY, DAY)]
    p = decide_pipeline(ref)
    p.accept(order(line(1, qty="5", price="9.50")), raw_id="r1", key=None, now=NOW)
    case = case_of(p, "O-1:PRICE_MISMATCH")
    rec = decision(p, case.case_id)
    assert rec.chosen.action.value == "REPRICE" and case.state is CaseState.AUTO_RESOLVED
    assert case.evidence["priority_parts"] == rec.impact.parts
    assert round(sum(rec.impact.parts.values())) == case.priority == rec.impact.score
    assert "ACCEPT_PRICE" in rec.explanation and "Applied automatically" in rec.explanation


def test_nothing_is_auto_applied_under_the_confidence_floor() -> None:
    strict = DEFAULT.replace("confidence_floor: 0.8", "confidence_floor: 0.99")
    ref = sourcing_reference()
    ref.contracts = [PriceContract("K1", "ACME", "WIDGET", "EA", D(0), D("9.00"), DAY, DAY)]
    p = decide_pipeline(ref, policy_text=strict)
    p.accept(order(line(1, qty="5", price="9.50")), raw_id="r1", key=None, now=NOW)
    rec = decision(p, "O-1:PRICE_MISMATCH")
    assert not rec.auto_apply and "under the floor 0.99" in rec.gate
    assert case_of(p, "O-1:PRICE_MISMATCH").state is CaseState.OPEN
    assert all(isinstance(m.command, HoldLines) for m in p.changes.outbox)
    assert "Routed to pricing" in rec.explanation


def test_small_credit_excess_is_released_and_a_large_one_is_held_for_a_person() -> None:
    p = decide_pipeline(sourcing_reference(limit="1000", ar="0"))
    p.accept(order(line(1, item="GADGET", qty="201", price="5.00")), raw_id="r1", key=None,
             now=NOW)  # 1,005 against 1,000: 0.5 % over
    assert case_of(p, "O-1:CREDIT_LIMIT_EXCEEDED").state is CaseState.AUTO_RESOLVED
    q = decide_pipeline(sourcing_reference(limit="1000", ar="0"))
    q.accept(order(line(1, item="GADGET", qty="400", price="5.00")), raw_id="r1", key=None,
             now=NOW)
    rec = decision(q, "O-1:CREDIT_LIMIT_EXCEEDED")
    assert rec.chosen.action.value == "HOLD" and not rec.auto_apply
    assert case_of(q, "O-1:CREDIT_LIMIT_EXCEEDED").state is CaseState.OPEN


def test_exact_duplicate_is_cancelled_automatically() -> None:
    p = decide_pipeline(sourcing_reference())
    p.accept(order(line(1, qty="5")), raw_id="r1", key=None, now=NOW)
    p.accept(order(line(1, qty="5"), order_id="O-2"), raw_id="r2", key=None, now=NOW)
    assert case_of(p, "O-2:DUPLICATE_ORDER").state is CaseState.AUTO_RESOLVED
    assert "O-2" in p.work.cancelled
    assert any(isinstance(m.command, CancelOrder) for m in p.changes.outbox)


def test_same_events_and_same_policy_give_identical_decisions() -> None:
    def run() -> list[dict]:
        ref = sourcing_reference(home="10", other="100", limit="1000")
        ref.contracts = [PriceContract("K1", "ACME", "WIDGET", "EA", D(0), D("90.00"), DAY,
                                       DAY)]
        p = decide_pipeline(ref)
        p.accept(order(line(1, qty="40", price="95.00"), line(2, item="GADGET", qty="3",
                                                                price="5.00")),
                 raw_id="r1", key=None, now=NOW)
        p.accept(order(line(1, qty="40", price="95.00"), line(2, item="GADGET", qty="3",
                                                                price="5.00"), order_id="O-2"),
                 raw_id="r2", key=None, now=NOW)
        return [r.fingerprint() for r in p.changes.decisions]

    first, second = run(), run()
    assert first == second and len(first) >= 3


def test_late_risk_follows_the_blocking_cases() -> None:
    from datetime import timedelta

    from ordex.decide.followups import late_risk_candidates
    from ordex.domain.cases import Case
    from ordex.domain.codes import ExceptionCode, Queue, Severity

    o = order(line(1))
    risk = Case("O-1:LATE_SHIPMENT_RISK", ExceptionCode.LATE_SHIPMENT_RISK, Queue.LOGISTICS,
                Severity.WARNING, "O-1", "ACME", (), "r", {}, 0, D(0), NOW,
                NOW + timedelta(hours=8))
    cleared = late_risk_candidates(o, risk, [], {"O-1:PRICE_MISMATCH": object()})
    assert cleared[0].action.value == "RELEASE" and cleared[0].effect["covered_by"]
    held = late_risk_candidates(o, risk, ["O-1:TAX_FAILURE"], {})
    assert held[0].action.value == "EXPEDITE" and "O-1:TAX_FAILURE" in held[0].summary


def test_conflict_is_settled_only_by_a_plan_that_fills_its_lines() -> None:
    from datetime import timedelta
    from types import SimpleNamespace

    from ordex.decide.candidate import Candidate
    from ordex.decide.followups import conflict_candidates
    from ordex.domain.cases import Case
    from ordex.domain.codes import Action, ExceptionCode, Queue, Severity

    o = order(line(1), line(2, item="GADGET"))
    conflict = Case("O-1:ALLOCATION_CONFLICT", ExceptionCode.ALLOCATION_CONFLICT, Queue.PLANNING,
                    Severity.BLOCKING, "O-1", "ACME", (1,), "r", {}, 0, D(0), NOW,
                    NOW + timedelta(hours=8))

    def plan(effect: dict) -> SimpleNamespace:
        return SimpleNamespace(chosen=Candidate(Action.ALTERNATE_WAREHOUSE, 0.95, D(0), None,
                                                None, "", "", D(0), None, effect))

    full = {"allocations": [{"line": 1, "item_id": "WIDGET", "warehouse_id": "WH2",
                             "quantity": "10"}], "backorders": {}}
    assert conflict_candidates(o, conflict, {"O-1:INVENTORY_SHORTFALL": plan(full)})
    partial = {**full, "backorders": {"1": "3"}}
    assert conflict_candidates(o, conflict, {"O-1:INVENTORY_SHORTFALL": plan(partial)}) == []
