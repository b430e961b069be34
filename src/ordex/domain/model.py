"""The distributor's world as plain dataclasses: orders, customers, items, stock, contracts.

Money and quantities are Decimal; dates are `datetime.date`, instants timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address as the customer wrote it."""

    name: str = ""
    line1: str = ""
    line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = "US"


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One line of an order, in the unit of measure the customer used."""

    line_no: int
    item_id: str
    quantity: Decimal
    uom: str
    unit_price: Decimal

    @property
    def value(self) -> Decimal:
        """Extended value of the line (quantity × unit price)."""
        return self.quantity * self.unit_price


class OrderStatus(StrEnum):
    """Where an order stands in ordex."""

    OPEN = "open"
    """Accepted; ships when no blocking case holds it."""
    CANCELLED = "cancelled"
    """Cancelled (for example a duplicate); no longer counts anywhere."""


@dataclass(frozen=True, slots=True)
class Order:
    """A customer's purchase order in canonical form."""

    order_id: str
    customer_id: str
    customer_po: str
    channel: str
    order_date: date
    requested_ship_date: date
    ship_to: Address
    ship_via: str | None
    warehouse_id: str
    lines: tuple[OrderLine, ...]
    currency: str = "USD"
    ship_to_code: str | None = None
    received_at: datetime | None = None

    @property
    def value(self) -> Decimal:
        """Total value of the order."""
        return sum((line.value for line in self.lines), Decimal(0))


class CustomerTier(StrEnum):
    """Commercial importance of a customer; drives priority."""

    PLATINUM = "platinum"
    GOLD = "gold"
    SILVER = "silver"
    BRONZE = "bronze"


@dataclass(frozen=True, slots=True)
class Customer:
    """A customer account with its credit terms."""

    customer_id: str
    name: str
    tier: CustomerTier
    credit_limit: Decimal
    region: str = ""
    payment_terms_days: int = 30


@dataclass(frozen=True, slots=True)
class ShipTo:
    """A ship-to location on file for a customer."""

    customer_id: str
    ship_to_id: str
    address: Address


class ItemStatus(StrEnum):
    """Lifecycle of an item."""

    ACTIVE = "active"
    DISCONTINUED = "discontinued"


@dataclass(frozen=True, slots=True)
class Item:
    """A sellable item with its base unit of measure, list price and cost."""

    item_id: str
    description: str
    base_uom: str
    list_price: Decimal
    unit_cost: Decimal
    status: ItemStatus = ItemStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class UnitConversion:
    """How many base units one unit of measure holds, for an item."""

    item_id: str
    uom: str
    base_qty: Decimal


@dataclass(frozen=True, slots=True)
class Warehouse:
    """A stocking location."""

    warehouse_id: str
    name: str
    state: str
    postal_code: str


@dataclass(slots=True)
class InventoryPosition:
    """Stock of one item at one warehouse, in base units."""

    item_id: str
    warehouse_id: str
    on_hand: Decimal
    allocated: Decimal = Decimal(0)
    safety_stock: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class InboundPO:
    """A purchase order from a supplier, confirmed to arrive at a warehouse on a date."""

    po_id: str
    item_id: str
    warehouse_id: str
    quantity: Decimal
    due_date: date
    received: bool = False


@dataclass(frozen=True, slots=True)
class PriceContract:
    """A customer's agreed price for an item from a quantity break, between two dates."""

    contract_id: str
    customer_id: str
    item_id: str
    uom: str
    min_qty: Decimal
    unit_price: Decimal
    valid_from: date
    valid_to: date
    currency: str = "USD"

    def is_valid_on(self, day: date) -> bool:
        """True when the contract is in force on that day (both ends inclusive)."""
        return self.valid_from <= day <= self.valid_to


@dataclass(frozen=True, slots=True)
class Carrier:
    """A carrier and its service codes (ship-via)."""

    carrier_id: str
    name: str
    services: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Receivable:
    """An open invoice of a customer."""

    customer_id: str
    invoice_id: str
    amount_open: Decimal
    due_date: date


@dataclass(frozen=True, slots=True)
class RawPayload:
    """Bytes exactly as they arrived, with where from, when, and their SHA-256."""

    raw_id: str
    source: str
    channel: str
    received_at: datetime
    sha256: str
    body: bytes
