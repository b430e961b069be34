"""Deliver outbox messages to the ERP connector, in order within each order, in batches.

Each message's id is its idempotency key: a connector sends it with the command, so a resend
after a crash or a lost answer is harmless. A failed delivery is tried again after an
exponential backoff with full jitter (a 429's Retry-After is the least wait); after the
policy's attempts, or at once when the connector calls the failure permanent, the message is a
dead letter with an INTEGRATION_FAILURE case (orchestrate/dead_letters.py).
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from ordex.domain.cases import Case
from ordex.orchestrate.dead_letters import dead_letter_case
from ordex.orchestrate.ports import ErpConnector, Outbox, OutboxClaims
from ordex.orchestrate.retry import RetryPolicy
from ordex.orchestrate.work import ClaimedMessage, SendFailure, SendReport

log = logging.getLogger(__name__)

DELIVERY_RETRY = RetryPolicy(base=timedelta(seconds=5), cap=timedelta(minutes=30),
                             max_attempts=10, jitter="full")
"""The default delivery policy (ORDEX_OUTBOX_RETRY_* in docs/configuration.md)."""


def dispatch(outbox: Outbox, erp: ErpConnector, *, now: datetime, batch: int = 5000) -> int:
    """Send everything pending at once, without claims or retries (tests and tools only)."""
    sent = 0
    while messages := outbox.pending(limit=batch):
        report = erp.send(messages)
        applied = [m.message_id for m in messages
                   if report is None or m.message_id in report.applied]
        outbox.mark_sent(applied, at=now)
        sent += len(applied)
        if len(applied) < len(messages):
            break
    return sent


def deliver(claims: OutboxClaims, erp: ErpConnector, *, worker: str, now: datetime,
            limit: int, lease: timedelta = timedelta(minutes=5),
            policy: RetryPolicy = DELIVERY_RETRY,
            rand: Callable[[], float] = random.random) -> int:
    """Claim due messages, send them, mark them sent; return how many were sent.

    Orders whose messages never failed go in one call; an order with a message that failed
    before goes alone, so one command the ERP refuses cannot hold back other orders. A failed
    message backs off (or becomes a dead letter); the order's later messages wait behind it.
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
    """One connector call; record what it applied, what failed and what it did not try."""
    ids = [c.message.message_id for c in group]
    try:
        report = erp.send([c.message for c in group]) or SendReport(applied=frozenset(ids))
    except Exception as exc:  # any connector failure: the whole call failed, transiently
        log.warning("ERP delivery of %d message(s) failed: %s", len(group), exc)
        failure = SendFailure(f"{type(exc).__name__}: {exc}")
        report = SendReport(failed=dict.fromkeys(ids, failure))
    applied = [mid for mid in ids if mid in report.applied]
    if applied:
        claims.mark_sent(applied, at=now)
    failed = _first_failures(group, report, applied)
    _record_failures(claims, failed, report.failed, worker=worker, now=now, policy=policy,
                     rand=rand)
    if untried := [mid for mid in ids if mid not in applied and mid not in failed]:
        claims.release(untried, worker=worker)
    return len(applied)


def _first_failures(group: list[ClaimedMessage], report: SendReport,
                    applied: list[str]) -> dict[str, ClaimedMessage]:
    """The failed messages that count: each order's first; its later ones were not really
    tried in order (a connector that went on after a failure), so they are released."""
    done, failed, stopped = set(applied), {}, set()
    for c in group:
        mid, order = c.message.message_id, c.message.command.order_id
        if mid in done or order in stopped:
            continue
        stopped.add(order)  # the order's first message not applied: it stops here
        if mid in report.failed:
            failed[mid] = c
    return failed


def _record_failures(claims: OutboxClaims, failed: Mapping[str, ClaimedMessage],
                     why: Mapping[str, SendFailure], *, worker: str, now: datetime,
                     policy: RetryPolicy, rand: Callable[[], float]) -> None:
    """Back each failed message off, or dead-letter it when permanent or out of attempts."""
    dead: dict[str, Case] = {}
    retry: defaultdict[str, dict[str, datetime]] = defaultdict(dict)
    for mid, c in failed.items():
        failure, attempts = why[mid], c.attempts + 1
        if failure.permanent or policy.gives_up(attempts):
            dead[mid] = dead_letter_case(c, failure, attempts=attempts, now=now)
            continue
        wait = max(policy.delay(attempts, rand=rand()), failure.retry_after or timedelta(0))
        retry[failure.error][mid] = now + wait
    for error, retry_at in retry.items():
        claims.mark_failed(retry_at, worker=worker, error=error)
    if dead:
        moved = claims.dead_letter(dead, worker=worker, at=now)
        for mid in moved:
            log.error("outbox message %s is a dead letter: %s", mid, why[mid].error)
