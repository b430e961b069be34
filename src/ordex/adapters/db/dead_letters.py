"""Dead letters in the outbox: moving a message there with its case, and replaying it.

Both are one transaction: the message's state and its INTEGRATION_FAILURE case (opened, or
resolved by the replay) with their audit entries, so a crash never leaves a dead letter
without its case or a replayed message with its case still open.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from ordex.adapters.db import tables as t
from ordex.adapters.db.claims import MAX_ERROR_CHARS, as_utc
from ordex.adapters.db.dialect import write_transaction
from ordex.adapters.db.state_repo import case_from_row
from ordex.adapters.db.store import write_changes
from ordex.domain.cases import Case, CaseState, case_id_for
from ordex.domain.codes import ExceptionCode
from ordex.domain.errors import IllegalTransitionError, UnknownOutboxMessageError
from ordex.orchestrate.changes import Changes
from ordex.orchestrate.dead_letters import dead_letter_subject
from ordex.orchestrate.work import OutboxState

OB = t.outbox
PENDING, DEAD = OutboxState.PENDING.value, OutboxState.DEAD.value


def dead_letter(engine: Engine, cases: Mapping[str, Case], *, worker: str,
                at: datetime) -> list[str]:
    """Dead-letter each message `worker` still holds and open its case; the ids moved."""
    moved: list[str] = []
    with write_transaction(engine) as conn:
        for mid, case in cases.items():
            error = str(case.evidence.get("last_error", ""))[:MAX_ERROR_CHARS]
            done = conn.execute(
                update(OB).where(OB.c.message_id == mid, OB.c.state == PENDING,
                                 OB.c.claimed_by == worker)
                .values(state=DEAD, dead_at=as_utc(at), attempts=OB.c.attempts + 1,
                        last_error=error, next_attempt_at=None, claimed_by=None,
                        lease_until=None))
            if done.rowcount:
                moved.append(mid)
        opened = [cases[m] for m in moved]
        known = _existing(conn, [c.case_id for c in opened])
        fresh = [c for c in opened if c.case_id not in known]
        write_changes(conn, Changes(new_cases={c.case_id: c for c in fresh},
                                    audit=[h for c in fresh for h in c.history]))
    return moved


def replay(engine: Engine, ident: str, *, actor: str, at: datetime) -> dict[str, Any]:
    """Put a dead letter back to pending (by message id or its case id); resolve its case."""
    with write_transaction(engine) as conn:
        mid = _message_id(conn, ident)
        row = conn.execute(select(OB).where(OB.c.message_id == mid)
                           .with_for_update()).mappings().first()
        if row is None:
            raise UnknownOutboxMessageError(f"no outbox message {mid}", message_id=mid)
        if row["state"] != DEAD:
            raise IllegalTransitionError(
                f"outbox message {mid} is {row['state']}: only a dead letter can be replayed",
                message_id=mid, state=row["state"])
        case_id = case_id_for(dead_letter_subject(mid, row["replays"]),
                              ExceptionCode.INTEGRATION_FAILURE)
        conn.execute(update(OB).where(OB.c.message_id == mid, OB.c.state == DEAD)
                     .values(state=PENDING, attempts=0, next_attempt_at=None, dead_at=None,
                             replays=OB.c.replays + 1, claimed_by=None, lease_until=None))
        resolved = _resolve(conn, case_id, actor=actor, at=at)
    return {"message_id": mid, "state": PENDING, "replays": row["replays"] + 1,
            "case_id": case_id, "case_resolved": resolved, "last_error": row["last_error"]}


def _message_id(conn: Connection, ident: str) -> str:
    """The message a case id names (its evidence), or `ident` itself."""
    if not ident.endswith(f":{ExceptionCode.INTEGRATION_FAILURE.value}"):
        return ident
    found = conn.execute(select(t.cases.c.evidence).where(t.cases.c.case_id == ident)).first()
    if found is None or not (found[0] or {}).get("message_id"):
        raise UnknownOutboxMessageError(f"case {ident} names no outbox message", case_id=ident)
    return str(found[0]["message_id"])


def _resolve(conn: Connection, case_id: str, *, actor: str, at: datetime) -> bool:
    """Resolve the dead letter's case if it is still open (action RETRY)."""
    row = conn.execute(select(t.cases).where(t.cases.c.case_id == case_id)).mappings().first()
    if row is None:
        return False
    case = case_from_row(row)
    if case.state not in (CaseState.OPEN, CaseState.IN_PROGRESS):
        return False
    entry = case.move(CaseState.RESOLVED, actor=actor, at=at, action="RETRY",
                      reason=f"replayed by {actor}: the message is pending delivery again")
    write_changes(conn, Changes(dirty_cases={case_id: case}, audit=[entry]))
    return True


def _existing(conn: Connection, case_ids: list[str]) -> set[str]:
    if not case_ids:
        return set()
    return set(conn.execute(select(t.cases.c.case_id)
                            .where(t.cases.c.case_id.in_(case_ids))).scalars())
