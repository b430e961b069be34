"""What an X12 read produces: envelopes, 850 purchase orders and per-transaction results."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from ordex.sense.x12.errors import X12Error
from ordex.sense.x12.isa import Separators


@dataclass(frozen=True)
class Envelope:
    """Where a transaction set sits: its interchange (ISA), group (GS) and header (ST)."""

    sender_qualifier: str | None = None
    sender_id: str | None = None
    receiver_qualifier: str | None = None
    receiver_id: str | None = None
    interchange_control: str | None = None
    interchange_version: str | None = None
    usage: str | None = None
    """ISA15 as received: P production, T test, I information (echoed in the 997 and 855)."""
    functional_id: str | None = None
    app_sender: str | None = None
    app_receiver: str | None = None
    group_control: str | None = None
    group_version: str | None = None
    transaction_set: str | None = None
    transaction_control: str | None = None
    group_index: int | None = None
    """Which GS of the file this is (1, 2, ...): two groups with the same GS06 stay apart."""
    separators: Separators | None = None
    """The delimiters the ISA declared; the 997 and 855 answer with the same ones."""
    interchange_index: int | None = None
    """Which ISA of the file this is (1, 2, ...); None for a bare ST..SE."""

    @property
    def is_test(self) -> bool:
        """True when ISA15 marks the interchange as test data (T)."""
        return (self.usage or "").strip() == "T"

    @property
    def version(self) -> str | None:
        """Return the functional version (GS08), else the interchange version (ISA12)."""
        return self.group_version or self.interchange_version


@dataclass(frozen=True)
class Reference:
    """A REF segment: qualifier, value and optional description."""

    qualifier: str
    value: str
    description: str | None = None


@dataclass(frozen=True)
class Contact:
    """A PER segment: function code, name and (qualifier, number) communication pairs."""

    function: str
    name: str | None
    channels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Charge:
    """A SAC segment; `amount` is SAC05 with its two implied decimals applied."""

    indicator: str
    code: str | None
    amount: Decimal | None
    percent: Decimal | None = None
    description: str | None = None


@dataclass(frozen=True)
class Party:
    """An N1 loop (N1/N2/N3/N4/REF/PER) for one entity such as ST ship-to or BT bill-to."""

    entity: str
    name: str | None = None
    id_qualifier: str | None = None
    id_code: str | None = None
    extra_names: tuple[str, ...] = ()
    address_lines: tuple[str, ...] = ()
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str = "US"
    references: tuple[Reference, ...] = ()
    contacts: tuple[Contact, ...] = ()
    country_sent: str | None = None
    """N404 exactly as sent (None when absent); `country` defaults to US for old callers."""


@dataclass(frozen=True)
class Carrier:
    """A TD5 segment: routing, carrier code (SCAC when TD502 is 2), mode and service."""

    id_qualifier: str | None = None
    id_code: str | None = None
    transport_method: str | None = None
    routing: str | None = None
    service_level: str | None = None

    @property
    def ship_via(self) -> str | None:
        """Return the carrier code, else the routing text, else the service level."""
        return self.id_code or self.routing or self.service_level


@dataclass(frozen=True)
class Line:
    """A PO1 loop; quantity and price keep the exact text of the file next to the Decimal."""

    line_number: str
    ordinal: int
    quantity: Decimal
    quantity_text: str
    unit: str
    unit_price: Decimal | None = None
    unit_price_text: str | None = None
    price_basis: str | None = None
    product_ids: dict[str, str] = field(default_factory=dict)
    description: str | None = None
    charges: tuple[Charge, ...] = ()
    dates: dict[str, dt.date] = field(default_factory=dict)
    references: tuple[Reference, ...] = ()
    parties: tuple[Party, ...] = ()
    prices: dict[str, Decimal] = field(default_factory=dict)
    identifiers: tuple[tuple[str, str], ...] = ()
    """Every PO106/PO107 .. PO124/PO125 pair as sent, in order (repeats kept)."""

    @property
    def buyer_part(self) -> str | None:
        """Return the buyer's part number (BP, else IN)."""
        return self.product_ids.get("BP") or self.product_ids.get("IN")

    @property
    def vendor_part(self) -> str | None:
        """Return the vendor's part number (VP, else VN)."""
        return self.product_ids.get("VP") or self.product_ids.get("VN")


@dataclass(frozen=True)
class PurchaseOrder850:
    """One X12 850 purchase order with its envelope."""

    envelope: Envelope
    purpose: str
    order_type: str
    po_number: str
    order_date: dt.date
    release: str | None = None
    currency: str | None = None
    references: tuple[Reference, ...] = ()
    contacts: tuple[Contact, ...] = ()
    dates: dict[str, dt.date] = field(default_factory=dict)
    carriers: tuple[Carrier, ...] = ()
    parties: tuple[Party, ...] = ()
    charges: tuple[Charge, ...] = ()
    lines: tuple[Line, ...] = ()
    line_count: int | None = None
    hash_total: Decimal | None = None

    @property
    def requested_ship_date(self) -> dt.date | None:
        """Return DTM 010 requested ship, else 037 ship not before, else 002 delivery."""
        for qualifier in ("010", "037", "002"):
            if qualifier in self.dates:
                return self.dates[qualifier]
        return None

    @property
    def requested_delivery_date(self) -> dt.date | None:
        """Return DTM 002 delivery requested."""
        return self.dates.get("002")

    @property
    def ship_via(self) -> str | None:
        """Return the first TD5 carrier instruction that names something."""
        return next((c.ship_via for c in self.carriers if c.ship_via), None)

    def party(self, entity: str) -> Party | None:
        """Return the first header N1 loop for the entity code (ST, BT, BY, VN...)."""
        return next((p for p in self.parties if p.entity == entity), None)


class ResultStatus(StrEnum):
    """How one transaction set (or envelope) of a file came out."""

    OK = "ok"
    """An 850 that parsed and validated."""
    ERROR = "error"
    """A transaction, group or interchange that could not be read or failed validation."""
    UNSUPPORTED = "unsupported"
    """A well-formed transaction set that is not an 850 (855, 856, 810, 997...)."""
    NOTE = "note"
    """Something read past and reported, never a rejection: filler bytes after the last IEA,
    ISA elements not padded to their fixed width. The note is in `warnings`."""


class Scope(StrEnum):
    """What part of the file a result speaks for."""

    TRANSACTION = "transaction"
    """One ST..SE transaction set."""
    GROUP = "group"
    """A GS..GE functional group trailer or structure."""
    INTERCHANGE = "interchange"
    """An ISA..IEA interchange header, trailer or structure; or the whole file."""


@dataclass(frozen=True)
class Rejection:
    """Why a result is rejected by its envelope: the group's or interchange's trailer errors.

    `own_status` and `own_errors` are what the set (or group) came to on its own; the 997 keeps
    them in AK2..AK5 while AK9 rejects the group.
    """

    scope: Scope
    errors: tuple[X12Error, ...]
    own_status: ResultStatus
    own_errors: tuple[X12Error, ...] = ()


@dataclass(frozen=True)
class TransactionResult:
    """The outcome for one transaction set, or one envelope-level error."""

    status: ResultStatus
    envelope: Envelope
    scope: Scope = Scope.TRANSACTION
    order: PurchaseOrder850 | None = None
    errors: tuple[X12Error, ...] = ()
    warnings: tuple[X12Error, ...] = ()
    file: str | None = None
    rejection: Rejection | None = None
    """Set when the enclosing group or interchange is rejected (status is then `error`)."""

    @property
    def error(self) -> X12Error | None:
        """Return the first (most fundamental) error, if any."""
        return self.errors[0] if self.errors else None
