"""The decider: score a case, rank its actions, apply the policy gate, explain the choice."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ordex.decide.actions import candidates
from ordex.decide.candidate import Candidate
from ordex.decide.routing import Route, route, sla_hours_of
from ordex.decide.rules import PolicyDocument
from ordex.decide.scoring import Impact, impact
from ordex.decide.sla import sla_clock_of
from ordex.decide.sourcing import Network
from ordex.domain.cases import Case
from ordex.domain.codes import Action, Queue
from ordex.domain.model import Customer, Order
from ordex.interpret.context import DetectionContext

NEVER_AUTO = frozenset({Action.ESCALATE, Action.HOLD, Action.NOTIFY_CUSTOMER,
                        Action.WAIT_FOR_RECEIPT})


@dataclass(frozen=True)
class Recommendation:
    """What decide made of one case: impact, ranked actions, the choice and whether it applies."""

    case_id: str
    order_id: str | None
    code: str
    policy_version: str
    impact: Impact
    candidates: tuple[Candidate, ...]
    chosen: Candidate
    auto_apply: bool
    gate: str
    route: Route
    """Queue, priority and SLA due time of the case, decided together (routing.route)."""
    approver: str
    explanation: str
    decided_at: datetime
    decide_ms: float

    @property
    def queue(self) -> Queue:
        """The queue the case is routed to."""
        return self.route.queue

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (what the decisions table and the case evidence keep)."""
        return {"case_id": self.case_id, "order_id": self.order_id, "code": self.code,
                "policy_version": self.policy_version, "impact": self.impact.as_dict(),
                "actions": [c.as_dict() for c in self.candidates],
                "chosen": self.chosen.action.value, "auto_apply": self.auto_apply,
                "gate": self.gate, "queue": self.queue.value, "approver": self.approver,
                "explanation": self.explanation, "decided_at": self.decided_at.isoformat()}

    def fingerprint(self) -> dict[str, Any]:
        """Everything but timings: equal for the same events under the same policy."""
        data = self.as_dict()
        for action in data["actions"]:
            action["effect"] = {k: v for k, v in action["effect"].items() if k != "solve_ms"}
        return data


def gate(policy: PolicyDocument, case: Case, chosen: Candidate,
         customer: Customer | None) -> tuple[bool, str, str]:
    """May the chosen action be applied without a person? (allowed, why, approver role)."""
    rule = policy.rule(case.code, chosen.action)
    floor = max(policy.confidence_floor, rule.min_confidence or 0.0)
    approver = rule.approver or case.queue.value
    if chosen.effect.get("needs_person"):
        return False, str(chosen.effect["needs_person"]), approver
    if chosen.effect.get("partial"):
        return False, "a partial release needs a person (line-level credit holds are not " \
            "automated)", approver
    if chosen.action in NEVER_AUTO or not rule.auto:
        return False, f"policy does not auto-apply {chosen.action.value} on {case.code.value}", \
            approver
    if chosen.confidence < floor:
        return False, f"confidence {chosen.confidence:.2f} is under the floor {floor:.2f}", \
            approver
    if rule.max_value is not None and chosen.value > rule.max_value:
        return False, f"value {chosen.value} is above the auto limit {rule.max_value}", approver
    if rule.tiers is not None and (customer is None or customer.tier not in rule.tiers):
        tier = customer.tier.value if customer else "unknown"
        return False, f"tier {tier} is not auto-applied for {chosen.action.value}", approver
    if (rule.max_change_pct is not None and chosen.change_pct is not None
            and chosen.change_pct > rule.max_change_pct):
        return False, (f"change {chosen.change_pct} % is above the auto limit "
                       f"{rule.max_change_pct} %"), approver
    return True, (f"policy {policy.version} allows {chosen.action.value} on its own "
                  f"(confidence {chosen.confidence:.2f} ≥ {floor:.2f})"), ""


def explain(chosen: Candidate, others: list[Candidate], allowed: bool, why: str,
            queue: Queue, approver: str) -> str:
    """One paragraph: what, why it beats the others, and what happens next."""
    text = (f"Recommended {chosen.action.value} (confidence {chosen.confidence:.2f}): "
            f"{chosen.summary}. Predicted: {chosen.customer_impact}; cost {chosen.cost}")
    if chosen.margin is not None:
        text += f", margin {chosen.margin}"
    text += "."
    if others:
        text += " It beats " + ", ".join(
            f"{c.action.value} (cost {c.cost}, confidence {c.confidence:.2f})"
            for c in others[:3]) + " on cost to the business, then confidence."
    if allowed:
        return text + f" Applied automatically: {why}."
    return text + f" Routed to {queue.value} for {approver or 'review'}: {why}."


@dataclass
class Decider:
    """Recommends and gates actions for cases under one policy."""

    policy: PolicyDocument
    network: Network

    def recommend(self, *, order: Order | None, case: Case, ctx: DetectionContext,
                  now: datetime, suspect_duplicate: bool = False,
                  applied: Mapping[str, Any] | None = None,
                  blocking_open: list[str] | None = None,
                  quantity_suspect: tuple[int, ...] = ()) -> Recommendation:
        """Score the case, rank its actions, gate the best one and explain."""
        started = time.perf_counter()
        customer = ctx.customers.get(case.customer_id or "")
        score = impact(order=order, lines=case.lines, customer=customer,
                       terms=self.network.terms.get(case.customer_id or ""), items=ctx.items,
                       rule=self.policy.scoring, now=now,
                       to_base=lambda ln: ctx.units.to_base(ln.item_id, ln.quantity, ln.uom))
        ranked = candidates(order=order, case=case, ctx=ctx, network=self.network,
                            policy=self.policy, suspect_duplicate=suspect_duplicate,
                            applied=applied, blocking_open=blocking_open,
                            quantity_suspect=quantity_suspect)
        chosen = ranked[0]
        allowed, why, approver = gate(self.policy, case, chosen, customer)
        hours = sla_hours_of(self.policy)
        routed = route(code=case.code, customer=customer, value=score.revenue_at_risk,
                       priority=score.score, parts=score.parts, opened_at=case.opened_at,
                       rules=self.policy.routing, sla_hours=hours,
                       sla=sla_clock_of(self.policy, hours))
        text = explain(chosen, ranked[1:], allowed, why, routed.queue, approver)
        elapsed = (time.perf_counter() - started) * 1000
        return Recommendation(case.case_id, case.order_id, case.code.value, self.policy.version,
                              score, tuple(ranked), chosen, allowed, why, routed, approver,
                              text, now, elapsed)
