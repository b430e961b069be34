"""Ground truth: the simulator's own reading of every rule, to score the detectors against.

Each code's rule lives in its simulation (simulate/codes/) and is written from the documented
rule (docs/detectors.md), not from the detector; this module indexes the world's reference
data for those rules and applies them to an order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import date
from decimal import Decimal

from ordex.domain.model import CarrierService, Customer, Item, Receivable
from ordex.domain.reference import ReferenceData
from ordex.simulate.code_simulation import CodeSimulation, Facts
from ordex.simulate.truth import SimOrder


class WorldIndex:
    """The world's reference data, indexed the way the ground-truth rules read it."""

    def __init__(self, ref: ReferenceData) -> None:
        self.customers: dict[str, Customer] = {c.customer_id: c for c in ref.customers}
        self.items: dict[str, Item] = {i.item_id: i for i in ref.items}
        self.lead = {w.warehouse_id: w.lead_time_days for w in ref.warehouses}
        self.taxed = {t.state for t in ref.tax_rules}
        self.certs: dict[str, list[tuple[date, date]]] = defaultdict(list)
        for e in ref.tax_exemptions:
            self.certs[e.customer_id].append((e.valid_from, e.valid_to))
        self.licences: dict[tuple[str, str], list[tuple[date, date]]] = defaultdict(list)
        for lic in ref.licences:
            self.licences[(lic.customer_id, lic.licence_type)].append(
                (lic.valid_from, lic.valid_to))
        self.services: dict[str, CarrierService] = {
            f"{s.carrier_id}-{s.service}": s for s in ref.carrier_services}
        self.invoices: dict[str, list[Receivable]] = defaultdict(list)
        self.ar0: dict[str, Decimal] = defaultdict(Decimal)
        for r in ref.receivables:
            self.invoices[r.customer_id].append(r)
            self.ar0[r.customer_id] += r.amount_open
        self.history: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
        for h in ref.order_history:
            self.history[(h.customer_id, h.item_id)].append(h.base_qty)


def label(order: SimOrder, facts: Facts, sims: Iterable[CodeSimulation],
          enabled: Collection[str]) -> set[str]:
    """The enabled codes the order deserves: the plain rules first, then those that follow."""
    ruled = [s for s in sims if s.truth is not None and s.code.value in enabled]
    for sim in [s for s in ruled if not s.follows] + [s for s in ruled if s.follows]:
        assert sim.truth is not None
        if sim.truth(order, facts):
            facts.labels.add(sim.code.value)
    return facts.labels
