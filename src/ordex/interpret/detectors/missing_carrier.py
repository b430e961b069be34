"""MISSING_CARRIER_INSTRUCTIONS: no ship-via and no customer default; freight terms missing."""

from __future__ import annotations

from ordex.domain.codes import ExceptionCode, Severity
from ordex.domain.findings import Finding
from ordex.domain.model import Order
from ordex.interpret.context import DetectionContext


class MissingCarrierInstructions:
    """Checks that logistics knows how to ship the order and on what freight terms."""

    code = ExceptionCode.MISSING_CARRIER_INSTRUCTIONS

    def evaluate(self, order: Order, ctx: DetectionContext) -> list[Finding]:
        """A whole-order finding naming what is missing."""
        customer = ctx.customers.get(order.customer_id)
        if customer is None:
            return []  # MASTER_DATA_CONFLICT reports the unknown customer
        problems = []
        if not (order.ship_via or "").strip() and not customer.default_ship_via.strip():
            problems.append("no ship-via on the order and no default carrier for the customer")
        if customer.freight_terms_required and not (order.freight_terms or "").strip():
            problems.append("freight terms are missing and the customer requires them")
        if not problems:
            return []
        reason = "Carrier instructions missing: " + "; ".join(problems) + "."
        evidence = {"problems": problems, "ship_via": order.ship_via,
                    "customer_default_ship_via": customer.default_ship_via or None,
                    "freight_terms": order.freight_terms,
                    "freight_terms_required": customer.freight_terms_required}
        return [Finding(self.code, Severity.BLOCKING, (), reason, evidence)]
