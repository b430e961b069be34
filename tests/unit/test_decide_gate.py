"""The policy gate and routing rules, one limit at a time."""

from datetime import timedelta
from decimal import Decimal

from ordex.decide.candidate import Candidate
from ordex.decide.engine import gate
from ordex.decide.routing import queue_for
from ordex.decide.rules import parse_policy
from ordex.domain.cases import Case
from ordex.domain.codes import Action, ExceptionCode, Queue, Severity
from ordex.domain.model import Customer, CustomerTier

from builders import NOW

D = Decimal
POLICY = parse_policy("""
version: g1
effective_from: 2026-01-01T00:00:00Z
confidence_floor: 0.8
codes:
  PRICE_MISMATCH:
    actions:
      REPRICE: {auto: true, max_value: 100, max_change_pct: 10, tiers: [gold], approver: boss}
routing:
  - {code: PRICE_MISMATCH, region: W, min_value: 1000, queue: finance}
  - {tier: platinum, queue: customer_service}
""")[0]
GOLD = Customer("C", "C", CustomerTier.GOLD, D(1), "W")


def case(code: ExceptionCode = ExceptionCode.PRICE_MISMATCH) -> Case:
    return Case("O:X", code, Queue.PRICING, Severity.BLOCKING, "O", "C", (1,), "r", {}, 0,
                D(0), NOW, NOW + timedelta(hours=1))


def reprice(confidence: float = 0.9, value: str = "50", change: str = "5") -> Candidate:
    return Candidate(Action.REPRICE, confidence, D(0), None, None, "", "reprice", D(value),
                     D(change))


def test_within_every_limit_is_allowed() -> None:
    assert gate(POLICY, case(), reprice(), GOLD)[0]


def test_each_limit_blocks_with_its_reason_and_names_the_approver() -> None:
    silver = Customer("C", "C", CustomerTier.SILVER, D(1))
    for cand, customer, why in (
            (reprice(confidence=0.7), GOLD, "under the floor 0.80"),
            (reprice(value="101"), GOLD, "above the auto limit 100"),
            (reprice(change="11"), GOLD, "change 11 % is above"),
            (reprice(), silver, "tier silver is not auto-applied")):
        allowed, reason, approver = gate(POLICY, case(), cand, customer)
        assert not allowed and why in reason and approver == "boss"


def test_policy_silence_and_escalate_are_never_auto() -> None:
    assert not gate(POLICY, case(ExceptionCode.TAX_FAILURE), reprice(), GOLD)[0]
    esc = Candidate(Action.ESCALATE, 1.0, D(0), None, None, "", "route", D(0))
    assert not gate(POLICY, case(), esc, GOLD)[0]


def test_first_matching_routing_rule_wins_else_the_owner_queue() -> None:
    price = ExceptionCode.PRICE_MISMATCH
    assert queue_for(POLICY.routing, price, GOLD, D(5000)) is Queue.FINANCE
    assert queue_for(POLICY.routing, price, GOLD, D(10)) is Queue.PRICING
    platinum = Customer("C", "C", CustomerTier.PLATINUM, D(1), "E")
    assert queue_for(POLICY.routing, price, platinum, D(10)) is Queue.CUSTOMER_SERVICE


def test_partial_release_is_recommended_but_never_applied_on_its_own() -> None:
    partial = Candidate(Action.RELEASE, 0.99, D(0), None, None, "", "partial", D(1), None,
                        {"partial": True, "release_lines": [1]})
    allowed, reason, _ = gate(POLICY, case(ExceptionCode.CREDIT_LIMIT_EXCEEDED), partial, GOLD)
    assert not allowed and "partial release needs a person" in reason
