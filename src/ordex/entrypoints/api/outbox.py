"""Routes of the outbox: delivery metrics, and the replay of a dead letter (docs/erp.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from ordex.bootstrap import App
from ordex.entrypoints.api.errors import documented


def _app(request: Request) -> App:
    app: App = request.app.state.ordex
    return app


OrdexApp = Annotated[App, Depends(_app)]


class Replay(BaseModel):
    """Who puts the dead letter back (written to its case's audit trail)."""

    actor: str = Field(min_length=1, max_length=100)


def outbox_routes() -> APIRouter:
    """GET /outbox/stats and POST /outbox/messages/{message_id}/replay."""
    router = APIRouter(tags=["outbox"])

    @router.get("/outbox/stats", summary="ERP delivery: counts per state, oldest pending, "
                "rate and lag")
    def stats(app: OrdexApp) -> dict[str, Any]:
        return app.outbox_stats()

    @router.post("/outbox/messages/{message_id}/replay",
                 summary="Put a dead letter back to pending and resolve its case",
                 description="`message_id` is the message's id or its case id "
                 "(`erp-…:INTEGRATION_FAILURE`). 409 unless the message is dead.",
                 responses=documented(404, 409, 422))
    async def replay(message_id: Annotated[str, Path(min_length=1, max_length=200)],
                     body: Replay, app: OrdexApp) -> dict[str, Any]:
        result: dict[str, Any] = await run_in_threadpool(app.replay_outbox, message_id,
                                                         actor=body.actor)
        return result

    return router
