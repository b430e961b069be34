"""Body limits are enforced while the body streams in: bytes pulled from the server are counted."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from auth_kit import token_of
from ordex.bootstrap import bootstrap
from ordex.config import Settings
from ordex.entrypoints.api.app import create_app

CHUNK = 64 * 1024
LIMIT = 1024 * 1024
EDI_LIMIT = 4 * 1024 * 1024


@pytest.fixture
def api(tmp_path: Path) -> Any:
    ordex = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'o.db'}", max_body_bytes=LIMIT,
                         max_edi_body_bytes=EDI_LIMIT))
    ordex.migrate()
    yield create_app(ordex)
    ordex.engine.dispose()


def post(app: Any, path: str, *, total: int | None,
         headers: tuple[tuple[bytes, bytes], ...] = ()) -> tuple[int, dict[str, Any], int]:
    """POST a chunked body of `total` bytes (None: 64 times the limit, far more than any
    limit); answers the status, the JSON body and how many bytes the app pulled."""
    pulled, sent, total = 0, [], total or 64 * EDI_LIMIT

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        size = min(CHUNK, total - pulled)
        pulled += size
        return {"type": "http.request", "body": b"x" * size, "more_body": pulled < total}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "client": ("127.0.0.1", 1),
             "server": ("127.0.0.1", 80),
             "headers": [(b"host", b"x"), (b"transfer-encoding", b"chunked"),
                         (b"authorization", f"Bearer {token_of(app)}".encode()), *headers]}
    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(body), pulled


@pytest.mark.parametrize(("path", "limit"), [("/orders", LIMIT), ("/edi", EDI_LIMIT),
                                             ("/events/payments", LIMIT)])
def test_an_endless_chunked_body_is_refused_after_the_limit_plus_one_chunk(
        api: Any, path: str, limit: int) -> None:
    headers = ((b"content-type", b"application/json"),)
    status, body, pulled = post(api, path, total=None, headers=headers)
    assert status == 413 and body["detail"][0]["field"] == "(body)"
    assert f"limit of {limit} bytes" in body["message"]
    assert limit < pulled <= limit + CHUNK


def test_a_declared_length_over_the_limit_is_refused_before_any_byte_is_read(api: Any) -> None:
    status, _body, pulled = post(api, "/orders", total=None,
                                 headers=((b"content-length", str(LIMIT + 1).encode()),))
    assert status == 413 and pulled == 0


def test_edi_takes_a_body_over_the_default_limit_but_under_its_own(api: Any) -> None:
    status, _body, pulled = post(api, "/edi", total=2 * LIMIT)
    assert status != 413 and pulled == 2 * LIMIT
