"""Reading Tryton: confirmed sales since a cursor, judged as orders; reference data.

`poll` reads the sales confirmed or changed since the stored cursor (their `write_date`),
hands them to ordex as one `IngestOrderGroup` (each sale under the idempotency key
`tryton:DATABASE:sale:ID`, so a sale read twice is judged once), processes in Tryton the sales
ordex accepted clean, and moves the cursor. `read_reference` maps Tryton's parties, products,
warehouses and stock to ordex's reference data (docs/erp-tryton.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Protocol

from ordex.adapters.erp_tryton.mapping import (
    LINE_FIELDS,
    PO_PREFIX,
    PURCHASE_LINE_FIELDS,
    SALE_FIELDS,
    inbound_of,
    order_of_sale,
    reference_of,
)
from ordex.adapters.erp_tryton.rpc import TrytonRpc
from ordex.domain.commands import IngestOrderGroup
from ordex.domain.reference import ReferenceData

CLEAN = frozenset({"accepted"})
"""Outcomes after which ordex releases the sale itself (nothing holds it)."""


class Cursors(Protocol):
    """Where the poller keeps how far it has read."""

    def get(self, name: str) -> str | None:
        """The stored value (None: never stored)."""
        ...

    def put(self, name: str, value: str, *, at: datetime) -> None:
        """Store the value."""
        ...


@dataclass
class PollReport:
    """What one poll read and what became of it."""

    read: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    """Orders by outcome (accepted, held, auto_resolved, cancelled, rejected, replayed)."""
    processed: list[str] = field(default_factory=list)
    """Orders ordex accepted clean, whose sales it processed in Tryton."""
    cursor: str | None = None


class TrytonPoller:
    """Reads one Tryton database for ordex."""

    def __init__(self, rpc: TrytonRpc, *, database: str, prefix: str, batch: int = 200,
                 process_clean: bool = True, ship_via: str | None = None) -> None:
        self.rpc, self.database, self.prefix, self.ship_via = rpc, database, prefix, ship_via
        self.batch, self.process_clean = batch, process_clean
        self.cursor_name = f"tryton:{database}:sales"

    def poll(self, *, handle: Callable[[IngestOrderGroup], list[list[Any]]],
             cursors: Cursors, now: datetime) -> PollReport:
        """Read a batch of sales since the cursor, judge them, release the clean ones."""
        since = cursors.get(self.cursor_name)
        sales = self._sales(datetime.fromisoformat(since).replace(tzinfo=None)
                            if since else None)
        report = PollReport(read=len(sales), cursor=since)
        if not sales:
            return report
        lines = self._lines([s["id"] for s in sales])
        items = tuple((json.dumps(order_of_sale(s, lines.get(s["id"], []),
                                                prefix=self.prefix,
                                                ship_via=self.ship_via)).encode(),
                       f"tryton:{self.database}/sale/{s['id']}",
                       f"tryton:{self.database}:sale:{s['id']}") for s in sales)
        answers = handle(IngestOrderGroup(items, channel="tryton"))
        to_process: list[int] = []
        for sale, outcomes in zip(sales, answers, strict=True):
            for outcome in outcomes:
                status = "replayed" if outcome.replayed else str(outcome.result["status"])
                report.outcomes[status] = report.outcomes.get(status, 0) + 1
                if self.process_clean and outcome.result["status"] in CLEAN:
                    to_process.append(sale["id"])
                    report.processed.append(str(outcome.result.get("order_id")))
        if to_process:
            self.rpc.model("sale.sale", "process", to_process)
        last = max(_changed(s) for s in sales)
        report.cursor = last.replace(tzinfo=UTC).isoformat()
        cursors.put(self.cursor_name, report.cursor, at=now)
        return report

    def _sales(self, since: datetime | None) -> list[dict[str, Any]]:
        domain: list[Any] = [("state", "=", "confirmed")]
        if since is not None:  # >=: a sale written in the cursor's microsecond is read again
            domain.append(["OR", ("write_date", ">=", since), ("create_date", ">=", since)])
        rows: list[dict[str, Any]] = self.rpc.model(
            "sale.sale", "search_read", domain, 0, self.batch,
            [("write_date", "ASC NULLS FIRST"), ("id", "ASC")], ["id", *SALE_FIELDS])
        return rows

    def _lines(self, sale_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        rows = self.rpc.model("sale.line", "search_read", [("sale", "in", sale_ids)], 0, None,
                              None, LINE_FIELDS)
        out: dict[int, list[dict[str, Any]]] = {}
        for row in rows:
            out.setdefault(int(row["sale"]), []).append(row)
        return out


def _changed(sale: Mapping[str, Any]) -> datetime:
    moment: datetime = sale.get("write_date") or sale["create_date"]
    return moment


def read_reference(rpc: TrytonRpc, *, current: ReferenceData, today: date) -> ReferenceData:
    """`current` with Tryton's customers, items, warehouses, stock and receivables in it.

    What Tryton does not hold (carriers, contracts, tax rules, a customer's tier and default
    carrier) is kept from `current`; so is what ordex has allocated of each stock position.
    """
    parties = rpc.model("party.party", "search_read", [("code", "!=", None)], 0, None, None,
                        ["code", "name", "credit_limit_amount", "receivable"])
    products = rpc.model("product.product", "search_read", [("code", "!=", None)], 0, None,
                         None, ["code", "name", "default_uom.symbol", "list_price_used",
                                "cost_price", "active"])
    warehouses = rpc.model("stock.location", "search_read", [("type", "=", "warehouse")], 0,
                           None, None, ["code", "name", "address.postal_code",
                                        "address.subdivision.code"])
    ids = [p["id"] for p in products]
    stock = {w["id"]: rpc.model("product.product", "search_read", [("id", "in", ids)], 0,
                                None, None, ["quantity"],
                                context={"locations": [w["id"]], "stock_date_end": today})
             for w in warehouses}
    allocated = {(i.item_id, i.warehouse_id): i.allocated for i in current.inventory}
    tryton = reference_of(parties=parties, products=products, warehouses=warehouses,
                          stock=stock, allocated=allocated, today=today)
    tryton.inbound_pos = inbound_of(rpc.model(
        "purchase.line", "search_read",
        [("purchase.state", "in", ["confirmed", "processing"]), ("type", "=", "line")], 0,
        None, None, PURCHASE_LINE_FIELDS))
    return merged(current, tryton)


def merged(current: ReferenceData, tryton: ReferenceData) -> ReferenceData:
    """Tryton's customers, items, warehouses, stock, purchases and receivables over `current`."""
    known = {c.customer_id: c for c in current.customers}
    customers = [c if c.customer_id not in known else
                 replace(known[c.customer_id], name=c.name, credit_limit=c.credit_limit)
                 for c in tryton.customers]
    ours = {c.customer_id for c in customers}
    out = ReferenceData(**{name: list(getattr(current, name))
                           for name in current.__dataclass_fields__})
    out.customers = customers + [c for c in current.customers if c.customer_id not in ours]
    items = {i.item_id for i in tryton.items}
    out.items = tryton.items + [i for i in current.items if i.item_id not in items]
    warehouses = {w.warehouse_id for w in tryton.warehouses}
    lead = {w.warehouse_id: w.lead_time_days for w in current.warehouses}
    out.warehouses = [replace(w, lead_time_days=lead.get(w.warehouse_id, 0))
                      for w in tryton.warehouses]
    out.warehouses += [w for w in current.warehouses if w.warehouse_id not in warehouses]
    positions = {(i.item_id, i.warehouse_id) for i in tryton.inventory}
    safety = {(i.item_id, i.warehouse_id): i.safety_stock for i in current.inventory}
    for pos in tryton.inventory:
        pos.safety_stock = safety.get((pos.item_id, pos.warehouse_id), Decimal(0))
    out.inventory = tryton.inventory + [i for i in current.inventory
                                        if (i.item_id, i.warehouse_id) not in positions]
    out.inbound_pos = tryton.inbound_pos + [p for p in current.inbound_pos
                                            if not p.po_id.startswith(PO_PREFIX)]
    owned = {c.customer_id for c in tryton.customers}
    out.receivables = tryton.receivables + [
        r for r in current.receivables
        if r.customer_id not in owned and not r.invoice_id.startswith("TRYTON-AR-")]
    return out

