"""Notification rows, their deliveries and subscriptions, on SQLite and PostgreSQL.

Routing and claiming are short transactions of their own; both lock the rows they take
`FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite: `BEGIN IMMEDIATE`, one writer at a time), so
concurrent workers take disjoint rows. The delivery key is the primary key of
`notification_deliveries`: a notification routed twice writes each delivery once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, or_, select, update
from sqlalchemy.engine import Connection

from ordex.adapters.db import tables as t
from ordex.adapters.db.claims import MAX_ERROR_CHARS, as_utc
from ordex.adapters.db.dialect import insert_ignoring_duplicates, write_transaction
from ordex.orchestrate.notify import (
    ClaimedNotice,
    DeliveryState,
    Digest,
    Event,
    NewDelivery,
    Notice,
    People,
    Subscription,
    event_type_of,
)
from ordex.orchestrate.ports import Router

N, D, S, U = t.notifications, t.notification_deliveries, t.subscriptions, t.users
PENDING, COLLECTED = DeliveryState.PENDING.value, DeliveryState.COLLECTED.value
ROUTED = "routed"
"""A notification row whose deliveries are written (its `state`; `pending` before)."""


def utc(value: datetime) -> datetime:
    """A stored time, aware (SQLite hands them back without a timezone; all are UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _event(row: Mapping[str, Any]) -> Event:
    payload = row["payload"] or {}
    return Event(row["notification_id"], event_type_of(row["kind"]), utc(row["created_at"]),
                 payload, row["recipient"], row["case_id"], row["queue"] or payload.get("queue"),
                 row["customer_id"], row["order_id"])


def _subscription(row: Mapping[str, Any]) -> Subscription:
    return Subscription(row["subscription_id"], row["event_type"], row["target"], row["queue"],
                        row["customer_id"], row["secret_env"], row["digest"])


def _people(conn: Connection) -> People:
    people = People()
    rows = conn.execute(select(U.c.user_id, U.c.email, U.c.roles)
                        .where(U.c.active.is_(True), U.c.notify_opt_out.is_(False)))
    for user_id, email, roles in rows:
        people.by_user[user_id] = email
        for role in roles or []:
            people.by_role.setdefault(role, []).append(email)
    return people


def _row(d: NewDelivery, now: datetime) -> dict[str, Any]:
    return {"delivery_key": d.delivery_key, "notification_id": d.notification_id,
            "digest_key": d.digest_key, "event_type": d.event_type, "target": d.target,
            "subscription_id": d.subscription_id, "secret_env": d.secret_env,
            "state": COLLECTED if d.collected else PENDING, "due_at": as_utc(d.due_at),
            "attempts": 0, "created_at": now}


def route_pending(engine: Engine, router: Router, *, limit: int, now: datetime) -> int:
    """Route up to `limit` pending notifications, oldest first; how many were routed."""
    now = as_utc(now)
    picked = (select(N).where(N.c.state == PENDING).order_by(N.c.notification_id)
              .limit(limit).with_for_update(skip_locked=True))
    with write_transaction(engine) as conn:
        events = [_event(r) for r in conn.execute(picked).mappings()]
        if not events:
            return 0
        types = {e.event_type for e in events}
        subs = [_subscription(r) for r in conn.execute(
            select(S).where(S.c.event_type.in_(types)).order_by(S.c.subscription_id))
            .mappings()]
        deliveries = router(events, subs, _people(conn), now=now)
        insert_ignoring_duplicates(conn, D, [_row(d, now) for d in deliveries])
        ids = [e.notification_id for e in events]
        conn.execute(update(N).where(N.c.notification_id.in_(ids))
                     .values(state=ROUTED, routed_at=now))
    return len(events)


def claim_deliveries(engine: Engine, *, worker: str, limit: int, lease: timedelta,
                     now: datetime) -> list[ClaimedNotice]:
    """Claim up to `limit` due deliveries (queued, or under a lease that has expired)."""
    if limit < 1:
        return []
    now = as_utc(now)
    picked = (select(D.c.delivery_key).where(
        D.c.state == PENDING, D.c.due_at <= now,
        or_(D.c.lease_until.is_(None), D.c.lease_until < now))
        .order_by(D.c.due_at, D.c.delivery_key).limit(limit).with_for_update(skip_locked=True))
    stmt = (update(D).where(D.c.delivery_key.in_(picked.scalar_subquery()))
            .values(claimed_by=worker, lease_until=now + lease).returning(*D.c))
    with write_transaction(engine) as conn:
        rows = sorted((dict(r) for r in conn.execute(stmt).mappings()),
                      key=lambda r: (utc(r["due_at"]), r["delivery_key"]))
        single = [r["notification_id"] for r in rows if r["digest_key"] != r["delivery_key"]]
        events = {e["notification_id"]: e for e in conn.execute(
            select(N).where(N.c.notification_id.in_(single))).mappings()} if single else {}
        return [ClaimedNotice(_notice(conn, r, events), r["attempts"]) for r in rows]


def _notice(conn: Connection, row: Mapping[str, Any],
            events: Mapping[int, Mapping[str, Any]]) -> Notice:
    """The notice of a claimed delivery: its event (read with the batch's), or a digest's
    collected events (one query per digest: a handful per period)."""
    key = row["delivery_key"]
    if row["digest_key"] == key:
        found = conn.execute(select(N).join(D, D.c.notification_id == N.c.notification_id)
                             .where(D.c.digest_key == key, D.c.state == COLLECTED)
                             .order_by(N.c.notification_id)).mappings()
        end = utc(row["due_at"])
        start = datetime.strptime(key.rsplit(":", 1)[1] + "+0000", "%Y%m%dT%H%M%z")
        digest = Digest.HOURLY if end - start <= timedelta(hours=1) else Digest.DAILY
        return Notice(key, row["event_type"], row["target"], tuple(_event(r) for r in found),
                      row["secret_env"], digest.value, (start, end))
    event = events[row["notification_id"]]
    return Notice(key, row["event_type"], row["target"], (_event(event),), row["secret_env"])


def mark_sent(engine: Engine, key: str, *, at: datetime) -> None:
    """Record the delivery as sent (by whichever worker: it did go out), with its digest."""
    at = as_utc(at)
    with write_transaction(engine) as conn:
        conn.execute(update(D).where(D.c.delivery_key == key, D.c.state == PENDING)
                     .values(state=DeliveryState.SENT.value, sent_at=at, lease_until=None))
        conn.execute(update(D).where(D.c.digest_key == key, D.c.state == COLLECTED)
                     .values(state=DeliveryState.SENT.value, sent_at=at))


def mark_failed(engine: Engine, key: str, *, worker: str, error: str,
                retry_at: datetime | None) -> None:
    """Record a failed attempt of a delivery `worker` holds: due again, or failed for good."""
    values: dict[str, Any] = {"attempts": D.c.attempts + 1, "last_error": error[:MAX_ERROR_CHARS],
                              "claimed_by": None, "lease_until": None}
    if retry_at is None:
        values["state"] = DeliveryState.FAILED.value
    else:
        values["due_at"] = as_utc(retry_at)
    with write_transaction(engine) as conn:
        conn.execute(update(D).where(D.c.delivery_key == key, D.c.state == PENDING,
                                     D.c.claimed_by == worker).values(**values))


def delivery_stats(engine: Engine) -> dict[str, Any]:
    """Notifications per state and deliveries per state and event type."""
    with engine.connect() as conn:
        rows = conn.execute(select(N.c.state, func.count()).group_by(N.c.state)).all()
        by = conn.execute(select(D.c.event_type, D.c.state, func.count())
                          .group_by(D.c.event_type, D.c.state)).all()
    deliveries: dict[str, dict[str, int]] = {}
    for event_type, state, n in by:
        deliveries.setdefault(event_type, {})[state] = int(n)
    return {"notifications": {state: int(n) for state, n in rows}, "deliveries": deliveries}


class SqlNotifications:
    """The NotificationStore port on the notification tables."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def route_pending(self, router: Router, *, limit: int, now: datetime) -> int:
        """Route pending notifications (see `route_pending`)."""
        return route_pending(self.engine, router, limit=limit, now=now)

    def claim_deliveries(self, *, worker: str, limit: int, lease: timedelta,
                         now: datetime) -> list[ClaimedNotice]:
        """Claim due deliveries (see `claim_deliveries`)."""
        return claim_deliveries(self.engine, worker=worker, limit=limit, lease=lease, now=now)

    def mark_sent(self, delivery_key: str, *, worker: str, at: datetime) -> None:
        """Record a delivery as sent."""
        mark_sent(self.engine, delivery_key, at=at)

    def mark_failed(self, delivery_key: str, *, worker: str, error: str,
                    retry_at: datetime | None) -> None:
        """Record a failed attempt."""
        mark_failed(self.engine, delivery_key, worker=worker, error=error, retry_at=retry_at)

    def deliveries(self) -> Sequence[dict[str, Any]]:
        """Every delivery row, oldest first (tests and tools)."""
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(
                select(D).order_by(D.c.created_at, D.c.delivery_key)).mappings()]
