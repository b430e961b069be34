"""Outbound webhooks: a notice as a CloudEvents 1.0 structured JSON event, signed.

The event is built and serialised by the CloudEvents SDK (`cloudevents.core`); the signature
is ours, as CloudEvents defines none: `Ordex-Signature: t=<unix seconds>,v1=<hex>` where v1 is
HMAC-SHA256 with the subscription's secret over `<t>.` followed by the exact body bytes
(docs/notifications.md, "Verifying a webhook").
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from cloudevents.core.bindings.http import to_structured_event
from cloudevents.core.v1.event import CloudEvent

from ordex.orchestrate.notify import Event, Notice
from ordex.orchestrate.work import SendFailure

TYPE_PREFIX = "io.ordex."
SIGNATURE_HEADER = "Ordex-Signature"
TRANSIENT = frozenset({408, 429})
"""4xx answers worth trying again; every other 4xx is permanent."""


def signature(secret: str, *, timestamp: int, body: bytes) -> str:
    """The Ordex-Signature header value for a body sent at `timestamp` (unix seconds)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, now: int, tolerance: int = 300) -> bool:
    """True when the header signs this body with this secret, within `tolerance` seconds."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp=timestamp, body=body).rpartition("v1=")[2]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def _event_data(e: Event) -> dict[str, Any]:
    return {"notification_id": e.notification_id, "event_type": e.event_type,
            "occurred_at": e.at.isoformat(), "recipient": e.recipient, "case_id": e.case_id,
            "queue": e.queue, "customer_id": e.customer_id, "order_id": e.order_id,
            "payload": dict(e.payload)}


def cloud_event(notice: Notice, *, source: str) -> CloudEvent:
    """The CloudEvent of a notice: id = delivery key, type = io.ordex.<event type>."""
    if notice.digest and notice.period:
        start, end = notice.period
        data: dict[str, Any] = {"digest": notice.digest, "period_start": start.isoformat(),
                                "period_end": end.isoformat(),
                                "events": [_event_data(e) for e in notice.events]}
        at, subject = end, notice.delivery_key
    else:
        first = notice.events[0]
        data, at = _event_data(first), first.at
        subject = first.case_id or first.order_id or str(first.notification_id)
    return CloudEvent(attributes={
        "id": notice.delivery_key, "source": source,
        "type": TYPE_PREFIX + notice.event_type + (".digest" if notice.digest else ""),
        "time": at.astimezone(UTC), "datacontenttype": "application/json",
        "subject": subject}, data=data)


class WebhookNotifier:
    """POSTs signed CloudEvents; 2xx is delivered, 408/429/5xx and network errors are retried
    (Retry-After honoured), any other answer is permanent."""

    def __init__(self, *, source: str, env: Mapping[str, str], default_secret: str | None,
                 timeout: float = 10.0, clock: Callable[[], datetime],
                 client: httpx.Client | None = None) -> None:
        self.source, self.env, self.default_secret = source, env, default_secret
        self.clock, self.client = clock, client or httpx.Client(timeout=timeout)

    def send(self, notice: Notice) -> SendFailure | None:
        """Deliver one notice to its URL."""
        secret = self.env.get(notice.secret_env) if notice.secret_env else self.default_secret
        if not secret:
            what = notice.secret_env or "ORDEX_NOTIFY_WEBHOOK_SECRET"
            return SendFailure(f"no signing secret: {what} is not set", permanent=True)
        message = to_structured_event(cloud_event(notice, source=self.source))
        body = message.body
        headers = {**message.headers, "content-type": "application/cloudevents+json",
                   SIGNATURE_HEADER: signature(secret, timestamp=int(self.clock().timestamp()),
                                               body=body),
                   "Idempotency-Key": notice.delivery_key}
        try:
            answer = self.client.post(notice.target, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return SendFailure(f"{type(exc).__name__}: {exc}")
        if 200 <= answer.status_code < 300:
            return None
        error = f"HTTP {answer.status_code}: {answer.text[:200]}"
        if answer.status_code in TRANSIENT or answer.status_code >= 500:
            return SendFailure(error, retry_after=_retry_after(answer, now=self.clock()))
        return SendFailure(error, permanent=True)


def _retry_after(answer: httpx.Response, *, now: datetime) -> timedelta | None:
    """Retry-After in seconds or as an HTTP date (RFC 9110), None when absent or unreadable."""
    value = answer.headers.get("Retry-After")
    if not value:
        return None
    if value.strip().isdigit():
        return timedelta(seconds=int(value.strip()))
    try:
        return max(timedelta(0), parsedate_to_datetime(value) - now)
    except (TypeError, ValueError):
        return None
