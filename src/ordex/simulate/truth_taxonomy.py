"""The simulator's own reading of the newer rules (docs/detectors.md), for ground truth.

Written from the documented rules, not from the detectors: margin over cost, past-due
ageing after payments applied oldest first, carrier instructions, tax jurisdictions and
certificates, licences at the ship date, shipment constraints and the quantity rule.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from ordex.domain.model import CarrierService, Customer, Item, Receivable
from ordex.domain.reference import ReferenceData
from ordex.simulate.truth import Book, SimOrder


@dataclass(frozen=True)
class Thresholds:
    """The configured thresholds the rules use."""

    margin_floor_pct: Decimal = Decimal("5")
    past_due_days: int = 30
    min_history: int = 5
    mad_threshold: Decimal = Decimal("10")
    min_ratio: Decimal = Decimal("4")
    late_slack_days: int = 1


class TaxonomyRules:
    """Labels an order with the newer codes, from the world's reference data."""

    def __init__(self, ref: ReferenceData, limits: Thresholds) -> None:
        self.limits = limits
        self.customers: dict[str, Customer] = {c.customer_id: c for c in ref.customers}
        self.items: dict[str, Item] = {i.item_id: i for i in ref.items}
        self.lead = {w.warehouse_id: w.lead_time_days for w in ref.warehouses}
        self.taxed = {t.state for t in ref.tax_rules}
        self.certs = defaultdict(list)
        for e in ref.tax_exemptions:
            self.certs[e.customer_id].append((e.valid_from, e.valid_to))
        self.licences = defaultdict(list)
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

    def labels(self, order: SimOrder, book: Book) -> set[str]:
        """Every newer code the order deserves."""
        checks = {"ALLOCATION_CONFLICT": self.allocation, "MARGIN_BELOW_FLOOR": self.margin,
                  "PAST_DUE_HOLD": self.past_due,
                  "MISSING_CARRIER_INSTRUCTIONS": self.carrier, "TAX_FAILURE": self.tax,
                  "COMPLIANCE_HOLD": self.compliance, "SHIPMENT_CONSTRAINT": self.shipment,
                  "QUANTITY_ANOMALY": self.quantity}
        return {code for code, check in checks.items() if check(order, book)}

    def allocation(self, order: SimOrder, book: Book) -> bool:
        """Short, coverable by stock other open orders hold, yet behind them in the ranking."""
        tiers = {"platinum": 0, "gold": 1, "silver": 2, "bronze": 3}

        def rank(o: SimOrder) -> tuple[int, object, object, str]:
            return (tiers[self.customers[o.customer_id].tier.value], o.ship_date, o.at,
                    o.order_id)

        mine = rank(order)
        need: dict[str, Decimal] = defaultdict(Decimal)
        for ln in sorted(order.lines, key=lambda x: x.line_no):
            need[ln.item_id] += ln.quantity * book.units(ln.item_id, ln.uom)
            key = (ln.item_id, order.warehouse_id)
            holders = book.holders.get(key, {})
            free = book.atp(ln.item_id, order.warehouse_id, order.ship_date)
            if need[ln.item_id] <= free or not holders:
                continue
            held = sum((q for _o, q in holders.values()), Decimal(0))
            ahead = sum((q for o, q in holders.values() if rank(o) < mine), Decimal(0))
            if free + held - ahead < need[ln.item_id] <= free + held:
                return True
        return False

    def late(self, order: SimOrder, labels: set[str]) -> bool:
        """Held by anything while asking to ship with less slack than policy allows."""
        earliest = order.order_date + timedelta(days=self.lead[order.warehouse_id])
        return bool(labels) and (order.ship_date - earliest).days < self.limits.late_slack_days

    def margin(self, order: SimOrder, book: Book) -> bool:
        """Some line earns less than the floor over cost: price×100 < cost×(100+floor)."""
        pct = self.limits.margin_floor_pct
        return any(ln.unit_price * 100 < self.items[ln.item_id].unit_cost
                   * book.units(ln.item_id, ln.uom) * (100 + pct)
                   for ln in order.lines if self.items[ln.item_id].unit_cost > 0)

    def past_due(self, order: SimOrder, book: Book) -> bool:
        """After payments (oldest invoice first), something is more than N days past due."""
        cid = order.customer_id
        payments = self.ar0[cid] - book.ar[cid]
        for inv in sorted(self.invoices[cid], key=lambda r: (r.due_date, r.invoice_id)):
            covered = min(payments, inv.amount_open)
            payments -= covered
            if inv.amount_open > covered and (
                    order.order_date - inv.due_date).days > self.limits.past_due_days:
                return True
        return False

    def carrier(self, order: SimOrder, _book: Book) -> bool:
        """No ship-via and no default, or one not on file; or freight terms missing."""
        c = self.customers[order.customer_id]
        via = order.ship_via or c.default_ship_via
        return not via or (bool(self.services) and via not in self.services) or (
            c.freight_terms_required and not order.freight_terms)

    def tax(self, order: SimOrder, _book: Book) -> bool:
        """No rule for the state, or an exempt customer without a certificate on the ship date
        (the tax point: tax is fixed when the goods ship and are invoiced)."""
        if order.ship_country == "US" and order.ship_state not in self.taxed:
            return True
        if not self.customers[order.customer_id].tax_exempt:
            return False
        return not any(a <= order.ship_date <= b for a, b in self.certs[order.customer_id])

    def compliance(self, order: SimOrder, _book: Book) -> bool:
        """A regulated item without a licence of its type valid on the ship date."""
        for ln in order.lines:
            kind = self.items[ln.item_id].licence_type
            if kind and not any(a <= order.ship_date <= b
                                for a, b in self.licences[(order.customer_id, kind)]):
                return True
        return False

    def shipment(self, order: SimOrder, book: Book) -> bool:
        """Lead time, cutoff, weight, hazmat or destination rules out the shipment."""
        if order.ship_date < order.order_date + timedelta(days=self.lead[order.warehouse_id]):
            return True
        via = order.ship_via or self.customers[order.customer_id].default_ship_via
        service = self.services.get(via or "")
        if service is None:
            return False
        if service.cutoff and order.ship_date <= order.at.date() and \
                order.at.time() > service.cutoff:
            return True
        weight = sum((ln.quantity * book.units(ln.item_id, ln.uom)
                      * self.items[ln.item_id].weight for ln in order.lines), Decimal(0))
        if service.max_weight is not None and weight > service.max_weight:
            return True
        if not service.hazmat_allowed and any(self.items[ln.item_id].hazmat_class
                                              for ln in order.lines):
            return True
        return bool(service.states) and order.ship_state not in service.states

    def quantity(self, order: SimOrder, book: Book) -> bool:
        """Far from the history median in scaled MADs and by a large ratio."""
        lim = self.limits
        for ln in order.lines:
            past = self.history.get((order.customer_id, ln.item_id), [])
            if len(past) < lim.min_history:
                continue
            mid = statistics.median(past)
            spread = Decimal("1.4826") * statistics.median([abs(x - mid) for x in past])
            x = ln.quantity * book.units(ln.item_id, ln.uom)
            if mid <= 0 or x == mid:
                continue
            big_ratio = x >= lim.min_ratio * mid or x * lim.min_ratio <= mid
            far = spread == 0 or abs(x - mid) > lim.mad_threshold * spread
            if big_ratio and far:
                return True
        return False
