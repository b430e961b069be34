"""Routes of the outbox: delivery metrics, and the replay of a dead letter (docs/erp.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from starlette.concurrency import run_in_threadpool

from ordex.bootstrap import App
from ordex.entrypoints.api.auth import CurrentPrincipal
from ordex.entrypoints.api.errors import documented


def _app(request: Request) -> App:
    app: App = request.app.state.ordex
    return app


OrdexApp = Annotated[App, Depends(_app)]


def outbox_routes() -> APIRouter:
    """GET /outbox/stats, GET /notifications/stats and POST
    /outbox/messages/{message_id}/replay."""
    router = APIRouter(tags=["outbox"])

    @router.get("/outbox/stats", summary="ERP delivery: counts per state, oldest pending, "
                "rate and lag")
    def stats(app: OrdexApp) -> dict[str, Any]:
        return app.outbox_stats()

    @router.get("/notifications/stats", tags=["notifications"],
                summary="Notifications per state; deliveries per event type and state",
                description="docs/notifications.md: `failed` deliveries ran out of attempts "
                "or were refused for good.")
    def notification_stats(app: OrdexApp) -> dict[str, Any]:
        return app.notification_stats()

    @router.post("/outbox/messages/{message_id}/replay",
                 summary="Put a dead letter back to pending and resolve its case",
                 description="`message_id` is the message's id or its case id "
                 "(`erp-…:INTEGRATION_FAILURE`). 409 unless the message is dead.",
                 responses=documented(404, 409, 422))
    async def replay(message_id: Annotated[str, Path(min_length=1, max_length=200)],
                     app: OrdexApp, who: CurrentPrincipal) -> dict[str, Any]:
        # who puts it back is the signed-in user or token, written to the case's audit trail
        result: dict[str, Any] = await run_in_threadpool(app.replay_outbox, message_id,
                                                         actor=who.actor)
        return result

    return router
