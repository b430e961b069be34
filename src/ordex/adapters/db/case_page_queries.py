"""What the case page shows around one case: its order and the order's other cases, the
customer's credit and payments, stock and inbound POs, contract prices, the decision.

A fixed set of queries per page, each keyed by the case's order, customer or items (indexed),
never one query per line or row; rows come back as plain dicts of strings and numbers.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, case, func, select

from ordex.adapters.db import tables as t
from ordex.adapters.db.state_repo import OPEN_STATES, utc

ZERO = Decimal(0)
RECEIVABLES_SHOWN = 10
"""The oldest open invoices listed (the totals count them all)."""


def _iso(value: datetime | None) -> str | None:
    value = utc(value)
    return value.isoformat() if value else None


def case_context(conn: Connection, case_row: dict[str, Any], *, today: date) -> dict[str, Any]:
    """Everything around a case that a person needs to decide it, as of `today`."""
    order = _order(conn, case_row.get("order_id"))
    lines = order["lines"] if order else []
    concerned = set(case_row.get("lines") or ()) or {ln["line_no"] for ln in lines}
    items = sorted({ln["item_id"] for ln in lines if ln["line_no"] in concerned})
    customer_id = case_row.get("customer_id") or (order or {}).get("customer_id")
    return {
        "order": order,
        "concerned": sorted(concerned),
        "siblings": _siblings(conn, case_row.get("order_id")),
        "customer": _customer(conn, customer_id, today=today) if customer_id else None,
        "items": _items(conn, items),
        "stock": _stock(conn, items),
        "inbound": _inbound(conn, items),
        "contracts": _contracts(conn, customer_id, items) if customer_id else [],
        "conversions": _conversions(conn, items),
        "decision": _decision(conn, str(case_row["case_id"])),
    }


def _order(conn: Connection, order_id: str | None) -> dict[str, Any] | None:
    if not order_id:
        return None
    head = conn.execute(select(t.orders).where(t.orders.c.order_id == order_id)).mappings().first()
    if head is None:
        return None
    lines = conn.execute(select(t.order_lines).where(t.order_lines.c.order_id == order_id)
                         .order_by(t.order_lines.c.line_no)).mappings()
    return {**{k: head[k] for k in ("order_id", "customer_id", "customer_po", "channel",
                                    "order_date", "requested_ship_date", "ship_to", "ship_via",
                                    "warehouse_id", "currency", "total_value", "status")},
            "received_at": _iso(head["received_at"]),
            "lines": [{k: ln[k] for k in ("line_no", "item_id", "quantity", "uom", "unit_price",
                                          "allocated_base_qty")} for ln in lines]}


def _siblings(conn: Connection, order_id: str | None) -> list[dict[str, Any]]:
    """Every case of the order (this one included), most urgent first."""
    if not order_id:
        return []
    c = t.cases.c
    rows = conn.execute(select(c.case_id, c.code, c.queue, c.state, c.lines, c.assignee,
                               c.priority, c.sla_due_at, c.resolution)
                        .where(c.order_id == order_id)
                        .order_by(c.priority.desc(), c.case_id)).mappings()
    return [{**dict(r), "lines": list(r["lines"] or ()), "sla_due_at": _iso(r["sla_due_at"]),
             "active": r["state"] in OPEN_STATES} for r in rows]


def _customer(conn: Connection, customer_id: str, *, today: date) -> dict[str, Any] | None:
    """The customer's tier and limit, open receivables (past due apart), payments and open
    orders: one row of grouped subqueries, and the oldest open invoices."""
    r, p, o = t.receivables.c, t.payments.c, t.orders.c
    late = r.due_date < today

    def of(table: Any, *columns: Any) -> Any:
        return select(*columns).where(table.c.customer_id == customer_id).scalar_subquery()
    row = conn.execute(select(
        t.customers,
        of(t.receivables, func.count()).label("invoices"),
        of(t.receivables, func.coalesce(func.sum(r.amount_open), 0)).label("receivables"),
        of(t.receivables, func.coalesce(func.sum(case((late, r.amount_open), else_=0)), 0))
        .label("past_due"),
        of(t.receivables, func.count(case((late, 1)))).label("past_due_invoices"),
        of(t.receivables, func.min(r.due_date)).label("oldest_due"),
        of(t.payments, func.count()).label("payments"),
        of(t.payments, func.coalesce(func.sum(p.amount), 0)).label("paid"),
        of(t.payments, func.max(p.posted_at)).label("last_paid_at"),
        select(func.count()).where(o.customer_id == customer_id, o.status == "open")
        .scalar_subquery().label("open_orders"),
        select(func.coalesce(func.sum(o.total_value), 0))
        .where(o.customer_id == customer_id, o.status == "open")
        .scalar_subquery().label("open_order_value"),
    ).where(t.customers.c.customer_id == customer_id)).mappings().first()
    if row is None:
        return None
    oldest = conn.execute(select(r.invoice_id, r.amount_open, r.due_date)
                          .where(r.customer_id == customer_id)
                          .order_by(r.due_date, r.invoice_id).limit(RECEIVABLES_SHOWN)).mappings()
    money = ("receivables", "past_due", "paid", "open_order_value")
    last_paid = row["last_paid_at"]
    return {**dict(row), **{k: Decimal(str(row[k])) for k in money},
            "oldest_due": _day(row["oldest_due"]),
            "last_paid_at": last_paid if isinstance(last_paid, str) else _iso(last_paid),
            "oldest": [{**dict(x), "days_late": max((today - x["due_date"]).days, 0)}
                       for x in oldest]}


def _day(value: Any) -> date | None:
    """A day from a subquery (SQLite hands an aggregate of a date back as text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _items(conn: Connection, items: Collection[str]) -> dict[str, dict[str, Any]]:
    if not items:
        return {}
    i = t.items.c
    return {r["item_id"]: dict(r) for r in conn.execute(
        select(i.item_id, i.description, i.base_uom, i.list_price, i.unit_cost, i.status)
        .where(i.item_id.in_(sorted(items)))).mappings()}


def _stock(conn: Connection, items: Collection[str]) -> list[dict[str, Any]]:
    """Stock of the items at every warehouse that holds a position, with what is free."""
    if not items:
        return []
    v, w = t.inventory.c, t.warehouses.c
    rows = conn.execute(select(v.item_id, v.warehouse_id, v.on_hand, v.allocated,
                               v.safety_stock, w.name, w.lead_time_days)
                        .outerjoin(t.warehouses, w.warehouse_id == v.warehouse_id)
                        .select_from(t.inventory)
                        .where(v.item_id.in_(sorted(items)))
                        .order_by(v.item_id, v.warehouse_id)).mappings()
    return [{**dict(r), "available": r["on_hand"] - r["allocated"] - r["safety_stock"]}
            for r in rows]


def _inbound(conn: Connection, items: Collection[str]) -> list[dict[str, Any]]:
    """Inbound POs not yet received for the items, soonest first."""
    if not items:
        return []
    b = t.inbound_pos.c
    return [dict(r) for r in conn.execute(
        select(b.po_id, b.item_id, b.warehouse_id, b.quantity, b.due_date)
        .where(b.item_id.in_(sorted(items)), b.received.is_(False))
        .order_by(b.due_date, b.po_id)).mappings()]


def _contracts(conn: Connection, customer_id: str,
               items: Collection[str]) -> list[dict[str, Any]]:
    if not items:
        return []
    k = t.price_contracts.c
    return [dict(r) for r in conn.execute(
        select(t.price_contracts).where(k.customer_id == customer_id,
                                        k.item_id.in_(sorted(items)))
        .order_by(k.item_id, k.min_qty, k.valid_from)).mappings()]


def _conversions(conn: Connection, items: Collection[str]) -> dict[tuple[str, str], Decimal]:
    if not items:
        return {}
    u = t.uom_conversions.c
    return {(r.item_id, r.uom): Decimal(r.base_qty) for r in conn.execute(
        select(u.item_id, u.uom, u.base_qty).where(u.item_id.in_(sorted(items))))}


def _decision(conn: Connection, case_id: str) -> dict[str, Any] | None:
    """The latest decision on the case: its ranked candidates with cost, margin and date."""
    d = t.decisions.c
    row = conn.execute(select(d.detail).where(d.case_id == case_id)
                       .order_by(d.decision_id.desc()).limit(1)).first()
    return dict(row[0]) if row is not None and isinstance(row[0], dict) else None
