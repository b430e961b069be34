"""Orders arriving at a steady rate: order n is due at start + n / rate, and POSTed then.

Open loop: the schedule never waits for answers. `CONNECTIONS` senders take the orders in turn,
each sending an order at its due time or, when all are busy, as soon as one is free; latency
always runs from the order's due time (its arrival) to the answer, so time spent waiting for a
free sender counts too (no coordinated omission). ordex answers POST /orders once the order
and its cases are committed, so the answer is the routed case. Orders still unanswered when
the drain time ends count with the time they had waited by then (a lower bound; `unanswered`
says how many).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from benchmarks.intake.server import headers
from benchmarks.intake.stats import Route

CONNECTIONS = 64
"""Requests in flight at most; far more than a server answering one at a time can use."""


class _Schedule:
    """Hands out the orders in turn, each with its due time, until the deadline."""

    def __init__(self, bodies: list[bytes], rate: float, deadline: float) -> None:
        self.bodies, self.rate, self.next = bodies, rate, 0
        self.start = time.perf_counter()
        self.deadline = self.start + deadline

    async def take(self, route: Route) -> tuple[bytes, float] | None:
        """The next order and its due time; None once all are taken or the deadline passed."""
        if self.next >= len(self.bodies):
            return None
        n, self.next = self.next, self.next + 1
        due = self.start + n / self.rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        if time.perf_counter() >= self.deadline:
            route.add(time.perf_counter() - due, "unanswered")
            return None
        return self.bodies[n], due


async def _sender(client: httpx.AsyncClient, schedule: _Schedule, route: Route) -> None:
    while (item := await schedule.take(route)) is not None:
        body, due = item
        try:
            timeout = max(0.1, schedule.deadline - time.perf_counter())
            answer = await client.post("/orders", content=body, timeout=timeout)
            status = str(answer.status_code)
        except httpx.TimeoutException:
            status = "unanswered"
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        route.add(time.perf_counter() - due, status)


async def _feed(url: str, bodies: list[bytes], *, rate: float, drain: float,
                token: str | None) -> dict[str, Any]:
    route = Route()
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    async with httpx.AsyncClient(base_url=url, limits=limits, headers={
            "content-type": "application/json", **headers(token)}) as client:
        schedule = _Schedule(bodies, rate, len(bodies) / rate + drain)
        await asyncio.gather(*(_sender(client, schedule, route) for _ in range(CONNECTIONS)))
    return _summary(route, bodies, schedule, time.perf_counter())


def _summary(route: Route, bodies: list[bytes], schedule: _Schedule, ended: float
             ) -> dict[str, Any]:
    """Orders never taken count as unanswered, waited from their due time to the end."""
    for n in range(schedule.next, len(bodies)):
        route.add(ended - (schedule.start + n / schedule.rate), "unanswered")
    unanswered = route.statuses["unanswered"]
    summary = route.summary(ended - schedule.start)
    summary.pop("requests_per_second", None)  # unanswered ones included: see answered_per_second
    return {"offered_per_second": schedule.rate, "orders": len(bodies),
            "unanswered": unanswered, "seconds": round(ended - schedule.start, 2),
            "answered_per_second": round((len(bodies) - unanswered)
                                         / (ended - schedule.start), 1), **summary}


def steady_feed(url: str, bodies: list[bytes], *, rate: float, drain: float,
                token: str | None) -> dict[str, Any]:
    """POST each body at `rate` per second; latency percentiles from arrival to answer."""
    return asyncio.run(_feed(url, bodies, rate=rate, drain=drain, token=token))
