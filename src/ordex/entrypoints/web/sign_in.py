"""Sign-in and sign-out for the pages: a signed, HTTP-only, SameSite=Lax session cookie.

Every form carries a CSRF field that must equal the (signed, HTTP-only) CSRF cookie: a page
of another site can neither read the cookie nor forge the pair. Failed sign-ins are limited
per address and login (`MAX_FAILURES` in `WINDOW_SECONDS`), and an unknown login costs the
same argon2 verification as a known one.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from ordex.domain.errors import InvalidPayloadError, NotPermittedError, OrdexError
from ordex.entrypoints.api.auth import (
    CSRF_COOKIE,
    PAGES,
    SESSION_COOKIE,
    Authenticator,
    route_key,
)
from ordex.entrypoints.web import local_time, offers

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
local_time.install(TEMPLATES)
offers.install(TEMPLATES)
MAX_FAILURES, WINDOW_SECONDS = 5, 300.0
MAX_FORM_BYTES = 8 * 1024


def secure(request: Request) -> bool:
    """Whether cookies carry the Secure flag (configured, or when served over https)."""
    mode = request.app.state.ordex.settings.cookie_secure
    return mode == "always" or (mode == "auto" and request.url.scheme == "https")


def csrf_for(request: Request) -> str:
    """The request's valid CSRF cookie, or a fresh value (set on the answer by `render`)."""
    auth: Authenticator = request.app.state.auth
    have = request.cookies.get(CSRF_COOKIE)
    value = have if have and auth.signer.csrf_ok(have, have) else auth.signer.csrf()
    request.state.csrf = value
    return value


def render(request: Request, template: str, context: dict[str, Any],
           status_code: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    """A page with the CSRF value its forms carry, and the matching cookie."""
    value = csrf_for(request)
    response = TEMPLATES.TemplateResponse(request, template, {**context, "csrf": value},
                                          status_code=status_code, headers=headers)
    response.set_cookie(CSRF_COOKIE, value, httponly=True, samesite="lax",
                        secure=secure(request), path="/")
    return response


async def form_fields(request: Request) -> dict[str, str]:
    """The fields of a URL-encoded form (small); the CSRF check is the caller's."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise InvalidPayloadError("(body): form larger than 8 KiB",
                                  errors=[{"field": "(body)", "reason": "form larger than 8 KiB"}])
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}


async def form_of(request: Request) -> dict[str, str]:
    """The fields of a URL-encoded form (small), checked against the CSRF cookie."""
    fields = await form_fields(request)
    auth: Authenticator = request.app.state.auth
    if not auth.signer.csrf_ok(request.cookies.get(CSRF_COOKIE), fields.get("csrf")):
        raise NotPermittedError("csrf: missing or wrong CSRF token: reload the page",
                                errors=[{"field": "csrf", "reason": "missing or wrong CSRF "
                                         "token: reload the page"}])
    return fields


def _safe_next(target: str | None) -> str:
    """Only a local path is a place to go after signing in (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


async def login(request: Request) -> Response:
    fields = await form_of(request)
    login_name = fields.get("login", "").strip().lower()[:254]
    where = (request.client.host if request.client else "-", login_name)
    recent = request.app.state.login_failures[where]
    while recent and time.monotonic() - recent[0] > WINDOW_SECONDS:
        recent.popleft()
    target = _safe_next(fields.get("next"))
    if len(recent) >= MAX_FAILURES:
        return render(request, "login.html", {"next": target, "error": "Too many failed "
                      "sign-ins: wait a few minutes."}, status_code=429)
    ordex = request.app.state.ordex
    user = await run_in_threadpool(ordex.identity.sign_in, login_name,
                                   fields.get("password", ""))
    if user is None:
        recent.append(time.monotonic())
        return render(request, "login.html", {"next": target, "error": "Unknown login or "
                      "wrong password."}, status_code=401)
    recent.clear()
    await run_in_threadpool(ordex.identity.signed_in, user.user_id, now=ordex.clock())
    auth: Authenticator = request.app.state.auth
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, auth.signer.session(user.user_id, now=ordex.clock()),
                        max_age=int(ordex.settings.session_hours * 3600), httponly=True,
                        samesite="lax", secure=secure(request), path="/")
    return response


async def logout(request: Request) -> Response:
    await form_of(request)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=secure(request))
    return response


def _wants_page(request: Request) -> bool:
    """A browser opening a page or sending a page's form (not an API client)."""
    key = route_key(request)
    return "text/html" in request.headers.get("accept", "") and key is not None and (
        key in PAGES or key[1].startswith("/ui/"))


def refused_page(request: Request, exc: NotPermittedError) -> HTMLResponse:
    """A 403 a person can read, with the navigation and sign-out of every page."""
    auth: Authenticator = request.app.state.auth
    who = auth.from_request(request)
    request.state.principal = who if who is not None and who.kind == "user" else None
    return render(request, "refused.html", {"message": exc.message}, status_code=403)


def install(api: FastAPI) -> None:
    """The sign-in page, its form's target, and sign-out (none in the API description); a
    refusal on a page answered as a page."""
    api_answer = api.exception_handlers[OrdexError]

    async def refused(request: Request, exc: Exception) -> Response:
        if isinstance(exc, NotPermittedError) and _wants_page(request):
            return refused_page(request, exc)
        answer: Response = await api_answer(request, exc)
        return answer

    api.add_exception_handler(NotPermittedError, refused)
    api.state.login_failures = defaultdict(deque)  # (address, login) → failure times
    api.add_api_route("/login", login_page, methods=["GET"], response_class=HTMLResponse,
                      include_in_schema=False)
    api.add_api_route("/login", login, methods=["POST"], response_class=HTMLResponse,
                      include_in_schema=False)
    api.add_api_route("/logout", logout, methods=["POST"], include_in_schema=False)
