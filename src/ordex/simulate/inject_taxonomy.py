"""Injects the newer exception codes into simulated orders, with hard cases near each edge.

Margin (a line under a below-floor contract, or exactly at the floor), missing carrier
instructions (no ship-via, sometimes covered by a customer default; missing freight terms),
tax (ship to a territory without a tax rule), compliance (a regulated item, sometimes for a
licensed customer), shipment constraints (same-day requests, parcel services for heavy or
hazardous orders, a carrier that may not serve the state) and quantity keying errors (×10,
×100, cases for eaches, and legitimate 2–3× orders that must not be flagged).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from ordex.simulate.truth import SimLine, SimOrder
from ordex.simulate.world_taxonomy import PARCEL_MAX

if TYPE_CHECKING:
    from ordex.simulate.orders import InjectionRates
    from ordex.simulate.truth import Book
    from ordex.simulate.world import World


class TaxonomyInjector:
    """Shapes clean orders and injects the newer codes from a random stream of its own."""

    def __init__(self, world: World, book: Book, rates: InjectionRates,
                 rng: random.Random) -> None:
        self.world, self.book, self.rates, self.rng = world, book, rates, rng
        self.tax = world.taxonomy
        self.customers = {c.customer_id: c for c in world.ref.customers}
        self.items = {i.item_id: i for i in world.ref.items}
        self.history: dict[tuple[str, str], int] = {}
        for h in world.ref.order_history:
            key = (h.customer_id, h.item_id)
            self.history[key] = self.history.get(key, 0) + 1

    # -- clean orders ------------------------------------------------------------------
    def shape_clean(self, order: SimOrder) -> None:
        """Regular buys get a quantity near the customer's usual one (when stock allows)."""
        regular = self.tax.regular.get(order.customer_id, {})
        for ln in order.lines:
            typical = regular.get(ln.item_id)
            if typical is None:
                continue
            qty = Decimal(max(1, round(typical * self.rng.uniform(0.8, 1.2))))
            if qty <= self.book.atp(ln.item_id, order.warehouse_id, order.ship_date):
                ln.uom, ln.quantity = "EA", qty

    def finish(self, order: SimOrder, injected: set[str], address: dict[str, str],
               reprice: Callable[[SimOrder, SimLine], Decimal]) -> None:
        """Inject at the configured rates, then choose ship-via and freight terms."""
        r, rates = self.rng.random, self.rates
        if r() < rates.margin:
            self._margin(order, injected)
        if r() < rates.compliance:
            self._regulated_line(order, injected, reprice)
        if r() < rates.quantity:
            self._keying_error(order, injected, reprice)
        if r() < rates.tax and "INVALID_SHIP_TO" not in injected and self.tax.untaxed_zips:
            z, city, state = self.rng.choice(self.tax.untaxed_zips)
            address.update(city=city, state=state, postal_code=z)
            injected.add("TAX_FAILURE")
        customer = self.customers[order.customer_id]
        order.ship_via = "ODFL-LTL" if self._needs_freight(order) else "UPSN-GND"
        order.freight_terms = ("PREPAID" if customer.freight_terms_required or r() < 0.5
                               else None)
        if r() < rates.shipment:
            self._constrain(order, injected)
        if r() < rates.carrier:
            if customer.freight_terms_required and r() < 0.5:
                order.freight_terms = None
            else:
                order.ship_via = None
            injected.add("MISSING_CARRIER_INSTRUCTIONS")

    # -- injections --------------------------------------------------------------------
    def _margin(self, order: SimOrder, injected: set[str]) -> None:
        item_id = self.tax.loss_item.get(order.customer_id)
        if item_id is None or any(ln.item_id == item_id for ln in order.lines):
            return
        qty = Decimal(self.rng.randint(1, 5))
        if qty > self.book.atp(item_id, order.warehouse_id, order.ship_date):
            return
        price = self.book.price(order.customer_id, item_id, "EA", qty, order.order_date)
        order.lines.append(SimLine(len(order.lines) + 1, item_id, qty, "EA", price))
        injected.add("MARGIN_BELOW_FLOOR")

    def _regulated_line(self, order: SimOrder, injected: set[str],
                        reprice: Callable[[SimOrder, SimLine], Decimal]) -> None:
        taken = {ln.item_id for ln in order.lines}
        for _ in range(10 if self.tax.regulated else 0):  # a small world may have none
            item_id = self.rng.choice(self.tax.regulated)
            if item_id not in taken and self.book.atp(item_id, order.warehouse_id,
                                                      order.ship_date) >= 2:
                line = SimLine(len(order.lines) + 1, item_id, Decimal(self.rng.randint(1, 2)),
                               "EA", Decimal(0))
                order.lines.append(line)
                line.unit_price = reprice(order, line)
                injected.add("COMPLIANCE_HOLD")
                return

    def _keying_error(self, order: SimOrder, injected: set[str],
                      reprice: Callable[[SimOrder, SimLine], Decimal]) -> None:
        regular = [ln for ln in order.lines
                   if (order.customer_id, ln.item_id) in self.history]
        if not regular:
            return
        ln = self.rng.choice(regular)
        kind = self.rng.choice(("x10", "x10", "x100", "case", "legit"))
        if kind == "case" and self.book.factor.get((ln.item_id, "CS")):
            ln.uom = "CS"
        elif kind == "legit":
            ln.quantity = (ln.quantity * Decimal(self.rng.choice((2, 3)))).to_integral_value()
        else:
            ln.quantity *= 100 if kind == "x100" else 10
        ln.unit_price = reprice(order, ln)
        injected.add("QUANTITY_ANOMALY")

    def _constrain(self, order: SimOrder, injected: set[str]) -> None:
        kind = self.rng.choice(("same_day", "same_day", "parcel", "fdeg"))
        if kind == "parcel" and order.ship_via == "ODFL-LTL":
            order.ship_via = "UPSN-GND"
        elif kind == "fdeg":
            order.ship_via = "FDEG-GND"
        else:
            order.ship_date = order.order_date
        injected.add("SHIPMENT_CONSTRAINT")

    def _needs_freight(self, order: SimOrder) -> bool:
        """Heavy or hazardous orders go LTL; the rest by parcel."""
        weight = sum((ln.quantity * self.book.units(ln.item_id, ln.uom)
                      * self.items[ln.item_id].weight for ln in order.lines), Decimal(0))
        return weight > PARCEL_MAX or any(ln.item_id in self.tax.hazmat for ln in order.lines)
