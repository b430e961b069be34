"""SHIPMENT_CONSTRAINT in the simulator: a same-day request, a parcel service for a heavy or
hazardous order, or a carrier that may not serve the state."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from ordex.domain.codes import ExceptionCode
from ordex.simulate.code_simulation import (
    CodeSimulation,
    Desk,
    Draft,
    Facts,
    Injection,
    Kit,
    Stream,
)
from ordex.simulate.truth import SimOrder


def _constrain(d: Draft, kit: Kit, rng: random.Random) -> bool:
    """Ask for today, book parcel where freight was needed, or a limited carrier."""
    order = d.order
    kind = rng.choice(("same_day", "same_day", "parcel", "fdeg"))
    if kind == "parcel" and order.ship_via == "ODFL-LTL":
        order.ship_via = "UPSN-GND"
    elif kind == "fdeg":
        order.ship_via = "FDEG-GND"
    else:
        order.ship_date = order.order_date
    return True


def _truth(order: SimOrder, facts: Facts) -> bool:
    """Lead time, cutoff, weight, hazmat or destination rules out the shipment."""
    index, book = facts.index, facts.book
    if order.ship_date < order.order_date + timedelta(days=index.lead[order.warehouse_id]):
        return True
    via = order.ship_via or index.customers[order.customer_id].default_ship_via
    service = index.services.get(via or "")
    if service is None:
        return False
    if service.cutoff and order.ship_date <= order.at.date() and \
            order.at.time() > service.cutoff:
        return True
    weight = sum((ln.quantity * book.units(ln.item_id, ln.uom)
                  * index.items[ln.item_id].weight for ln in order.lines), Decimal(0))
    if service.max_weight is not None and weight > service.max_weight:
        return True
    if not service.hazmat_allowed and any(index.items[ln.item_id].hazmat_class
                                          for ln in order.lines):
        return True
    return bool(service.states) and order.ship_state not in service.states


SIMULATION = CodeSimulation(
    ExceptionCode.SHIPMENT_CONSTRAINT, truth=_truth,
    injection=Injection("shipment", Stream.CONTENT, 50, _constrain),
    desk=Desk("logistics-lead", "REVISE_PROMISE"))
