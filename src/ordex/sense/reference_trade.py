"""The trade reference files: tax rules and exemptions, licences, carrier services, customers'
part numbers and order history (the core master data is in reference.py)."""

from __future__ import annotations

from decimal import Decimal

from ordex.domain.model import (
    CarrierService,
    CustomerLicence,
    ItemCrossReference,
    OrderHistoryEntry,
    TaxExemption,
    TaxRule,
)
from ordex.sense.reference_schema import (
    CLOCK,
    DAY,
    FLAG,
    Column,
    FileSchema,
    code,
    codes,
    in_order,
    number,
    text,
)

ID = text(100)
CUSTOMER, ITEM = "customers.csv", "items.csv"

TRADE_FILES: tuple[FileSchema, ...] = (
    FileSchema("tax_rules.csv", (
        Column("state", code(50), True),
        Column("rate", number(minimum=Decimal(0), maximum=Decimal(1)), True,
               doc="a fraction: 0.0625 = 6.25 %"),
        Column("country", code(2), default="US"),
    ), TaxRule, "tax_rules", key=("country", "state"),
        doc="sales-tax rate per state; a ship-to state without a row is a `TAX_FAILURE` "
            "(only checked when the file has rows)"),
    FileSchema("tax_exemptions.csv", (
        Column("customer_id", ID, True),
        Column("certificate_id", ID, True),
        Column("valid_from", DAY, True, doc="inclusive"),
        Column("valid_to", DAY, True, doc="inclusive"),
        Column("state", code(50), doc="empty = every state"),
    ), TaxExemption, "tax_exemptions", key=("certificate_id",),
        refs=(("customer_id", CUSTOMER),), checks=(in_order("valid_from", "valid_to"),),
        doc="tax-exemption certificates"),
    FileSchema("customer_licences.csv", (
        Column("customer_id", ID, True),
        Column("licence_type", code(50), True),
        Column("licence_id", ID, True),
        Column("valid_from", DAY, True, doc="inclusive"),
        Column("valid_to", DAY, True, doc="inclusive; judged at the requested ship date"),
    ), CustomerLicence, "licences", key=("licence_id",), refs=(("customer_id", CUSTOMER),),
        checks=(in_order("valid_from", "valid_to"),), doc="licences customers hold"),
    FileSchema("carrier_services.csv", (
        Column("carrier_id", code(), True),
        Column("service", code(50), True, doc="ship-via is `CARRIER-SERVICE`"),
        Column("max_weight", number(above=Decimal(0)), doc="pounds per order; empty = no limit"),
        Column("hazmat_allowed", FLAG),
        Column("states", codes(), doc="destination states served; empty = all"),
        Column("cutoff", CLOCK, doc="UTC, latest order time for same-day shipment; "
                                    "empty = none"),
    ), CarrierService, "carrier_services", key=("carrier_id", "service"),
        doc="carrier services and their limits"),
    FileSchema("item_cross_references.csv", (
        Column("customer_id", ID, True),
        Column("buyer_part", ID, True, doc="the customer's part number"),
        Column("item_id", ID, True),
        Column("qualifier", code(3), doc="the EDI qualifier the part is sent under (SK, CB, "
                                         "UP…); empty = a buyer part (BP or IN)"),
    ), ItemCrossReference, "cross_references", key=("customer_id", "buyer_part", "qualifier"),
        refs=(("customer_id", CUSTOMER), ("item_id", ITEM)),
        doc="customers' part numbers for our items"),
    FileSchema("order_history.csv", (
        Column("customer_id", ID, True),
        Column("item_id", ID, True),
        Column("order_date", DAY, True),
        Column("base_qty", number(above=Decimal(0)), True, doc="base units"),
    ), OrderHistoryEntry, "order_history", refs=(("customer_id", CUSTOMER), ("item_id", ITEM)),
        doc="earlier order lines, for `QUANTITY_ANOMALY`"),
)
