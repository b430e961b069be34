"""The sandbox ERP: the simulator's system of record, receiving ordex's commands by outbox."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping, bindparam, select, update

from ordex.adapters.command_codec import command_from_row, command_payload
from ordex.adapters.db import dead_letters, outbox_claims
from ordex.adapters.db import tables as t
from ordex.adapters.db.dialect import insert_ignoring_duplicates, write_transaction
from ordex.adapters.db.state_repo import utc
from ordex.adapters.erp_sandbox_record import Record, apply_command, seed_record
from ordex.domain.cases import Case
from ordex.orchestrate.changes import OutboxMessage
from ordex.orchestrate.work import ClaimedMessage, OutboxState, SendReport

CHUNK = 500
"""Orders per lookup (a bound parameter each)."""


class SandboxErp:
    """An ERP connector that records each command once, keyed by message id, and applies it
    to its own record of the order (erp_sandbox_orders)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def send(self, messages: Sequence[OutboxMessage]) -> SendReport | None:
        """Record and apply the commands; a message id already received is ignored.

        It reads before it writes, so it takes the write lock first (on SQLite a deferred
        transaction would fail at once if another writer committed in between)."""
        with write_transaction(self.engine) as conn:
            ids = [m.message_id for m in messages]
            seen = {r[0] for r in conn.execute(select(t.erp_sandbox_inbox.c.message_id).where(
                t.erp_sandbox_inbox.c.message_id.in_(ids)))} if ids else set()
            new, taken = [], set(seen)
            for m in messages:
                if m.message_id not in taken:
                    taken.add(m.message_id)
                    new.append(m)
            insert_ignoring_duplicates(conn, t.erp_sandbox_inbox, [
                {"message_id": m.message_id, "received_at": m.at,
                 "command": type(m.command).__name__, "order_id": m.command.order_id,
                 "payload": command_payload(m.command)} for m in new])
            _apply(conn, new)
        return None


def _apply(conn: Connection, messages: Sequence[OutboxMessage]) -> None:
    """Apply new messages to the records of their orders, in order; one write per table."""
    if not messages:
        return
    orders = sorted({m.command.order_id for m in messages})
    records = sandbox_records(conn, orders)
    known = set(records)
    records.update(_seeds(conn, [o for o in orders if o not in known]))
    for m in messages:
        apply_command(records[m.command.order_id], m.command, message_id=m.message_id)
    at = max(m.at for m in messages)
    fresh = [{"order_id": o, "record": records[o], "updated_at": at}
             for o in orders if o not in known]
    if fresh:
        conn.execute(t.erp_sandbox_orders.insert(), fresh)
    again = [{"b_order": o, "record": records[o], "updated_at": at}
             for o in orders if o in known]
    if again:
        conn.execute(update(t.erp_sandbox_orders)
                     .where(t.erp_sandbox_orders.c.order_id == bindparam("b_order"))
                     .values(record=bindparam("record"), updated_at=bindparam("updated_at")),
                     again)


def sandbox_records(conn: Connection, order_ids: Sequence[str]) -> dict[str, Record]:
    """The sandbox ERP's records of these orders (those it has)."""
    found: dict[str, Record] = {}
    for i in range(0, len(order_ids), CHUNK):
        chunk = list(order_ids[i:i + CHUNK])
        found.update({r.order_id: dict(r.record) for r in conn.execute(
            select(t.erp_sandbox_orders).where(t.erp_sandbox_orders.c.order_id.in_(chunk)))})
    return found


def _seeds(conn: Connection, order_ids: list[str]) -> dict[str, Record]:
    """New records for orders the sandbox never saw: as ordex took them in (two queries)."""
    if not order_ids:
        return {}
    heads: dict[str, Any] = {}
    lines: dict[str, list[Any]] = {o: [] for o in order_ids}
    for i in range(0, len(order_ids), CHUNK):
        chunk = order_ids[i:i + CHUNK]
        heads.update({r["order_id"]: r for r in conn.execute(
            select(t.orders).where(t.orders.c.order_id.in_(chunk))).mappings()})
        for row in conn.execute(select(t.order_lines).where(t.order_lines.c.order_id.in_(chunk))
                                .order_by(t.order_lines.c.order_id, t.order_lines.c.line_no)
                                ).mappings():
            lines[row["order_id"]].append(row)
    return {o: seed_record(heads.get(o), lines[o], o) for o in order_ids}


class SqlOutbox:
    """The Outbox and OutboxClaims ports on the outbox table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def pending(self, *, limit: int) -> list[OutboxMessage]:
        """Oldest undelivered messages."""
        query = (select(t.outbox).where(t.outbox.c.state == OutboxState.PENDING.value)
                 .order_by(t.outbox.c.created_at, t.outbox.c.message_id).limit(limit))
        with self.engine.connect() as conn:
            return [_message(r) for r in conn.execute(query).mappings()]

    def mark_sent(self, message_ids: Sequence[str], *, at: datetime) -> None:
        """Record delivery."""
        if message_ids:
            outbox_claims.mark_sent(self.engine, message_ids, at=at)

    def claim_outbox(self, *, worker: str, limit: int, lease: timedelta,
                     now: datetime) -> list[ClaimedMessage]:
        """Due messages of up to `limit` orders, in created order (see outbox_claims)."""
        rows = outbox_claims.claim_outbox(self.engine, worker=worker, limit=limit,
                                          lease=lease, now=now)
        return [ClaimedMessage(_message(r), r["attempts"], r["replays"]) for r in rows]

    def mark_failed(self, retry_at: Mapping[str, datetime], *, worker: str,
                    error: str) -> None:
        """Record failed deliveries, each due again at its retry time."""
        outbox_claims.mark_failed(self.engine, retry_at, worker=worker, error=error)

    def release(self, message_ids: Sequence[str], *, worker: str) -> None:
        """Give back messages that were not tried."""
        if message_ids:
            outbox_claims.release(self.engine, message_ids, worker=worker)

    def dead_letter(self, cases: Mapping[str, Case], *, worker: str,
                    at: datetime) -> list[str]:
        """Dead-letter these messages and open their cases (adapters.db.dead_letters)."""
        return dead_letters.dead_letter(self.engine, cases, worker=worker, at=at)


def _message(row: Mapping[str, Any] | RowMapping) -> OutboxMessage:
    return OutboxMessage(row["message_id"], utc(row["created_at"]) or row["created_at"],
                         command_from_row(row["command"], row["payload"]))
