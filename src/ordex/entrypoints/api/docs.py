"""The API description and its Swagger page, behind a credential like every other route."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse


def install_docs(api: FastAPI) -> None:
    """`GET /openapi.json` and `GET /docs` (FastAPI's own are switched off: they are open)."""

    @api.get("/openapi.json", include_in_schema=False)
    async def openapi() -> dict[str, Any]:
        return api.openapi()

    @api.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="ordex API")
