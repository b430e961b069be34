"""Cases that another decision on the same order settles: allocation conflicts, late risk.

An allocation conflict names lines that are also short; when the shortfall's applied plan
covers them, the conflict is settled by the same plan. A late-shipment risk exists because
blocking cases hold the order; when every one of them was resolved at intake, the risk is gone.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ordex.decide.candidate import Candidate
from ordex.decide.remedy import Situation
from ordex.domain.cases import Case
from ordex.domain.codes import Action
from ordex.domain.model import Order

ZERO = Decimal(0)
PLAN = frozenset({Action.ALTERNATE_WAREHOUSE, Action.SPLIT_SHIPMENT, Action.SUBSTITUTE_ITEM})


def conflict_candidates(order: Order, case: Case,
                        applied: Mapping[str, Any]) -> list[Candidate]:
    """The shortfall plan applied on the same lines, when it fills them completely."""
    for case_id, rec in applied.items():
        effect = rec.chosen.effect
        if rec.chosen.action not in PLAN or effect.get("backorders"):
            continue
        filled = {int(a["line"]) for a in effect.get("allocations", ())}
        if set(case.lines) <= filled:
            return [Candidate(rec.chosen.action, rec.chosen.confidence, ZERO,
                              order.requested_ship_date, None, "ships as planned by the "
                              "shortfall decision", f"lines {', '.join(map(str, case.lines))} "
                              f"are already sourced by {rec.chosen.action.value} "
                              f"({case_id})", ZERO, None, {"covered_by": [case_id]})]
    return []


def late_risk_candidates(order: Order, case: Case, blocking_open: list[str],
                         applied: Mapping[str, Any]) -> list[Candidate]:
    """Risk cleared when nothing blocks the order any more; else ask the owners to hurry."""
    if not blocking_open:
        return [Candidate(Action.RELEASE, 0.95, ZERO, order.requested_ship_date, None,
                          "ships as requested", "the blocking cases were resolved at intake "
                          f"({', '.join(sorted(applied)) or 'none'}); no risk remains", ZERO,
                          None, {"covered_by": sorted(applied)})]
    return [Candidate(Action.EXPEDITE, 0.7, (order.value * Decimal("0.01")).quantize(
        Decimal("0.01")), order.requested_ship_date, None, "ships on time if the holds clear "
        "today", f"expedite {', '.join(blocking_open)} before the carrier cutoff", order.value)]


def conflict_remedies(s: Situation) -> list[Candidate]:
    """ALLOCATION_CONFLICT: settled by the shortfall plan applied on the same lines."""
    return conflict_candidates(s.order, s.case, s.applied)


def late_risk_remedies(s: Situation) -> list[Candidate]:
    """LATE_SHIPMENT_RISK: cleared when nothing blocks any more, else expedite the holds."""
    return late_risk_candidates(s.order, s.case, list(s.blocking_open), s.applied)
