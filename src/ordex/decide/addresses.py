"""INVALID_SHIP_TO remedies: correct the ship-to from the customer's master ship-to on file."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ordex.decide.candidate import Candidate
from ordex.decide.remedy import Situation
from ordex.domain.cases import Case
from ordex.domain.codes import Action
from ordex.domain.model import Order
from ordex.interpret.context import DetectionContext

ZERO = Decimal(0)


def remedies(s: Situation) -> list[Candidate]:
    """CORRECT_ADDRESS when one master ship-to matches and is itself deliverable."""
    return _ship_to(s.order, s.case, s.ctx)


def _ship_to(order: Order, case: Case, ctx: DetectionContext) -> list[Candidate]:
    on_file = [s for (cid, _sid), s in ctx.ship_tos.items() if cid == order.customer_id]
    match, confidence = None, 0.0
    code = (order.ship_to_code or "").strip()
    by_code = [s for s in on_file if s.ship_to_id == code]
    if len(by_code) == 1:
        match, confidence = by_code[0], 0.95
    elif len(on_file) == 1:
        match, confidence = on_file[0], 0.8
    else:
        same = [s for s in on_file if s.address.line1.upper() == order.ship_to.line1.upper()
                and order.ship_to.line1.strip()]
        if len(same) == 1:
            match, confidence = same[0], 0.75
    if match is None or not _valid(match.address, ctx):
        return []
    a = match.address
    address = {"name": a.name, "line1": a.line1, "line2": a.line2, "city": a.city,
               "state": a.state, "postal_code": a.postal_code, "country": a.country}
    return [Candidate(Action.CORRECT_ADDRESS, confidence, ZERO, order.requested_ship_date,
                      None, "ships to the address on file",
                      f"correct the ship-to from master ship-to {match.ship_to_id}",
                      order.value, None, {"ship_to_id": match.ship_to_id, "address": address})]


def _valid(address: Any, ctx: DetectionContext) -> bool:
    if not all((address.line1.strip(), address.city.strip(), address.state, address.postal_code)):
        return False
    state = ctx.postal.state_of(address.country, address.postal_code)
    return (state is None and not ctx.postal.covers(address.country)) or state == address.state
