"""Next-best actions: for each case, its code's remedies ranked, ending with routing to people.

Which actions a code can have is its registration's `remedies` (docs/extending.md). Every
candidate carries its predicted outcome (ship date, cost to the business, margin of the
affected lines, what the customer sees), a confidence and the effect applying it would have.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ordex.decide.candidate import Candidate
from ordex.decide.remedy import Situation, remedy_for
from ordex.decide.rules import PolicyDocument
from ordex.decide.sourcing import Network
from ordex.domain.cases import Case
from ordex.domain.codes import Action
from ordex.domain.model import Order
from ordex.interpret.context import DetectionContext
from ordex.interpret.registry import exception_type


def escalate(case: Case, why: str) -> Candidate:
    """Route to people: always possible, costs the delay."""
    return Candidate(Action.ESCALATE, 1.0, case.value_at_risk * Decimal("0.01"), None, None,
                     "waits for a person", f"route to {case.queue.value}: {why}",
                     case.value_at_risk)


def candidates(*, order: Order | None, case: Case, ctx: DetectionContext, network: Network,
               policy: PolicyDocument, suspect_duplicate: bool,
               applied: Mapping[str, Any] | None = None,
               blocking_open: list[str] | None = None,
               quantity_suspect: tuple[int, ...] = ()) -> list[Candidate]:
    """The feasible actions for a case, best first, ending with routing to people.

    applied: recommendations already applied on this order (case id → Recommendation);
    blocking_open: ids of its blocking cases still open; quantity_suspect: its lines with an
    open QUANTITY_ANOMALY (no stock is sourced for them until the quantity is settled).
    """
    suspect = sorted(set(case.lines) & set(quantity_suspect))
    if suspect and exception_type(case.code).draws_stock:
        return [escalate(case, f"line(s) {', '.join(map(str, suspect))} have an open "
                               "QUANTITY_ANOMALY: the quantity is settled before any stock is "
                               "sourced, split or allocated")]
    remedy = remedy_for(case.code)
    found: list[Candidate] = []
    if order is not None and remedy is not None:
        found = remedy(Situation(order, case, ctx, network, policy, suspect_duplicate,
                                 applied or {}, tuple(blocking_open or ())))
    found.sort(key=lambda c: (c.cost, -c.confidence, c.action.value))
    return [*found, escalate(case, "no action policy may apply on its own"
                             if found else "no automatic action exists for this case")]
