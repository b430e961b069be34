"""Deliver notifications from workers: route pending events, then send what is due.

Each delivery has a key (`<notification>:<target>`, or the digest's key), written once, so a
notification reaches each channel once however many workers route it; the key is the e-mail's
Message-ID and the CloudEvent's id, so a receiver can drop a resend after a lost answer. A
failed send backs off like the outbox (full jitter, Retry-After as the least wait) and fails
for good after the policy's attempts or at once when the channel calls it permanent.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from ordex.orchestrate.notify import route
from ordex.orchestrate.ports import NotificationStore, Notifier
from ordex.orchestrate.retry import RetryPolicy
from ordex.orchestrate.work import SendFailure

log = logging.getLogger(__name__)

NOTIFY_RETRY = RetryPolicy(base=timedelta(seconds=10), cap=timedelta(minutes=30),
                           max_attempts=8, jitter="full")
"""The default notification policy (ORDEX_NOTIFY_RETRY_* in docs/configuration.md)."""


def deliver_notifications(store: NotificationStore, notifier: Notifier, *, worker: str,
                          now: datetime, limit: int, lease: timedelta = timedelta(minutes=5),
                          policy: RetryPolicy = NOTIFY_RETRY,
                          rand: Callable[[], float] = random.random) -> int:
    """Route pending notifications, then send the due deliveries; how many moved."""
    routed = store.route_pending(route, limit=limit, now=now)
    sent = 0
    for claimed in store.claim_deliveries(worker=worker, limit=limit, lease=lease, now=now):
        key = claimed.notice.delivery_key
        try:
            failure = notifier.send(claimed.notice)
        except Exception as exc:  # any channel failure is transient: try again later
            log.warning("notification %s failed: %s", key, exc)
            failure = SendFailure(f"{type(exc).__name__}: {exc}")
        if failure is None:
            store.mark_sent(key, worker=worker, at=now)
            sent += 1
            continue
        attempts = claimed.attempts + 1
        if failure.permanent or policy.gives_up(attempts):
            log.error("notification %s failed for good: %s", key, failure.error)
            store.mark_failed(key, worker=worker, error=failure.error, retry_at=None)
            continue
        wait = max(policy.delay(attempts, rand=rand()), failure.retry_after or timedelta(0))
        store.mark_failed(key, worker=worker, error=failure.error, retry_at=now + wait)
    return routed + sent
