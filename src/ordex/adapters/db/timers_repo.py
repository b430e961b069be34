"""The TimerStore port: cases' SLA and escalation timers on the work_items table.

Timers are found by their case through `ix_work_items_subject`; a paused case's timers are
PARKED (never claimed) with the due time they had, and queued again at their moved time when it
resumes. Everything runs in the unit of work's transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy import Connection, bindparam, select, update

from ordex.adapters.db import tables as t
from ordex.adapters.db.claims import as_utc
from ordex.adapters.db.state_repo import case_from_row, utc
from ordex.domain.cases import Case
from ordex.orchestrate.work import WorkKind, WorkState, moves_into

W = t.work_items
TIMER = WorkKind.TIMER.value
_CHUNK = 900


class SqlTimers:
    """Timers of cases on one connection (the unit of work's)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def cases(self, case_ids: Collection[str]) -> dict[str, Case]:
        """These cases as stored, by id (a query per 900 ids)."""
        ordered, found = sorted(set(case_ids)), {}
        for i in range(0, len(ordered), _CHUNK):
            for row in self.conn.execute(select(t.cases).where(
                    t.cases.c.case_id.in_(ordered[i:i + _CHUNK]))).mappings():
                found[row["case_id"]] = case_from_row(row)
        return found

    def park(self, case_id: str) -> int:
        """Park the case's waiting timers; a claimed one is taken from its worker too."""
        waiting = [s.value for s in moves_into(WorkState.PARKED)]
        result = self.conn.execute(update(W).where(
            W.c.kind == TIMER, W.c.subject == case_id, W.c.state.in_(waiting)).values(
            state=WorkState.PARKED.value, claimed_by=None, lease_until=None))
        return int(result.rowcount)

    def park_claimed(self, work_ids: Collection[int], *, worker: str) -> None:
        """Park timers this worker holds (their case is paused)."""
        if work_ids:
            self.conn.execute(update(W).where(
                W.c.id.in_(sorted(work_ids)), W.c.state == WorkState.CLAIMED.value,
                W.c.claimed_by == worker).values(state=WorkState.PARKED.value,
                                                 claimed_by=None, lease_until=None))

    def parked(self, case_id: str) -> dict[int, datetime]:
        """The case's parked timers and their due times."""
        rows = self.conn.execute(select(W.c.id, W.c.not_before).where(
            W.c.kind == TIMER, W.c.subject == case_id, W.c.state == WorkState.PARKED.value))
        return {r.id: utc(r.not_before) or r.not_before for r in rows}

    def requeue(self, due: Mapping[int, datetime]) -> None:
        """Queue parked timers again at their new due times."""
        if due:
            self.conn.execute(update(W).where(
                W.c.id == bindparam("b_id"), W.c.state == WorkState.PARKED.value).values(
                state=WorkState.QUEUED.value, not_before=bindparam("b_due")),
                [{"b_id": i, "b_due": as_utc(at)} for i, at in sorted(due.items())])
