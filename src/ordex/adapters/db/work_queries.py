"""The "My work" page's read model: one query for a page of cases, one for the queue counts.

Set-based: the filters become WHERE clauses (sub-selects on the small customers table, a
join to orders only when a warehouse is asked for), the page is ordered by priority then SLA
due (indexed by `ix_cases_active_priority`, migration 0020), and no row costs a query of its
own. The SLA state (on track, at risk, breached, paused) has one definition in SQL, for the
filter, and one in Python, for the rows shown; a test holds them equal.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, Select, and_, func, not_, or_, select, true

from ordex.adapters.db import tables as t
from ordex.adapters.db.state_repo import utc

AT_RISK = timedelta(hours=2)
"""A target due within this long (and not yet missed) is at risk."""
AGES: dict[str, tuple[timedelta | None, timedelta | None]] = {
    "lt4h": (None, timedelta(hours=4)), "4h-1d": (timedelta(hours=4), timedelta(days=1)),
    "1d-3d": (timedelta(days=1), timedelta(days=3)), "gt3d": (timedelta(days=3), None)}
"""Age filter values: time since the case opened, lower bound inclusive, upper exclusive."""
SLA_STATES = ("on_track", "at_risk", "breached", "paused")
MOMENTS = ("opened_at", "sla_due_at", "response_due_at", "responded_at")
SHOWN = ("case_id", "code", "queue", "state", "order_id", "customer_id", "priority",
         "value_at_risk", "assignee", *MOMENTS)
"""The case columns a row shows (not the evidence or lines: JSON a list need not decode)."""
c, o, cu = t.cases, t.orders, t.customers


@dataclass(frozen=True, slots=True)
class WorkFilter:
    """What the page asks for; None (or empty) leaves a filter out."""

    queues: frozenset[str] | None = None
    """The queues the person may see (None: every queue)."""
    queue: str | None = None
    code: str | None = None
    customer: str | None = None
    warehouse: str | None = None
    region: str | None = None
    tier: str | None = None
    age: str | None = None
    sla: str | None = None
    q: str | None = None


def _iso(value: datetime | None) -> str | None:
    found = utc(value)
    return found.isoformat() if found else None


def _moment(value: datetime | str | None) -> datetime | None:
    return utc(datetime.fromisoformat(value) if isinstance(value, str) else value)


def sla_state(case: Mapping[str, Any], now: datetime) -> str:
    """on_track, at_risk, breached or paused: the Python twin of `_sla_condition`."""
    if case["state"] == "paused":
        return "paused"
    due = [_moment(case["sla_due_at"])]
    if case.get("responded_at") is None and case.get("response_due_at") is not None:
        due.append(_moment(case["response_due_at"]))
    soonest = min(d for d in due if d is not None)
    if soonest <= now:
        return "breached"
    return "at_risk" if soonest <= now + AT_RISK else "on_track"


def _due_before(moment: datetime) -> ColumnElement[bool]:
    """A target (resolution, or a response not yet given) due at or before `moment`."""
    return or_(c.c.sla_due_at <= moment,
               and_(c.c.responded_at.is_(None), c.c.response_due_at.is_not(None),
                    c.c.response_due_at <= moment))


def _sla_condition(state: str, now: datetime) -> ColumnElement[bool]:
    running = c.c.state != "paused"
    if state == "paused":
        return c.c.state == "paused"
    if state == "breached":
        return and_(running, _due_before(now))
    if state == "at_risk":
        return and_(running, not_(_due_before(now)), _due_before(now + AT_RISK))
    return and_(running, not_(_due_before(now + AT_RISK)))


def _age_condition(age: str, now: datetime) -> ColumnElement[bool]:
    low, high = AGES[age]
    found: list[ColumnElement[bool]] = []
    if low is not None:
        found.append(c.c.opened_at <= now - low)
    if high is not None:
        found.append(c.c.opened_at > now - high)
    return and_(true(), *found)


def _search(text: str) -> ColumnElement[bool]:
    """Order id, customer PO, customer id, or part of the customer's name."""
    by_po = select(o.c.order_id).where(o.c.customer_po == text)
    by_customer = select(cu.c.customer_id).where(or_(
        cu.c.customer_id == text, func.lower(cu.c.name).contains(text.lower(), autoescape=True)))
    return or_(c.c.order_id == text, c.c.order_id.in_(by_po), c.c.customer_id.in_(by_customer))


def _conditions(f: WorkFilter, now: datetime, *, with_queue: bool, joined: bool
                ) -> list[ColumnElement[bool]]:
    # the partial indexes' own condition, as text: a planner uses a partial index only when
    # it can see the query implies it, which bound parameters hide (SQLite)
    found: list[ColumnElement[bool]] = [t.ACTIVE_CASES]  # type: ignore[list-item]
    if f.queues is not None:
        found.append(c.c.queue.in_(sorted(f.queues)))
    if with_queue and f.queue:
        found.append(c.c.queue == f.queue)
    found += [col == value for col, value in ((c.c.code, f.code), (c.c.customer_id, f.customer))
              if value]
    if f.warehouse and joined:
        found.append(o.c.warehouse_id == f.warehouse)
    elif f.warehouse:  # a semi-join on ix_orders_warehouse (migration 0023), not a join
        found.append(c.c.order_id.in_(select(o.c.order_id).where(
            o.c.warehouse_id == f.warehouse)))
    for col, value in ((cu.c.region, f.region), (cu.c.tier, f.tier)):
        if value:
            found.append(c.c.customer_id.in_(select(cu.c.customer_id).where(col == value)))
    if f.age:
        found.append(_age_condition(f.age, now))
    if f.sla:
        found.append(_sla_condition(f.sla, now))
    if f.q:
        found.append(_search(f.q))
    return found


def page_query(f: WorkFilter, *, now: datetime, limit: int, offset: int = 0) -> Select[Any]:
    """The page's one query: the cases with their order's PO and warehouse, the customer's
    name, region and tier."""
    joined = c.outerjoin(o, o.c.order_id == c.c.order_id).outerjoin(
        cu, cu.c.customer_id == c.c.customer_id)
    query = select(*(c.c[name] for name in SHOWN), o.c.customer_po, o.c.warehouse_id,
                   cu.c.name.label("customer_name"), cu.c.region, cu.c.tier).select_from(joined)
    return query.where(*_conditions(f, now, with_queue=True, joined=True)).order_by(
        c.c.priority.desc(), c.c.sla_due_at, c.c.case_id).limit(limit).offset(offset)


class WorkQueries:
    """The cases a person works, as the page shows them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def page(self, f: WorkFilter, *, now: datetime, limit: int, offset: int = 0
             ) -> list[dict[str, Any]]:
        """Up to `limit` cases after `offset`, by priority (highest first) then SLA due."""
        query = page_query(f, now=now, limit=limit, offset=offset)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [{**dict(r), "value_at_risk": str(r["value_at_risk"]),
                 **{k: _iso(r[k]) for k in MOMENTS}, "sla_state": sla_state(r, now)}
                for r in rows]

    def counts(self, f: WorkFilter, *, now: datetime) -> dict[str, int]:
        """Open cases per queue under every filter but the queue (the queue tabs' counts)."""
        query = select(c.c.queue, func.count()).where(
            *_conditions(f, now, with_queue=False, joined=False)).group_by(c.c.queue)
        with self.engine.connect() as conn:
            found = {str(q): int(n) for q, n in conn.execute(query).all()}
        return dict(sorted(found.items()))

    def mark(self) -> int:
        """The newest audit entry's number: it moves with every new case and state change."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.max(t.audit_log.c.entry_id))).scalar() or 0)

    def choices(self) -> dict[str, list[str]]:
        """The filters' options from the reference data: warehouses, regions, tiers."""
        with self.engine.connect() as conn:
            warehouses = conn.execute(select(t.warehouses.c.warehouse_id)
                                      .order_by(t.warehouses.c.warehouse_id)).scalars().all()
            regions = conn.execute(select(cu.c.region).distinct().where(cu.c.region != "")
                                   .order_by(cu.c.region)).scalars().all()
            tiers = conn.execute(select(cu.c.tier).distinct().order_by(cu.c.tier)).scalars()
            return {"warehouse": list(warehouses), "region": list(regions),
                    "tier": list(tiers.all())}

    def facts(self, case_ids: Collection[str]) -> dict[str, dict[str, Any]]:
        """Queue, value at risk and state of the named cases (one query)."""
        query = select(c.c.case_id, c.c.queue, c.c.value_at_risk, c.c.state).where(
            c.c.case_id.in_(sorted(set(case_ids))))
        with self.engine.connect() as conn:
            return {r["case_id"]: dict(r) for r in conn.execute(query).mappings()}
