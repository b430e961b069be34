"""PAST_DUE_HOLD: the customer has receivables past due beyond policy at the order date."""

from __future__ import annotations

from decimal import Decimal

from ordex.domain.codes import Action, ExceptionCode, Queue, Severity
from ordex.domain.findings import Finding
from ordex.domain.model import Order
from ordex.interpret.context import DetectionContext
from ordex.interpret.detectors._lines import money
from ordex.interpret.exception_type import ExceptionType
from ordex.interpret.settings import setting

BUCKETS = ((30, "1-30"), (60, "31-60"), (90, "61-90"))


def bucket(days: int) -> str:
    """The ageing bucket of a number of days past due."""
    for limit, name in BUCKETS:
        if days <= limit:
            return name
    return "90+"


class PastDueHold:
    """Holds the order when invoices are more than `past_due_days` past due."""

    code = ExceptionCode.PAST_DUE_HOLD

    def evaluate(self, order: Order, ctx: DetectionContext) -> list[Finding]:
        """A whole-order finding listing the ageing buckets and the invoices beyond policy."""
        limit = ctx.settings.past_due_days
        aged = ctx.past_due(order.customer_id, order.order_date)
        beyond = [(inv, left, days) for inv, left, days in aged if days > limit]
        total = sum((left for _i, left, _d in beyond), Decimal(0))
        if not beyond or total <= ctx.settings.past_due_min_amount:
            return []
        buckets: dict[str, Decimal] = {}
        for _inv, left, days in aged:
            buckets[bucket(days)] = buckets.get(bucket(days), Decimal(0)) + left
        oldest = max(days for _i, _l, days in beyond)
        reason = (f"Past-due hold: {money(total)} open more than {limit} days past due "
                  f"({len(beyond)} invoice(s), oldest {oldest} days).")
        evidence = {
            "past_due_days_policy": limit, "past_due_beyond_policy": str(total),
            "buckets": {k: str(v) for k, v in sorted(buckets.items())},
            "invoices": [{"invoice_id": inv.invoice_id, "due_date": inv.due_date.isoformat(),
                          "open": str(left), "days_past_due": days, "bucket": bucket(days)}
                         for inv, left, days in beyond],
        }
        return [Finding(self.code, Severity.BLOCKING, (), reason, evidence)]


PLUGIN = ExceptionType(
    code=ExceptionCode.PAST_DUE_HOLD, queue=Queue.CREDIT, detector=PastDueHold(), rank=90,
    needs=frozenset({"receivables", "credit_state"}),
    settings=(setting("past_due_days"), setting("past_due_min_amount")),
    actions=frozenset({Action.RELEASE, Action.HOLD}),
    simulation="ordex.simulate.codes.past_due_hold:SIMULATION",
)
