"""The simulator's side of auto-resolution: mirror effects in its own book, judge the plans.

When ordex applies an action on its own, the simulated world changes: stock is allocated at
another warehouse, a credit hold is lifted, a duplicate is cancelled. The book applies the
same effects by its own rules so later ground-truth labels stay exact, and checks every
applied plan against its own stock (an independent check of ATP and substitution consent).
It also keeps what OTIF of the resulting plans needs (docs/kpis.md).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, time
from decimal import Decimal
from statistics import median
from typing import Any

from ordex.domain.cases import CLOSED_STATES
from ordex.domain.model import Order, ServiceTerms, Substitute
from ordex.orchestrate.changes import Changes
from ordex.simulate.truth import Book, SimOrder

PLAN = {"ALTERNATE_WAREHOUSE", "SPLIT_SHIPMENT", "SUBSTITUTE_ITEM", "BACKORDER"}


class DecisionMirror:
    """Applies auto-applied decisions to the book and keeps decision and OTIF facts."""

    def __init__(self, book: Book, *, terms: list[ServiceTerms],
                 substitutes: list[Substitute]) -> None:
        self.book = book
        self.allows = {t.customer_id for t in terms if t.allows_substitutes}
        self.approved: dict[str, set[str]] = defaultdict(set)
        for s in substitutes:
            self.approved[s.item_id].add(s.substitute_id)
        self.decide_ms: list[float] = []
        self.solve_ms: list[float] = []
        self.auto: dict[str, int] = defaultdict(int)
        self.routed: dict[str, int] = defaultdict(int)
        self.auto_value = Decimal(0)
        self.violations: list[str] = []
        self.backordered: set[str] = set()
        self.late: set[str] = set()
        self.closed_at: dict[str, datetime] = {}

    def apply(self, order: SimOrder, recs: list[Any]) -> None:
        """Mirror the decisions ordex just made about this order."""
        for rec in recs:
            self.decide_ms.append(rec.decide_ms)
            for c in rec.candidates:
                if "solve_ms" in c.effect:
                    self.solve_ms.append(c.effect["solve_ms"])
                    break
            action = rec.chosen.action.value
            if not rec.auto_apply:
                self.routed[rec.code] += 1
                continue
            self.auto[f"{rec.code}:{action}"] += 1
            self.auto_value += rec.chosen.value
            if "covered_by" in rec.chosen.effect:
                continue  # settled by another decision, which carried the effect
            if action == "CANCEL_DUPLICATE":
                self.book.cancel(order)
            elif action == "RELEASE" and rec.code == "CREDIT_LIMIT_EXCEEDED":
                held = self.book.credit_held[order.customer_id]
                if order in held:
                    held.remove(order)
                    self.book.open_value[order.customer_id] += order.value
            elif action in PLAN:
                self.apply_plan(order, rec.chosen.effect)
            elif action == "REVISE_PROMISE":
                self.late.add(order.order_id)

    def apply_plan(self, order: SimOrder, effect: dict[str, Any]) -> None:
        """Mirror a sourcing plan (automatic, or a person's backorder) in the book."""
        items = {ln.line_no: ln.item_id for ln in order.lines}
        for a in effect.get("allocations", ()):
            line, item, wh = int(a["line"]), str(a["item_id"]), str(a["warehouse_id"])
            qty = Decimal(str(a["quantity"]))
            available = self.book.atp(item, wh, order.ship_date)
            if qty > available:
                self.violations.append(f"{order.order_id} line {line}: {qty} of {item} at {wh} "
                                       f"but the book's ATP is {available}")
            ordered = items.get(line, "")
            if item != ordered and (order.customer_id not in self.allows
                                    or item not in self.approved[ordered]):
                self.violations.append(f"{order.order_id} line {line}: substitute {item} "
                                       "not allowed")
            self.book.allocated[(item, wh)] += qty
            if wh == order.warehouse_id and item == ordered:
                order.allocated[line] = order.allocated.get(line, Decimal(0)) + qty
            if int(a.get("late_days", 0)) > 0:
                self.late.add(order.order_id)
        if effect.get("backorders"):
            self.backordered.add(order.order_id)
        self.book.stop_waiting(order)

    def collect(self, changes: Changes) -> None:
        """Before a flush: note when cases closed and which were backordered by people."""
        for entry in changes.audit:
            order_id, _sep, _code = entry.case_id.rpartition(":")
            if not order_id or order_id.startswith("raw-"):
                continue
            if entry.action == "BACKORDER":
                self.backordered.add(order_id)
            if entry.to_state in {s.value for s in CLOSED_STATES}:
                last = self.closed_at.get(order_id)
                self.closed_at[order_id] = entry.at if last is None else max(last, entry.at)

    def otif(self, orders: dict[str, Order], cancelled: set[str],
             open_cases: dict[str, dict[str, Any]]) -> float:
        """Share of accepted, not cancelled orders planned to ship complete and on time."""
        good = total = 0
        for order_id, order in orders.items():
            if order_id in cancelled:
                continue
            total += 1
            deadline = datetime.combine(order.requested_ship_date, time(23, 59, 59), UTC)
            closed = self.closed_at.get(order_id)
            if (order_id in self.backordered or order_id in self.late
                    or any(c.blocks for c in open_cases.get(order_id, {}).values())
                    or (closed is not None and closed > deadline)):
                continue
            good += 1
        return round(good / total, 6) if total else 0.0

    def report(self) -> dict[str, Any]:
        """Decision counts and the independent check's findings (deterministic)."""
        return {
            "decisions": len(self.decide_ms), "auto_applied": sum(self.auto.values()),
            "auto_applied_by_action": dict(sorted(self.auto.items())),
            "routed_by_code": dict(sorted(self.routed.items())),
            "auto_applied_value": str(self.auto_value),
            "violations": len(self.violations), "violation_examples": self.violations[:5],
        }

    def timings(self) -> dict[str, Any]:
        """How long deciding and solving took (varies from run to run)."""
        ms = sorted(self.decide_ms)
        return {
            "median_decision_ms": round(median(ms), 3) if ms else None,
            "p95_decision_ms": round(ms[int(len(ms) * 0.95)], 3) if ms else None,
            "median_solver_ms": round(median(self.solve_ms), 3) if self.solve_ms else None,
        }
