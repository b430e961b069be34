"""Auto-resolution: apply at once what policy allows, route the rest with the recommendation.

Called by the pipeline right after an order's cases are opened. Applied actions leave as the
ERP commands they imply (orchestrate/decision_commands.py) through the outbox (a cancelled
duplicate as `CancelOrder`), and the case closes auto_resolved with the decision as its reason.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ordex.decide.engine import Recommendation
from ordex.decide.verify import plan_problems
from ordex.domain.cases import Case, CaseState
from ordex.domain.codes import Action, ExceptionCode
from ordex.domain.model import Order
from ordex.orchestrate.carry_out import carry_out

if TYPE_CHECKING:
    from ordex.orchestrate.pipeline import Pipeline

POLICY_ACTOR = "ordex-policy"
PLAN_ACTIONS = frozenset({Action.ALTERNATE_WAREHOUSE, Action.SPLIT_SHIPMENT,
                          Action.SUBSTITUTE_ITEM, Action.BACKORDER})
DUPLICATE = ExceptionCode.DUPLICATE_ORDER


def decide_and_apply(pipeline: Pipeline, order: Order, cases: list[Case], *,
                     now: datetime) -> None:
    """Recommend for every new case of an order; apply those policy allows (duplicates first)."""
    assert pipeline.decider is not None
    suspect = any(c.code is DUPLICATE for c in cases)
    applied: dict[str, Recommendation] = {}
    for case in sorted(cases, key=_order_of_deciding):
        if not case.is_open:  # cancelled together with its duplicate order
            continue
        blocking = [c.case_id for c in pipeline.work.open_cases.get(order.order_id, {}).values()
                    if c.blocks and c.case_id != case.case_id]
        rec = pipeline.decider.recommend(order=order, case=case, ctx=pipeline.ctx, now=now,
                                         suspect_duplicate=suspect and case.code is not DUPLICATE,
                                         applied=applied, blocking_open=sorted(blocking),
                                         quantity_suspect=tuple(sorted(
                                             pipeline.anomalous_lines(order.order_id))))
        if (rec.auto_apply and rec.chosen.action in PLAN_ACTIONS
                and "covered_by" not in rec.chosen.effect):
            problems = _plan_check(pipeline, order, case, rec)
            if problems:
                rec = _routed(rec, "plan failed the feasibility check: " + "; ".join(problems))
        _annotate(case, rec)
        pipeline.changes.decisions.append(rec)
        if rec.auto_apply:
            _apply(pipeline, order, case, rec, now)
            applied[case.case_id] = rec


def _order_of_deciding(case: Case) -> tuple[int, str]:
    """Duplicates first (a cancel settles the rest), late-shipment risk last (it follows)."""
    rank = {DUPLICATE: 0, ExceptionCode.ALLOCATION_CONFLICT: 2,
            ExceptionCode.LATE_SHIPMENT_RISK: 3}
    return rank.get(case.code, 1), case.case_id


def _routed(rec: Recommendation, why: str) -> Recommendation:
    return replace(rec, auto_apply=False, gate=why,
                   explanation=rec.explanation.split(" Applied automatically")[0]
                   + f" Routed to {rec.queue.value}: {why}.")


def _annotate(case: Case, rec: Recommendation) -> None:
    """Give the case the decider's route (queue, priority and SLA at once) and its reasons."""
    case.queue, case.priority, case.sla_due_at = (rec.route.queue, rec.route.priority,
                                                  rec.route.sla_due_at)
    case.response_due_at, case.sla_calendar = rec.route.response_due_at, rec.route.calendar
    case.evidence = {**case.evidence, "priority_parts": rec.impact.parts,
                     "impact": rec.impact.as_dict(), "policy_version": rec.policy_version,
                     "recommendation": {"action": rec.chosen.action.value,
                                        "confidence": rec.chosen.confidence,
                                        "auto_apply": rec.auto_apply, "gate": rec.gate,
                                        "approver": rec.approver,
                                        "explanation": rec.explanation,
                                        "alternatives": _alternatives(rec)}}


def _alternatives(rec: Recommendation) -> dict[str, dict[str, Any]]:
    """Each proposed action's effect (the defaults of a person's resolution), best first."""
    found: dict[str, dict[str, Any]] = {}
    for c in rec.candidates:
        if c.action is not Action.ESCALATE and c.action.value not in found:
            found[c.action.value] = {k: v for k, v in c.effect.items() if k != "solve_ms"}
    return found


def _plan_check(pipeline: Pipeline, order: Order, case: Case, rec: Recommendation) -> list[str]:
    ctx, effect = pipeline.ctx, rec.chosen.effect
    needed = {}
    for ln in order.lines:
        if ln.line_no in case.lines:
            needed[ln.line_no] = (ln.item_id, ctx.units.to_base(ln.item_id, ln.quantity, ln.uom)
                                  or Decimal(0))
    keys = {(str(a["item_id"]), str(a["warehouse_id"])) for a in effect.get("allocations", ())}
    atp = {k: ctx.atp(k[0], k[1], order.requested_ship_date).quantity for k in keys}
    network = pipeline.decider.network if pipeline.decider else None
    wanted = {item for item, _ in needed.values()} | {k[0] for k in keys}
    approved = {item: {s.substitute_id for s in network.substitutes.get(item, ())}
                for item in wanted} if network else {}
    terms = network.terms.get(order.customer_id) if network else None
    return plan_problems(effect=effect, needed=needed, atp=atp,
                         allows_substitutes=bool(terms and terms.allows_substitutes),
                         approved=approved)


def _apply(pipeline: Pipeline, order: Order, case: Case, rec: Recommendation,
           now: datetime) -> None:
    action = rec.chosen.action
    reason = f"{action.value}: {rec.chosen.summary} (policy {rec.policy_version})"
    if action is Action.CANCEL_DUPLICATE:
        pipeline._cancel_order(order.order_id, actor=POLICY_ACTOR, now=now, reason=reason)
        pipeline.close(case, CaseState.AUTO_RESOLVED, actor=POLICY_ACTOR, reason=reason,
                       now=now, action=action.value, release=False)
        return
    if "covered_by" in rec.chosen.effect:  # settled by another decision: nothing to send
        pipeline.close(case, CaseState.AUTO_RESOLVED, actor=POLICY_ACTOR, reason=reason,
                       now=now, action=action.value)
        return
    if action in PLAN_ACTIONS:
        allocate_plan(pipeline, order, rec.chosen.effect)
    carry_out(pipeline, order=order, case=case, action=action, detail=rec.chosen.effect,
              reason=reason, actor=POLICY_ACTOR, now=now)
    pipeline.close(case, CaseState.AUTO_RESOLVED, actor=POLICY_ACTOR, reason=reason, now=now,
                   action=action.value)


def allocate_plan(pipeline: Pipeline, order: Order, effect: dict[str, Any]) -> None:
    """Reserve the plan's stock; only home-warehouse stock of the ordered item is kept on the
    line (so cancelling the order frees it); other sources ship under the ERP command."""
    items = {ln.line_no: ln.item_id for ln in order.lines}
    per_line: dict[int, Decimal] = {}
    for a in effect.get("allocations", ()):
        line, item, wh = int(a["line"]), str(a["item_id"]), str(a["warehouse_id"])
        qty = Decimal(str(a["quantity"]))
        pipeline.ctx.allocate(item, wh, qty, for_line=(order.order_id, line))
        per_line[line] = per_line.get(line, Decimal(0)) + qty
        if wh == order.warehouse_id and item == items.get(line):
            held = pipeline.work.allocated[order.order_id]
            held[line] = held.get(line, Decimal(0)) + qty
    for line, qty in per_line.items():
        pipeline.changes.allocations[(order.order_id, line)] = qty
