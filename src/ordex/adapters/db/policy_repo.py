"""Policy activations: which policy version was put in force, when, by whom and why."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, inspect, select

from ordex.adapters.db import tables as t
from ordex.adapters.db.audit_repo import append_audit
from ordex.config import Settings
from ordex.decide.rules import PolicyDocument, load_policy, parse_policy
from ordex.domain.cases import AuditEntry


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
        append_audit(conn, [AuditEntry(
            "policy", at, by[:100], "activate", None, "active",
            f"version {version} (sha256 {sha256[:12]}) in force from "
            f"{effective_from.isoformat()}: {reason}")])


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


SHIPPED_POLICY = Path(__file__).resolve().parents[4] / "policies" / "default.yaml"


def policy_path(settings: Settings) -> Path:
    """The policy file from settings, else the one shipped with ordex."""
    return settings.policy_file or SHIPPED_POLICY


def policy_in_force(engine: Engine | Connection, settings: Settings, *,
                    at: datetime) -> PolicyDocument:
    """The latest activated policy effective at `at`, else the configured policy file."""
    # before `ordex migrate` there is no policies table: only then is the file in force
    found = active_policy(engine, at=at) if inspect(engine).has_table("policies") else None
    if found is not None:
        return _parsed(found[1], f"activated policy {found[0]}")
    path = policy_path(settings)
    try:
        stamp = path.stat()
    except OSError:
        return load_policy(path)[0]  # says plainly what is wrong with the path
    return _loaded(path, stamp.st_mtime_ns, stamp.st_size)


@lru_cache(maxsize=16)
def _parsed(text: str, source: str) -> PolicyDocument:
    """A policy text parsed once per process (every unit of work asks; documents are frozen)."""
    return parse_policy(text, source=source)[0]


@lru_cache(maxsize=16)
def _loaded(path: Path, _mtime_ns: int, _size: int) -> PolicyDocument:
    """A policy file read once per version of it on disk."""
    return load_policy(path)[0]


def activate(engine: Engine, path: Path, *, by: str, reason: str, at: datetime) -> PolicyDocument:
    """Validate a policy file and record its activation (an audited act)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    doc, digest = parse_policy(text, source=str(path)) if text else load_policy(path)
    record_activation(engine, version=doc.version, effective_from=doc.effective_from,
                      sha256=digest, body=text, at=at, by=by, reason=reason)
    return doc
