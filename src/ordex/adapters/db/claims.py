"""Work items that workers claim, on SQLite and PostgreSQL (docs/scaling.md, "Workers and claims").

`enqueue` and `complete` run inside the caller's transaction, so work is queued with the change
that causes it and completed with the effects it writes: both commit, or neither does. `claim`
and `fail` are their own short transactions.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, bindparam, case, literal, or_, select, update
from sqlalchemy.engine import Connection

from ordex.adapters.db import tables as t
from ordex.adapters.db.dialect import insert_ignoring_duplicates, write_transaction
from ordex.orchestrate.work import NewWork, WorkItem, WorkState

W = t.work_items
MAX_ERROR_CHARS = 2000
"""The stored last error is cut to this length (a traceback's tail is in the worker's log)."""
_CHUNK = 900


def as_utc(moment: datetime) -> datetime:
    """The moment in UTC (SQLite compares stored times as text, so every one must be UTC)."""
    if moment.tzinfo is None:
        raise ValueError(f"time {moment.isoformat()} has no timezone")
    return moment.astimezone(UTC)


def _stored(value: datetime) -> datetime:
    """A stored time, aware (SQLite hands them back without a timezone; all are UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def enqueue(conn: Connection, items: Iterable[NewWork], *, now: datetime) -> None:
    """Queue work items in the caller's transaction; an item whose (kind, key) exists is skipped."""
    now = as_utc(now)
    insert_ignoring_duplicates(conn, W, [
        {"kind": i.kind, "key": i.key, "payload": i.payload, "state": WorkState.QUEUED.value,
         "not_before": as_utc(i.not_before) if i.not_before else now, "attempts": 0,
         "created_at": now, "subject": i.subject} for i in items])


def _claimable(kinds: Collection[str], now: datetime) -> ColumnElement[bool]:
    """Due items of these kinds that are queued, or claimed under a lease that has expired.

    These are the two states `WORK_MOVES` lets move into CLAIMED (a unit test holds them equal).
    """
    return and_(W.c.kind.in_(list(kinds)), W.c.not_before <= now, or_(
        W.c.state == WorkState.QUEUED.value,
        and_(W.c.state == WorkState.CLAIMED.value, W.c.lease_until < now)))


def claim(engine: Engine, *, kinds: Collection[str], worker: str, limit: int,
          lease: timedelta, now: datetime) -> list[WorkItem]:
    """Claim up to `limit` due items, oldest `not_before` first, for `worker` until now + lease.

    One UPDATE over a sub-select: on PostgreSQL the sub-select locks its rows `FOR UPDATE SKIP
    LOCKED`, so concurrent claimers take disjoint rows without waiting; on SQLite the statement
    runs under `BEGIN IMMEDIATE`, one claimer at a time. Taking over an expired lease counts as
    a failed attempt of the worker that held it.
    """
    if not kinds or limit < 1:
        return []
    now = as_utc(now)
    picked = (select(W.c.id).where(_claimable(kinds, now)).order_by(W.c.not_before, W.c.id)
              .limit(limit).with_for_update(skip_locked=True))
    expired = W.c.state == WorkState.CLAIMED.value
    stmt = (update(W).where(W.c.id.in_(picked.scalar_subquery())).values(
        state=WorkState.CLAIMED.value, claimed_by=worker, lease_until=now + lease,
        attempts=W.c.attempts + case((expired, 1), else_=0),
        last_error=case((expired, literal("lease of ") + W.c.claimed_by
                         + literal(" expired")), else_=W.c.last_error))
            .returning(*W.c))
    with write_transaction(engine) as conn:
        rows = [dict(r) for r in conn.execute(stmt).mappings()]
    return sorted((_item(r) for r in rows), key=lambda i: (i.not_before, i.id))


def _item(row: Mapping[str, Any]) -> WorkItem:
    return WorkItem(id=row["id"], kind=row["kind"], key=row["key"], payload=row["payload"],
                    attempts=row["attempts"], not_before=_stored(row["not_before"]),
                    claimed_by=row["claimed_by"], lease_until=_stored(row["lease_until"]),
                    last_error=row["last_error"])


def complete(conn: Connection, ids: Collection[int], *, worker: str,
             now: datetime) -> set[int]:
    """Mark done, in the caller's transaction, the items `worker` still holds; return those.

    An item another worker took over after this one's lease expired is not completed: the
    caller must roll back what it wrote for it (see `ClaimLostError`). A lease that expired
    without being taken over still completes, since no one else started the work.
    """
    now, done = as_utc(now), set[int]()
    ordered = sorted(ids)
    for i in range(0, len(ordered), _CHUNK):
        stmt = (update(W).where(W.c.id.in_(ordered[i:i + _CHUNK]),
                                W.c.state == WorkState.CLAIMED.value, W.c.claimed_by == worker)
                .values(state=WorkState.DONE.value, done_at=now, lease_until=None)
                .returning(W.c.id))
        done.update(conn.execute(stmt).scalars())
    return done


def fail(engine: Engine, items: Sequence[WorkItem], *, error: str,
         retry_at: Mapping[int, datetime | None]) -> int:
    """Record one failed attempt of each item its worker still holds; return how many.

    An item with a retry time is queued again from then on; one without has failed for good.
    """
    if not items:
        return 0
    stmt = (update(W).where(W.c.id == bindparam("b_id"), W.c.state == WorkState.CLAIMED.value,
                            W.c.claimed_by == bindparam("b_worker"))
            .values(state=bindparam("b_state"), not_before=bindparam("b_not_before"),
                    attempts=W.c.attempts + 1, last_error=error[:MAX_ERROR_CHARS],
                    claimed_by=None, lease_until=None))
    rows = []
    for item in items:
        again = retry_at.get(item.id)
        rows.append({"b_id": item.id, "b_worker": item.claimed_by,
                     "b_state": (WorkState.QUEUED if again else WorkState.FAILED).value,
                     "b_not_before": as_utc(again) if again else as_utc(item.not_before)})
    with write_transaction(engine) as conn:
        return int(conn.execute(stmt, rows).rowcount)


class SqlClaims:
    """The ClaimStore port on the work_items table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def claim(self, *, kinds: Collection[str], worker: str, limit: int, lease: timedelta,
              now: datetime) -> list[WorkItem]:
        """Claim due work (see `claim`)."""
        return claim(self.engine, kinds=kinds, worker=worker, limit=limit, lease=lease, now=now)

    def fail(self, items: Sequence[WorkItem], *, error: str,
             retry_at: Mapping[int, datetime | None]) -> int:
        """Record a failed attempt (see `fail`)."""
        return fail(self.engine, items, error=error, retry_at=retry_at)

    def enqueue(self, items: Iterable[NewWork], *, now: datetime) -> None:
        """Queue work in a transaction of its own (tests, the CLI)."""
        with write_transaction(self.engine) as conn:
            enqueue(conn, items, now=now)
