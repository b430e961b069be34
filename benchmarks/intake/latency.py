"""Orders arriving at a steady rate: each POST /orders sent at its own scheduled moment.

Open loop: the schedule never waits for answers, so a slow server is not given a rest
(no coordinated omission). Latency runs from the scheduled send time to the answer: ordex
answers POST /orders once the order's cases are committed, so the answer is the routed case.
An order still unanswered when the drain time ends counts with the time it had waited then
(a lower bound, and `unanswered` says how many).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from benchmarks.intake.server import headers
from benchmarks.intake.stats import Route


async def _post(client: httpx.AsyncClient, body: bytes, due: float, route: Route) -> None:
    try:
        answer = await client.post("/orders", content=body)
        status = str(answer.status_code)
    except httpx.HTTPError as exc:
        status = type(exc).__name__
    route.add(time.perf_counter() - due, status)


async def _feed(url: str, bodies: list[bytes], *, rate: float, drain: float,
                token: str | None) -> dict[str, Any]:
    route = Route()
    limits = httpx.Limits(max_connections=512, max_keepalive_connections=512)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=None,
                                 headers={"content-type": "application/json",
                                          **headers(token)}) as client:
        start, tasks = time.perf_counter(), []
        for n, body in enumerate(bodies):
            due = start + n / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            tasks.append((due, asyncio.create_task(_post(client, body, due, route))))
        sent = time.perf_counter() - start
        if tasks:
            await asyncio.wait([t for _d, t in tasks], timeout=drain)
        ended = time.perf_counter()
        late = [(d, t) for d, t in tasks if not t.done()]
        for due, task in late:
            task.cancel()
            route.add(ended - due, "unanswered")
    summary = route.summary(ended - start)
    summary.pop("requests_per_second", None)  # unanswered ones included: see answered_per_second
    return {"offered_per_second": rate, "sent": len(bodies), "send_seconds": round(sent, 2),
            "unanswered": len(late), "answered_per_second":
            round((len(bodies) - len(late)) / (ended - start), 1), **summary}


def steady_feed(url: str, bodies: list[bytes], *, rate: float, drain: float,
                token: str | None) -> dict[str, Any]:
    """POST each body at `rate` per second; latency percentiles from send time to answer."""
    return asyncio.run(_feed(url, bodies, rate=rate, drain=drain, token=token))
