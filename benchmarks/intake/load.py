"""The API under load from another process: closed-loop clients posting orders and reading pages.

Each client is a thread with its own connection: it sends, waits for the answer, sends again,
until the phase ends. Posters take the next unused pre-generated order (never a resend);
readers alternate `GET /queues` and the home page `/`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx

from benchmarks.intake.server import headers
from benchmarks.intake.stats import Route

READ_ROUTES = ("/queues", "/")


class _Routes:
    """Timings per route, shared by the threads of one phase."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.routes: dict[str, Route] = {}
        self.exhausted = False
        """A poster found no order left before the phase ended (reported, never a route)."""

    def add(self, route: str, seconds: float, status: str) -> None:
        with self.lock:
            self.routes.setdefault(route, Route()).add(seconds, status)


def _timed(client: httpx.Client, method: str, path: str, routes: _Routes, name: str,
           body: bytes | None = None) -> None:
    started = time.perf_counter()
    try:
        status = str(client.request(method, path, content=body).status_code)
    except httpx.HTTPError as exc:
        status = type(exc).__name__
    routes.add(name, time.perf_counter() - started, status)


def _poster(client: httpx.Client, orders: Iterator[bytes], lock: threading.Lock,
            until: float, routes: _Routes) -> None:
    while time.perf_counter() < until:
        with lock:
            body = next(orders, None)
        if body is None:
            routes.exhausted = True
            return
        _timed(client, "POST", "/orders", routes, "POST /orders", body)


def _reader(client: httpx.Client, until: float, routes: _Routes) -> None:
    n = 0
    while time.perf_counter() < until:
        path = READ_ROUTES[n % len(READ_ROUTES)]
        _timed(client, "GET", path, routes, f"GET {path}")
        n += 1


def phase(url: str, *, orders: Iterator[bytes], posters: int, readers: int, seconds: float,
          token: str | None) -> dict[str, Any]:
    """Run posters and readers together for `seconds`; requests/s and percentiles per route."""
    routes, lock = _Routes(), threading.Lock()
    until = time.perf_counter() + seconds
    clients = [httpx.Client(base_url=url, timeout=120, headers={
        "content-type": "application/json", **headers(token)}) for _ in range(posters + readers)]
    threads = [threading.Thread(target=_poster, args=(c, orders, lock, until, routes))
               for c in clients[:posters]]
    threads += [threading.Thread(target=_reader, args=(c, until, routes))
                for c in clients[posters:]]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    for c in clients:
        c.close()
    return {"seconds": round(wall, 2), "posters": posters, "readers": readers,
            "orders_pool_exhausted": routes.exhausted,
            "routes": {name: r.summary(wall) for name, r in sorted(routes.routes.items())}}
