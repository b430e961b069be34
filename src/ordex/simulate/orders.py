"""Generate orders at their moment in the simulated week, injecting exceptions at set rates.

Each code's injection is part of its simulation (simulate/codes/); the factory runs them in
their streams' order, around two steps of its own: boundary orders (on the order stream) and
the choice of ship-via and freight terms (on the content stream, before the injections that
change them). Resent duplicates and broken payloads are made here, at the payload level.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from ordex.simulate.code_simulation import Draft, Injection, Kit, Stream, simulations
from ordex.simulate.truth import Book, SimLine, SimOrder
from ordex.simulate.world import World
from ordex.simulate.world_goods import PARCEL_MAX

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
    extra: Mapping[str, float] = field(default_factory=dict)
    """Rates of plug-in codes' injections, by their `rate` name (else their default rate)."""

    def of(self, injection: Injection) -> float:
        """The share of orders that get an injection."""
        if injection.rate in RATE_FIELDS:
            rate: float = getattr(self, injection.rate)
            return rate
        return self.extra.get(injection.rate, injection.default_rate)

    def scaled(self, factor: float) -> InjectionRates:
        """Every exception rate times `factor` (resends and boundary orders unchanged)."""
        keep = {"resend", "boundary", "extra"}
        extra = {k: v * factor for k, v in self.extra.items()}
        return replace(self, extra=extra, **{f.name: getattr(self, f.name) * factor
                                             for f in fields(self) if f.name not in keep})


RATE_FIELDS = frozenset(f.name for f in fields(InjectionRates)) - {"extra"}


@dataclass
class Generated:
    """One generated payload: the order as sent, what was injected, the bytes."""

    order: SimOrder
    body: bytes
    injected: set[str]
    broken: bool = False


@dataclass(frozen=True)
class Step:
    """One thing done to every generated order, in its stream's order."""

    stream: Stream
    at: int
    run: Callable[[Draft], None]


class OrderFactory:
    """Builds orders against the simulator's book so labels are exact."""

    def __init__(self, world: World, book: Book, rates: InjectionRates, rng: random.Random) -> None:
        self.world, self.book, self.rates, self.rng = world, book, rates, rng
        self.address = {s.ship_to_id: s.address for v in world.ship_tos.values() for s in v}
        self.has_case = {c.item_id for c in world.ref.conversions if c.uom == "CS"}
        self.kit = Kit.of(world, book)
        # the content stream's seed predates the plug-in layout: kept, so runs stay comparable
        tag = f"{len(world.ref.order_history)}-{len(world.ref.contracts)}"
        self.streams = {Stream.ORDER: rng, Stream.CONTENT: random.Random(f"taxonomy-{tag}")}
        own = [Step(Stream.ORDER, 25, self._maybe_boundary),
               Step(Stream.CONTENT, 45, self._ship_via_and_terms)]
        self.steps = sorted([*self._injections(tag), *own],
                            key=lambda s: (list(Stream).index(s.stream), s.at))

    def _injections(self, tag: str) -> list[Step]:
        steps = []
        for sim in simulations():
            if sim.injection is None:
                continue
            inj = sim.injection
            if inj.stream is Stream.OWN:  # a stream of its own, seeded by the code
                stream = random.Random(f"{sim.code.value}-{tag}")
            else:
                stream = self.streams[inj.stream]
            steps.append(Step(inj.stream, inj.at, self._injector(sim.code.value, inj, stream)))
        return steps

    def _injector(self, code: str, inj: Injection,
                  rng: random.Random) -> Callable[[Draft], None]:
        def run(draft: Draft) -> None:
            if rng.random() < self.rates.of(inj) and inj.apply(draft, self.kit, rng):
                draft.injected.add(code)
        return run

    def make(self, order_id: str, customer_id: str, at: datetime, po_seq: int) -> Generated:
        """An order for the customer at that moment, maybe with injected problems."""
        r = self.rng.random
        if r() < self.rates.duplicate * 1.2 and (dup := self._duplicate(order_id, customer_id, at)):
            return dup
        order = self._clean(order_id, customer_id, at, po_seq)
        draft = Draft(order, dict(vars_of(self.address[order.ship_to_key])))
        for step in self.steps:
            step.run(draft)
        broken = r() < self.rates.integration
        return Generated(order, self._body(order, draft.address, broken), draft.injected, broken)

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
        self._usual_quantities(order)
        if not order.lines:  # nothing in stock: a one-line order that will be short
            first = self.world.assortment[cid][0]
            order.lines.append(SimLine(1, first, Decimal(1), "EA", Decimal(0)))
        for ln in order.lines:
            ln.unit_price = self.kit.fair_price(order, ln)
        return order

    def _usual_quantities(self, order: SimOrder) -> None:
        """Regular buys get a quantity near the customer's usual one (when stock allows)."""
        rng, regular = self.streams[Stream.CONTENT], self.world.pitfalls.regular
        usual = regular.get(order.customer_id, {})
        for ln in order.lines:
            typical = usual.get(ln.item_id)
            if typical is None:
                continue
            qty = Decimal(max(1, round(typical * rng.uniform(0.8, 1.2))))
            if qty <= self.book.atp(ln.item_id, order.warehouse_id, order.ship_date):
                ln.uom, ln.quantity = "EA", qty

    def _ship_via_and_terms(self, draft: Draft) -> None:
        """Heavy or hazardous orders go LTL, the rest by parcel; freight terms where required
        (and on half the other orders)."""
        order, rng = draft.order, self.streams[Stream.CONTENT]
        customer = self.kit.customers[order.customer_id]
        order.ship_via = "ODFL-LTL" if self._needs_freight(order) else "UPSN-GND"
        order.freight_terms = ("PREPAID" if customer.freight_terms_required
                               or rng.random() < 0.5 else None)

    def _needs_freight(self, order: SimOrder) -> bool:
        weight = sum((ln.quantity * self.book.units(ln.item_id, ln.uom)
                      * self.kit.items[ln.item_id].weight for ln in order.lines), Decimal(0))
        return weight > PARCEL_MAX or any(ln.item_id in self.world.pitfalls.hazmat
                                          for ln in order.lines)

    def _maybe_boundary(self, draft: Draft) -> None:
        if self.rng.random() < self.rates.boundary:
            self._boundary(draft.order)

    def _boundary(self, order: SimOrder) -> None:
        """Put one line exactly at ATP, or one price exactly at the tolerance edge."""
        ln = self.rng.choice(order.lines)
        if self.rng.random() < 0.5:
            atp = self.book.atp(ln.item_id, order.warehouse_id, order.ship_date)
            if atp >= 1 and atp == atp.to_integral_value() and len(order.lines) == len(
                    {x.item_id for x in order.lines}):
                ln.uom, ln.quantity = "EA", atp
                ln.unit_price = self.kit.fair_price(order, ln)
            return
        expected = self.book.price(order.customer_id, ln.item_id, ln.uom, ln.quantity,
                                   order.order_date)
        edge = expected + max(self.book.tol_abs, expected * self.book.tol_pct / 100)
        if edge == edge.quantize(Decimal("0.000001")):  # the order format carries 6 decimals
            ln.unit_price = edge

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
