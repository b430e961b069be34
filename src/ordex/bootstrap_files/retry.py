"""Automatic retry of quarantined input with backoff, then routing to people.

An open INTEGRATION_FAILURE case is replayed when its retry is due: `base_hours` after it
opened, then after 2×, 4×, … that interval. Every attempt is written to the audit log
(action `retry`); a replay that now reads resolves the case (action RETRY). After
`max_attempts` failed attempts the case is escalated (action `escalate`) and left to the
integration queue's people; it is not retried again. Run it from a scheduler or a worker
(`ordex retry`); it is idempotent for a given `now`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from ordex.adapters.db import tables as t
from ordex.adapters.db.state_repo import utc
from ordex.domain.cases import AuditEntry
from ordex.orchestrate.changes import Changes

if TYPE_CHECKING:
    from ordex.bootstrap_files import FileIntake

ACTOR = "ordex-retry"


def _attempts(intake: FileIntake) -> list[dict[str, Any]]:
    """Open failure cases with their raw payload, opening time, attempts and last attempt."""
    c, a = t.cases, t.audit_log
    tries = (select(a.c.case_id, func.count().label("n"), func.max(a.c.at).label("last"))
             .where(a.c.action.in_(("retry", "escalate"))).group_by(a.c.case_id).subquery())
    query = (select(c.c.case_id, c.c.evidence, c.c.opened_at, tries.c.n, tries.c.last)
             .outerjoin(tries, tries.c.case_id == c.c.case_id)
             .where(c.c.code == "INTEGRATION_FAILURE", c.c.state == "open"))
    with intake.app.engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def _due(row: dict[str, Any], now: datetime, base: timedelta, max_attempts: int) -> bool:
    attempts = row["n"] or 0
    if attempts >= max_attempts:
        return False
    since = utc(row["last"]) if attempts else utc(row["opened_at"])
    return since is not None and now >= since + base * (2 ** attempts)


def retry_due(intake: FileIntake, *, now: datetime, base_hours: float = 1.0,
              max_attempts: int = 4) -> dict[str, Any]:
    """Replay every quarantined payload with a retry due; audit, resolve or escalate."""
    base = timedelta(hours=base_hours)
    due = [r for r in _attempts(intake) if _due(r, now, base, max_attempts)]
    by_raw: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in due:
        by_raw[str(row["evidence"].get("raw_id"))].append(row)
    resolved: list[str] = []
    notes: list[AuditEntry] = []
    for rows in by_raw.values():
        outcome = intake.replay(rows[0]["case_id"], actor=ACTOR)
        resolved += outcome["resolved"]
        for row in rows:
            if row["case_id"] in outcome["resolved"]:
                continue
            n = (row["n"] or 0) + 1
            notes.append(AuditEntry(row["case_id"], now, ACTOR, "retry", "open", "open",
                                    f"retry {n} of {max_attempts}: the payload still fails"))
            if n >= max_attempts:
                notes.append(AuditEntry(row["case_id"], now, ACTOR, "escalate", "open", "open",
                                        f"{max_attempts} retries failed: needs a person"))
    if notes:
        intake.app.store.save(Changes(audit=notes))
    return {"due": len(due), "resolved": sorted(resolved),
            "still_failing": sorted({n.case_id for n in notes}),
            "escalated": sorted(n.case_id for n in notes if n.action == "escalate")}
