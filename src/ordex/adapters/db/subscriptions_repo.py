"""Subscriptions to notifications, and the per-user opt-out of personal notices."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, delete, select, update

from ordex.adapters.db import tables as t
from ordex.adapters.db.claims import as_utc
from ordex.adapters.db.notifications_repo import utc
from ordex.domain.codes import Queue
from ordex.orchestrate.notify import Digest, NotificationError, Subscription, parse_event_type

S = t.subscriptions
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
EMAIL = re.compile(r"^[^@\s<>,]+@[^@\s<>,]+\.[^@\s<>,]+$")


def check_target(target: str) -> str:
    """A mailto: address or an http(s):// URL with a host, or a clear error."""
    if target.startswith("mailto:"):
        if not EMAIL.match(target[7:]):
            raise NotificationError(f"to: {target!r} is not a mailto: address", field="to")
        return target
    parts = urlsplit(target)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise NotificationError(f"to: expected mailto:ADDRESS or https://HOST/..., not "
                                f"{target!r}", field="to")
    return target


def new_subscription(*, event: str, to: str, queue: str | None = None,
                     customer: str | None = None, secret_env: str | None = None,
                     digest: str | None = None) -> Subscription:
    """A checked subscription with a fresh id."""
    event_type = parse_event_type(event)
    target = check_target(to.strip())
    if secret_env is not None and not ENV_NAME.match(secret_env):
        raise NotificationError(f"secret-env: {secret_env!r} is not an environment variable "
                                "name", field="secret-env")
    if secret_env is not None and target.startswith("mailto:"):
        raise NotificationError("secret-env: only webhooks are signed", field="secret-env")
    if queue and queue not in {q.value for q in Queue}:
        raise NotificationError(f"queue: unknown queue {queue!r} (queues: "
                                f"{', '.join(q.value for q in Queue)})", field="queue")
    if digest is not None and digest not in {d.value for d in Digest}:
        raise NotificationError(f"digest: expected hourly or daily, not {digest!r}",
                                field="digest")
    return Subscription(f"sub-{secrets.token_hex(6)}", event_type.value, target,
                        queue or None, customer or None, secret_env, digest)


def add(engine: Engine, sub: Subscription, *, now: datetime, by: str) -> None:
    """Store a subscription."""
    with engine.begin() as conn:
        conn.execute(S.insert().values(
            subscription_id=sub.subscription_id, event_type=sub.event_type, queue=sub.queue,
            customer_id=sub.customer_id, target=sub.target, secret_env=sub.secret_env,
            digest=sub.digest, created_at=as_utc(now), created_by=by))


def listed(engine: Engine) -> list[dict[str, Any]]:
    """Every subscription, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(S).order_by(S.c.created_at, S.c.subscription_id)).mappings()
        return [{"subscription_id": r["subscription_id"], "event": r["event_type"],
                 "queue": r["queue"], "customer": r["customer_id"], "to": r["target"],
                 "secret_env": r["secret_env"], "digest": r["digest"],
                 "created_at": utc(r["created_at"]).isoformat(), "created_by": r["created_by"]}
                for r in rows]


def remove(engine: Engine, subscription_id: str) -> None:
    """Delete a subscription (deliveries already written still go out)."""
    with engine.begin() as conn:
        if not conn.execute(delete(S).where(S.c.subscription_id == subscription_id)).rowcount:
            raise NotificationError(f"id: no subscription {subscription_id!r}", field="id")


def set_opt_out(engine: Engine, user_id: str, opt_out: bool) -> None:
    """Stop (or start again) a user's personal notices."""
    with engine.begin() as conn:
        found = conn.execute(update(t.users).where(t.users.c.user_id == user_id)
                             .values(notify_opt_out=opt_out)).rowcount
        if not found:
            raise NotificationError(f"user: no user {user_id!r}", field="user")
