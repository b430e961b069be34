"""The Roster port (orchestrate/assign.py) on the unit of work's connection: who works the
queues, their open-case counts, absences and each queue's round-robin turn (docs/assignment.md).

Everything runs in the unit of work's transaction; `hold` takes PostgreSQL transaction
advisory locks (SQLite's write lock already holds the whole database).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime

from sqlalchemy import Connection, delete, func, select, update

from ordex.adapters.db import tables as t
from ordex.adapters.db.claims import as_utc
from ordex.adapters.db.identity_repo import user_from_row
from ordex.adapters.db.state_repo import utc
from ordex.domain.assignment import Absence
from ordex.domain.cases import CaseState
from ordex.domain.identity import User

U, A, C, T = t.users, t.absences, t.cases, t.assignment_turns
S = CaseState
HELD = (S.ASSIGNED.value, S.IN_PROGRESS.value, S.AWAITING_APPROVAL.value, S.PAUSED.value)
"""The states in which a case counts against its assignee's capacity."""
_CHUNK = 900
Lock = Callable[[Iterable[tuple[str, str]]], None]


def _chunks(values: Collection[str]) -> Iterable[list[str]]:
    ordered = sorted(set(values))
    for i in range(0, len(ordered), _CHUNK):
        yield ordered[i:i + _CHUNK]


def _at(value: datetime) -> datetime:
    return utc(value) or value


class SqlRoster:
    """Users, loads, absences and turns on one connection."""

    def __init__(self, conn: Connection, *, lock: Lock) -> None:
        self.conn, self.lock = conn, lock

    def hold(self, *, queues: Collection[str] = (), users: Collection[str] = ()) -> None:
        """Lock queues' turns and people's loads (advisory locks, one sorted order)."""
        self.lock([*(("aq", q) for q in queues), *(("au", u) for u in users)])

    def team(self, queues: Collection[str]) -> list[User]:
        """Active users working any of these queues (the users table is small: one read)."""
        wanted = set(queues)
        rows = self.conn.execute(select(U).where(U.c.active.is_(True))
                                 .order_by(U.c.user_id)).mappings()
        return [u for u in map(user_from_row, rows) if wanted & set(u.queues)]

    def user(self, user_id: str) -> User | None:
        """One user (active or not)."""
        row = self.conn.execute(select(U).where(U.c.user_id == user_id)).mappings().first()
        return user_from_row(row) if row else None

    def loads(self, user_ids: Collection[str]) -> dict[str, int]:
        """Open cases held by each user (one grouped query per 900 users)."""
        found: dict[str, int] = {}
        for chunk in _chunks(user_ids):
            query = (select(C.c.assignee, func.count()).where(
                C.c.assignee.in_(chunk), C.c.state.in_(HELD)).group_by(C.c.assignee))
            found.update({who: int(n) for who, n in self.conn.execute(query)})
        return found

    def away(self, user_ids: Collection[str], *, at: datetime) -> set[str]:
        """Those of these users with an absence covering `at`."""
        found: set[str] = set()
        moment = as_utc(at)
        for chunk in _chunks(user_ids):
            found |= set(self.conn.execute(select(A.c.user_id).where(
                A.c.user_id.in_(chunk), A.c.starts_at <= moment, A.c.ends_at > moment)).scalars())
        return found

    def turns(self, queues: Collection[str]) -> dict[str, str]:
        """Each queue's last round-robin pick."""
        rows = self.conn.execute(select(T.c.queue, T.c.user_id).where(T.c.queue.in_(
            sorted(set(queues)))))
        return {q: u for q, u in rows}

    def save_turns(self, turns: Mapping[str, str], *, at: datetime) -> None:
        """Store each queue's last pick (the queues are held: nobody else writes them now)."""
        if not turns:
            return
        self.conn.execute(delete(T).where(T.c.queue.in_(sorted(turns))))
        self.conn.execute(T.insert(), [{"queue": q, "user_id": u, "updated_at": as_utc(at)}
                                       for q, u in sorted(turns.items())])

    def cases_of(self, user_id: str) -> list[tuple[str, str | None]]:
        """(case id, order id) of the open cases a user holds, oldest first."""
        query = (select(C.c.case_id, C.c.order_id).where(C.c.assignee == user_id,
                                                         C.c.state.in_(HELD))
                 .order_by(C.c.opened_at, C.c.case_id))
        return [(case_id, order_id) for case_id, order_id in self.conn.execute(query)]

    def waiting(self, queues: Collection[str], *, limit: int) -> list[tuple[str, str | None]]:
        """Open, unassigned cases of these queues: highest priority, then oldest, first."""
        query = (select(C.c.case_id, C.c.order_id).where(
            C.c.state == S.OPEN.value, C.c.assignee.is_(None), C.c.queue.in_(sorted(queues)))
            .order_by(C.c.priority.desc(), C.c.opened_at, C.c.case_id).limit(max(limit, 0)))
        return [(case_id, order_id) for case_id, order_id in self.conn.execute(query)]

    def add_absence(self, absence: Absence, *, at: datetime, by: str) -> None:
        """Store an absence."""
        self.conn.execute(A.insert(), [{
            "user_id": absence.user_id, "starts_at": as_utc(absence.starts),
            "ends_at": as_utc(absence.ends),
            "reason": absence.reason[:500], "recorded_at": as_utc(at), "recorded_by": by[:100]}])

    def absences(self, user_id: str) -> list[Absence]:
        """A user's absences, by start."""
        rows = self.conn.execute(select(A).where(A.c.user_id == user_id)
                                 .order_by(A.c.starts_at)).mappings()
        return [Absence(r["user_id"], _at(r["starts_at"]), _at(r["ends_at"]), r["reason"])
                for r in rows]

    def end_absences(self, user_id: str, *, at: datetime) -> int:
        """End absences in force at `at`; those still to come end before they start."""
        at = as_utc(at)
        now_ = self.conn.execute(update(A).where(
            A.c.user_id == user_id, A.c.starts_at <= at, A.c.ends_at > at).values(ends_at=at))
        later = self.conn.execute(update(A).where(A.c.user_id == user_id, A.c.starts_at > at)
                                  .values(ends_at=A.c.starts_at))
        return int(now_.rowcount or 0) + int(later.rowcount or 0)
