"""Decisions the decider made, and what a what-if replay of a period reads back."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from ordex.adapters.db import tables as t


def save_decisions(conn: Connection, recs: Sequence[Any]) -> None:
    """Write recommendations (ordex.decide.engine.Recommendation) as decision rows."""
    rows = [{"case_id": r.case_id, "order_id": r.order_id, "code": r.code,
             "policy_version": r.policy_version, "score": r.impact.score,
             "action": r.chosen.action.value, "auto_applied": r.auto_apply,
             "queue": r.queue.value, "decided_at": r.decided_at,
             "decide_ms": Decimal(str(round(r.decide_ms, 3))), "detail": r.as_dict()}
            for r in recs]
    for i in range(0, len(rows), 5000):
        conn.execute(t.decisions.insert(), rows[i:i + 5000])


def period_inputs(conn: Connection, *, start: datetime, end: datetime
                  ) -> tuple[list[tuple[str, str]], list[tuple[str, datetime, dict[str, Any]]]]:
    """Order ids (with raw ids) received in [start, end), and logged receipts and payments."""
    orders = [(r.order_id, r.raw_id or "") for r in conn.execute(
        select(t.orders.c.order_id, t.orders.c.raw_id, t.orders.c.received_at)
        .where(t.orders.c.received_at >= start, t.orders.c.received_at < end)
        .order_by(t.orders.c.received_at, t.orders.c.order_id))]
    events = [(r.kind, r.at, r.payload) for r in conn.execute(
        select(t.events.c.kind, t.events.c.at, t.events.c.payload)
        .where(t.events.c.kind.in_(("StockReceived", "PaymentPosted")),
               t.events.c.at >= start, t.events.c.at < end)
        .order_by(t.events.c.at, t.events.c.event_id))]
    return orders, events


def received_since(conn: Connection, *, start: datetime) -> dict[tuple[str, str], Decimal]:
    """Stock received per position from a moment on (to rewind on-hand to that moment)."""
    found: dict[tuple[str, str], Decimal] = {}
    for r in conn.execute(select(t.events.c.payload).where(
            t.events.c.kind == "StockReceived", t.events.c.at >= start)):
        p = r.payload
        key = (str(p["item_id"]), str(p["warehouse_id"]))
        found[key] = found.get(key, Decimal(0)) + Decimal(str(p["quantity"]))
    return found
