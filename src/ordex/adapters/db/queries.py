"""Read models for the API, the CLI and the web page: set-based queries, no per-row loops."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, case, func, or_, select

from ordex.adapters.db import tables as t
from ordex.adapters.db.casework_queries import ApprovalQueue, casework_of
from ordex.adapters.db.dialect import hours_between
from ordex.adapters.db.kpi_tallies import case_tallies, cases_by_state_queue, orders_with_cases
from ordex.adapters.db.state_repo import OPEN_STATES, utc
from ordex.domain.audit import SYSTEM_STREAMS
from ordex.domain.cases import CaseState
from ordex.learn.kpis import KpiFacts
from ordex.orchestrate.pipeline import SYSTEM as SYSTEM_ACTOR


def _iso(value: datetime | None) -> str | None:
    value = utc(value)
    return value.isoformat() if value else None


def case_json(r: Any) -> dict[str, Any]:
    """A case row as JSON for people and programs."""
    return {
        "case_id": r["case_id"],
        "code": r["code"],
        "queue": r["queue"],
        "severity": r["severity"],
        "state": r["state"],
        "order_id": r["order_id"],
        "customer_id": r["customer_id"],
        "lines": r["lines"],
        "reason": r["reason"],
        "priority": r["priority"],
        "value_at_risk": str(r["value_at_risk"]),
        "opened_at": _iso(r["opened_at"]),
        "sla_due_at": _iso(r["sla_due_at"]),
        "response_due_at": _iso(r["response_due_at"]),
        "sla_calendar": r["sla_calendar"],
        "responded_at": _iso(r["responded_at"]),
        "paused_at": _iso(r["paused_at"]),
        "paused_seconds": r["paused_seconds"],
        "closed_at": _iso(r["closed_at"]),
        "resolution": r["resolution"],
        "assignee": r["assignee"],
        "evidence": r["evidence"],
    }


class Queries:
    """Read-only questions about cases, orders and KPIs."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def cases(
        self,
        *,
        queue: str | None = None,
        state: str | None = None,
        order_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
        code: str | None = None,
        customer_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """Cases, most urgent first; every filter given must hold."""
        query = select(t.cases)
        if code:
            query = query.where(t.cases.c.code == code)
        if customer_id:
            query = query.where(t.cases.c.customer_id == customer_id)
        if queue:
            query = query.where(t.cases.c.queue == queue)
        if state == "active":  # the partial indexes' own condition, as text (migration 0020)
            query = query.where(t.ACTIVE_CASES)
        elif state:
            query = query.where(t.cases.c.state == state)
        if order_id:
            query = query.where(t.cases.c.order_id == order_id)
        query = (
            query.order_by(t.cases.c.priority.desc(), t.cases.c.sla_due_at, t.cases.c.case_id)
            .limit(limit)
            .offset(offset)
        )
        with self.engine.connect() as conn:
            return [case_json(r) for r in conn.execute(query).mappings()]

    def pending_approvals(self, *, role: str | None = None, limit: int = 100,
                          offset: int = 0) -> list[dict[str, Any]]:
        """Pending approvals whose turn it is (an approver's queue), most overdue first."""
        return ApprovalQueue(self.engine).pending(role=role, limit=limit, offset=offset)

    def case_totals(self, *, queue: str | None = None) -> dict[str, int]:
        """Cases per state (every state, zeros included), in one grouped query."""
        query = select(t.cases.c.state, func.count()).group_by(t.cases.c.state)
        if queue:
            query = query.where(t.cases.c.queue == queue)
        with self.engine.connect() as conn:
            found = dict(conn.execute(query).all())
        return {state.value: int(found.get(state.value, 0)) for state in CaseState}

    def case(self, case_id: str) -> dict[str, Any] | None:
        """One case with its audit trail."""
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(t.cases).where(t.cases.c.case_id == case_id)).mappings().first()
            )
            if row is None:
                return None
            audit = conn.execute(
                select(t.audit_log)
                .where(t.audit_log.c.case_id == case_id)
                .order_by(t.audit_log.c.entry_id)
            ).mappings()
            return {
                **case_json(row), "version": row["version"], **casework_of(conn, case_id),
                "audit": [
                    {
                        "at": _iso(a["at"]),
                        "actor": a["actor"],
                        "action": a["action"],
                        "from_state": a["from_state"],
                        "to_state": a["to_state"],
                        "reason": a["reason"],
                    }
                    for a in audit
                ],
            }

    def order(self, order_id: str) -> dict[str, Any] | None:
        """One order with lines, cases and what the ERP was told."""
        with self.engine.connect() as conn:
            head = (
                conn.execute(select(t.orders).where(t.orders.c.order_id == order_id))
                .mappings()
                .first()
            )
            if head is None:
                return None
            lines = conn.execute(
                select(t.order_lines)
                .where(t.order_lines.c.order_id == order_id)
                .order_by(t.order_lines.c.line_no)
            ).mappings()
            erp = list(conn.execute(
                select(t.erp_sandbox_inbox)
                .where(t.erp_sandbox_inbox.c.order_id == order_id)
                .order_by(t.erp_sandbox_inbox.c.received_at)
            ).mappings())
            record = conn.execute(select(t.erp_sandbox_orders.c.record).where(
                t.erp_sandbox_orders.c.order_id == order_id)).mappings().first()
            return {
                "order_id": head["order_id"],
                "customer_id": head["customer_id"],
                "customer_po": head["customer_po"],
                "channel": head["channel"],
                "order_date": head["order_date"].isoformat(),
                "requested_ship_date": head["requested_ship_date"].isoformat(),
                "promised_ship_date": promised_ship_date(erp),
                "ship_to": head["ship_to"],
                "ship_via": head["ship_via"],
                "warehouse_id": head["warehouse_id"],
                "currency": head["currency"],
                "total_value": str(head["total_value"]),
                "status": head["status"],
                "received_at": _iso(head["received_at"]),
                "lines": [
                    {
                        "line_no": ln["line_no"],
                        "item_id": ln["item_id"],
                        "quantity": str(ln["quantity"]),
                        "uom": ln["uom"],
                        "unit_price": str(ln["unit_price"]),
                        "allocated_base_qty": str(ln["allocated_base_qty"]),
                        "identifiers": [{"qualifier": q, "value": v}
                                        for q, v in ln["identifiers"] or ()],
                    }
                    for ln in lines
                ],
                "cases": self.cases(order_id=order_id, limit=1000),
                "erp_commands": [
                    {"at": _iso(e["received_at"]), "command": e["command"],
                     "message_id": e["message_id"], "payload": e["payload"]}
                    for e in erp
                ],
                "erp_record": record["record"] if record else None,
            }

    def queue_board(self) -> dict[str, dict[str, int]]:
        """Open and in-progress case counts per queue."""
        query = (
            select(t.cases.c.queue, t.cases.c.state, func.count())
            .where(t.cases.c.state.in_(OPEN_STATES))
            .group_by(t.cases.c.queue, t.cases.c.state)
        )
        board: dict[str, dict[str, int]] = {}
        with self.engine.connect() as conn:
            for queue, state, n in conn.execute(query):
                board.setdefault(queue, {})[state] = n
        return dict(sorted(board.items()))

    def kpi_facts(self, *, now: datetime) -> KpiFacts:
        """Aggregates for the KPIs as of `now` (the SLA clock), a few passes over the cases."""
        with self.engine.connect() as conn:
            orders = conn.execute(select(func.count()).select_from(t.orders)).scalar_one()
            with_exc, by_code = orders_with_cases(conn)
            open_q, closed = cases_by_state_queue(conn)
            medians = (_median_hours(conn, ("resolved", "auto_resolved")),
                       _median_hours(conn, ("resolved",)))
            tally = case_tallies(conn, now=now)
            touches, first_touch = _people_work(conn)
            overrides = _overrides(conn)
        return KpiFacts(
            orders, with_exc, by_code, open_q, closed, [], int(tally["overdue"]),
            Decimal(str(tally["at_risk"])), [], tally["by_age"], touches, first_touch,
            int(tally["on_time"]), int(tally["late"]), int(tally["in_time"]),
            int(tally["missed"]), *overrides, median_hours_to_close=medians[0],
            median_hours_by_people=medians[1],
        )


def _median_hours(conn: Connection, states: tuple[str, ...]) -> float | None:
    """The median of closed_at − opened_at in hours over cases in `states`, in SQL (what
    `statistics.median` gives): PostgreSQL's percentile_cont, on SQLite the mean of the
    middle one or two by rank; no rows fetched."""
    c = t.cases.c
    hours = hours_between(conn, c.opened_at, c.closed_at)
    if conn.dialect.name == "postgresql":  # percentile_cont interpolates as median() does
        found = conn.execute(select(func.percentile_cont(0.5).within_group(hours))
                             .where(c.state.in_(states))).scalar_one()
        return None if found is None else float(found)
    ranked = select(hours.label("h"), func.row_number().over(order_by=hours).label("rn"),
                    func.count().over().label("n")).where(c.state.in_(states)).subquery()
    r = ranked.c
    found = conn.execute(select(func.avg(r.h)).where(
        (r.rn == (r.n + 1) // 2) | (r.rn == (r.n + 2) // 2))).scalar_one()  # whole ranks
    return None if found is None else float(found)


def _overrides(conn: Connection) -> tuple[dict[str, int], ...]:
    """Cases people resolved and those they resolved against the recommendation, per queue
    and per recommended action (the latest decision of each case)."""
    c, o, d = t.cases, t.case_overrides, t.decisions
    resolved = c.c.state == "resolved"
    by_queue = dict(conn.execute(select(c.c.queue, func.count()).where(resolved)
                                 .group_by(c.c.queue)).all())
    overridden = (select(o.c.case_id).join(c, c.c.case_id == o.c.case_id).where(resolved)
                  .distinct().subquery())
    over_queue = dict(conn.execute(
        select(c.c.queue, func.count()).join(overridden, overridden.c.case_id == c.c.case_id)
        .group_by(c.c.queue)).all())
    latest = select(func.max(d.c.decision_id).label("id")).group_by(d.c.case_id).subquery()
    recommended = (select(d.c.case_id, d.c.action).join(latest, latest.c.id == d.c.decision_id)
                   .join(c, c.c.case_id == d.c.case_id).where(resolved).subquery())
    by_action = dict(conn.execute(select(recommended.c.action, func.count())
                                  .group_by(recommended.c.action)).all())
    over_action = dict(conn.execute(
        select(recommended.c.action, func.count())
        .join(overridden, overridden.c.case_id == recommended.c.case_id)
        .group_by(recommended.c.action)).all())
    return by_queue, over_queue, by_action, over_action


RECORDS = ("override", "alternative")
"""Audit entries that record what a person's resolution meant, not another touch."""


def _people_work(conn: Connection) -> tuple[int, int]:
    """(audit entries written by people, cases resolved by one person alone, never reopened)."""
    a, c = t.audit_log, t.cases
    person = a.c.actor != SYSTEM_ACTOR
    touch = person & a.c.case_id.not_in(SYSTEM_STREAMS) & a.c.action.not_in(RECORDS)
    touches = conn.execute(select(func.count()).where(touch)).scalar_one()
    per_case = (select(a.c.case_id,
                       func.count(func.distinct(case((person, a.c.actor)))).label("people"),
                       func.sum(case((a.c.action == "reopen", 1), else_=0)).label("reopens"))
                .join(c, c.c.case_id == a.c.case_id).where(c.c.state == "resolved")
                .group_by(a.c.case_id).subquery())
    first = conn.execute(select(func.count()).select_from(per_case).where(
        per_case.c.people == 1, per_case.c.reopens == 0)).scalar_one()
    return int(touches), int(first)


class DbIdempotency:
    """The IdempotencyIndex port on the intake_results table (own read connection)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def known(self, keys: Collection[str]) -> dict[str, dict[str, Any]]:
        """Stored results for keys seen before, by idempotency key or order id."""
        with self.engine.connect() as conn:
            return known_results(conn, keys)


class ConnectionIdempotency:
    """The IdempotencyIndex port read inside a unit of work's transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def known(self, keys: Collection[str]) -> dict[str, dict[str, Any]]:
        """Stored results for keys seen before, by idempotency key or order id."""
        return known_results(self.conn, keys)


def known_results(conn: Connection, keys: Collection[str]) -> dict[str, dict[str, Any]]:
    """Stored intake results under these idempotency keys or order ids (400 per lookup)."""
    found: dict[str, dict[str, Any]] = {}
    ordered = sorted(keys)
    r_ = t.intake_results.c
    for i in range(0, len(ordered), 400):
        chunk = ordered[i : i + 400]
        for r in conn.execute(select(t.intake_results).where(
                or_(r_.idempotency_key.in_(chunk), r_.order_id.in_(chunk)))).mappings():
            found[r["idempotency_key"]] = r["result"]
            if r["order_id"]:
                found[r["order_id"]] = r["result"]
    return found


def promised_ship_date(commands: list[Any]) -> str | None:
    """The latest promise the ERP was sent for an order (None: the requested date stands)."""
    promise = None
    for c in commands:
        payload = c["payload"] or {}
        if c["command"] == "RevisePromise":
            promise = payload.get("promise_date")
        elif c["command"] == "ApplyDecision" and payload.get("action") == "REVISE_PROMISE":
            promise = (payload.get("detail") or {}).get("promise_date", promise)
    return promise  # type: ignore[no-any-return]
