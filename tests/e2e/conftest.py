"""A real ordex server on a loopback port, per database backend."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from auth_kit import TOKENS, issue
from ordex.bootstrap import bootstrap
from ordex.config import Settings
from ordex.entrypoints.api.app import create_app
from ordex.sense.reference import load_reference

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def base_url(db_url: str) -> Iterator[str]:
    app = bootstrap(Settings(database_url=db_url))
    app.migrate()
    app.save_reference(load_reference(ROOT / "examples" / "reference"))
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
    yield url
    TOKENS.pop(url, None)
    server.should_exit = True
    thread.join(timeout=10)
    app.engine.dispose()


