"""Body limits: Starlette's RequestBodyLimitMiddleware (through FastAPI's `max_body_size`) stops
reading a body once it passes the route's limit, and refuses a declared Content-Length over it
before reading anything. This layer only gives that refusal ordex's error body.
"""

from __future__ import annotations

import json

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class OrdexAPI(FastAPI):
    """FastAPI whose 413 answers, including Starlette's own plain-text ones, are ErrorBody."""

    def build_middleware_stack(self) -> ASGIApp:
        """The usual stack, wrapped by the layer that rewrites a plain-text 413."""
        return JsonTooLarge(super().build_middleware_stack())


class JsonTooLarge:
    """Rewrite a plain-text 413 (sent by the body limiter itself) as an ErrorBody."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: list[Message] = []

        async def send_json(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 413 and \
                    _plain_text(message):
                held.append(message)
                return
            if held and message["type"] == "http.response.body":
                await _send_error(send, scope)
                held.clear()
                return
            await send(message)

        await self.app(scope, receive, send_json)


def _plain_text(message: Message) -> bool:
    headers = dict(message.get("headers", []))
    return headers.get(b"content-type", b"").startswith(b"text/plain")


async def _send_error(send: Send, scope: Scope) -> None:
    limit = scope.get("starlette.max_body_size")
    reason = f"larger than the limit of {limit} bytes" if limit else "larger than the limit"
    body = json.dumps({"detail": [{"field": "(body)", "reason": reason}],
                       "message": f"(body): {reason}"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
