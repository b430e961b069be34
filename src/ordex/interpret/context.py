"""The context an order is judged in: reference data plus the live state of stock and credit.

The context is an in-memory working set. The composition root fills it (from the database,
CSV files or the simulator) with what a batch of orders needs, and the pipeline keeps it
current as orders are accepted and events arrive, so detectors never query per line.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal

from ordex.domain.model import (
    CarrierService,
    Customer,
    CustomerLicence,
    CustomerTier,
    InboundPO,
    InventoryPosition,
    Item,
    Order,
    PriceContract,
    Receivable,
    ShipTo,
    TaxExemption,
    TaxRule,
    Warehouse,
)
from ordex.domain.uom import UnitTable
from ordex.interpret.ports import PostalDirectory
from ordex.interpret.recent import RecentIndex
from ordex.interpret.settings import DetectionSettings

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Atp:
    """Available-to-promise of an item at a warehouse by a date, with its parts."""

    on_hand: Decimal
    allocated: Decimal
    safety_stock: Decimal
    inbound_due: Decimal

    @property
    def quantity(self) -> Decimal:
        """ATP = on hand − allocated − safety stock + inbound due in time."""
        return self.on_hand - self.allocated - self.safety_stock + self.inbound_due


@dataclass(slots=True)
class RecentOrder:
    """What duplicate detection remembers of an earlier order."""

    order_id: str
    order_date: date
    received_at: datetime | None
    po_key: str
    ship_to_key: str
    lines: Counter[tuple[str, Decimal, str]]
    cancelled: bool = False
    value: Decimal | None = None
    """Total value of the order (None when not known)."""
    customer_po: str = ""
    """The PO number as the customer wrote it (only an identical one may cancel on its own)."""


def po_key(customer_po: str) -> str:
    """A PO number normalised for comparison: upper case, no spaces, no leading zeros."""
    return "".join(customer_po.split()).upper().lstrip("0")


def ship_to_key(order: Order) -> str:
    """The ship-to code if given, else the normalised address."""
    if order.ship_to_code:
        return "code:" + order.ship_to_code.strip().upper()
    a = order.ship_to
    parts = (a.line1, a.city, a.state, a.postal_code[:5], a.country)
    return "addr:" + "|".join(" ".join(p.upper().split()) for p in parts)


def line_signature(order: Order) -> Counter[tuple[str, Decimal, str]]:
    """The multiset of (item, quantity, unit) of an order's lines."""
    return Counter((ln.item_id, ln.quantity.normalize(), ln.uom.upper()) for ln in order.lines)


TIER_RANK = {CustomerTier.PLATINUM: 0, CustomerTier.GOLD: 1, CustomerTier.SILVER: 2,
             CustomerTier.BRONZE: 3}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Rank = tuple[int, date, datetime, str]


def allocation_rank(order: Order, customer: Customer | None) -> Rank:
    """The allocation rule: customer tier, then requested ship date, then order time."""
    tier = TIER_RANK.get(customer.tier, 4) if customer is not None else 4
    return (tier, order.requested_ship_date, order.received_at or EPOCH, order.order_id)


@dataclass
class DetectionContext:
    """Reference data and live stock and credit state, indexed for detectors."""

    settings: DetectionSettings
    postal: PostalDirectory
    units: UnitTable
    customers: dict[str, Customer] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)
    ship_tos: dict[tuple[str, str], ShipTo] = field(default_factory=dict)
    contracts: dict[tuple[str, str], list[PriceContract]] = field(default_factory=dict)
    positions: dict[tuple[str, str], InventoryPosition] = field(default_factory=dict)
    inbound: dict[tuple[str, str], list[InboundPO]] = field(default_factory=dict)
    ar_open: dict[str, Decimal] = field(default_factory=dict)
    open_order_value: dict[str, Decimal] = field(default_factory=dict)
    recent: dict[str, list[RecentOrder]] = field(default_factory=lambda: defaultdict(list))
    recent_index: RecentIndex = field(default_factory=RecentIndex)
    line_moves: dict[tuple[str, int, str, str], Decimal] = field(default_factory=dict)
    """Base units reserved since the last hand-over per (order, line, item, warehouse)."""
    position_moves: dict[tuple[str, str], tuple[Decimal, Decimal]] = field(default_factory=dict)
    """(on hand, allocated) added to each stock position since the last hand-over: stored as
    deltas, so work judged elsewhere at the same time is never overwritten."""
    warehouses: dict[str, Warehouse] = field(default_factory=dict)
    receivables: dict[str, list[Receivable]] = field(default_factory=dict)
    paid: dict[str, Decimal] = field(default_factory=dict)
    tax_rules: dict[tuple[str, str], TaxRule] = field(default_factory=dict)
    exemptions: dict[str, list[TaxExemption]] = field(default_factory=dict)
    licences: dict[str, list[CustomerLicence]] = field(default_factory=dict)
    services: dict[str, CarrierService] = field(default_factory=dict)
    cross_refs: dict[tuple[str, str], str] = field(default_factory=dict)
    history: dict[tuple[str, str], list[Decimal]] = field(default_factory=dict)
    po_position: dict[str, tuple[str, str]] = field(default_factory=dict)
    holders: dict[tuple[str, str], dict[tuple[str, int], tuple[Rank, Decimal]]] = field(
        default_factory=dict)
    """Per stock position: which open order lines hold allocations, their rank and quantity.
    Read it through `holders_at`, which loads it first when its loading was deferred."""
    holders_loader: Callable[[], None] | None = None
    """Fills `holders` from the store at the first `holders_at` (None: filled, or kept in
    memory): most units of work judge no short line and never need them."""
    held_meanwhile: list[tuple[tuple[str, str], tuple[Order, int], Decimal]] = field(
        default_factory=list, repr=False)
    """Allocations made before the deferred load, applied over it in order when it happens."""

    # -- loading -----------------------------------------------------------------------
    def add_contracts(self, contracts: Iterable[PriceContract]) -> None:
        """Index price contracts by customer and item."""
        for c in contracts:
            self.contracts.setdefault((c.customer_id, c.item_id), []).append(c)

    def add_inbound(self, pos: Iterable[InboundPO]) -> None:
        """Index open inbound POs by item and warehouse."""
        for po in pos:
            if not po.received:
                self.inbound.setdefault((po.item_id, po.warehouse_id), []).append(po)
                self.po_position[po.po_id] = (po.item_id, po.warehouse_id)

    def redate_inbound(self, po_id: str, due: date) -> tuple[str, str] | None:
        """Move an open inbound PO to a new due date; its position, or None if unknown."""
        key = self.po_position.get(po_id)
        if key is None:
            return None
        self.inbound[key] = [replace(po, due_date=due) if po.po_id == po_id else po
                             for po in self.inbound.get(key, ())]
        return key

    # -- reading -----------------------------------------------------------------------
    def atp(self, item_id: str, warehouse_id: str, by: date) -> Atp:
        """ATP of the item at the warehouse counting inbound POs due on or before `by`."""
        pos = self.positions.get((item_id, warehouse_id))
        inbound = sum((po.quantity for po in self.inbound.get((item_id, warehouse_id), ())
                       if po.due_date <= by), ZERO)
        if pos is None:
            return Atp(ZERO, ZERO, ZERO, inbound)
        return Atp(pos.on_hand, pos.allocated, pos.safety_stock, inbound)

    def exposure_before(self, customer_id: str) -> tuple[Decimal, Decimal]:
        """Open receivables and open (not credit-held) order value of a customer."""
        return (self.ar_open.get(customer_id, ZERO),
                self.open_order_value.get(customer_id, ZERO))

    # -- changing ----------------------------------------------------------------------
    def allocate(self, item_id: str, warehouse_id: str, quantity: Decimal,
                 holder: tuple[Order, int] | None = None,
                 for_line: tuple[str, int] | None = None) -> None:
        """Reserve base units of stock for an accepted line (negative releases them).

        `holder` (order, line number) records which open order holds the stock, so that
        allocation conflicts can rank competing orders; `for_line` (order id, line number,
        by default the holder's) records which line the stock is reserved for, position by
        position, so that every unit allocated is accounted to a line.
        """
        key = (item_id, warehouse_id)
        pos = self.positions.get(key)
        if pos is None:
            pos = self.positions[key] = InventoryPosition(item_id, warehouse_id, ZERO)
        pos.allocated += quantity
        moved = self.position_moves.get(key, (ZERO, ZERO))
        self.position_moves[key] = (moved[0], moved[1] + quantity)
        if holder is not None:
            self._hold(key, holder, quantity)
            for_line = for_line or (holder[0].order_id, holder[1])
        if for_line is not None and quantity:
            line_key = (*for_line, item_id, warehouse_id)
            self.line_moves[line_key] = self.line_moves.get(line_key, ZERO) + quantity

    def holders_at(self, key: tuple[str, str]) -> dict[tuple[str, int], tuple[Rank, Decimal]]:
        """The open order lines holding stock at a position, with their rank and quantity."""
        loader, self.holders_loader = self.holders_loader, None
        if loader is not None:
            loader()
            done, self.held_meanwhile = self.held_meanwhile, []
            for position, holder, quantity in done:
                self._apply_hold(position, holder, quantity)
        return self.holders.get(key, {})

    def _hold(self, key: tuple[str, str], holder: tuple[Order, int], quantity: Decimal) -> None:
        if self.holders_loader is not None:  # not loaded yet: applied over the load later
            self.held_meanwhile.append((key, holder, quantity))
            return
        self._apply_hold(key, holder, quantity)

    def _apply_hold(self, key: tuple[str, str], holder: tuple[Order, int],
                    quantity: Decimal) -> None:
        order, line_no = holder
        held = self.holders.setdefault(key, {})
        rank, before = held.get((order.order_id, line_no), (None, ZERO))
        total = before + quantity
        if total <= 0:
            held.pop((order.order_id, line_no), None)
            return
        customer = self.customers.get(order.customer_id)
        held[(order.order_id, line_no)] = (rank or allocation_rank(order, customer), total)

    def receive(self, item_id: str, warehouse_id: str, quantity: Decimal,
                po_id: str | None) -> None:
        """Add received stock to on hand and close the inbound PO it came on."""
        key = (item_id, warehouse_id)
        self.allocate(item_id, warehouse_id, ZERO)
        self.positions[key].on_hand += quantity
        moved = self.position_moves[key]
        self.position_moves[key] = (moved[0] + quantity, moved[1])
        if po_id is not None:
            self.inbound[key] = [po for po in self.inbound.get(key, ()) if po.po_id != po_id]

    def add_open_orders(self, customer_id: str, value: Decimal) -> None:
        """Count order value in (or, negative, out of) the customer's credit exposure."""
        self.open_order_value[customer_id] = self.open_order_value.get(customer_id, ZERO) + value

    def post_payment(self, customer_id: str, amount: Decimal) -> None:
        """Reduce the customer's open receivables by a payment."""
        self.ar_open[customer_id] = self.ar_open.get(customer_id, ZERO) - amount
        self.paid[customer_id] = self.paid.get(customer_id, ZERO) + amount

    def past_due(self, customer_id: str, on: date) -> list[tuple[Receivable, Decimal, int]]:
        """Open invoices past due on a day after payments (applied oldest due first).

        Each entry: the invoice, the amount still open, and its days past due.
        """
        credit = self.paid.get(customer_id, ZERO)
        found = []
        for inv in sorted(self.receivables.get(customer_id, ()),
                          key=lambda r: (r.due_date, r.invoice_id)):
            applied = min(credit, inv.amount_open)
            credit -= applied
            left = inv.amount_open - applied
            days = (on - inv.due_date).days
            if left > 0 and days > 0:
                found.append((inv, left, days))
        return found

    def remember(self, order: Order) -> None:
        """Remember an accepted order for duplicate detection."""
        self.add_recent(order.customer_id, RecentOrder(
            order.order_id, order.order_date, order.received_at, po_key(order.customer_po),
            ship_to_key(order), line_signature(order), value=order.value,
            customer_po=order.customer_po.strip()))

    def add_recent(self, customer_id: str, entry: RecentOrder) -> None:
        """Keep an earlier order, listed per customer and indexed for duplicate checks."""
        if self.recent_index.find(entry.order_id) is None:
            self.recent[customer_id].append(entry)
            self.recent_index.add(customer_id, entry)

    def forget_cancelled(self, customer_id: str, order_id: str) -> None:
        """Mark an order cancelled so it is never a duplicate's original."""
        entry = self.recent_index.find(order_id)
        if entry is not None:
            entry.cancelled = True
