"""Policy activations: which policy version was put in force, when, by whom and why."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from ordex.adapters.db import tables as t


def record_activation(engine: Engine, *, version: str, effective_from: datetime, sha256: str,
                      body: str, at: datetime, by: str, reason: str) -> None:
    """Store an activated policy (append-only: a version is activated once)."""
    with engine.begin() as conn:
        conn.execute(t.policies.insert(), [{
            "version": version, "effective_from": effective_from, "sha256": sha256,
            "body": body, "activated_at": at, "activated_by": by, "reason": reason}])
        conn.execute(t.events.insert(), [{"kind": "PolicyActivated", "at": at, "payload": {
            "version": version, "sha256": sha256, "by": by, "reason": reason,
            "effective_from": effective_from.isoformat()}}])


def active_policy(db: Engine | Connection, *, at: datetime) -> tuple[str, str] | None:
    """(version, body) of the policy in force at a moment: latest effective, then activated."""
    query = (select(t.policies.c.version, t.policies.c.body, t.policies.c.effective_from)
             .order_by(t.policies.c.effective_from.desc(), t.policies.c.activated_at.desc()))
    with db.connect() if isinstance(db, Engine) else nullcontext(db) as conn:
        for row in conn.execute(query).mappings():
            effective = row["effective_from"]
            if effective.tzinfo is None:
                effective = effective.replace(tzinfo=UTC)
            if effective <= at:
                return row["version"], row["body"]
    return None


def policy_versions(engine: Engine) -> list[dict[str, Any]]:
    """Every activated policy, newest first."""
    query = select(t.policies.c.version, t.policies.c.effective_from, t.policies.c.sha256,
                   t.policies.c.activated_at, t.policies.c.activated_by,
                   t.policies.c.reason).order_by(t.policies.c.activated_at.desc())
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]
