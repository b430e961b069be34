"""SHIPMENT_CONSTRAINT: the requested date or the chosen carrier service cannot work."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from ordex.domain.codes import Action, ExceptionCode, Queue, Severity
from ordex.domain.context_events import ItemMasterFixed
from ordex.domain.findings import Finding
from ordex.domain.model import CarrierService, Order
from ordex.interpret.context import DetectionContext
from ordex.interpret.detectors._lines import known_lines, qty
from ordex.interpret.exception_type import ExceptionType


def carrier_service(order: Order, ctx: DetectionContext) -> CarrierService | None:
    """The service of the order's ship-via, else of the customer's default (None if unknown)."""
    via = (order.ship_via or "").strip().upper()
    if not via:
        customer = ctx.customers.get(order.customer_id)
        via = customer.default_ship_via.strip().upper() if customer else ""
    return ctx.services.get(via)


def order_weight(order: Order, ctx: DetectionContext) -> Decimal:
    """Total shipping weight of the lines whose item and unit are known."""
    return sum((base * ctx.items[line.item_id].weight for line, base in known_lines(order, ctx)),
               Decimal(0))


class ShipmentConstraint:
    """Checks lead time, carrier cutoff, weight, hazmat and destination of the service."""

    code = ExceptionCode.SHIPMENT_CONSTRAINT

    def evaluate(self, order: Order, ctx: DetectionContext) -> list[Finding]:
        """A whole-order finding listing every constraint the order breaks."""
        problems = self._date_problems(order, ctx)
        service = carrier_service(order, ctx)
        if service is not None:
            problems.extend(self._service_problems(order, service, ctx))
        if not problems:
            return []
        reason = "Shipment cannot go as requested: " + "; ".join(problems) + "."
        evidence = {"problems": problems, "requested_ship_date":
                    order.requested_ship_date.isoformat(),
                    "ship_via": service.ship_via if service else order.ship_via}
        return [Finding(self.code, Severity.BLOCKING, (), reason, evidence)]

    @staticmethod
    def _date_problems(order: Order, ctx: DetectionContext) -> list[str]:
        warehouse = ctx.warehouses.get(order.warehouse_id)
        if warehouse is None:
            return []
        earliest = order.order_date + timedelta(days=warehouse.lead_time_days)
        if order.requested_ship_date < earliest:
            return [f"requested ship date {order.requested_ship_date.isoformat()} is before "
                    f"the earliest possible {earliest.isoformat()} ({warehouse.lead_time_days} "
                    f"day(s) lead time at {warehouse.warehouse_id})"]
        return []

    @staticmethod
    def _service_problems(order: Order, service: CarrierService,
                          ctx: DetectionContext) -> list[str]:
        problems = []
        received = order.received_at
        if (service.cutoff is not None and received is not None
                and order.requested_ship_date <= received.date()
                and received.time().replace(tzinfo=None) > service.cutoff):
            problems.append(f"received at {received.strftime('%H:%M')} UTC, after the "
                            f"{service.cutoff.strftime('%H:%M')} cutoff of {service.ship_via} "
                            "for same-day shipment")
        weight = order_weight(order, ctx)
        if service.max_weight is not None and weight > service.max_weight:
            problems.append(f"order weighs {qty(weight)} lb, over the {qty(service.max_weight)} "
                            f"lb limit of {service.ship_via}")
        hazmat = sorted({ln.item_id for ln in order.lines
                         if ln.item_id in ctx.items and ctx.items[ln.item_id].hazmat_class})
        if hazmat and not service.hazmat_allowed:
            problems.append(f"{service.ship_via} does not carry hazardous materials "
                            f"({', '.join(hazmat)})")
        state = order.ship_to.state.strip().upper()
        if service.states and state and state not in service.states:
            problems.append(f"{service.ship_via} does not serve {state}")
        return problems


PLUGIN = ExceptionType(
    code=ExceptionCode.SHIPMENT_CONSTRAINT, queue=Queue.LOGISTICS,
    detector=ShipmentConstraint(), rank=130,
    needs=frozenset({"customers", "items", "conversions", "warehouses", "carrier_services"}),
    reevaluated_by=(ItemMasterFixed,),
    actions=frozenset({Action.ASSIGN_CARRIER, Action.REVISE_PROMISE, Action.RELEASE,
                       Action.HOLD}),
    remedies="ordex.decide.logistics:remedies",
    simulation="ordex.simulate.codes.shipment_constraint:SIMULATION",
)
