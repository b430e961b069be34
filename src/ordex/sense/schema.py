"""The canonical order format (JSON), validated with pydantic and turned into domain orders.

`docs/schemas/order.schema.json` is generated from these models (`ordex schema`).
"""

from __future__ import annotations

from datetime import UTC, date
from decimal import Decimal
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from ordex.domain.model import Address, Order, OrderLine

Text = Annotated[str, Field(max_length=200)]
Code = Annotated[str, Field(min_length=1, max_length=100)]


class ShipToIn(BaseModel):
    """Where the order goes; missing parts are a business exception, not a schema error."""

    model_config = ConfigDict(extra="allow")
    code: Code | None = Field(None, description="Customer's ship-to location code, if any")
    name: Text = ""
    line1: Text = ""
    line2: Text = ""
    city: Text = ""
    state: Text = ""
    postal_code: Text = ""
    country: Text = Field("US", description="ISO 3166-1 alpha-2 country code")


class IdentifierIn(BaseModel):
    """One product identifier as the customer sent it (X12 PO106/PO107 and the pairs after)."""

    qualifier: Annotated[str, Field(min_length=1, max_length=3)] = Field(
        description="Qualifier, e.g. UP, EN, SK, IN, VN, MG")
    value: Annotated[str, Field(min_length=1, max_length=100)]


class LineIn(BaseModel):
    """One order line in the customer's unit of measure."""

    model_config = ConfigDict(extra="allow")
    line_no: int = Field(ge=1, description="Line number, unique within the order")
    identifiers: list[IdentifierIn] | None = Field(
        None, max_length=20, description="Product identifiers as sent, in order (optional)")
    item_id: Annotated[str, Field(max_length=100)] = Field(
        "", validate_default=True,
        description="Our item number; empty only on a line whose identifiers map to no item "
                    "(an unknown product, MASTER_DATA_CONFLICT)")
    quantity: Decimal = Field(gt=0, max_digits=18, decimal_places=6)
    uom: Annotated[str, Field(min_length=1, max_length=10)] = Field(
        description="Unit of measure code (EA, CS, PL, …)")
    unit_price: Decimal = Field(ge=0, max_digits=18, decimal_places=6,
                                description="Price per `uom`, in the order currency")

    @field_validator("item_id")
    @classmethod
    def item_or_identifiers(cls, item_id: str, info: ValidationInfo) -> str:
        """A line names our item, or at least carries the identifiers the customer sent."""
        if not item_id.strip() and not info.data.get("identifiers"):
            raise ValueError("item_id is required (or identifiers naming the product)")
        return item_id.strip()

    def pairs(self) -> tuple[tuple[str, str], ...]:
        """The identifiers as (qualifier, value) pairs."""
        return tuple((i.qualifier, i.value) for i in self.identifiers or ())


class OrderIn(BaseModel):
    """A customer's purchase order in ordex's canonical form."""

    model_config = ConfigDict(extra="allow", title="Order")
    order_id: Code = Field(description="Unique id of the order; the default idempotency key")
    customer_id: Code
    customer_po: Annotated[str, Field(max_length=100)] = Field(
        description="The customer's purchase-order number")
    channel: Annotated[str, Field(max_length=20)] = Field(
        "api", description="api, csv, edi, email, ndjson, …")
    order_date: date
    requested_ship_date: date
    received_at: AwareDatetime | None = Field(
        None, description="When the customer's order arrived, ISO 8601 with a UTC offset "
                          "(e.g. 2026-11-23T14:05:00-05:00); judges same-day carrier cutoffs")
    ship_to: ShipToIn
    ship_via: Annotated[str, Field(max_length=50)] | None = None
    freight_terms: Annotated[str, Field(max_length=30)] | None = Field(
        None, description="Freight terms, e.g. PREPAID, COLLECT, THIRD_PARTY")
    warehouse_id: Code
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"
    lines: list[LineIn] = Field(min_length=1, max_length=10_000)

    @field_validator("lines")
    @classmethod
    def line_numbers_are_unique(cls, lines: list[LineIn]) -> list[LineIn]:
        """Two lines may not share a line number."""
        seen: set[int] = set()
        for line in lines:
            if line.line_no in seen:
                raise ValueError(f"line_no {line.line_no} appears more than once")
            seen.add(line.line_no)
        return lines

    def to_domain(self) -> Order:
        """The domain order this payload describes."""
        s = self.ship_to
        return Order(
            order_id=self.order_id, customer_id=self.customer_id, customer_po=self.customer_po,
            channel=self.channel, order_date=self.order_date,
            requested_ship_date=self.requested_ship_date,
            ship_to=Address(s.name, s.line1, s.line2, s.city, s.state, s.postal_code, s.country),
            ship_via=self.ship_via or None, warehouse_id=self.warehouse_id,
            lines=tuple(OrderLine(ln.line_no, ln.item_id, ln.quantity, ln.uom.upper(),
                                  ln.unit_price, ln.pairs()) for ln in self.lines),
            currency=self.currency, ship_to_code=s.code,
            received_at=self.received_at.astimezone(UTC) if self.received_at else None,
            freight_terms=self.freight_terms or None)


def order_json_schema() -> dict[str, object]:
    """The JSON Schema of one canonical order."""
    schema = OrderIn.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://ordex.dev/schemas/order.schema.json"
    return schema
