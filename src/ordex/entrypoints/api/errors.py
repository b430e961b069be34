"""Map ordex errors to HTTP answers that name the field and the reason; never a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from ordex.domain import errors as e

log = logging.getLogger("ordex.api")

STATUS: list[tuple[type[e.OrdexError], int]] = [
    (e.UnknownCaseError, 404), (e.UnknownOrderError, 404),
    (e.IllegalTransitionError, 409),
    (e.InvalidPayloadError, 422), (e.ParseError, 422), (e.ReferenceDataError, 422),
    (e.ActionNotAllowedError, 422), (e.ActionParameterError, 422),
    (e.UnknownReferenceError, 422),
]


def install(app: FastAPI) -> None:
    """Register the handlers."""

    @app.exception_handler(e.OrdexError)
    async def ordex_error(_request: Request, exc: e.OrdexError) -> JSONResponse:
        status = next((code for cls, code in STATUS if isinstance(exc, cls)), 400)
        errors = getattr(exc, "errors", None) or [{"field": exc.details.get("field", "(body)"),
                                                   "reason": exc.message}]
        return JSONResponse({"detail": errors, "message": exc.message}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": ".".join(str(p) for p in err["loc"] if p != "body") or "(body)",
                   "reason": err["msg"]} for err in exc.errors()]
        return JSONResponse({"detail": errors, "message": f"{errors[0]['field']}: "
                             f"{errors[0]['reason']}"}, status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return JSONResponse({"detail": [{"field": "(server)", "reason": "internal error"}],
                             "message": f"internal error ({type(exc).__name__})"},
                            status_code=500)
