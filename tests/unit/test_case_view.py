"""The case page's view: what a person is offered, which lines are held, the ranked
alternatives, the contract that applied, evidence as text."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from ordex.domain.approvals import AuthorityLevel, AuthorityMatrix, AuthorityRule
from ordex.domain.identity import Principal
from ordex.domain.permissions import role_book
from ordex.entrypoints.web import case_view as v

ROLES = role_book()
MATRIX = AuthorityMatrix((AuthorityRule("RELEASE", (
    AuthorityLevel("credit_analyst", Decimal(25000)),
    AuthorityLevel("credit_manager", Decimal(250000)),
    AuthorityLevel("finance_director")), frozenset({"CREDIT_LIMIT_EXCEEDED"})),))


def who(actor: str, *roles: str) -> Principal:
    return Principal(actor, tuple(ROLES[r] for r in roles))


def credit(value: str, state: str = "in_progress", **extra: Any) -> dict[str, Any]:
    return {"case_id": "O-1:CREDIT_LIMIT_EXCEEDED", "code": "CREDIT_LIMIT_EXCEEDED",
            "queue": "credit", "state": state, "value_at_risk": value, "assignee": "ana",
            **extra}


def test_a_viewer_and_another_queue_are_offered_nothing() -> None:
    for person in (who("vic", "viewer"), who("pia", "pricing")):
        offer = v.offer(person, credit("9000"), MATRIX)
        assert not offer.anything and offer.resolve == frozenset()


def test_within_band_and_authority_an_analyst_resolves_directly() -> None:
    offer = v.offer(who("ana", "credit_analyst"), credit("25000"), MATRIX)
    assert {"RELEASE", "HOLD"} <= offer.resolve and offer.request == frozenset()
    assert offer.comment and offer.pause and not offer.take and not offer.resume


def test_beyond_the_band_only_an_approval_can_be_requested_and_only_in_progress() -> None:
    ana = who("ana", "credit_analyst")
    offer = v.offer(ana, credit("25000.01"), MATRIX)
    assert offer.resolve == frozenset() and offer.request == frozenset({"RELEASE"})
    assert v.offer(ana, credit("25000.01", "open"), MATRIX).request == frozenset()
    assert v.offer(ana, credit("25000.01", "open"), MATRIX).take


def test_the_matrix_limits_a_manager_within_the_band() -> None:
    offer = v.offer(who("max", "credit_manager"), credit("250000.01"), MATRIX)
    assert "RELEASE" not in offer.resolve  # beyond the band of 250,000 as well
    offer = v.offer(who("max", "credit_manager"), credit("100000"), MATRIX)
    assert "RELEASE" in offer.resolve


def chain(**pending: Any) -> list[dict[str, Any]]:
    return [{"chain_id": "c#1", "level": 1, "role": "credit_manager", "state": "approved",
             "action": "RELEASE", "requested_by": "ana", "proposed_by": "ana",
             "decided_by": "max"},
            {"chain_id": "c#1", "level": 2, "role": "finance_director", "state": "pending",
             "action": "RELEASE", "requested_by": "ana", "proposed_by": "ana",
             "decided_by": None, **pending}]


def test_segregation_of_duties_hides_approve_from_requester_and_earlier_signer() -> None:
    case = credit("300000", "awaiting_approval", approvals=chain())
    assert v.offer(who("fin", "finance_director"), case, MATRIX).sign is not None
    assert v.offer(who("ana", "finance_director"), case, MATRIX).sign is None  # requested it
    assert v.offer(who("max", "finance_director"), case, MATRIX).sign is None  # signed lv 1
    assert v.offer(who("max2", "credit_manager"), case, MATRIX).sign is None  # level too high
    done = credit("300000", "awaiting_approval", approvals=chain(state="approved"))
    assert v.offer(who("fin", "finance_director"), done, MATRIX).sign is None


def test_a_case_naming_no_line_holds_every_line_and_closed_cases_hold_nothing() -> None:
    lines = [{"line_no": 1}, {"line_no": 2}]
    siblings = [{"case_id": "a", "lines": [], "active": True},
                {"case_id": "b", "lines": [2], "active": True},
                {"case_id": "c", "lines": [1], "active": False}]
    assert v.held_by(lines, siblings) == {1: ["a"], 2: ["a", "b"]}


def test_alternatives_are_ranked_as_the_recommendation_lists_them_with_predictions() -> None:
    case = {"evidence": {"recommendation": {"action": "HOLD", "confidence": 0.9,
                                            "alternatives": {"HOLD": {}, "RELEASE": {}}}}}
    decision = {"actions": [{"action": "RELEASE", "cost": "14.00", "margin": None,
                             "ship_date": "2026-11-26", "confidence": 0.4,
                             "summary": "release", "customer_impact": "ships"},
                            {"action": "ESCALATE", "cost": "3"}]}
    found = v.ranked(case, decision)
    assert [(a["rank"], a["action"], a["recommended"]) for a in found] == [
        (1, "HOLD", True), (2, "RELEASE", False)]
    assert (found[1]["cost"], found[1]["confidence"], found[0]["confidence"]) == (
        "14.00", 0.4, 0.9)
    assert v.ranked({"evidence": {}}, None) == []


def priced(quantity: str, uom: str = "EA") -> list[dict[str, Any]]:
    contract = {"item_id": "X", "currency": "USD", "valid_from": date(2026, 1, 1),
                "valid_to": date(2026, 11, 23)}
    context = {"order": {"order_date": date(2026, 11, 23), "currency": "USD",
                         "lines": [{"line_no": 1, "item_id": "X", "quantity": quantity,
                                    "uom": uom, "unit_price": "1"}]},
               "concerned": [1], "items": {"X": {"base_uom": "EA"}},
               "conversions": {("X", "CS"): Decimal(12)},
               "contracts": [{**contract, "contract_id": "k0", "uom": "EA",
                              "min_qty": Decimal(0)},
                             {**contract, "contract_id": "k100", "uom": "EA",
                              "min_qty": Decimal(100)},
                             {**contract, "contract_id": "kcs", "uom": "CS",
                              "min_qty": Decimal(20)},
                             {**contract, "contract_id": "late", "uom": "EA",
                              "min_qty": Decimal(1), "valid_from": date(2026, 11, 24)}]}
    return v.price_rows(context)


def test_the_largest_break_reached_in_base_units_applies_on_the_order_date() -> None:
    assert priced("99")[0]["applied"] == "k0"
    assert priced("100")[0]["applied"] == "k100"  # a break is reached at its quantity
    assert priced("240")[0]["applied"] == "kcs"  # 20 CS = 240 EA
    assert priced("20", "CS")[0]["applied"] == "kcs"
    assert priced("1", "PAL")[0]["applied"] is None  # not convertible: none applies
    assert [k["contract_id"] for k in priced("99")[0]["contracts"]] == [
        "k0", "k100", "kcs", "late"]


def test_evidence_reads_as_text_and_lists_of_records_as_tables() -> None:
    pairs, tables = v.evidence_tables({
        "credit_limit": "5000.000000", "prepay": False, "impact": {"score": 1},
        "lines": [{"line": 1, "other": [{"warehouse_id": "ATL", "atp": "300.000000"}]}]})
    assert pairs == [("credit_limit", "5,000"), ("prepay", "no")]
    assert tables == [[{"line": "1", "other": "warehouse id ATL, atp 300"}]]
    assert (v.amount("1234.5"), v.amount(None), v.qty("120.000000"), v.qty("2.50")) == (
        "1,234.50", "–", "120", "2.5")
