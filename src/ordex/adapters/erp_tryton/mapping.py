"""Tryton records as ordex sees them: a sale as a canonical order, parties and products as
reference data (docs/erp-tryton.md, "Mapping"). Pure functions over what the RPC returned."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ordex.domain.model import (
    Customer,
    CustomerTier,
    InboundPO,
    InventoryPosition,
    Item,
    ItemStatus,
    Receivable,
    Warehouse,
)
from ordex.domain.reference import ReferenceData

Row = Mapping[str, Any]

SALE_FIELDS = ["number", "reference", "state", "sale_date", "shipping_date", "create_date",
               "write_date", "party.code", "warehouse.code", "currency.code",
               "shipment_address.party_name", "shipment_address.street",
               "shipment_address.city", "shipment_address.postal_code",
               "shipment_address.subdivision.code", "shipment_address.country.code",
               "party.name"]
"""What the poller reads of each sale (dotted names read the related record's field)."""
LINE_FIELDS = ["sale", "type", "sequence", "product.code", "quantity", "unit.symbol",
               "unit_price"]
UNITS = {"u": "EA", "kg": "KG", "g": "G", "m": "M", "l": "L", "dz": "DZ"}
"""Tryton's unit symbols as ordex's unit codes (others: the symbol in capitals)."""
PURCHASE_LINE_FIELDS = ["purchase.number", "purchase.warehouse.code", "purchase.shipment_state",
                        "product.code", "quantity", "delivery_date"]
"""What the reference read takes of each line of a confirmed or processing purchase."""
PO_PREFIX = "TRYTON-PO-"
NO_LIMIT = Decimal("999999999999")
"""A party without a credit limit in Tryton: ordex needs a number, and this one is never hit."""


def related(row: Row, dotted: str) -> Any:
    """A dotted field of a search_read row (`party.code` comes back as {"party.": {...}})."""
    head, _, rest = dotted.partition(".")
    if not rest:
        return row.get(head)
    sub = row.get(f"{head}.")
    return related(sub, rest) if isinstance(sub, Mapping) else None


def unit_code(symbol: str | None) -> str:
    """Tryton's unit symbol as an ordex unit code."""
    text = (symbol or "").strip()
    return UNITS.get(text, text.upper() or "EA")


def order_id_of(number: str, *, prefix: str) -> str:
    """The ordex order id of a Tryton sale number."""
    return f"{prefix}{number}"


def number_of(order_id: str, *, prefix: str) -> str:
    """The Tryton sale number of an ordex order id."""
    return order_id[len(prefix):] if order_id.startswith(prefix) else order_id


def sale_lines_in_order(lines: Sequence[Row]) -> list[Row]:
    """A sale's product lines as ordex numbers them: by sequence then id, from 1."""
    kept = [ln for ln in lines if ln.get("type", "line") == "line"]
    return sorted(kept, key=lambda ln: (ln.get("sequence") is None, ln.get("sequence") or 0,
                                        ln["id"]))


def _utc(moment: datetime | None) -> str | None:
    """Tryton stores naive UTC timestamps."""
    return moment.replace(tzinfo=UTC).isoformat() if moment else None


def _ship_to(sale: Row) -> dict[str, str]:
    street = str(related(sale, "shipment_address.street") or "").splitlines()
    state = str(related(sale, "shipment_address.subdivision.code") or "")
    return {"name": str(related(sale, "shipment_address.party_name")
                        or related(sale, "party.name") or "")[:200],
            "line1": street[0][:200] if street else "",
            "line2": " ".join(street[1:])[:200],
            "city": str(related(sale, "shipment_address.city") or "")[:200],
            "state": state.split("-", 1)[-1],  # US-IL: the subdivision part
            "postal_code": str(related(sale, "shipment_address.postal_code") or ""),
            "country": str(related(sale, "shipment_address.country.code") or "")}


def order_of_sale(sale: Row, lines: Sequence[Row], *, prefix: str,
                  ship_via: str | None = None) -> dict[str, Any]:
    """The canonical order (docs/formats.md) a Tryton sale describes.

    Tryton's sale has no carrier without the `carrier` module: `ship_via` is the deployment's.
    """
    day: date = sale.get("sale_date") or sale["create_date"].date()
    ordered = sale_lines_in_order(lines)
    return {
        "order_id": order_id_of(str(sale["number"]), prefix=prefix),
        "customer_id": str(related(sale, "party.code") or ""),
        "customer_po": str(sale.get("reference") or "")[:100],
        "channel": "tryton",
        "order_date": day.isoformat(),
        "requested_ship_date": (sale.get("shipping_date") or day).isoformat(),
        "received_at": _utc(sale.get("create_date")),
        "ship_to": _ship_to(sale),
        "ship_via": ship_via or None,
        "warehouse_id": str(related(sale, "warehouse.code") or ""),
        "currency": str(related(sale, "currency.code") or "USD"),
        "lines": [{"line_no": n, "item_id": str(related(ln, "product.code") or ""),
                   "quantity": str(Decimal(str(ln["quantity"]))),
                   "uom": unit_code(related(ln, "unit.symbol")),
                   "unit_price": str(ln.get("unit_price") or Decimal(0))}
                  for n, ln in enumerate(ordered, start=1)],
        "tryton": {"sale_id": sale["id"], "write_date": _utc(sale.get("write_date"))},
    }


def reference_of(*, parties: Sequence[Row], products: Sequence[Row],
                 warehouses: Sequence[Row], stock: Mapping[int, Sequence[Row]],
                 allocated: Mapping[tuple[str, str], Decimal], today: date,
                 tier: CustomerTier = CustomerTier.SILVER) -> ReferenceData:
    """ordex's reference data from Tryton's parties, products, warehouses and stock.

    `stock` holds each warehouse's product quantities (by warehouse id); `allocated` is what
    ordex has reserved itself (Tryton books nothing before a sale is processed), kept as is.
    A party's open receivable is its accounts' `receivable`, not Tryton's `credit_amount`
    (which adds the confirmed sales ordex counts as open orders itself).
    """
    ref = ReferenceData()
    coded = [p for p in parties if p.get("code")]
    ref.customers = [Customer(str(p["code"]), str(p.get("name") or p["code"])[:200], tier,
                              _money(p.get("credit_limit_amount"), NO_LIMIT))
                     for p in coded]
    ref.receivables = [Receivable(str(p["code"]), f"TRYTON-AR-{p['code']}",
                                  _money(p.get("receivable"), Decimal(0)), today)
                       for p in coded if _money(p.get("receivable"), Decimal(0)) > 0]
    items = [p for p in products if p.get("code")]
    ref.items = [Item(str(p["code"]), str(p.get("name") or p["code"])[:300],
                      unit_code(related(p, "default_uom.symbol")),
                      _money(p.get("list_price_used"), Decimal(0)),
                      _money(p.get("cost_price"), Decimal(0)),
                      ItemStatus.ACTIVE if p.get("active", True) else ItemStatus.DISCONTINUED)
                 for p in items]
    codes = {p["id"]: str(p["code"]) for p in items}
    coded_wh = [w for w in warehouses if w.get("code")]
    ref.warehouses = [Warehouse(str(w["code"]), str(w.get("name") or w["code"])[:200],
                                _state(w), str(related(w, "address.postal_code") or ""))
                      for w in coded_wh]
    for w in coded_wh:
        for row in stock.get(w["id"], ()):
            item = codes.get(row["id"])
            if item is None:
                continue
            key = (item, str(w["code"]))
            ref.inventory.append(InventoryPosition(
                item, key[1], Decimal(str(row.get("quantity") or 0)),
                allocated.get(key, Decimal(0))))
    return ref


def inbound_of(purchase_lines: Sequence[Row]) -> list[InboundPO]:
    """Lines of confirmed purchases as ordex's inbound POs (received once Tryton says so)."""
    out = []
    for ln in purchase_lines:
        item, warehouse = related(ln, "product.code"), related(ln, "purchase.warehouse.code")
        if not item or not warehouse or not ln.get("delivery_date"):
            continue  # a service line, or no date to plan on
        out.append(InboundPO(f"{PO_PREFIX}{related(ln, 'purchase.number')}-{ln['id']}",
                             str(item), str(warehouse), Decimal(str(ln["quantity"])),
                             ln["delivery_date"],
                             related(ln, "purchase.shipment_state") == "received"))
    return out


def _state(warehouse: Row) -> str:
    code = str(related(warehouse, "address.subdivision.code") or "")
    return code.split("-", 1)[-1]


def _money(value: Any, default: Decimal) -> Decimal:
    return default if value is None else Decimal(str(value))
