"""Generate orders at their moment in the simulated week, injecting exceptions at set rates."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ordex.simulate.inject_taxonomy import TaxonomyInjector
from ordex.simulate.truth import Book, SimLine, SimOrder
from ordex.simulate.world import World

CENT = Decimal("0.01")
LINE_COUNTS = (1, 2, 3, 4, 5, 6, 7, 8, 9)
LINE_WEIGHTS = (10, 10, 12, 14, 16, 14, 10, 8, 6)


@dataclass(frozen=True)
class InjectionRates:
    """Share of orders that get each injected problem (a few get two)."""

    shortfall: float = 0.025
    price: float = 0.025
    ship_to: float = 0.015
    duplicate: float = 0.012
    integration: float = 0.003
    resend: float = 0.005
    boundary: float = 0.02
    """Orders placed exactly on a boundary (quantity = ATP, price = tolerance): not exceptions."""
    margin: float = 0.004
    """A line on a contract under the margin floor (one in ten exactly at it: not flagged)."""
    compliance: float = 0.004
    """A regulated item (for a customer that may hold a valid licence: then not flagged)."""
    quantity: float = 0.005
    """A keying error on a regular buy (×10, ×100, cases for eaches) or a legitimate 2–3×."""
    tax: float = 0.003
    """A one-time ship-to in a territory without a tax rule."""
    shipment: float = 0.005
    """A same-day request, a parcel service for a heavy/hazmat order, or a limited carrier."""
    carrier: float = 0.004
    """No ship-via (a customer default may cover it) or missing required freight terms."""

    def scaled(self, factor: float) -> InjectionRates:
        """Every exception rate times `factor` (resends and boundary orders unchanged)."""
        keep = {"resend", "boundary"}
        return replace(self, **{f.name: getattr(self, f.name) * factor
                                for f in fields(self) if f.name not in keep})


@dataclass
class Generated:
    """One generated payload: the order as sent, what was injected, the bytes."""

    order: SimOrder
    body: bytes
    injected: set[str]
    broken: bool = False


class OrderFactory:
    """Builds orders against the simulator's book so labels are exact."""

    def __init__(self, world: World, book: Book, rates: InjectionRates, rng: random.Random) -> None:
        self.world, self.book, self.rates, self.rng = world, book, rates, rng
        self.address = {s.ship_to_id: s.address for v in world.ship_tos.values() for s in v}
        self.has_case = {c.item_id for c in world.ref.conversions if c.uom == "CS"}
        self.more = TaxonomyInjector(world, book, rates, random.Random(
            f"taxonomy-{len(world.ref.order_history)}-{len(world.ref.contracts)}"))

    def make(self, order_id: str, customer_id: str, at: datetime, po_seq: int) -> Generated:
        """An order for the customer at that moment, maybe with injected problems."""
        r = self.rng.random
        injected: set[str] = set()
        if r() < self.rates.duplicate * 1.2 and (dup := self._duplicate(order_id, customer_id, at)):
            return dup
        order = self._clean(order_id, customer_id, at, po_seq)
        if r() < self.rates.shortfall:
            self._short(order)
            injected.add("INVENTORY_SHORTFALL")
        if r() < self.rates.price:
            self._misprice(order)
            injected.add("PRICE_MISMATCH")
        if r() < self.rates.boundary:
            self._boundary(order)
        address = dict(vars_of(self.address[order.ship_to_key]))
        if r() < self.rates.ship_to:
            self._corrupt(address)
            injected.add("INVALID_SHIP_TO")
        self.more.finish(order, injected, address, self._fair_price)
        broken = r() < self.rates.integration
        return Generated(order, self._body(order, address, broken), injected, broken)

    # -- building blocks --------------------------------------------------------------
    def _clean(self, order_id: str, cid: str, at: datetime, po_seq: int) -> SimOrder:
        rng, book = self.rng, self.book
        ship = rng.choice(self.world.ship_tos[cid]).ship_to_id
        order = SimOrder(order_id, cid, f"{4500000000 + po_seq}", ship, at.date(),
                         at.date() + timedelta(days=rng.randint(1, 6)), at,
                         self.world.home[cid], [])
        n = rng.choices(LINE_COUNTS, LINE_WEIGHTS)[0]
        for item_id in rng.sample(self.world.assortment[cid], n):
            uom = "CS" if item_id in self.has_case and rng.random() < 0.4 else "EA"
            qty = Decimal(rng.randint(1, 8) if uom == "CS" else rng.randint(1, 60))
            atp = book.atp(item_id, order.warehouse_id, order.ship_date)
            if qty * book.units(item_id, uom) > atp:
                uom, qty = "EA", Decimal(int(min(atp, Decimal(5))))
            if qty < 1:
                continue
            order.lines.append(SimLine(len(order.lines) + 1, item_id, qty, uom, Decimal(0)))
        self.more.shape_clean(order)
        if not order.lines:  # nothing in stock: a one-line order that will be short
            first = self.world.assortment[cid][0]
            order.lines.append(SimLine(1, first, Decimal(1), "EA", Decimal(0)))
        for ln in order.lines:
            ln.unit_price = self._fair_price(order, ln)
        return order

    def _fair_price(self, order: SimOrder, ln: SimLine) -> Decimal:
        exact = self.book.price(order.customer_id, ln.item_id, ln.uom, ln.quantity,
                                order.order_date)
        return exact.quantize(CENT, rounding=ROUND_HALF_UP)

    def _short(self, order: SimOrder) -> None:
        ln = self.rng.choice(order.lines)
        atp = self.book.atp(ln.item_id, order.warehouse_id, order.ship_date)
        ln.uom = "EA"
        ln.quantity = max(Decimal(1), Decimal(int(max(atp, Decimal(0))))) + self.rng.randint(1, 40)
        ln.unit_price = self._fair_price(order, ln)

    def _misprice(self, order: SimOrder) -> None:
        ln = self.rng.choice(order.lines)
        expected = self.book.price(order.customer_id, ln.item_id, ln.uom, ln.quantity,
                                   order.order_date)
        for _ in range(20):
            step = Decimal(str(round(self.rng.uniform(0.02, 0.25), 3)))
            step = step if self.rng.random() < 0.5 else -step
            ln.unit_price = (expected * (1 + step)).quantize(CENT, rounding=ROUND_HALF_UP)
            if not self.book.price_ok(ln.unit_price, expected) and ln.unit_price > 0:
                return
        ln.unit_price = expected + Decimal(1)

    def _boundary(self, order: SimOrder) -> None:
        """Put one line exactly at ATP, or one price exactly at the tolerance edge."""
        ln = self.rng.choice(order.lines)
        if self.rng.random() < 0.5:
            atp = self.book.atp(ln.item_id, order.warehouse_id, order.ship_date)
            if atp >= 1 and atp == atp.to_integral_value() and len(order.lines) == len(
                    {x.item_id for x in order.lines}):
                ln.uom, ln.quantity = "EA", atp
                ln.unit_price = self._fair_price(order, ln)
            return
        expected = self.book.price(order.customer_id, ln.item_id, ln.uom, ln.quantity,
                                   order.order_date)
        edge = expected + max(self.book.tol_abs, expected * self.book.tol_pct / 100)
        if edge == edge.quantize(Decimal("0.000001")):  # the order format carries 6 decimals
            ln.unit_price = edge

    def _corrupt(self, address: dict[str, str]) -> None:
        kind = self.rng.choice(("missing_city", "unknown_zip", "wrong_state", "missing_line1"))
        if kind == "missing_city":
            address["city"] = ""
        elif kind == "missing_line1":
            address["line1"] = " "
        elif kind == "unknown_zip":
            # below 00501 no US ZIP code exists (PO-box and unique ZIPs fill much of the rest,
            # so a random "unknown" ZIP may well be real)
            address["postal_code"] = f"{self.rng.randint(0, 500):05d}"
        else:
            z, _c, state = self.rng.choice(self.world.zips)
            while state == address["state"]:
                z, _c, state = self.rng.choice(self.world.zips)
            address["postal_code"] = z

    def _duplicate(self, order_id: str, cid: str, at: datetime) -> Generated | None:
        recent = [o for o in self.book.recent.get(cid, ())
                  if not o.cancelled and at - o.at < timedelta(hours=40)]
        if not recent:
            return None
        prior = self.rng.choice(recent)
        same_po = self.rng.random() < 0.6
        variants = (prior.po, f" {prior.po.lower()} ", "00" + prior.po)
        po = self.rng.choice(variants) if same_po else f"R{prior.po}"
        copy = SimOrder(order_id, cid, po, prior.ship_to_key, at.date(),
                        max(prior.ship_date, at.date() + timedelta(days=1)), at,
                        prior.warehouse_id,
                        [SimLine(x.line_no, x.item_id, x.quantity, x.uom, x.unit_price)
                         for x in prior.lines])
        copy.ship_via, copy.freight_terms = prior.ship_via, prior.freight_terms
        address = dict(vars_of(self.address[copy.ship_to_key]))
        return Generated(copy, self._body(copy, address, False), {"DUPLICATE_ORDER"})

    def _body(self, order: SimOrder, address: dict[str, str], broken: bool) -> bytes:
        doc: dict[str, Any] = {
            "order_id": order.order_id, "customer_id": order.customer_id,
            "customer_po": order.po, "channel": "api",
            "order_date": order.order_date.isoformat(),
            "requested_ship_date": order.ship_date.isoformat(),
            "ship_to": {"code": order.ship_to_key, **address},
            "ship_via": order.ship_via, "warehouse_id": order.warehouse_id, "currency": "USD",
            "lines": [{"line_no": ln.line_no, "item_id": ln.item_id,
                       "quantity": str(ln.quantity), "uom": ln.uom,
                       "unit_price": str(ln.unit_price)} for ln in order.lines],
        }
        if order.freight_terms:
            doc["freight_terms"] = order.freight_terms
        order.ship_state, order.ship_country = address["state"], address["country"]
        if broken:
            return self._break(doc)
        return json.dumps(doc).encode()

    def _break(self, doc: dict[str, Any]) -> bytes:
        kind = self.rng.choice(("truncated", "no_customer", "text_qty", "negative_qty"))
        if kind == "truncated":
            return json.dumps(doc).encode()[: self.rng.randint(10, 120)]
        if kind == "no_customer":
            del doc["customer_id"]
        elif kind == "text_qty":
            doc["lines"][0]["quantity"] = "twelve"
        else:
            doc["lines"][0]["quantity"] = "-3"
        return json.dumps(doc).encode()


def vars_of(address: Any) -> dict[str, str]:
    """An address dataclass as a plain dict."""
    return {k: getattr(address, k) for k in address.__slots__}
