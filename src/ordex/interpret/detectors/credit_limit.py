"""CREDIT_LIMIT_EXCEEDED: open receivables + open orders + this order exceed the limit."""

from __future__ import annotations

from ordex.domain.codes import Action, ExceptionCode, Queue, Severity
from ordex.domain.events import PaymentPosted
from ordex.domain.findings import Finding
from ordex.domain.model import Order
from ordex.interpret.context import DetectionContext
from ordex.interpret.detectors._lines import money
from ordex.interpret.exception_type import ExceptionType


class CreditLimitExceeded:
    """Compares the customer's exposure including this order with its credit limit."""

    code = ExceptionCode.CREDIT_LIMIT_EXCEEDED

    def evaluate(self, order: Order, ctx: DetectionContext) -> list[Finding]:
        """A whole-order finding when exposure is above the limit."""
        customer = ctx.customers.get(order.customer_id)
        if customer is None:
            return []
        ar, open_orders = ctx.exposure_before(order.customer_id)
        exposure = ar + open_orders + order.value
        if exposure <= customer.credit_limit:
            return []
        over = exposure - customer.credit_limit
        if customer.credit_limit == 0:
            reason = (f"Prepay customer (credit limit 0): this order of {money(order.value)} "
                      "must be paid before it is released.")
            return [Finding(self.code, Severity.BLOCKING, (), reason, {
                "prepay": True, "order_value": str(order.value), "open_receivables": str(ar),
                "open_orders": str(open_orders), "exposure": str(exposure),
                "credit_limit": "0", "over_by": str(over)})]
        reason = (f"Credit limit exceeded: open receivables {money(ar)} + open orders "
                  f"{money(open_orders)} + this order {money(order.value)} = {money(exposure)}, "
                  f"over the limit of {money(customer.credit_limit)} by {money(over)}.")
        evidence = {"open_receivables": str(ar), "open_orders": str(open_orders),
                    "order_value": str(order.value), "exposure": str(exposure),
                    "credit_limit": str(customer.credit_limit), "over_by": str(over),
                    "prepay": False}
        return [Finding(self.code, Severity.BLOCKING, (), reason, evidence)]


PLUGIN = ExceptionType(
    code=ExceptionCode.CREDIT_LIMIT_EXCEEDED, queue=Queue.CREDIT,
    detector=CreditLimitExceeded(), rank=50,
    needs=frozenset({"customers", "receivables", "credit_state"}),
    reevaluated_by=(PaymentPosted,),
    actions=frozenset({Action.RELEASE, Action.HOLD}),
    remedies="ordex.decide.credit:remedies",
    simulation="ordex.simulate.codes.credit_limit:SIMULATION",
)
