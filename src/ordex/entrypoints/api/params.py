"""Checks every route gets: no unknown query parameter, no unstorable text anywhere.

A query parameter a route does not define is refused (a misspelt filter would otherwise be
ignored and answer everything); text with control characters or lone surrogates in a path,
a query value or a JSON body is refused naming the field (see sense/safe_text.py).
"""

from __future__ import annotations

import json

from fastapi import Request
from fastapi.routing import APIRoute

from ordex.domain.errors import InvalidPayloadError
from ordex.sense.safe_text import printable, refused_reason, text_problems

RAW_BODY_ROUTES = {"/orders", "/edi"}
"""Routes that read their body themselves (and check it item by item)."""


async def check_request(request: Request) -> None:
    """Refuse unknown query parameters and unstorable text, naming the parameter or field."""
    route = request.scope.get("route")
    problems = _unknown_query(request, route) + _bad_params(request)
    if not problems and isinstance(route, APIRoute) and route.body_field is not None \
            and route.path not in RAW_BODY_ROUTES:
        problems = _bad_body(await request.body())
    if problems:
        first = problems[0]
        raise InvalidPayloadError(f"{first['field']}: {first['reason']}", errors=problems)


def _unknown_query(request: Request, route: object) -> list[dict[str, str]]:
    if not isinstance(route, APIRoute):
        return []
    known = {p.alias for p in route.dependant.query_params}
    listed = ", ".join(sorted(known)) or "none"
    return [{"field": f"query.{printable(name)}",
             "reason": f"unknown query parameter (this route takes: {listed})"}
            for name in dict.fromkeys(request.query_params.keys()) if name not in known]


def _bad_params(request: Request) -> list[dict[str, str]]:
    found = [("path", k, str(v)) for k, v in request.path_params.items()]
    found += [("query", k, v) for k, v in request.query_params.multi_items()]
    return [{"field": f"{where}.{printable(name)}", "reason": reason}
            for where, name, value in found if (reason := refused_reason(value))]


def _bad_body(body: bytes) -> list[dict[str, str]]:
    try:
        data = json.loads(body) if body else None
    except (ValueError, RecursionError):
        return []  # FastAPI has already answered an unreadable body; nothing to add here
    return text_problems(data)
