"""The API process killed with SIGKILL during a batch POST: the client's retry with the same
Idempotency-Key gets the original result, and every order of the batch is stored once."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import httpx
from sqlalchemy import func, select

from auth_kit import bearer, new_tokens, serve_env
from feed import feed
from live_server import free_port
from ordex.adapters.db import tables as t
from ordex.bootstrap import bootstrap
from ordex.config import Settings

ORDERS = 600


@contextmanager
def _server(url: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "ordex", "serve", "--db", url, "--port",
                             str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=serve_env())
    base, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    try:
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)


def _post(base: str, body: bytes, key: str) -> httpx.Response:
    return httpx.post(f"{base}/orders", content=body, timeout=120,
                      headers={"Idempotency-Key": key, "Content-Type": "application/json",
                               **bearer(INGEST[base.rsplit(":", 1)[0]])})


def _answers(response: httpx.Response) -> list[tuple[Any, ...]]:
    """Per order: id, status, cases (what the client needs; raw ids differ by run)."""
    data = response.json()
    items = data["results"] if isinstance(data, dict) and "results" in data else data
    return [(r["order_id"], r["status"], tuple(r["cases"])) for r in items]


INGEST: dict[str, str] = {}
"""The integration (ingest-only) token the client posts with."""


def _fresh(url: str, ref: Any) -> None:
    app = bootstrap(Settings(database_url=url))
    app.migrate()
    app.wipe()
    app.save_reference(ref)
    INGEST["http://127.0.0.1"] = new_tokens(app)["integration"]
    app.engine.dispose()


def test_a_retry_after_the_server_was_killed_mid_batch_gets_the_original_result(
        db_url: str) -> None:
    data = feed(ORDERS, ample=True, seed=13)
    body = ("[" + ",".join(b.decode() for b in data.bodies) + "]").encode()
    _fresh(db_url, data.ref)
    with _server(db_url) as (base, _proc):
        clean = _answers(_post(base, body, "clean-run"))
    rng = random.Random(5)
    for attempt in range(2):
        _fresh(db_url, data.ref)
        key = f"batch-{attempt}"
        with _server(db_url) as (base, proc):
            threading.Thread(target=_swallow, args=(base, body, key), daemon=True).start()
            time.sleep(rng.uniform(0.3, 2.0))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        assert _stored(db_url) in (0, ORDERS)  # the batch is all there or not at all
        with _server(db_url) as (base, _proc):
            retried = _post(base, body, key)
            assert retried.status_code in (200, 201), retried.text[:500]
            assert _answers(retried) == clean
            assert _answers(_post(base, body, key)) == clean  # and again: the same answer
        assert _stored(db_url) == ORDERS


def _swallow(base: str, body: bytes, key: str) -> None:
    with suppress(httpx.HTTPError):  # the server dies under the request: the client retries
        _post(base, body, key)


def _stored(url: str) -> int:
    """Orders stored (each order id once: it is the key)."""
    app = bootstrap(Settings(database_url=url))
    with app.engine.connect() as conn:
        orders = int(conn.execute(select(func.count()).select_from(t.orders)).scalar_one())
    app.engine.dispose()
    return orders
