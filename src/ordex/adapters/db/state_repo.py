"""Live state (orders, open cases, allocations, credit exposure) loaded for a batch of work."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, exists, func, select, tuple_

from ordex.adapters.db import tables as t
from ordex.adapters.db.fetch import CHUNK
from ordex.domain.cases import ACTIVE_STATES, Case, CaseState
from ordex.domain.codes import ExceptionCode, Queue, Severity
from ordex.domain.model import Address, Order, OrderLine
from ordex.interpret.context import (
    EPOCH,
    TIER_RANK,
    DetectionContext,
    RecentOrder,
    line_signature,
    po_key,
    ship_to_key,
)
from ordex.interpret.recent import DupProbes
from ordex.orchestrate.workset import WorkSet

OPEN_STATES = tuple(s.value for s in ACTIVE_STATES)
"""Stored states of cases that still need something (open, assigned, in progress, paused…)."""
RUNNING_STATES = tuple(s.value for s in ACTIVE_STATES if s is not CaseState.PAUSED)
"""Active cases whose SLA clock runs (a paused one waits for the customer)."""


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _chunks(keys: Collection[str]) -> Iterable[list[str]]:
    ordered = sorted(keys)
    for i in range(0, len(ordered), CHUNK):
        yield ordered[i:i + CHUNK]


def orders_by_id(conn: Connection, order_ids: Collection[str]) -> dict[str, tuple[Order, str]]:
    """Orders with their lines and status, two queries per chunk of ids."""
    lines: dict[str, list[OrderLine]] = defaultdict(list)
    heads: list[Any] = []
    for chunk in _chunks(order_ids):
        heads.extend(conn.execute(select(t.orders).where(t.orders.c.order_id.in_(chunk)))
                     .mappings())
        for r in conn.execute(select(t.order_lines).where(t.order_lines.c.order_id.in_(chunk))
                              .order_by(t.order_lines.c.order_id, t.order_lines.c.line_no)):
            lines[r.order_id].append(OrderLine(r.line_no, r.item_id, r.quantity, r.uom,
                                               r.unit_price,
                                               tuple((q, v) for q, v in r.identifiers or ())))
    return {h["order_id"]: (_order(h, lines[h["order_id"]]), h["status"]) for h in heads}


def _order(h: Any, lines: list[OrderLine]) -> Order:
    s = h["ship_to"]
    return Order(h["order_id"], h["customer_id"], h["customer_po"], h["channel"],
                 h["order_date"], h["requested_ship_date"],
                 Address(**{k: s.get(k, "") for k in Address.__slots__}), h["ship_via"],
                 h["warehouse_id"], tuple(lines), h["currency"], h["ship_to_code"],
                 utc(h["received_at"]), h["freight_terms"])


def case_from_row(r: Any) -> Case:
    """A case row as a domain case."""
    return Case(r["case_id"], ExceptionCode(r["code"]), Queue(r["queue"]),
                Severity(r["severity"]), r["order_id"], r["customer_id"], tuple(r["lines"]),
                r["reason"], r["evidence"], r["priority"], r["value_at_risk"],
                utc(r["opened_at"]) or datetime.now(UTC),
                utc(r["sla_due_at"]) or datetime.now(UTC),
                CaseState(r["state"]), utc(r["closed_at"]), r["resolution"], r["assignee"],
                version=r["version"], response_due_at=utc(r["response_due_at"]),
                sla_calendar=r["sla_calendar"], responded_at=utc(r["responded_at"]),
                paused_at=utc(r["paused_at"]), paused_seconds=r["paused_seconds"])


def load_orders_into(conn: Connection, work: WorkSet, order_ids: Collection[str]) -> None:
    """Put orders, their allocations and their open cases into the working set."""
    missing = [o for o in order_ids if o not in work.orders]
    for order_id, (order, status) in orders_by_id(conn, missing).items():
        work.orders[order_id] = order
        work.index_order(order)
        if status == "cancelled":
            work.cancelled.add(order_id)
    for chunk in _chunks(missing):
        for r in conn.execute(select(t.order_lines.c.order_id, t.order_lines.c.line_no,
                                     t.order_lines.c.allocated_base_qty)
                              .where(t.order_lines.c.order_id.in_(chunk))):
            if r.allocated_base_qty:
                work.allocated[r.order_id][r.line_no] = r.allocated_base_qty
        for row in conn.execute(select(t.cases).where(
                t.cases.c.order_id.in_(chunk), t.cases.c.state.in_(OPEN_STATES))).mappings():
            work.add_case(case_from_row(row))


def open_case_orders(conn: Connection, code: ExceptionCode, *, customer_id: str | None = None,
                     item_id: str | None = None, warehouse_id: str | None = None) -> list[str]:
    """Orders with an open case of a code, by customer or by stock position (indexed)."""
    query = select(t.cases.c.order_id).where(t.cases.c.code == code.value,
                                             t.cases.c.state.in_(OPEN_STATES))
    if customer_id is not None:
        query = query.where(t.cases.c.customer_id == customer_id)
    if item_id is not None:
        query = query.where(exists().where(and_(
            t.order_lines.c.order_id == t.cases.c.order_id, t.order_lines.c.item_id == item_id),
            t.orders.c.order_id == t.cases.c.order_id, t.orders.c.warehouse_id == warehouse_id))
    return [r[0] for r in conn.execute(query)]


def load_credit_state(conn: Connection, ctx: DetectionContext, customers: Collection[str]) -> None:
    """Payments and open, not credit-held, order value of the customers into the context.

    Open value and credit-held value are summed apart and subtracted: a correlated NOT
    EXISTS over cases made SQLite scan every held order once per order (docs/scaling.md).
    """
    o, c = t.orders, t.cases
    for chunk in _chunks(customers):
        paid_by = select(t.payments.c.customer_id, func.sum(t.payments.c.amount))
        for cid, paid in conn.execute(paid_by
                                      .where(t.payments.c.customer_id.in_(chunk))
                                      .group_by(t.payments.c.customer_id)):
            ctx.post_payment(cid, Decimal(paid))
        for cid, value in conn.execute(
                select(o.c.customer_id, func.sum(o.c.total_value))
                .where(o.c.customer_id.in_(chunk), o.c.status == "open")
                .group_by(o.c.customer_id)):
            ctx.add_open_orders(cid, Decimal(value))
        held = (select(c.c.order_id).distinct()
                .where(c.c.customer_id.in_(chunk),
                       c.c.code == ExceptionCode.CREDIT_LIMIT_EXCEEDED.value,
                       c.c.state.in_(OPEN_STATES)).subquery())
        for cid, value in conn.execute(
                select(o.c.customer_id, func.sum(o.c.total_value))
                .join(held, held.c.order_id == o.c.order_id)
                .where(o.c.status == "open").group_by(o.c.customer_id)):
            ctx.add_open_orders(cid, -Decimal(value))


def load_duplicate_candidates(conn: Connection, ctx: DetectionContext,
                              customers: Collection[str], probes: DupProbes, *,
                              po_since: date, lines_since: datetime) -> None:
    """Only the earlier orders a batch could duplicate: same PO key, or an identical line."""
    ids: set[str] = set()
    o, ln = t.orders, t.order_lines
    for chunk in _chunks(customers):
        for keys in _chunks(probes.po_keys):
            ids.update(r[0] for r in conn.execute(select(o.c.order_id).where(
                o.c.customer_id.in_(chunk), o.c.po_key.in_(keys), o.c.order_date >= po_since)))
        lines = sorted(probes.lines)
        for i in range(0, len(lines), 250):
            ids.update(r[0] for r in conn.execute(
                select(ln.c.order_id).distinct().join(o, o.c.order_id == ln.c.order_id).where(
                    o.c.customer_id.in_(chunk), o.c.received_at >= lines_since,
                    tuple_(ln.c.item_id, ln.c.quantity, ln.c.uom).in_(lines[i:i + 250]))))
    _remember(ctx, ids, conn)


def _remember(ctx: DetectionContext, ids: Collection[str], conn: Connection) -> None:
    """Earlier orders into the context's duplicate index, in arrival order."""
    found = sorted(orders_by_id(conn, ids).values(),
                   key=lambda os: (os[0].received_at or datetime.min.replace(tzinfo=UTC),
                                   os[0].order_id))
    for order, status in found:
        ctx.add_recent(order.customer_id, RecentOrder(
            order.order_id, order.order_date, order.received_at, po_key(order.customer_po),
            ship_to_key(order), line_signature(order), cancelled=status == "cancelled",
            value=order.value, customer_po=order.customer_po.strip()))


def load_holders(conn: Connection, ctx: DetectionContext, items: Collection[str], *,
                 warehouses: Collection[str] | None = None) -> None:
    """Open order lines holding stock of these items (at these warehouses; None: at all),
    ranked by the allocation rule."""
    o, ln, c = t.orders, t.order_lines, t.customers
    query = (select(ln.c.order_id, ln.c.line_no, ln.c.item_id, ln.c.allocated_base_qty,
                    o.c.warehouse_id, o.c.requested_ship_date, o.c.received_at, c.c.tier)
             .join(o, o.c.order_id == ln.c.order_id)
             .outerjoin(c, c.c.customer_id == o.c.customer_id)
             .where(ln.c.allocated_base_qty > 0, o.c.status == "open"))
    if warehouses is not None:
        if not warehouses:
            return
        query = query.where(o.c.warehouse_id.in_(sorted(warehouses)))
    tiers = {tier.value: rank for tier, rank in TIER_RANK.items()}
    holders = ctx.holders
    for chunk in _chunks(items):
        for r in conn.execute(query.where(ln.c.item_id.in_(chunk))):
            received = r.received_at
            if received is None:
                received = EPOCH
            elif received.tzinfo is None:
                received = received.replace(tzinfo=UTC)  # SQLite hands back naive UTC
            rank = (tiers.get(r.tier, 4), r.requested_ship_date, received, r.order_id)
            holders.setdefault((r.item_id, r.warehouse_id), {})[(r.order_id, r.line_no)] = (
                rank, Decimal(r.allocated_base_qty))


def load_recent_orders(conn: Connection, ctx: DetectionContext, customers: Collection[str],
                       since: date) -> None:
    """Earlier orders of the customers since a date, for duplicate detection."""
    ids: list[str] = []
    for chunk in _chunks(customers):
        ids.extend(r[0] for r in conn.execute(select(t.orders.c.order_id).where(
            t.orders.c.customer_id.in_(chunk), t.orders.c.order_date >= since)))
    _remember(ctx, ids, conn)
