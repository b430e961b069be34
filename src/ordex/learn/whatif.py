"""Policy what-if: replay a period's orders and events under two policies, side by side.

The replay runs on in-memory pipelines built fresh for each policy from the same starting
state, so it has no side effects and gives the same answer for the same input.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ordex.domain.cases import CaseState
from ordex.domain.events import PaymentPosted, StockReceived
from ordex.domain.model import Order
from ordex.orchestrate.pipeline import Pipeline

ZERO = Decimal(0)
CENT = Decimal("0.01")
PLAN_ACTIONS = {"ALTERNATE_WAREHOUSE", "SPLIT_SHIPMENT", "SUBSTITUTE_ITEM", "BACKORDER"}


@dataclass(frozen=True, slots=True)
class Step:
    """One thing that happened in the period: an order, a receipt or a payment."""

    at: datetime
    order: Order | None = None
    raw_id: str = ""
    receipt: StockReceived | None = None
    payment: PaymentPosted | None = None

    @property
    def sort_key(self) -> tuple[datetime, int, str]:
        """Time order; at the same instant events before orders, then by id."""
        ident = self.order.order_id if self.order else self.raw_id
        return (self.at, 0 if self.order is None else 1, ident)


def replay(make_pipeline: Callable[[], Pipeline], steps: Sequence[Step]) -> dict[str, Any]:
    """Play the steps through a fresh pipeline and measure what its policy did."""
    pipeline = make_pipeline()
    recs: list[Any] = []
    opened: dict[str, Any] = {}
    for step in sorted(steps, key=lambda s: s.sort_key):
        if step.order is not None:
            pipeline.accept(step.order, raw_id=step.raw_id, key=None, now=step.at)
        elif step.receipt is not None:
            pipeline.on_stock_received(step.receipt, now=step.at)
        elif step.payment is not None:
            pipeline.on_payment(step.payment, now=step.at)
        changes = pipeline.take_changes()
        recs.extend(changes.decisions)
        opened.update(changes.new_cases)
    return _measure(pipeline, recs, opened)


def _measure(pipeline: Pipeline, recs: list[Any], cases: dict[str, Any]) -> dict[str, Any]:
    auto = [r for r in recs if r.auto_apply]
    states = Counter(c.state for c in cases.values())
    worked = len(cases) - states[CaseState.CANCELLED]
    open_cases = [c for c in cases.values() if c.is_open]
    late_lines = 0
    for r in auto:
        effect = r.chosen.effect
        if r.chosen.action.value in PLAN_ACTIONS:
            late_lines += len({a["line"] for a in effect.get("allocations", ())
                               if a.get("late_days")} | set(effect.get("backorders", {})))
        elif r.chosen.action.value == "REVISE_PROMISE":
            late_lines += len(pipeline.work.orders[r.order_id].lines)
    held: dict[str, set[int]] = {}
    for c in open_cases:
        if c.order_id and c.blocks:
            order = pipeline.work.orders[c.order_id]
            held.setdefault(c.order_id, set()).update(c.lines or {ln.line_no for ln in
                                                                 order.lines})
    late_lines += sum(len(v) for v in held.values())
    return {
        "cases": len(cases),
        "touchless_rate": round(states[CaseState.AUTO_RESOLVED] / worked, 6) if worked else 0.0,
        "auto_applied": len(auto),
        "auto_applied_value": str(sum((r.chosen.value for r in auto), ZERO).quantize(CENT)),
        "cases_per_queue": dict(sorted(Counter(c.queue.value for c in open_cases).items())),
        "revenue_at_risk": str(sum((c.value_at_risk for c in open_cases), ZERO).quantize(CENT)),
        "expected_late_lines": late_lines,
    }


def compare(active: dict[str, Any], proposed: dict[str, Any], *, active_version: str,
            proposed_version: str) -> dict[str, Any]:
    """The two replays side by side."""
    return {"active": {"policy_version": active_version, **active},
            "proposed": {"policy_version": proposed_version, **proposed}}
