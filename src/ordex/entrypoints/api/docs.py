"""The API description and its Swagger page, behind a credential like every other route."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

BEARER = {"bearer": {"type": "http", "scheme": "bearer",
                     "description": "An API token (`ordex token create`); docs/security.md"}}


def install_docs(api: FastAPI) -> None:
    """`GET /openapi.json` and `GET /docs` (FastAPI's own are switched off: they are open);
    the description names the Bearer scheme that every operation but `/health` needs."""
    plain = api.openapi

    def described() -> dict[str, Any]:
        if api.openapi_schema is None:
            schema = plain()
            schema.setdefault("components", {})["securitySchemes"] = BEARER
            for path, operations in schema["paths"].items():
                for operation in operations.values():
                    operation["security"] = [] if path == "/health" else [{"bearer": []}]
            api.openapi_schema = schema
        return api.openapi_schema

    api.openapi = described  # type: ignore[method-assign]

    @api.get("/openapi.json", include_in_schema=False)
    async def openapi() -> dict[str, Any]:
        return api.openapi()

    @api.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="ordex API")
