"""Reads of casework: a case's comments, attachments, approvals and overrides; approval queues."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, select

from ordex.adapters.db import tables as t
from ordex.adapters.db.state_repo import utc
from ordex.domain.approvals import ApprovalState
from ordex.domain.cases import CaseState


def _iso(value: datetime | None) -> str | None:
    value = utc(value)
    return value.isoformat() if value else None


def _json(row: Any, times: tuple[str, ...], money: tuple[str, ...] = ()) -> dict[str, Any]:
    out = dict(row)
    out.update({k: _iso(out[k]) for k in times})
    out.update({k: str(out[k]) for k in money})
    return out


def casework_of(conn: Connection, case_id: str) -> dict[str, list[dict[str, Any]]]:
    """Comments, attachments, approvals and overrides of one case, oldest first."""
    def rows(table: Any, order: Any) -> list[Any]:
        return list(conn.execute(select(table).where(table.c.case_id == case_id)
                                 .order_by(order)).mappings())
    return {
        "comments": [_json({k: r[k] for k in ("at", "actor", "text")}, ("at",))
                     for r in rows(t.case_comments, t.case_comments.c.comment_id)],
        "attachments": [_json({k: r[k] for k in ("at", "actor", "name", "reference")}, ("at",))
                        for r in rows(t.case_attachments, t.case_attachments.c.attachment_id)],
        "approvals": [_json({k: v for k, v in r.items() if k != "case_id"},
                            ("requested_at", "due_at", "decided_at"), ("amount",))
                      for r in rows(t.approvals, t.approvals.c.approval_id)],
        "overrides": [_json({k: v for k, v in r.items() if k not in ("case_id", "override_id")},
                            ("at",))
                      for r in rows(t.case_overrides, t.case_overrides.c.override_id)],
    }


class ApprovalQueue:
    """The approvals waiting in each role's queue, most overdue first."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def pending(self, *, role: str | None = None, limit: int = 100,
                offset: int = 0) -> list[dict[str, Any]]:
        """Pending levels whose turn it is (every lower level approved), of cases still
        awaiting approval; a chain of a case closed meanwhile waits nowhere."""
        a, lower = t.approvals, t.approvals.alias("lower")
        turn = ~select(lower.c.approval_id).where(
            lower.c.chain_id == a.c.chain_id, lower.c.level < a.c.level,
            lower.c.state != ApprovalState.APPROVED.value).exists()
        query = (select(a, t.cases.c.code, t.cases.c.queue.label("case_queue"),
                        t.cases.c.order_id)
                 .join(t.cases, and_(t.cases.c.case_id == a.c.case_id,
                                     t.cases.c.state == CaseState.AWAITING_APPROVAL.value))
                 .where(a.c.state == ApprovalState.PENDING.value, turn))
        if role:
            query = query.where(a.c.queue == role)
        query = query.order_by(a.c.due_at, a.c.approval_id).limit(limit).offset(offset)
        with self.engine.connect() as conn:
            return [_json(r, ("requested_at", "due_at", "decided_at"), ("amount",))
                    for r in conn.execute(query).mappings()]



