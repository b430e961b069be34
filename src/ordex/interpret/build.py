"""Build a detection context from reference data."""

from __future__ import annotations

from decimal import Decimal

from ordex.domain.reference import ReferenceData
from ordex.domain.uom import UnitTable
from ordex.interpret.context import DetectionContext
from ordex.interpret.ports import PostalDirectory
from ordex.interpret.settings import DetectionSettings


def context_from_reference(ref: ReferenceData, *, settings: DetectionSettings,
                           postal: PostalDirectory) -> DetectionContext:
    """A context holding the reference data, with open receivables summed per customer."""
    ctx = DetectionContext(settings=settings, postal=postal,
                           units=UnitTable(ref.items, ref.conversions))
    ctx.customers = {c.customer_id: c for c in ref.customers}
    ctx.items = {i.item_id: i for i in ref.items}
    ctx.ship_tos = {(s.customer_id, s.ship_to_id): s for s in ref.ship_tos}
    ctx.add_contracts(ref.contracts)
    ctx.positions = {(p.item_id, p.warehouse_id): p for p in ref.inventory}
    ctx.add_inbound(ref.inbound_pos)
    for r in ref.receivables:
        ctx.ar_open[r.customer_id] = ctx.ar_open.get(r.customer_id, Decimal(0)) + r.amount_open
    index_trade(ctx, ref)
    return ctx


def index_trade(ctx: DetectionContext, ref: ReferenceData) -> None:
    """Index the trade reference data (lead times, ageing, tax, licences, carriers, parts,
    history)."""
    ctx.warehouses = {w.warehouse_id: w for w in ref.warehouses}
    for r in ref.receivables:
        ctx.receivables.setdefault(r.customer_id, []).append(r)
    ctx.tax_rules = {(t.country.upper(), t.state.upper()): t for t in ref.tax_rules}
    for e in ref.tax_exemptions:
        ctx.exemptions.setdefault(e.customer_id, []).append(e)
    for lic in ref.licences:
        ctx.licences.setdefault(lic.customer_id, []).append(lic)
    ctx.services = {s.ship_via: s for s in ref.carrier_services}
    ctx.cross_refs = {(x.customer_id, x.buyer_part): x.item_id for x in ref.cross_references}
    for h in sorted(ref.order_history, key=lambda h: h.order_date):
        ctx.history.setdefault((h.customer_id, h.item_id), []).append(h.base_qty)
