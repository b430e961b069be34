"""POST /orders: the group commit its requests go through, and the answer each one gets."""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from ordex.bootstrap import App
from ordex.domain.commands import IngestOrderGroup
from ordex.entrypoints.api.group_commit import GroupCommitter
from ordex.orchestrate.intake import Outcome
from ordex.orchestrate.report import item, totals
from ordex.sense.safe_text import printable

UNREAD = {"field": "(body)", "reason": "the order could not be read"}
Submission = tuple[bytes, str, str | None]
"""One POST /orders request's payload: (body, source, Idempotency-Key or None)."""
OrderIntake = GroupCommitter[Submission, list[Outcome]]
_FROZEN = threading.Event()


def order_intake(ordex: App) -> OrderIntake:
    """The group commit of POST /orders: concurrent requests judged in one unit of work."""

    def run(items: list[Submission]) -> list[list[Outcome]]:
        answers: list[list[Outcome]] = ordex.bus.handle(IngestOrderGroup(tuple(items), "api"))
        if not _FROZEN.is_set():
            _freeze_long_lived()
        return answers

    return GroupCommitter(run, size_of=lambda item: len(item[0]), name="ordex-intake")


def _freeze_long_lived() -> None:
    """Once per process, after the first group: what lives now leaves the collector's scans.

    The modules, the postal directory (loaded at its first use) and the engine's caches are
    a few hundred thousand objects that live as long as the process. A full collection that
    walks them holds the interpreter for hundreds of milliseconds, every request included.
    """
    _FROZEN.set()
    gc.collect()
    gc.freeze()


@asynccontextmanager
async def intake_lifespan(api: FastAPI) -> AsyncIterator[None]:
    """On shutdown, answer the orders still queued and stop the committer thread."""
    yield
    await asyncio.to_thread(api.state.intake.close)


def orders_answer(body: bytes, outcomes: list[Outcome]) -> JSONResponse:
    """201 created, 200 all replayed, 422 (an ErrorBody with the results) if any was rejected."""
    results = [item(o.result, o.position, replayed=o.replayed) for o in outcomes]
    rejected = [o for o in outcomes if o.rejected]
    status = 422 if rejected else (200 if all(o.replayed for o in outcomes) else 201)
    single = len(results) == 1 and not body.lstrip().startswith((b"[", b'{"orders"'))
    payload: dict[str, Any] = {**(results[0] if single else {"results": results}),
                               "totals": totals(results)}
    if rejected:
        detail = [{"field": printable(str(e["field"])), "reason": printable(str(e["reason"]))}
                  for o in rejected for e in o.result["errors"] or [UNREAD]]
        first = f"{detail[0]['field']}: {detail[0]['reason']}"
        message = first if single else (f"{len(rejected)} of {len(outcomes)} orders rejected; "
                                        f"{first}")
        payload = {**payload, "detail": detail, "message": message}
    return JSONResponse(payload, status_code=status)
