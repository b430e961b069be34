"""Outbox messages that workers claim for delivery, in created order within each order.

An order's messages must reach the ERP in the order they were written (a hold before its
release). So a claimer takes an order, not a message: it locks the order's oldest undelivered
message (the head; `FOR UPDATE SKIP LOCKED` on PostgreSQL, `BEGIN IMMEDIATE` on SQLite), and in
the same transaction claims the head and the due messages after it, up to the first one that is
not due. Every claimer of an order contends for the same head row, so no two hold messages of
one order at once; while the head is held by another worker or waits for its retry time, the
order's later messages wait too. A dead letter counts as undelivered: the order's later
messages wait behind it until a replay puts it back to pending (docs/erp.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    Table,
    and_,
    bindparam,
    exists,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.sql.expression import FromClause

from ordex.adapters.db import tables as t
from ordex.adapters.db.claims import MAX_ERROR_CHARS, as_utc
from ordex.adapters.db.dialect import write_transaction
from ordex.orchestrate.work import OutboxState

OB = t.outbox
_CHUNK = 900
PENDING, SENT, DEAD = (OutboxState.PENDING.value, OutboxState.SENT.value,
                      OutboxState.DEAD.value)


def _due(row: Table | FromClause, now: datetime) -> ColumnElement[bool]:
    """Under no live lease (never claimed, released, or expired) and past its retry time."""
    return and_(or_(row.c.lease_until.is_(None), row.c.lease_until < now),
                or_(row.c.next_attempt_at.is_(None), row.c.next_attempt_at <= now))


def _earlier_pending(e: FromClause) -> ColumnElement[bool]:
    """`e` is an undelivered (pending or dead) message of the same order written before the
    outer one."""
    return and_(e.c.order_id == OB.c.order_id, e.c.state.in_((PENDING, DEAD)), or_(
        e.c.created_at < OB.c.created_at,
        and_(e.c.created_at == OB.c.created_at, e.c.message_id < OB.c.message_id)))


def claim_outbox(engine: Engine, *, worker: str, limit: int, lease: timedelta,
                 now: datetime) -> list[dict[str, Any]]:
    """Claim the due messages of up to `limit` orders for `worker`; rows in created order."""
    if limit < 1:
        return []
    now, e = as_utc(now), OB.alias("earlier")
    heads = (select(OB.c.order_id).where(OB.c.state == PENDING, _due(OB, now),
                                        ~exists().where(_earlier_pending(e)))
             .order_by(OB.c.created_at, OB.c.message_id).limit(limit)
             .with_for_update(skip_locked=True, of=OB))
    with write_transaction(engine) as conn:
        orders = list(conn.execute(heads).scalars())
        rows: list[dict[str, Any]] = []
        for i in range(0, len(orders), _CHUNK):
            blocked = exists().where(_earlier_pending(e),
                                     or_(e.c.state == DEAD, not_(_due(e, now))))
            stmt = (update(OB).where(OB.c.order_id.in_(orders[i:i + _CHUNK]),
                                    OB.c.state == PENDING, _due(OB, now), ~blocked)
                    .values(claimed_by=worker, lease_until=now + lease).returning(*OB.c))
            rows.extend(dict(r) for r in conn.execute(stmt).mappings())
    return sorted(rows, key=lambda r: (r["created_at"], r["message_id"]))


def mark_sent(engine: Engine, message_ids: Sequence[str], *, at: datetime) -> None:
    """Record delivery of these messages (by whichever worker: they did reach the ERP)."""
    ids = list(message_ids)
    with write_transaction(engine) as conn:
        for i in range(0, len(ids), _CHUNK):
            conn.execute(update(OB).where(OB.c.message_id.in_(ids[i:i + _CHUNK]),
                                         OB.c.state == PENDING)
                         .values(state=SENT, sent_at=as_utc(at), lease_until=None))


def mark_failed(engine: Engine, retry_at: Mapping[str, datetime], *, worker: str,
                error: str) -> None:
    """Record a failed delivery of each message `worker` holds, due again at its retry time."""
    if not retry_at:
        return
    stmt = (update(OB).where(OB.c.message_id == bindparam("b_id"), OB.c.state == PENDING,
                            OB.c.claimed_by == worker)
            .values(attempts=OB.c.attempts + 1, next_attempt_at=bindparam("b_next"),
                    last_error=error[:MAX_ERROR_CHARS], claimed_by=None, lease_until=None))
    with write_transaction(engine) as conn:
        conn.execute(stmt, [{"b_id": mid, "b_next": as_utc(at)} for mid, at in retry_at.items()])


def release(engine: Engine, message_ids: Sequence[str], *, worker: str) -> None:
    """Give back messages `worker` holds without counting an attempt (they were not tried)."""
    ids = list(message_ids)
    with write_transaction(engine) as conn:
        for i in range(0, len(ids), _CHUNK):
            conn.execute(update(OB).where(OB.c.message_id.in_(ids[i:i + _CHUNK]),
                                         OB.c.state == PENDING, OB.c.claimed_by == worker)
                         .values(claimed_by=None, lease_until=None))
