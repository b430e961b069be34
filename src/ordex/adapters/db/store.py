"""Writes a unit of work's changes in one transaction, in batches (never a row at a time)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, update

from ordex.adapters.command_codec import command_payload
from ordex.adapters.db import tables as t
from ordex.adapters.db.audit_repo import append_audit
from ordex.adapters.db.casework_repo import write_casework
from ordex.adapters.db.claims import enqueue
from ordex.adapters.db.decisions_repo import save_decisions
from ordex.adapters.db.dialect import insert_ignoring_duplicates
from ordex.adapters.db.followups_repo import write_order_changes
from ordex.domain.cases import Case
from ordex.domain.errors import CaseChangedError
from ordex.interpret.context import po_key
from ordex.orchestrate.changes import Changes
from ordex.orchestrate.work import NewWork

__all__ = ["SqlChangeStore", "case_row", "command_payload", "write_changes"]


def case_row(case: Case) -> dict[str, Any]:
    """A case as a row of the cases table."""
    return {
        "case_id": case.case_id, "code": case.code.value, "queue": case.queue.value,
        "severity": case.severity.value, "order_id": case.order_id,
        "customer_id": case.customer_id, "lines": list(case.lines), "reason": case.reason,
        "evidence": case.evidence, "priority": case.priority,
        "value_at_risk": case.value_at_risk, "state": case.state.value,
        "opened_at": case.opened_at,
        "closed_at": case.closed_at, "resolution": case.resolution, "assignee": case.assignee,
        "version": case.version, **_clock_row(case), "sla_calendar": case.sla_calendar,
    }


def _clock_row(case: Case) -> dict[str, Any]:
    """The SLA clock columns a change of a case may move (pause, resume, first touch)."""
    return {"sla_due_at": case.sla_due_at, "response_due_at": case.response_due_at,
            "responded_at": case.responded_at, "paused_at": case.paused_at,
            "paused_seconds": case.paused_seconds}


class SqlChangeStore:
    """The ChangeStore port on a SQLAlchemy engine (one transaction per save)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(self, changes: Changes) -> None:
        """Write everything in one transaction."""
        with self.engine.connect().execution_options(ordex_write=True) as conn:
            write_changes(conn, changes)
            conn.commit()


def write_changes(conn: Connection, changes: Changes) -> None:
    """Write a unit of work's changes on its connection, a statement per table (no commit)."""
    insert_ignoring_duplicates(conn, t.raw_payloads, [
        {"raw_id": r.raw_id, "source": r.source[:500], "channel": r.channel,
         "received_at": r.received_at, "sha256": r.sha256, "body": r.body}
        for r in changes.raw_payloads])
    _write_orders(conn, changes)
    if changes.new_cases:
        conn.execute(t.cases.insert(), [case_row(c) for c in changes.new_cases.values()])
    _update_cases(conn, list(changes.dirty_cases.values()))
    append_audit(conn, changes.audit)
    if changes.decisions:
        save_decisions(conn, changes.decisions)
    write_casework(conn, changes)
    if changes.outbox:
        conn.execute(t.outbox.insert(), [
            {"message_id": m.message_id, "created_at": m.at,
             "command": type(m.command).__name__, "order_id": m.command.order_id,
             "payload": command_payload(m.command)} for m in changes.outbox])
    if changes.order_changes:
        write_order_changes(conn, changes.order_changes, now=changes.order_changes[-1].at,
                            taken_in_edi={o.order_id for o, _r, _k in changes.orders
                                          if o.channel == "edi"})
    insert_ignoring_duplicates(conn, t.intake_results, [
        {"idempotency_key": r.idempotency_key, "order_id": r.order_id,
         "result": r.as_dict()} for r in changes.results
        if r.idempotency_key and r.status != "rejected"])
    if changes.events:
        conn.execute(t.events.insert(), [
            {"kind": e.kind, "at": e.at, "payload": e.payload} for e in changes.events])
    if changes.notifications:
        conn.execute(t.notifications.insert(), [
            {"recipient": n.recipient, "kind": n.kind, "case_id": n.case_id,
             "payload": n.payload, "created_at": n.at, "queue": n.queue,
             "customer_id": n.customer_id, "order_id": n.order_id}
            for n in changes.notifications])
    timers = [w for w in changes.timers
              if (case := changes.new_cases.get(w.subject or "")) is None or case.is_open]
    if timers:  # a case closed in the unit of work that opened it needs no clock
        # created_at of a timer is its case's opening, which precedes every due time
        enqueue(conn, timers, now=min(_opened(changes, w) for w in timers))
    _write_stock_and_credit(conn, changes)


def _opened(changes: Changes, timer: NewWork) -> datetime:
    case = changes.new_cases.get(timer.subject or "")
    return case.opened_at if case is not None else timer.not_before or datetime.now(UTC)


def _update_cases(conn: Connection, cases: list[Case]) -> None:
    """Write changed cases, each only if nobody changed it since it was read (its version)."""
    if not cases:
        return
    result = conn.execute(update(t.cases).where(
        (t.cases.c.case_id == bindparam("b_id")) & (t.cases.c.version == bindparam("b_version"))
    ).values(state=bindparam("state"), closed_at=bindparam("closed_at"),
             resolution=bindparam("resolution"), assignee=bindparam("assignee"),
             evidence=bindparam("evidence"), sla_due_at=bindparam("sla_due_at"),
             response_due_at=bindparam("response_due_at"),
             responded_at=bindparam("responded_at"), paused_at=bindparam("paused_at"),
             paused_seconds=bindparam("paused_seconds"), version=bindparam("b_version") + 1), [
        {"b_id": c.case_id, "b_version": c.version, "state": c.state.value,
         "closed_at": c.closed_at, "resolution": c.resolution, "assignee": c.assignee,
         "evidence": c.evidence, **_clock_row(c)} for c in cases])
    if result.rowcount != len(cases):
        raise CaseChangedError(f"{len(cases) - result.rowcount} of {len(cases)} cases changed "
                               "since they were read", case_ids=[c.case_id for c in cases])
    for case in cases:
        case.version += 1


def _write_orders(conn: Connection, changes: Changes) -> None:
    if changes.orders:
        conn.execute(t.orders.insert(), [
            {"order_id": o.order_id, "customer_id": o.customer_id,
             "customer_po": o.customer_po, "po_key": po_key(o.customer_po),
             "channel": o.channel, "order_date": o.order_date,
             "requested_ship_date": o.requested_ship_date,
             "ship_to": dataclasses.asdict(o.ship_to), "ship_to_code": o.ship_to_code,
             "ship_via": o.ship_via, "freight_terms": o.freight_terms,
             "warehouse_id": o.warehouse_id, "currency": o.currency,
             "total_value": o.value, "status": "open", "raw_id": raw_id,
             "received_at": o.received_at} for o, raw_id, _key in changes.orders])
        new = {o.order_id for o, _r, _k in changes.orders}
        conn.execute(t.order_lines.insert(), [
            {"order_id": o.order_id, "line_no": ln.line_no, "item_id": ln.item_id,
             "quantity": ln.quantity, "uom": ln.uom, "unit_price": ln.unit_price,
             "identifiers": [list(p) for p in ln.identifiers] or None,
             "allocated_base_qty": changes.allocations.get((o.order_id, ln.line_no),
                                                           Decimal(0))}
            for o, _r, _k in changes.orders for ln in o.lines])
    else:
        new = set()
    later = [{"b_order": k[0], "b_line": k[1], "qty": v}
             for k, v in changes.allocations.items() if k[0] not in new]
    if later:
        conn.execute(update(t.order_lines).where(
            (t.order_lines.c.order_id == bindparam("b_order"))
            & (t.order_lines.c.line_no == bindparam("b_line"))).values(
            allocated_base_qty=bindparam("qty")), later)
    if changes.cancelled_orders:
        conn.execute(update(t.orders).where(t.orders.c.order_id == bindparam("b_order"))
                     .values(status="cancelled"),
                     [{"b_order": o} for o in changes.cancelled_orders])

def _write_stock_and_credit(conn: Connection, changes: Changes) -> None:
    moves = {k: v for k, v in changes.positions.items() if v[0] or v[1]}
    if moves:  # deltas: stock judged by another worker at the same time is kept
        insert_ignoring_duplicates(conn, t.inventory, [
            {"item_id": k[0], "warehouse_id": k[1], "on_hand": Decimal(0),
             "allocated": Decimal(0), "safety_stock": Decimal(0)} for k in moves])
        inv = t.inventory.c
        conn.execute(update(t.inventory).where(
            (inv.item_id == bindparam("b_item")) & (inv.warehouse_id == bindparam("b_wh")))
            .values(on_hand=inv.on_hand + bindparam("d_on_hand", type_=inv.on_hand.type),
                    allocated=inv.allocated + bindparam("d_alloc", type_=inv.allocated.type)),
            [{"b_item": k[0], "b_wh": k[1], "d_on_hand": v[0], "d_alloc": v[1]}
             for k, v in sorted(moves.items())])
    _write_line_allocations(conn, changes)
    if changes.payments:
        conn.execute(t.payments.insert(), [
            {"customer_id": c, "amount": a, "posted_at": at} for c, a, at in changes.payments])
    if changes.received_pos:
        conn.execute(update(t.inbound_pos).where(t.inbound_pos.c.po_id == bindparam("b_po"))
                     .values(received=True), [{"b_po": p} for p in changes.received_pos])


def _write_line_allocations(conn: Connection, changes: Changes) -> None:
    """Reservations per line and position, as deltas (every allocated unit has a line)."""
    moves = {k: v for k, v in changes.line_allocations.items() if v}
    if not moves:
        return
    insert_ignoring_duplicates(conn, t.line_allocations, [
        {"order_id": k[0], "line_no": k[1], "item_id": k[2], "warehouse_id": k[3],
         "quantity": Decimal(0)} for k in moves])
    la = t.line_allocations.c
    conn.execute(update(t.line_allocations).where(
        (la.order_id == bindparam("b_order")) & (la.line_no == bindparam("b_line"))
        & (la.item_id == bindparam("b_item")) & (la.warehouse_id == bindparam("b_wh")))
        .values(quantity=la.quantity + bindparam("d_qty", type_=la.quantity.type)),
        [{"b_order": k[0], "b_line": k[1], "b_item": k[2], "b_wh": k[3], "d_qty": v}
         for k, v in sorted(moves.items())])
