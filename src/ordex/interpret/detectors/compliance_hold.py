"""COMPLIANCE_HOLD: regulated item without a valid licence; export-restricted destination."""

from __future__ import annotations

from ordex.domain.codes import Action, ExceptionCode, Queue, Severity
from ordex.domain.context_events import ItemMasterFixed, LicenceUploaded
from ordex.domain.findings import Finding
from ordex.domain.model import Order, OrderLine
from ordex.interpret.context import DetectionContext
from ordex.interpret.exception_type import ExceptionType
from ordex.interpret.settings import setting


class ComplianceHold:
    """Blocks lines the customer may not legally receive at the ship date or destination."""

    code = ExceptionCode.COMPLIANCE_HOLD

    def evaluate(self, order: Order, ctx: DetectionContext) -> list[Finding]:
        """One finding naming every line that needs a licence or may not be exported there."""
        country = order.ship_to.country.strip().upper()
        restricted = country in ctx.settings.export_restricted_countries
        bad: list[dict[str, object]] = []
        for line in order.lines:
            item = ctx.items.get(line.item_id)
            if item is None:
                continue
            if item.licence_type and not self._licensed(order, item.licence_type, ctx):
                bad.append(self._licence_problem(order, line, item.licence_type, ctx))
            if item.export_restricted and restricted:
                bad.append({"line": line.line_no, "item_id": line.item_id,
                            "problem": "export_restricted", "country": country,
                            "text": f"line {line.line_no}: {line.item_id} is export-restricted "
                                    f"and may not ship to {country}"})
        if not bad:
            return []
        reason = "Compliance hold: " + "; ".join(str(b["text"]) for b in bad) + "."
        lines = tuple(sorted({int(str(b["line"])) for b in bad}))
        return [Finding(self.code, Severity.BLOCKING, lines, reason, {"lines": bad})]

    @staticmethod
    def _licensed(order: Order, licence_type: str, ctx: DetectionContext) -> bool:
        return any(lic.licence_type.upper() == licence_type.upper()
                   and lic.is_valid_on(order.requested_ship_date)
                   for lic in ctx.licences.get(order.customer_id, ()))

    @staticmethod
    def _licence_problem(order: Order, line: OrderLine, licence_type: str,
                         ctx: DetectionContext) -> dict[str, object]:
        held = [lic for lic in ctx.licences.get(order.customer_id, ())
                if lic.licence_type.upper() == licence_type.upper()]
        day = order.requested_ship_date.isoformat()
        if held:
            latest = max(held, key=lambda lic: lic.valid_to)
            why = (f"licence {latest.licence_id} is valid {latest.valid_from.isoformat()} to "
                   f"{latest.valid_to.isoformat()}, not on the ship date {day}")
        else:
            why = f"the customer holds no {licence_type} licence"
        return {"line": line.line_no, "item_id": line.item_id, "problem": "licence",
                "licence_type": licence_type, "ship_date": day,
                "licences_on_file": [lic.licence_id for lic in held],
                "text": f"line {line.line_no}: {line.item_id} needs a {licence_type} licence; "
                        f"{why}"}


PLUGIN = ExceptionType(
    code=ExceptionCode.COMPLIANCE_HOLD, queue=Queue.COMPLIANCE, detector=ComplianceHold(),
    rank=120,
    needs=frozenset({"items", "licences"}),
    reevaluated_by=(ItemMasterFixed, LicenceUploaded),
    settings=(setting("export_restricted_countries"),),
    actions=frozenset({Action.RELEASE, Action.REQUEST_LICENCE, Action.HOLD,
                       Action.CANCEL_LINE}),
    simulation="ordex.simulate.codes.compliance_hold:SIMULATION",
)
