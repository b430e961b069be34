"""The whole-database KPI tallies in as few passes over `cases` as give the same numbers
(docs/benchmarks.md, "Pages"): distinct orders counted as groups off an index, and the
backlog, SLA and value-at-risk figures as conditional sums of one scan."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, case, func, select

from ordex.adapters.db import tables as t
from ordex.adapters.db.state_repo import OPEN_STATES, RUNNING_STATES
from ordex.learn.kpis import AGE_BUCKETS


def orders_with_cases(conn: Connection) -> tuple[int, dict[str, int]]:
    """(orders with a case, orders with a case per code): distinct orders counted as groups
    (GROUP BY, read in order off the (order_id) and (code, order_id) indexes) rather than
    `count(DISTINCT order_id)`, which sorts every case's order id."""
    c = t.cases.c
    has_order = c.order_id.is_not(None)
    orders = select(c.order_id).where(has_order).group_by(c.order_id).subquery()
    with_exc = conn.execute(select(func.count()).select_from(orders)).scalar_one()
    pairs = select(c.code, c.order_id).where(has_order).group_by(c.code, c.order_id).subquery()
    by_code = conn.execute(select(pairs.c.code, func.count()).group_by(pairs.c.code)).all()
    return int(with_exc), {str(k): int(n) for k, n in by_code}


def cases_by_state_queue(conn: Connection) -> tuple[dict[str, int], dict[str, int]]:
    """(open cases per queue, closed cases per state), from one grouped count."""
    c = t.cases.c
    open_q: dict[str, int] = {}
    closed: dict[str, int] = {}
    for state, queue, n in conn.execute(
            select(c.state, c.queue, func.count()).group_by(c.state, c.queue)):
        if state in OPEN_STATES:
            open_q[queue] = open_q.get(queue, 0) + int(n)
        else:
            closed[state] = closed.get(state, 0) + int(n)
    return open_q, closed


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def case_tallies(conn: Connection, *, now: datetime) -> dict[str, Any]:
    """Value at risk and age of the open cases, overdue cases, response and resolution SLA
    outcomes as of `now`: one pass over the cases, each figure a conditional sum."""
    c = t.cases.c
    is_open = c.state.in_(OPEN_STATES)
    due, met = c.response_due_at, c.responded_at
    bucket = case(*[(c.opened_at > now - timedelta(hours=hours), label)
                    for label, hours in AGE_BUCKETS if hours is not None],
                  else_=AGE_BUCKETS[-1][0])
    worked = c.state.in_(("resolved", "auto_resolved"))
    figures = {
        "at_risk": func.coalesce(func.sum(case((is_open, c.value_at_risk))), 0),
        # a paused case's clock stands still: it is not late while it waits
        "overdue": _count(and_(c.state.in_(RUNNING_STATES), c.sla_due_at < now)),
        "in_time": _count(met <= due),
        "missed": _count((met > due) | (met.is_(None) & (due < now) & is_open)),
        "on_time": _count(worked & (c.closed_at <= c.sla_due_at)),
        "late": _count(worked & (c.closed_at > c.sla_due_at)),
        **{f"age:{label}": _count(is_open & (bucket == label)) for label, _h in AGE_BUCKETS},
    }
    row = conn.execute(select(*[v.label(k.replace(":", "_")) for k, v in figures.items()]
                              )).one()
    found = dict(zip(figures, row, strict=True))
    found["by_age"] = {label: int(found.pop(f"age:{label}")) for label, _h in AGE_BUCKETS}
    found["by_age"] = {k: n for k, n in found["by_age"].items() if n}
    return found
