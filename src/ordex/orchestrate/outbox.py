"""Deliver outbox messages to the ERP connector, in order within each order, in batches."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from ordex.orchestrate.ports import ErpConnector, Outbox, OutboxClaims
from ordex.orchestrate.retry import RetryPolicy
from ordex.orchestrate.work import ClaimedMessage

log = logging.getLogger(__name__)

DELIVERY_RETRY = RetryPolicy(base=timedelta(seconds=5), cap=timedelta(minutes=30),
                             max_attempts=1_000_000)
"""Deliveries back off to the cap and keep trying: a command is never dropped silently
(issue 12 turns one that keeps failing into an INTEGRATION_FAILURE case)."""


def dispatch(outbox: Outbox, erp: ErpConnector, *, now: datetime, batch: int = 5000) -> int:
    """Send everything pending; a crash between send and mark resends, which the ERP ignores."""
    sent = 0
    while messages := outbox.pending(limit=batch):
        erp.send(messages)
        outbox.mark_sent([m.message_id for m in messages], at=now)
        sent += len(messages)
    return sent


def deliver(claims: OutboxClaims, erp: ErpConnector, *, worker: str, now: datetime,
            limit: int, lease: timedelta = timedelta(minutes=5),
            policy: RetryPolicy = DELIVERY_RETRY,
            rand: Callable[[], float] = random.random) -> int:
    """Claim due messages, send them, mark them sent; return how many were sent.

    Orders whose messages never failed go in one call; an order with a message that failed
    before goes alone, so one command the ERP refuses cannot hold back other orders. A failed
    call backs its messages off; the order's later messages wait behind them.
    """
    claimed = claims.claim_outbox(worker=worker, limit=limit, lease=lease, now=now)
    failed_before = {c.message.command.order_id for c in claimed if c.attempts}
    calls: dict[str | None, list[ClaimedMessage]] = {None: []}
    for c in claimed:
        order = c.message.command.order_id
        calls.setdefault(order if order in failed_before else None, []).append(c)
    return sum(_send(claims, erp, group, worker=worker, now=now, policy=policy, rand=rand)
               for group in calls.values() if group)


def _send(claims: OutboxClaims, erp: ErpConnector, group: list[ClaimedMessage], *,
          worker: str, now: datetime, policy: RetryPolicy, rand: Callable[[], float]) -> int:
    """One connector call; on failure every message in it is due again after its backoff."""
    try:
        erp.send([c.message for c in group])
    except Exception as exc:  # any connector failure: the messages stay and retry later
        log.warning("ERP delivery of %d message(s) failed: %s", len(group), exc)
        claims.mark_failed({c.message.message_id: now + policy.delay(c.attempts + 1, rand=rand())
                            for c in group}, worker=worker, error=f"{type(exc).__name__}: {exc}")
        return 0
    claims.mark_sent([c.message.message_id for c in group], at=now)
    return len(group)
