"""The reference data a distributor keeps: the master data and open positions ordex reads."""

from __future__ import annotations

from dataclasses import dataclass, field

from ordex.domain.model import (
    Carrier,
    CarrierService,
    Customer,
    CustomerLicence,
    FreightLane,
    InboundPO,
    InventoryPosition,
    Item,
    ItemCrossReference,
    OrderHistoryEntry,
    PriceContract,
    Receivable,
    ServiceTerms,
    ShipTo,
    Substitute,
    TaxExemption,
    TaxRule,
    UnitConversion,
    Warehouse,
)


@dataclass
class ReferenceData:
    """Everything loaded from a reference folder, one list per entity."""

    customers: list[Customer] = field(default_factory=list)
    ship_tos: list[ShipTo] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    conversions: list[UnitConversion] = field(default_factory=list)
    warehouses: list[Warehouse] = field(default_factory=list)
    inventory: list[InventoryPosition] = field(default_factory=list)
    inbound_pos: list[InboundPO] = field(default_factory=list)
    contracts: list[PriceContract] = field(default_factory=list)
    receivables: list[Receivable] = field(default_factory=list)
    carriers: list[Carrier] = field(default_factory=list)
    substitutes: list[Substitute] = field(default_factory=list)
    freight_lanes: list[FreightLane] = field(default_factory=list)
    service_terms: list[ServiceTerms] = field(default_factory=list)
    tax_rules: list[TaxRule] = field(default_factory=list)
    tax_exemptions: list[TaxExemption] = field(default_factory=list)
    licences: list[CustomerLicence] = field(default_factory=list)
    carrier_services: list[CarrierService] = field(default_factory=list)
    cross_references: list[ItemCrossReference] = field(default_factory=list)
    order_history: list[OrderHistoryEntry] = field(default_factory=list)
