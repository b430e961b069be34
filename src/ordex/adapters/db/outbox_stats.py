"""How the outbox is doing: counts per state, the oldest pending message, rate and lag."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select

from ordex.adapters.db import tables as t
from ordex.adapters.db.claims import as_utc
from ordex.adapters.db.state_repo import utc
from ordex.orchestrate.work import OutboxState

OB = t.outbox
WINDOW = timedelta(minutes=15)
"""The delivery rate and the lag are over the messages sent in the last 15 minutes."""
LAG_SAMPLE = 10_000
"""The lag percentiles are over at most the latest 10,000 of them (bounded memory)."""


def outbox_stats(engine: Engine, *, now: datetime) -> dict[str, Any]:
    """The outbox's KPIs as of `now` (docs/erp.md, "Delivery metrics")."""
    now, since = as_utc(now), as_utc(now) - WINDOW
    pending = OB.c.state == OutboxState.PENDING.value
    held = pending & OB.c.lease_until.is_not(None) & (OB.c.lease_until > now)
    with engine.connect() as conn:
        by_state = dict(conn.execute(select(OB.c.state, func.count())
                                     .group_by(OB.c.state)).all())
        in_flight = conn.execute(select(func.count()).where(held)).scalar_one()
        retrying = conn.execute(select(func.count())
                                .where(pending & (OB.c.attempts > 0))).scalar_one()
        failed = conn.execute(select(func.coalesce(func.sum(OB.c.attempts), 0))).scalar_one()
        oldest = conn.execute(select(func.min(OB.c.created_at)).where(pending)).scalar_one()
        recent = conn.execute(select(func.count()).where(OB.c.sent_at >= since)).scalar_one()
        sample = conn.execute(select(OB.c.created_at, OB.c.sent_at)
                              .where(OB.c.sent_at >= since)
                              .order_by(OB.c.sent_at.desc()).limit(LAG_SAMPLE)).all()
    lags = sorted(max(0.0, ((utc(s) or now) - (utc(c) or now)).total_seconds())
                  for c, s in sample)
    oldest_at = utc(oldest)
    total_pending = by_state.get(OutboxState.PENDING.value, 0)
    return {"pending": total_pending - in_flight, "in_flight": in_flight,
            "sent": by_state.get(OutboxState.SENT.value, 0),
            "dead": by_state.get(OutboxState.DEAD.value, 0), "retrying": retrying,
            "failed_attempts": int(failed),
            "oldest_pending_age_seconds": (now - oldest_at).total_seconds() if oldest_at
            else None,
            "delivered_last_15_min": recent,
            "delivered_per_minute": round(recent / (WINDOW.total_seconds() / 60), 3),
            "lag_p50_seconds": _rank(lags, 0.50), "lag_p95_seconds": _rank(lags, 0.95),
            "as_of": now.isoformat()}


def _rank(values: list[float], q: float) -> float | None:
    """The nearest-rank percentile of sorted values (None when there are none)."""
    if not values:
        return None
    return round(values[max(0, math.ceil(q * len(values)) - 1)], 3)
