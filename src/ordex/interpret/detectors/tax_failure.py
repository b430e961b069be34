"""TAX_FAILURE: no tax rule for the ship-to state, or an exemption certificate missing/expired.

The tax point is the requested ship date: sales tax is fixed when the goods ship and are
invoiced, so a certificate must be valid then, not on the day the order was placed.
"""

from __future__ import annotations

from ordex.domain.codes import Action, ExceptionCode, Queue, Severity
from ordex.domain.findings import Finding
from ordex.domain.model import Order
from ordex.interpret.context import DetectionContext
from ordex.interpret.exception_type import ExceptionType


class TaxFailure:
    """Finds orders finance cannot tax correctly."""

    code = ExceptionCode.TAX_FAILURE

    def evaluate(self, order: Order, ctx: DetectionContext) -> list[Finding]:
        """A whole-order finding naming the jurisdiction or certificate problem."""
        problems: list[str] = []
        evidence: dict[str, object] = {}
        country = order.ship_to.country.strip().upper()
        state = order.ship_to.state.strip().upper()
        if ctx.tax_rules and state and (country, state) not in ctx.tax_rules:
            problems.append(f"no tax rule for ship-to state {state} ({country})")
            evidence["jurisdiction"] = {"country": country, "state": state}
        customer = ctx.customers.get(order.customer_id)
        tax_point = order.requested_ship_date
        if customer is not None and customer.tax_exempt:
            certs = [c for c in ctx.exemptions.get(order.customer_id, ())
                     if not c.state or c.state.upper() == state]
            valid = [c for c in certs if c.is_valid_on(tax_point)]
            if not valid:
                latest = max(certs, key=lambda c: c.valid_to, default=None)
                if latest is None:
                    problems.append("customer is tax-exempt but has no exemption certificate "
                                    f"for {state or 'the ship-to state'}")
                else:
                    problems.append(f"exemption certificate {latest.certificate_id} is not "
                                    f"valid on the ship date {tax_point.isoformat()} (valid "
                                    f"{latest.valid_from.isoformat()} to "
                                    f"{latest.valid_to.isoformat()})")
                evidence["certificate"] = None if latest is None else {
                    "certificate_id": latest.certificate_id,
                    "valid_from": latest.valid_from.isoformat(),
                    "valid_to": latest.valid_to.isoformat()}
        if not problems:
            return []
        evidence["problems"] = problems
        evidence["order_date"] = order.order_date.isoformat()
        evidence["tax_point_date"] = order.requested_ship_date.isoformat()
        reason = "Tax cannot be determined: " + "; ".join(problems) + "."
        return [Finding(self.code, Severity.BLOCKING, (), reason, evidence)]


PLUGIN = ExceptionType(
    code=ExceptionCode.TAX_FAILURE, queue=Queue.FINANCE, detector=TaxFailure(), rank=110,
    needs=frozenset({"customers", "tax_rules", "tax_exemptions"}),
    actions=frozenset({Action.RELEASE, Action.HOLD}),
    simulation="ordex.simulate.codes.tax_failure:SIMULATION",
)
