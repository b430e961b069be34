"""Routing decides queue, priority and SLA together: the SLA belongs to the queue routed to."""

from datetime import timedelta
from decimal import Decimal

from ordex.decide.policy import Policy
from ordex.decide.routing import DEFAULT_SLA_HOURS, route
from ordex.decide.rules import parse_policy
from ordex.domain.codes import ExceptionCode, Queue, Severity
from ordex.domain.findings import Finding

from builders import NOW, decide_pipeline, line, order, sourcing_reference

D = Decimal
ROUTED_TO_FINANCE = """
version: r1
effective_from: 2026-01-01T00:00:00Z
routing:
  - {code: PRICE_MISMATCH, queue: finance}
"""


def test_a_case_routed_away_from_its_owner_queue_gets_that_queues_sla() -> None:
    p = decide_pipeline(sourcing_reference(), policy_text=ROUTED_TO_FINANCE)
    p.accept(order(line(1, qty="10", price="12.00")), raw_id="r1", key=None, now=NOW)
    case = p.changes.new_cases["O-1:PRICE_MISMATCH"]
    assert case.queue is Queue.FINANCE  # the owner queue is pricing (8 h)
    assert case.sla_due_at - case.opened_at == timedelta(hours=DEFAULT_SLA_HOURS[Queue.FINANCE])
    rec = next(r for r in p.changes.decisions if r.case_id == case.case_id)
    assert case.priority == rec.impact.score == rec.route.priority
    assert (case.queue, case.sla_due_at) == (rec.route.queue, rec.route.sla_due_at)


def test_the_policys_own_sla_hours_apply_to_the_queue_routed_to() -> None:
    text = ROUTED_TO_FINANCE + "sla_hours: {finance: 12, pricing: 3}\n"
    p = decide_pipeline(sourcing_reference(), policy_text=text)
    p.accept(order(line(1, qty="10", price="12.00")), raw_id="r1", key=None, now=NOW)
    case = p.changes.new_cases["O-1:PRICE_MISMATCH"]
    assert (case.queue, case.sla_due_at - case.opened_at) == (Queue.FINANCE, timedelta(hours=12))


def test_without_a_matching_rule_the_owner_queue_and_its_sla_apply() -> None:
    rules = parse_policy(ROUTED_TO_FINANCE)[0].routing
    r = route(code=ExceptionCode.TAX_FAILURE, customer=None, value=D(10), priority=7,
              parts={"tier": 7.0}, opened_at=NOW, rules=rules, sla_hours={Queue.FINANCE: 30})
    assert (r.queue, r.priority, r.sla_due_at) == (Queue.FINANCE, 7, NOW + timedelta(hours=30))
    credit = route(code=ExceptionCode.CREDIT_LIMIT_EXCEEDED, customer=None, value=D(10),
                   priority=0, parts={}, opened_at=NOW, rules=rules)
    assert (credit.queue, credit.sla_due_at) == (Queue.CREDIT, NOW + timedelta(hours=4))


def test_intake_routing_takes_the_owner_queue_from_the_codes_registration() -> None:
    finding = Finding(ExceptionCode.INTEGRATION_FAILURE, Severity.BLOCKING, (), "unreadable")
    decision = Policy().decide(order=None, customer=None, finding=finding, now=NOW)
    assert decision.queue is Queue.INTEGRATION
    assert decision.sla_due_at == NOW + timedelta(hours=2) and decision.priority == 20
