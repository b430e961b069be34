"""The simulator's own book of stock, credit and orders, kept independently of the pipeline.

Ground truth comes from here: the simulator labels every order by its own reading of the
rules (docs/simulator.md), so a disagreement with the detectors exposes a bug in one of them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from ordex.domain.reference import ReferenceData

ZERO = Decimal(0)


@dataclass
class SimLine:
    """A line as the simulator generated it."""

    line_no: int
    item_id: str
    quantity: Decimal
    uom: str
    unit_price: Decimal


@dataclass
class SimOrder:
    """An order as the simulator generated it, with what it knows about it."""

    order_id: str
    customer_id: str
    po: str
    ship_to_key: str
    order_date: date
    ship_date: date
    at: datetime
    warehouse_id: str
    lines: list[SimLine]
    labels: set[str] = field(default_factory=set)
    short_lines: set[int] = field(default_factory=set)
    allocated: dict[int, Decimal] = field(default_factory=dict)
    cancelled: bool = False
    ship_via: str | None = "UPSN-GND"
    freight_terms: str | None = None
    ship_state: str = ""
    ship_country: str = "US"

    @property
    def value(self) -> Decimal:
        """Order value."""
        return sum((ln.quantity * ln.unit_price for ln in self.lines), ZERO)


class Book:
    """Stock positions, inbound POs, receivables and open orders as the simulator sees them."""

    def __init__(self, ref: ReferenceData, tolerance_abs: Decimal, tolerance_pct: Decimal) -> None:
        self.on_hand = {(p.item_id, p.warehouse_id): p.on_hand for p in ref.inventory}
        self.allocated: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        self.safety = {(p.item_id, p.warehouse_id): p.safety_stock for p in ref.inventory}
        self.inbound: dict[tuple[str, str], list[tuple[str, date, Decimal]]] = defaultdict(list)
        for po in ref.inbound_pos:
            self.inbound[(po.item_id, po.warehouse_id)].append((po.po_id, po.due_date, po.quantity))
        self.factor = {(c.item_id, c.uom): c.base_qty for c in ref.conversions}
        self.list_price = {i.item_id: i.list_price for i in ref.items}
        self.contracts = defaultdict(list)
        for c in ref.contracts:
            self.contracts[(c.customer_id, c.item_id)].append(c)
        self.limit = {c.customer_id: c.credit_limit for c in ref.customers}
        self.ar: dict[str, Decimal] = defaultdict(Decimal)
        for r in ref.receivables:
            self.ar[r.customer_id] += r.amount_open
        self.open_value: dict[str, Decimal] = defaultdict(Decimal)
        self.credit_held: dict[str, list[SimOrder]] = defaultdict(list)
        self.waiting: dict[tuple[str, str], list[SimOrder]] = defaultdict(list)
        self.recent: dict[str, list[SimOrder]] = defaultdict(list)
        self.tol_abs, self.tol_pct = tolerance_abs, tolerance_pct
        self.holders: dict[tuple[str, str], dict[tuple[str, int], tuple[SimOrder, Decimal]]] = \
            defaultdict(dict)

    # -- rules, as the simulator reads them -------------------------------------------
    def units(self, item_id: str, uom: str) -> Decimal:
        """Base units in one uom (EA is the base of every simulated item)."""
        return Decimal(1) if uom == "EA" else self.factor[(item_id, uom)]

    def atp(self, item_id: str, wh: str, by: date) -> Decimal:
        """On hand − allocated − safety + inbound due by the date."""
        key = (item_id, wh)
        due = sum((q for _po, d, q in self.inbound[key] if d <= by), ZERO)
        return self.on_hand.get(key, ZERO) - self.allocated[key] - self.safety.get(key, ZERO) + due

    def price(self, customer_id: str, item_id: str, uom: str, qty: Decimal, day: date) -> Decimal:
        """The price per uom the customer should pay: best contract break in force, else list."""
        base_qty = qty * self.units(item_id, uom)
        chosen = None
        for c in self.contracts.get((customer_id, item_id), ()):
            threshold = c.min_qty * self.units(item_id, c.uom)
            if c.valid_from <= day <= c.valid_to and threshold <= base_qty and (
                    chosen is None or threshold > chosen[0]):
                chosen = (threshold, c.unit_price / self.units(item_id, c.uom))
        per_base = chosen[1] if chosen else self.list_price[item_id]
        return per_base * self.units(item_id, uom)

    def price_ok(self, paid: Decimal, expected: Decimal) -> bool:
        """Within the larger of the absolute and percentage tolerance."""
        return abs(paid - expected) <= max(self.tol_abs, abs(expected) * self.tol_pct / 100)

    def short_lines(self, order: SimOrder, lines: list[SimLine] | None = None) -> set[int]:
        """Lines whose cumulative base quantity per item exceeds ATP."""
        asked: Counter[str] = Counter()
        short = set()
        for ln in sorted(lines if lines is not None else order.lines, key=lambda x: x.line_no):
            asked[ln.item_id] += ln.quantity * self.units(ln.item_id, ln.uom)  # type: ignore[assignment]
            if asked[ln.item_id] > self.atp(ln.item_id, order.warehouse_id, order.ship_date):
                short.add(ln.line_no)
        return short

    def over_limit(self, order: SimOrder) -> bool:
        """AR + open orders + this order above the credit limit."""
        cid = order.customer_id
        return self.ar[cid] + self.open_value[cid] + order.value > self.limit[cid]

    # -- effects ----------------------------------------------------------------------
    def allocate(self, order: SimOrder, line_nos: set[int]) -> None:
        """Reserve stock for lines."""
        for ln in order.lines:
            if ln.line_no in line_nos:
                base = ln.quantity * self.units(ln.item_id, ln.uom)
                self.allocated[(ln.item_id, order.warehouse_id)] += base
                order.allocated[ln.line_no] = base
                self.holders[(ln.item_id, order.warehouse_id)][(order.order_id, ln.line_no)] = (
                    order, base)

    def accept(self, order: SimOrder) -> None:
        """Book an order the way ordex should: allocate clean lines, count credit exposure."""
        self.allocate(order, {ln.line_no for ln in order.lines} - order.short_lines)
        for ln in order.lines:
            if ln.line_no in order.short_lines:
                self.waiting[(ln.item_id, order.warehouse_id)].append(order)
        if "CREDIT_LIMIT_EXCEEDED" in order.labels:
            self.credit_held[order.customer_id].append(order)
        else:
            self.open_value[order.customer_id] += order.value
        self.recent[order.customer_id].append(order)

    def receive(self, item_id: str, wh: str, qty: Decimal, po_id: str | None) -> None:
        """Stock arrives; waiting orders on the position are covered first come, first served."""
        key = (item_id, wh)
        self.on_hand[key] = self.on_hand.get(key, ZERO) + qty
        if po_id:
            self.inbound[key] = [p for p in self.inbound[key] if p[0] != po_id]
        for order in list(self.waiting[key]):
            lines = [ln for ln in order.lines if ln.line_no in order.short_lines]
            if not self.short_lines(order, lines):
                self.allocate(order, order.short_lines)
                self.stop_waiting(order)

    def stop_waiting(self, order: SimOrder) -> None:
        """The order no longer waits for stock (backordered or cancelled)."""
        for ln in order.lines:
            queue = self.waiting[(ln.item_id, order.warehouse_id)]
            if order in queue:
                queue.remove(order)
        order.short_lines = set()

    def pay(self, customer_id: str, amount: Decimal) -> None:
        """A payment lowers AR; held orders that now fit are released in arrival order."""
        self.ar[customer_id] -= amount
        for order in list(self.credit_held[customer_id]):
            if not self.over_limit(order):
                self.credit_held[customer_id].remove(order)
                self.open_value[customer_id] += order.value

    def release_credit(self, customer_id: str, order_id: str) -> None:
        """A person released a credit hold: the order joins the customer's exposure."""
        for order in list(self.credit_held[customer_id]):
            if order.order_id == order_id:
                self.credit_held[customer_id].remove(order)
                self.open_value[customer_id] += order.value

    def cancel(self, order: SimOrder) -> None:
        """A duplicate is cancelled: free its stock and its credit exposure."""
        for ln in order.lines:
            base = order.allocated.pop(ln.line_no, None)
            if base is not None:
                self.allocated[(ln.item_id, order.warehouse_id)] -= base
                self.holders[(ln.item_id, order.warehouse_id)].pop((order.order_id, ln.line_no))
        self.stop_waiting(order)
        held = self.credit_held[order.customer_id]
        if order in held:
            held.remove(order)
        else:
            self.open_value[order.customer_id] -= order.value
        order.cancelled = True
