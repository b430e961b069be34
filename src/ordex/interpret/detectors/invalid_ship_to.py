"""INVALID_SHIP_TO: a missing field, an unknown postal code or one that is in another state."""

from __future__ import annotations

import re

from ordex.domain.codes import Action, ExceptionCode, Queue, Severity
from ordex.domain.findings import Finding
from ordex.domain.model import Order
from ordex.interpret.context import DetectionContext
from ordex.interpret.exception_type import ExceptionType
from ordex.interpret.settings import setting

US_ZIP = re.compile(r"^(\d{5})(?:-?\d{4})?$")
COUNTRY = re.compile(r"^[A-Z]{2}$")


class InvalidShipTo:
    """Checks required fields and that the postal code exists and lies in the stated state."""

    code = ExceptionCode.INVALID_SHIP_TO

    def evaluate(self, order: Order, ctx: DetectionContext) -> list[Finding]:
        """A whole-order finding listing every problem with the ship-to address."""
        address = order.ship_to
        problems = [f"{name} is missing" for name in ctx.settings.required_ship_to_fields
                    if not str(getattr(address, name, "")).strip()]
        country = address.country.strip().upper()
        if country and not COUNTRY.match(country):
            problems.append(f"country '{address.country}' is not an ISO 3166 two-letter code")
        elif country and address.postal_code.strip() and country != "US":
            problem = ctx.postal.check(country, address.state.strip().upper(),
                                       address.postal_code.strip())
            problems.extend([problem] if problem else [])
        elif country and address.postal_code.strip() and ctx.postal.covers(country):
            problems.extend(self._postal_problems(order, ctx, country))
        problems.extend(self._code_problems(order, ctx))
        if not problems:
            return []
        reason = "Ship-to address is not deliverable: " + "; ".join(problems) + "."
        evidence = {"problems": problems, "ship_to": {
            "name": address.name, "line1": address.line1, "line2": address.line2,
            "city": address.city, "state": address.state, "postal_code": address.postal_code,
            "country": address.country}}
        return [Finding(self.code, Severity.BLOCKING, (), reason, evidence)]

    @staticmethod
    def _code_problems(order: Order, ctx: DetectionContext) -> list[str]:
        """A ship-to code the customer does not have on file (when it has any on file)."""
        code = (order.ship_to_code or "").strip()
        if not code or (order.customer_id, code) in ctx.ship_tos:
            return []
        if not any(cid == order.customer_id for cid, _s in ctx.ship_tos):
            return []
        return [f"ship-to code {code} is not on file for customer {order.customer_id}"]

    @staticmethod
    def _postal_problems(order: Order, ctx: DetectionContext, country: str) -> list[str]:
        postal = order.ship_to.postal_code.strip()
        state = order.ship_to.state.strip().upper()
        if country == "US":
            match = US_ZIP.match(postal)
            if match is None:
                return [f"postal code '{postal}' is not a US ZIP code"]
            postal = match.group(1)
        actual = ctx.postal.state_of(country, postal)
        if actual is None:
            return [f"postal code {postal} does not exist in {country}"]
        if state and actual != state:
            return [f"postal code {postal} is in {actual}, not {state}"]
        return []


PLUGIN = ExceptionType(
    code=ExceptionCode.INVALID_SHIP_TO, queue=Queue.CUSTOMER_SERVICE, detector=InvalidShipTo(),
    rank=60,
    needs=frozenset({"ship_tos"}),
    settings=(setting("required_ship_to_fields"),),
    actions=frozenset({Action.CORRECT_ADDRESS, Action.RELEASE, Action.HOLD}),
    remedies="ordex.decide.addresses:remedies",
    simulation="ordex.simulate.codes.invalid_ship_to:SIMULATION",
)
