"""What people add to cases (comments, file references, overrides, approvals): rows and back."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from ordex.adapters.db import tables as t
from ordex.adapters.db.dialect import insert_ignoring_duplicates
from ordex.adapters.db.fetch import CHUNK
from ordex.adapters.db.state_repo import utc
from ordex.domain.approvals import Approval, ApprovalState
from ordex.domain.cases import Case, CaseState
from ordex.orchestrate.changes import Changes


def write_casework(conn: Connection, changes: Changes) -> None:
    """Insert comments, attachments and overrides; insert new approvals, update decided ones."""
    for table, records in ((t.case_comments, changes.comments),
                           (t.case_attachments, changes.attachments),
                           (t.case_overrides, changes.overrides)):
        if records:
            conn.execute(table.insert(), [dataclasses.asdict(r) for r in records])
    if not changes.approvals:
        return
    latest = {a.approval_id: a for a in changes.approvals}  # one row each, its last state
    insert_ignoring_duplicates(conn, t.approvals, [_row(a) for a in latest.values()])
    decided = [a for a in latest.values() if a.state is not ApprovalState.PENDING]
    if decided:
        conn.execute(update(t.approvals).where(t.approvals.c.approval_id == bindparam("b_id"))
                     .values(state=bindparam("state"), decided_by=bindparam("decided_by"),
                             decided_at=bindparam("decided_at"),
                             decision_reason=bindparam("decision_reason")),
                     [{"b_id": a.approval_id, "state": a.state.value,
                       "decided_by": a.decided_by, "decided_at": a.decided_at,
                       "decision_reason": a.decision_reason} for a in decided])


def _row(a: Approval) -> dict[str, Any]:
    return {**dataclasses.asdict(a), "state": a.state.value}


def approvals_of(conn: Connection, case_id: str) -> list[Approval]:
    """A case's approvals, chain by chain, level by level."""
    rows = conn.execute(select(t.approvals).where(t.approvals.c.case_id == case_id)
                        .order_by(t.approvals.c.requested_at, t.approvals.c.chain_id,
                                  t.approvals.c.level)).mappings()
    return [approval_from_row(r) for r in rows]


def attach_approvals(conn: Connection, cases: Iterable[Case]) -> None:
    """Give each case awaiting approval its approvals (one query per chunk), so a move that
    closes it another way can withdraw what is pending."""
    waiting = {c.case_id: c for c in cases if c.state is CaseState.AWAITING_APPROVAL}
    ids = sorted(waiting)
    for start in range(0, len(ids), CHUNK):
        found: dict[str, list[Approval]] = {}
        rows = conn.execute(select(t.approvals)
                            .where(t.approvals.c.case_id.in_(ids[start:start + CHUNK]))
                            .order_by(t.approvals.c.requested_at, t.approvals.c.chain_id,
                                      t.approvals.c.level)).mappings()
        for r in rows:
            found.setdefault(r["case_id"], []).append(approval_from_row(r))
        for case_id, approvals in found.items():
            waiting[case_id].approvals = approvals


def approval_from_row(r: Any) -> Approval:
    """An approval row as the domain's Approval."""
    return Approval(r["approval_id"], r["chain_id"], r["case_id"], r["level"], r["role"],
                    r["action"], dict(r["params"] or {}), r["amount"], r["requested_by"],
                    r["proposed_by"], utc(r["requested_at"]) or r["requested_at"],
                    utc(r["due_at"]) or r["due_at"], r["reason"], ApprovalState(r["state"]),
                    r["decided_by"], utc(r["decided_at"]), r["decision_reason"],
                    queue=r["queue"])
