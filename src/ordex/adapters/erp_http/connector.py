"""The generic HTTP/JSON ERP connector: one request per command, as the mapping file says.

Each request carries the message id in an `Idempotency-Key` header; the ERP must apply a key
once and answer a repeat as applied (2xx, or a status in `already_applied`, 409 by default).
An order's messages go in created order and stop at the order's first failure; other orders
go on. Timeouts and lost connections are transient, like the `retry` statuses (a 429's or
503's Retry-After is honoured); any other answer is permanent (docs/erp.md).
"""

from __future__ import annotations

import email.utils
import json
import logging
import socket
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

import httpx

from ordex.adapters.erp_http.auth import AuthFailedError, ClientCredentials, StaticHeader
from ordex.adapters.erp_http.mapping import CompiledEndpoint, LoadedMapping, OAuth2Auth
from ordex.adapters.erp_http.templates import TemplateError, context_of, render_tree
from ordex.orchestrate.changes import OutboxMessage
from ordex.orchestrate.work import SendFailure, SendReport

log = logging.getLogger(__name__)

NO_DELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
"""A request's headers and body leave at once (Nagle would hold the body for the ACK)."""
MAX_RETRY_AFTER = timedelta(hours=1)
"""A Retry-After longer than this is read as this (a typo must not park a command for days)."""
BODY_CHARS = 300
"""How much of an error answer's body the failure keeps."""


class HttpErp:
    """The ErpConnector port over HTTP/JSON, configured by a loaded mapping file."""

    def __init__(self, mapping: LoadedMapping, *, env: Mapping[str, str],
                 transport: httpx.BaseTransport | None = None,
                 clock: Callable[[], float] | None = None) -> None:
        m = mapping.mapping
        self.mapping = mapping
        self.client = httpx.Client(base_url=m.base_url, headers=m.headers,
                                   timeout=httpx.Timeout(m.timeout_seconds),
                                   transport=transport or httpx.HTTPTransport(
                                       socket_options=NO_DELAY))
        self.auth: StaticHeader | ClientCredentials = (
            ClientCredentials(m.auth, env, self.client, **({"clock": clock} if clock else {}))
            if isinstance(m.auth, OAuth2Auth) else StaticHeader(m.auth, env))

    def close(self) -> None:
        """Close the connection pool."""
        self.client.close()

    def send(self, messages: Sequence[OutboxMessage]) -> SendReport:
        """One request per message, in order; an order stops at its first failure."""
        applied: set[str] = set()
        failed: dict[str, SendFailure] = {}
        stopped: set[str] = set()
        for m in messages:
            if m.command.order_id in stopped:
                continue
            failure = self._send_one(m)
            if failure is None:
                applied.add(m.message_id)
            else:
                failed[m.message_id] = failure
                stopped.add(m.command.order_id)
        return SendReport(frozenset(applied), failed)

    def _send_one(self, message: OutboxMessage) -> SendFailure | None:
        kind = type(message.command).__name__
        endpoint = self.mapping.endpoints.get(kind)
        if endpoint is None:
            return SendFailure(f"the mapping has no endpoint for {kind}", permanent=True)
        try:
            path, body, headers = self._render(endpoint, message, kind)
            answer = self._request(endpoint.method, path, body, headers)
        except TemplateError as exc:
            return SendFailure(f"mapping commands.{kind}.{exc.where}: {exc.reason}",
                               permanent=True)
        except AuthFailedError as exc:
            return exc.failure
        except httpx.TimeoutException as exc:
            return SendFailure(f"{kind} {endpoint.method} {path}: timed out after "
                               f"{self.mapping.mapping.timeout_seconds}s ({type(exc).__name__})")
        except httpx.TransportError as exc:
            return SendFailure(f"{kind} {endpoint.method} {path}: {type(exc).__name__}: {exc}")
        return _classify(endpoint, answer, f"{kind} {endpoint.method} {path}")

    def _render(self, endpoint: CompiledEndpoint, message: OutboxMessage,
                kind: str) -> tuple[str, object, dict[str, str]]:
        context = context_of(kind=kind, message_id=message.message_id,
                             created_at=message.at.isoformat(), command=message.command)
        path = str(render_tree(endpoint.path, context))
        body = render_tree(endpoint.payload, context)
        headers = {k: str(v) for k, v in render_tree(endpoint.headers, context).items()}
        headers["Idempotency-Key"] = message.message_id
        return path, body, headers

    def _request(self, method: str, path: str, body: object,
                 headers: dict[str, str]) -> httpx.Response:
        """Send with credentials; on 401 renew them once and send again."""
        content = None if body is None else json.dumps(body, separators=(",", ":"))
        if content is not None:
            headers = {"Content-Type": "application/json", **headers}
        answer = self.client.request(method, path, content=content,
                                     headers={**headers, **self.auth.header()})
        if answer.status_code == 401 and self.auth.invalidate():
            answer = self.client.request(method, path, content=content,
                                         headers={**headers, **self.auth.header()})
        return answer


def _classify(endpoint: CompiledEndpoint, answer: httpx.Response,
              what: str) -> SendFailure | None:
    """None when the answer means applied; else the failure, transient or permanent."""
    verdict = endpoint.responses.classify(answer.status_code)
    if verdict == "success":
        return None
    error = f"{what}: HTTP {answer.status_code} {answer.text[:BODY_CHARS]}".strip()
    if verdict == "permanent":
        return SendFailure(error, permanent=True)
    return SendFailure(error, retry_after=retry_after(answer.headers.get("Retry-After")))


def retry_after(value: str | None, *, now: datetime | None = None) -> timedelta | None:
    """A Retry-After header (seconds or an HTTP date) as a wait, at most MAX_RETRY_AFTER."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        wait = timedelta(seconds=int(value))
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        wait = max(timedelta(0), when - (now or datetime.now(UTC)))
    return min(wait, MAX_RETRY_AFTER)
