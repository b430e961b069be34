"""MISSING_CARRIER_INSTRUCTIONS: no ship-via and no customer default; freight terms missing;
or a ship-via naming a carrier service that is not on file (its limits cannot be checked)."""

from __future__ import annotations

from ordex.domain.codes import Action, ExceptionCode, Queue, Severity
from ordex.domain.findings import Finding
from ordex.domain.model import Order
from ordex.interpret.context import DetectionContext
from ordex.interpret.exception_type import ExceptionType


class MissingCarrierInstructions:
    """Checks that logistics knows how to ship the order and on what freight terms."""

    code = ExceptionCode.MISSING_CARRIER_INSTRUCTIONS

    def evaluate(self, order: Order, ctx: DetectionContext) -> list[Finding]:
        """A whole-order finding naming what is missing."""
        customer = ctx.customers.get(order.customer_id)
        if customer is None:
            return []  # MASTER_DATA_CONFLICT reports the unknown customer
        problems = []
        via = (order.ship_via or "").strip() or customer.default_ship_via.strip()
        if not via:
            problems.append("no ship-via on the order and no default carrier for the customer")
        unknown = _unknown_service(via, ctx, default=not (order.ship_via or "").strip())
        if unknown:
            problems.append(unknown)
        if customer.freight_terms_required and not (order.freight_terms or "").strip():
            problems.append("freight terms are missing and the customer requires them")
        if not problems:
            return []
        reason = "Carrier instructions missing: " + "; ".join(problems) + "."
        evidence = {"problems": problems, "ship_via": order.ship_via,
                    "customer_default_ship_via": customer.default_ship_via or None,
                    "freight_terms": order.freight_terms,
                    "freight_terms_required": customer.freight_terms_required}
        if unknown:
            evidence["unknown_ship_via"] = via.upper()
        return [Finding(self.code, Severity.BLOCKING, (), reason, evidence)]


def _unknown_service(via: str, ctx: DetectionContext, *, default: bool) -> str:
    """Why a named ship-via cannot be used ("" when it is on file, or no services are loaded)."""
    if not via or not ctx.services or via.upper() in ctx.services:
        return ""
    source = "the customer's default ship-via" if default else "ship-via"
    return (f"{source} {via.upper()} is not a carrier service on file, so its weight, hazmat, "
            "cutoff and destination limits cannot be checked")


PLUGIN = ExceptionType(
    code=ExceptionCode.MISSING_CARRIER_INSTRUCTIONS, queue=Queue.LOGISTICS,
    detector=MissingCarrierInstructions(), rank=100,
    needs=frozenset({"customers", "carrier_services"}),
    actions=frozenset({Action.ASSIGN_CARRIER, Action.HOLD}),
    remedies="ordex.decide.logistics:remedies",
    simulation="ordex.simulate.codes.missing_carrier:SIMULATION",
)
