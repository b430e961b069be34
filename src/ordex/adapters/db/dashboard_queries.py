"""The dashboards' aggregates: one grouped query per figure, never a loop over case rows.

Percentiles are nearest-rank: PostgreSQL's `percentile_disc`, and on SQLite, which has no
percentile aggregate, window functions (ROW_NUMBER and COUNT over each code) that pick the
same row.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, and_, case, func, select

from ordex.adapters.db import tables as t
from ordex.adapters.db.dialect import hours_between, local_day_index
from ordex.adapters.db.state_repo import OPEN_STATES
from ordex.learn.dashboards import TOP, DashboardFacts, Period

CLOSED_BY_WORK = ("resolved", "auto_resolved")
NO_REGION = "(none)"


class DashboardQueries:
    """Read-only aggregates of a period for the dashboards (the DashboardSource port)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def dashboard_facts(self, *, period: Period, now: datetime) -> DashboardFacts:
        """Aggregates of cases opened and orders received in `period`, the backlog now."""
        with self.engine.connect() as conn:
            cases_day, orders_day_code = _cases_by_day(conn, period)
            return DashboardFacts(
                orders_by_day=_orders_by_day(conn, period),
                cases_by_day_code=cases_day, orders_by_day_code=orders_day_code,
                touchless_by_day=_touchless_by_day(conn, period),
                open_by=_open_backlog(conn),
                cycle_by_code=_cycle_by_code(conn, period),
                recurrence_by_customer=_recurrence(conn, period, partner=False),
                recurrence_by_partner=_recurrence(conn, period, partner=True),
            )


def _day(conn: Connection, moment: Any, period: Period) -> Any:
    return local_day_index(conn, moment, zone=period.zone, first=period.first,
                           starts=period.starts).label("day")


def _opened_in(period: Period) -> Any:
    c = t.cases.c
    return and_(c.opened_at >= period.begins, c.opened_at < period.ends)


def _orders_by_day(conn: Connection, period: Period) -> dict[int, int]:
    o = t.orders.c
    day = _day(conn, o.received_at, period)
    rows = conn.execute(select(day, func.count()).where(
        o.received_at >= period.begins, o.received_at < period.ends).group_by(day)).all()
    return {int(d): int(n) for d, n in rows}


def _cases_by_day(conn: Connection, period: Period) -> tuple[dict[tuple[int, str], int], ...]:
    c = t.cases.c
    day = _day(conn, c.opened_at, period)
    rows = conn.execute(select(day, c.code, func.count(), func.count(func.distinct(c.order_id)))
                        .where(_opened_in(period)).group_by(day, c.code)).all()
    return ({(int(d), code): int(n) for d, code, n, _o in rows},
            {(int(d), code): int(o) for d, code, _n, o in rows})


def _touchless_by_day(conn: Connection, period: Period) -> dict[int, tuple[int, int]]:
    c = t.cases.c
    day = _day(conn, c.opened_at, period)
    rows = conn.execute(select(day, func.sum(case((c.state == "auto_resolved", 1), else_=0)),
                               func.count())
                        .where(_opened_in(period), c.state != "cancelled").group_by(day)).all()
    return {int(d): (int(a), int(n)) for d, a, n in rows}


def _open_backlog(conn: Connection) -> dict[str, dict[str, tuple[int, Decimal]]]:
    c, cu = t.cases, t.customers
    region = func.coalesce(func.nullif(cu.c.region, ""), NO_REGION)
    found: dict[str, dict[str, tuple[int, Decimal]]] = {}
    for name, key in (("queue", c.c.queue), ("code", c.c.code), ("region", region)):
        query = select(key.label("key"), func.count(),
                       func.coalesce(func.sum(c.c.value_at_risk), 0)
                       ).where(c.c.state.in_(OPEN_STATES)).group_by(key)
        if name == "region":
            query = query.select_from(c.outerjoin(cu, cu.c.customer_id == c.c.customer_id))
        found[name] = {str(k): (int(n), Decimal(str(v))) for k, n, v in conn.execute(query)}
    return found


def _cycle_by_code(conn: Connection, period: Period
                   ) -> dict[str, tuple[int, float | None, float | None]]:
    c = t.cases.c
    hours = hours_between(conn, c.opened_at, c.closed_at)
    closed = (c.state.in_(CLOSED_BY_WORK), c.closed_at >= period.begins,
              c.closed_at < period.ends)
    if conn.dialect.name == "postgresql":  # percentile_disc is the nearest rank
        query = select(c.code, func.count(),
                       func.percentile_disc(0.5).within_group(hours),
                       func.percentile_disc(0.9).within_group(hours)
                       ).where(*closed).group_by(c.code)
    else:
        ranked = select(
            c.code, hours.label("h"),
            func.row_number().over(partition_by=c.code, order_by=hours).label("rn"),
            func.count().over(partition_by=c.code).label("n"),
        ).where(*closed).subquery()
        r = ranked.c

        def rank(p: float) -> Any:  # nearest rank: the smallest value with p at or below
            return func.min(case((and_(r.rn >= p * r.n, r.rn < p * r.n + 1), r.h)))

        query = select(r.code, func.max(r.n), rank(0.5), rank(0.9)).group_by(r.code)
    return {code: (int(n), None if a is None else float(a), None if b is None else float(b))
            for code, n, a, b in conn.execute(query).all()}


def _recurrence(conn: Connection, period: Period, *, partner: bool
                ) -> list[tuple[str, int, int]]:
    c, tp = t.cases, t.trading_partners
    if partner:
        key, distinct = tp.c.partner_id, c.c.customer_id.concat("|").concat(c.c.code)
        source = c.join(tp, tp.c.customer_id == c.c.customer_id)
    else:
        key, distinct, source = c.c.customer_id, c.c.code, c
    n, kinds = func.count(), func.count(func.distinct(distinct))
    rows = conn.execute(
        select(key, n, kinds).select_from(source)
        .where(_opened_in(period), c.c.customer_id.is_not(None))
        .group_by(key).having(func.count() > 1)
        .order_by((n - kinds).desc(), n.desc(), key).limit(TOP)).all()
    return [(str(k), int(a), int(b)) for k, a, b in rows]
