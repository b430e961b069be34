"""Map ordex errors to HTTP answers that name the field and the reason; never a traceback.

Every 4xx answer has one shape, `ErrorBody`; the OpenAPI description documents it for each
status a route can answer (`documented`).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY

from ordex.domain import errors as e
from ordex.entrypoints.api.group_commit import IntakeStoppedError
from ordex.sense.safe_text import printable

log = logging.getLogger("ordex.api")

STATUS: list[tuple[type[e.OrdexError], int]] = [
    (e.UnknownCaseError, 404), (e.UnknownOrderError, 404), (e.UnknownOutboxMessageError, 404),
    (e.IllegalTransitionError, 409), (e.ApprovalNotNeededError, 409),
    (e.AuthorityExceededError, 403), (e.SegregationOfDutiesError, 403),
    (e.ReasonRequiredError, 422), (e.UnknownUserError, 422), (e.NoRecommendationError, 422),
    (e.InvalidPayloadError, 422), (e.ParseError, 422), (e.ReferenceDataError, 422),
    (e.ActionNotAllowedError, 422), (e.ActionParameterError, 422),
    (e.UnknownReferenceError, 422), (IntakeStoppedError, 503),
    (e.NotSignedInError, 401), (e.NotPermittedError, 403), (e.InvalidUserError, 422),
]


class FieldError(BaseModel):
    """What is wrong, and where."""

    field: str = Field(description="Dotted path of the field (`lines.0.quantity`, "
                       "`query.offset`, `Idempotency-Key`), or `(body)` for the whole body")
    reason: str


class ErrorBody(BaseModel):
    """The body of every 4xx answer; intake answers add the per-order result fields."""

    model_config = ConfigDict(extra="allow")
    detail: list[FieldError] = Field(min_length=1)
    message: str = Field(description="The first problem in one line: `field: reason`")


WHY = {400: "The request could not be read",
       401: "No credential, or not a valid one: send `Authorization: Bearer TOKEN` (or sign "
            "in at /login for the pages)",
       403: "The credential's roles do not permit this (docs/security.md), or the action is "
            "beyond the actor's authority or against segregation of duties (docs/casework.md)",
       404: "No such resource",
       409: "The case cannot change that way in its state",
       413: "The body is larger than the route's limit (see docs/configuration.md)",
       422: "Invalid input: every problem named with its field",
       503: "The server is shutting down: send again shortly (a resend of an order that was "
            "stored after all is answered as a resend)"}


def documented(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error statuses, all with the one error body."""
    return {code: {"model": ErrorBody, "description": WHY[code]} for code in codes}


def error_response(status: int, errors: list[dict[str, str]],
                   message: str | None = None) -> JSONResponse:
    """An ErrorBody answer; field names and reasons are made safe to encode."""
    safe = [{"field": printable(str(x.get("field", "(body)"))) or "(body)",
             "reason": printable(str(x.get("reason", "")))} for x in errors]
    first = safe[0]
    text = printable(message) if message else f"{first['field']}: {first['reason']}"
    return JSONResponse({"detail": safe, "message": text}, status_code=status)


def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """Starlette's own answers (no route, wrong method, body too large or unreadable)."""
    if exc.status_code == 413:
        limit = request.scope.get(MAX_BODY_SIZE_SCOPE_KEY)
        return error_response(413, [{"field": "(body)",
                                     "reason": f"larger than the limit of {limit} bytes"}])
    if exc.status_code == 400:  # FastAPI could not read a JSON body (encoding, nesting)
        cause = exc.__cause__
        reason = ("not UTF-8 text" if isinstance(cause, UnicodeDecodeError)
                  else "JSON nested too deeply to read" if isinstance(cause, RecursionError)
                  else "not readable JSON")
        return error_response(422, [{"field": "(body)", "reason": reason}])
    where = "(path)" if exc.status_code in (404, 405) else "(request)"
    response = error_response(exc.status_code, [{"field": where, "reason": str(exc.detail)}])
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


def _field_of(request: Request, exc: e.OrdexError) -> str:
    """The field an error names: its own, else the path parameter it is about, else (body)."""
    named = exc.details.get("field")
    if isinstance(named, str) and named:
        return named
    return next((f"{k}" for k in request.path_params if k in exc.details), "(body)")


def install(app: FastAPI) -> None:
    """Register the handlers."""

    @app.exception_handler(e.OrdexError)
    async def ordex_error(request: Request, exc: e.OrdexError) -> JSONResponse:
        status = next((code for cls, code in STATUS if isinstance(exc, cls)), 400)
        errors = getattr(exc, "errors", None) or [{"field": _field_of(request, exc),
                                                   "reason": exc.message}]
        if status == 401 and exc.details.get("login"):  # a page: the sign-in form instead
            return RedirectResponse(str(exc.details["login"]), status_code=303)
        response = error_response(status, errors, exc.message)
        if status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": ".".join(str(p) for p in err["loc"] if p != "body") or "(body)",
                   "reason": err["msg"]} for err in exc.errors()]
        return error_response(422, errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _http_error(request, exc)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return JSONResponse({"detail": [{"field": "(server)", "reason": "internal error"}],
                             "message": f"internal error ({type(exc).__name__})"},
                            status_code=500)
