"""The sandbox ERP: the simulator's system of record, receiving ordex's commands by outbox."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, RowMapping, select

from ordex.adapters.db import dead_letters, outbox_claims
from ordex.adapters.db import tables as t
from ordex.adapters.db.dialect import insert_ignoring_duplicates
from ordex.adapters.db.state_repo import utc
from ordex.adapters.db.store import command_payload
from ordex.domain.cases import Case
from ordex.domain.events import (
    ApplyDecision,
    CancelOrder,
    ErpCommand,
    HoldLines,
    ReleaseLines,
    RevisePromise,
)
from ordex.orchestrate.changes import OutboxMessage
from ordex.orchestrate.work import ClaimedMessage, OutboxState, SendReport

COMMANDS: dict[str, type] = {"HoldLines": HoldLines, "ReleaseLines": ReleaseLines,
                             "CancelOrder": CancelOrder, "ApplyDecision": ApplyDecision,
                             "RevisePromise": RevisePromise}


def _command(kind: str, payload: dict[str, object]) -> ErpCommand:
    data = dict(payload)
    if "lines" in data:
        data["lines"] = tuple(data["lines"])  # type: ignore[arg-type]
    return COMMANDS[kind](**data)  # type: ignore[no-any-return]


class SandboxErp:
    """An ERP connector that records each command once, keyed by message id."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def send(self, messages: Sequence[OutboxMessage]) -> SendReport | None:
        """Record the commands; a message id already received is ignored (idempotent)."""
        with self.engine.begin() as conn:
            insert_ignoring_duplicates(conn, t.erp_sandbox_inbox, [
                {"message_id": m.message_id, "received_at": m.at,
                 "command": type(m.command).__name__, "order_id": m.command.order_id,
                 "payload": command_payload(m.command)} for m in messages])
        return None


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
                         _command(row["command"], row["payload"]))
