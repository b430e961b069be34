"""Decide's tables: sourcing reference data (substitutes, lanes, terms), policies, decisions."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import nullcontext
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, select

from ordex.adapters.db import tables as t
from ordex.domain.model import FreightLane, ServiceTerms, Substitute
from ordex.domain.reference import ReferenceData

DECIDE_REFERENCE_TABLES = [t.item_substitutes, t.freight_lanes, t.service_terms]
CHUNK = 900


def save_decide_reference(conn: Connection, ref: ReferenceData) -> None:
    """Insert substitutes, lanes and service terms (the caller has wiped the tables)."""
    for table, objs in ((t.item_substitutes, ref.substitutes), (t.freight_lanes,
                                                                ref.freight_lanes),
                        (t.service_terms, ref.service_terms)):
        rows = [{n: getattr(o, n) for n in o.__slots__} for o in objs]
        for i in range(0, len(rows), 5000):
            conn.execute(table.insert(), rows[i:i + 5000])


def load_decide_reference(conn: Connection, ref: ReferenceData, *,
                          customers: Collection[str] | None,
                          items: Collection[str] | None) -> None:
    """Substitutes of the given items, every lane, the given customers' terms."""
    ref.substitutes = []
    for chunk in _chunks(items):
        query = select(t.item_substitutes)
        if chunk is not None:
            query = query.where(t.item_substitutes.c.item_id.in_(chunk))
        ref.substitutes += [Substitute(r["item_id"], r["substitute_id"], r["rank"])
                            for r in conn.execute(query).mappings()]
    ref.freight_lanes = [FreightLane(r["warehouse_id"], r["region"], r["cost_per_shipment"],
                                     r["cost_per_unit"], r["transit_days"])
                         for r in conn.execute(select(t.freight_lanes)).mappings()]
    ref.service_terms = []
    for chunk in _chunks(customers):
        query = select(t.service_terms)
        if chunk is not None:
            query = query.where(t.service_terms.c.customer_id.in_(chunk))
        ref.service_terms += [ServiceTerms(r["customer_id"], bool(r["allows_substitutes"]),
                                           bool(r["strategic"]),
                                           Decimal(r["late_penalty_pct_per_day"]))
                              for r in conn.execute(query).mappings()]


def _chunks(keys: Collection[str] | None) -> list[list[str] | None]:
    if keys is None:
        return [None]
    ordered = sorted(keys)
    return [ordered[i:i + CHUNK] for i in range(0, len(ordered), CHUNK)]


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


def record_activation(engine: Engine, *, version: str, effective_from: datetime, sha256: str,
                      body: str, at: datetime, by: str, reason: str) -> None:
    """Store an activated policy (append-only: a version is activated once)."""
    with engine.begin() as conn:
        conn.execute(t.policies.insert(), [{
            "version": version, "effective_from": effective_from, "sha256": sha256,
            "body": body, "activated_at": at, "activated_by": by, "reason": reason}])
        conn.execute(t.events.insert(), [{"kind": "PolicyActivated", "at": at, "payload": {
            "version": version, "sha256": sha256, "by": by, "reason": reason,
            "effective_from": effective_from.isoformat()}}])


def active_policy(db: Engine | Connection, *, at: datetime) -> tuple[str, str] | None:
    """(version, body) of the policy in force at a moment: latest effective, then activated."""
    query = (select(t.policies.c.version, t.policies.c.body, t.policies.c.effective_from)
             .order_by(t.policies.c.effective_from.desc(), t.policies.c.activated_at.desc()))
    with db.connect() if isinstance(db, Engine) else nullcontext(db) as conn:
        for row in conn.execute(query).mappings():
            effective = row["effective_from"]
            if effective.tzinfo is None:
                from datetime import UTC
                effective = effective.replace(tzinfo=UTC)
            if effective <= at:
                return row["version"], row["body"]
    return None


def policy_versions(engine: Engine) -> list[dict[str, Any]]:
    """Every activated policy, newest first."""
    query = select(t.policies.c.version, t.policies.c.effective_from, t.policies.c.sha256,
                   t.policies.c.activated_at, t.policies.c.activated_by,
                   t.policies.c.reason).order_by(t.policies.c.activated_at.desc())
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


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
