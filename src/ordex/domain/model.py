"""The distributor's world as plain dataclasses: orders, customers, items, stock, contracts.

Money and quantities are Decimal; dates are `datetime.date`, instants timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
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
    identifiers: tuple[tuple[str, str], ...] = ()
    """Product identifiers as the customer sent them: (qualifier, value), in order."""

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
    freight_terms: str | None = None

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
    default_ship_via: str = ""
    freight_terms_required: bool = False
    tax_exempt: bool = False


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
    weight: Decimal = Decimal(0)
    """Shipping weight of one base unit (pounds)."""
    licence_type: str = ""
    """Licence a customer needs to buy the item (empty = not regulated)."""
    hazmat_class: str = ""
    """UN hazard class (empty = not hazardous)."""
    export_restricted: bool = False
    successor_id: str = ""
    """The item that replaces a discontinued one (empty = none)."""
    gtin: str = ""
    """Global trade item number as GTIN-14 (UPC-A and EAN-13 zero-padded; empty = none)."""
    mfr_part: str = ""
    """The manufacturer's part number (empty = none)."""


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
    lead_time_days: int = 0
    """Days between order and earliest shipment (0 = same day before the carrier cutoff)."""


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


@dataclass(frozen=True, slots=True)
class Substitute:
    """An approved substitute for an item, in order of preference (rank 1 first)."""

    item_id: str
    substitute_id: str
    rank: int = 1


@dataclass(frozen=True, slots=True)
class FreightLane:
    """What it costs and how long it takes to ship from a warehouse to a customer region."""

    warehouse_id: str
    region: str
    cost_per_shipment: Decimal
    cost_per_unit: Decimal
    transit_days: int


@dataclass(frozen=True, slots=True)
class ServiceTerms:
    """A customer's service terms: substitution consent, strategic flag, late penalty."""

    customer_id: str
    allows_substitutes: bool = False
    strategic: bool = False
    late_penalty_pct_per_day: Decimal = Decimal(0)
    """Contractual penalty per day late, as a percentage of the late lines' value."""


# -- trade reference data: tax, licences, carrier services, part numbers, history ---------


@dataclass(frozen=True, slots=True)
class TaxRule:
    """A sales-tax jurisdiction ordex can tax orders shipped to (by state)."""

    state: str
    rate: Decimal
    country: str = "US"


@dataclass(frozen=True, slots=True)
class TaxExemption:
    """A customer's tax-exemption certificate, valid between two dates (both inclusive)."""

    customer_id: str
    certificate_id: str
    valid_from: date
    valid_to: date
    state: str = ""
    """The state it covers (empty = every state)."""

    def is_valid_on(self, day: date) -> bool:
        """True when the certificate is in force on that day."""
        return self.valid_from <= day <= self.valid_to


@dataclass(frozen=True, slots=True)
class CustomerLicence:
    """A licence a customer holds (e.g. to buy controlled medical supplies)."""

    customer_id: str
    licence_type: str
    licence_id: str
    valid_from: date
    valid_to: date

    def is_valid_on(self, day: date) -> bool:
        """True when the licence is in force on that day (both ends inclusive)."""
        return self.valid_from <= day <= self.valid_to


@dataclass(frozen=True, slots=True)
class CarrierService:
    """What one carrier service (ship-via `CARRIER-SERVICE`) can carry, where, and until when."""

    carrier_id: str
    service: str
    max_weight: Decimal | None = None
    """Heaviest order it takes (pounds); None = no limit."""
    hazmat_allowed: bool = False
    states: tuple[str, ...] = ()
    """Destination states served (empty = all)."""
    cutoff: time | None = None
    """Latest order time (UTC) for a same-day shipment; None = no cutoff."""

    @property
    def ship_via(self) -> str:
        """The ship-via code orders carry."""
        return f"{self.carrier_id}-{self.service}"


@dataclass(frozen=True, slots=True)
class ItemCrossReference:
    """A customer's own part number for one of our items."""

    customer_id: str
    buyer_part: str
    item_id: str
    qualifier: str = ""
    """X12 product id qualifier the part is sent under (SK, UP, IN...); empty = BP/IN."""


@dataclass(frozen=True, slots=True)
class OrderHistoryEntry:
    """A past order line of a customer for an item, in base units (for quantity anomalies)."""

    customer_id: str
    item_id: str
    order_date: date
    base_qty: Decimal
