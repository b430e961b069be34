"""A real ordex API on a free loopback port, for the tests that talk HTTP to it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from auth_kit import TOKENS, issue
from ordex.bootstrap import App
from ordex.entrypoints.api.app import create_app


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(app: App) -> Iterator[str]:
    """The app's API served in a thread while the block lasts; yields its URL, whose tokens
    (one per role, auth_kit.issue) are ready."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(app), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    issue(app, where=url)
    try:
        yield url
    finally:
        TOKENS.pop(url, None)
        server.should_exit = True
        thread.join(timeout=10)
