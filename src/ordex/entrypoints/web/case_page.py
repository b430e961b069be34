"""The case page, `GET /ui/cases/{case_id}`, and its actions, `POST /ui/cases/{case_id}/NAME`.

Each action is a form post (with the CSRF field) or an htmx post (with the X-CSRF-Token
header) that hands the same command to the bus as the API route of the same name
(entrypoints/api/casework.py and app.py), through the same `acted`. A success shows the page
again at once (htmx swaps it in; a plain form is sent back to the page); a refusal shows the
page with the reason and the refusal's status (403, 409, 422) to a browser, the API's error
body to anything else (docs/web.md, "The case page").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from ordex.adapters.db.case_page_queries import case_context
from ordex.adapters.db.policy_repo import policy_in_force
from ordex.bootstrap import App
from ordex.domain import commands as c
from ordex.domain.errors import OrdexError, UnknownCaseError
from ordex.domain.identity import Principal
from ordex.entrypoints.api import casework as api
from ordex.entrypoints.api.app import CaseAction, OrdexApp, acted, known_case
from ordex.entrypoints.api.auth import ROUTES, CurrentPrincipal, allowed
from ordex.entrypoints.api.errors import STATUS
from ordex.entrypoints.web import case_view, sign_in

router = APIRouter(include_in_schema=False)
sign_in.TEMPLATES.env.filters.update(amount=case_view.amount, qty=case_view.qty)
Form = dict[str, str]
Step = Callable[[App, str, str, Form], JSONResponse]


def _version(f: Form) -> int | None:
    text = f.get("expected_version", "").strip()
    return int(text) if text.isdigit() else None


def _body(f: Form, *keys: str) -> dict[str, Any]:
    """The form fields a body takes (blank ones left out), with the version the page showed."""
    out: dict[str, Any] = {k: f[k] for k in keys if f.get(k, "").strip()}
    return {**out, "expected_version": _version(f)}


STEPS: dict[str, tuple[str, Step]] = {
    "take": ("took the case", lambda app, cid, who, f: acted(
        app, cid, c.TakeCase(cid, who, _version(f)))),
    "accept": ("accepted the recommendation", lambda app, cid, who, f: api.accept(
        cid, CaseAction(**_body(f, "reason")), app, who)),
    "choose": ("chose the alternative", lambda app, cid, who, f: api.choose(
        cid, api.ChooseBody(**_body(f, "rank", "action", "reason")), app, who)),
    "override": ("overrode the recommendation", lambda app, cid, who, f: api.override(
        cid, CaseAction(**_body(f, "action", "reason")), app, who)),
    "request-approval": ("asked for approval", lambda app, cid, who, f: api.request_approval(
        cid, CaseAction(**_body(f, "action", "reason")), app, who)),
    "approve": ("approved", lambda app, cid, who, f: api.approve(
        cid, api.ReasonBody(**_body(f, "reason")), app, who)),
    "reject": ("rejected the approval", lambda app, cid, who, f: api.reject(
        cid, api.ReasonBody(**_body(f, "reason")), app, who)),
    "assign": ("reassigned the case", lambda app, cid, who, f: api.assign(
        cid, api.AssignBody(**_body(f, "assignee", "reason")), app, who)),
    "pause": ("paused the case for the customer", lambda app, cid, who, f: acted(
        app, cid, c.PauseCase(cid, who, f.get("reason", ""), _version(f)))),
    "resume": ("resumed the case", lambda app, cid, who, f: acted(
        app, cid, c.ResumeCase(cid, who, f.get("reason", ""), _version(f)))),
    "comment": ("added the comment", lambda app, cid, who, f: api.comment(
        cid, api.CommentBody(**_body(f, "text")), app, who)),
}
"""Page action → (what the message says was done, the API route's command it sends)."""
API_ROUTE = {name: ("POST", f"/cases/{{case_id}}/{name}") for name in STEPS}
"""The API route each page action stands for (its permission is the same, auth.ROUTES)."""


def view(request: Request, app: App, who: Principal, case_id: str, *, done: str | None = None,
         refused: str | None = None, status: int = 200) -> HTMLResponse:
    """The case page: the case and everything around it, with the actions `who` is offered."""
    now = app.clock()
    found = known_case(app, case_id)
    with app.engine.connect() as conn:
        context = case_context(conn, found, today=now.date())
        matrix = policy_in_force(conn, app.settings, at=now).authority.matrix()
    order = context["order"]
    pairs, tables = case_view.evidence_tables(found.get("evidence") or {})
    return sign_in.render(request, "case.html", {
        "case": found, "ctx": context, "now": now, "offer": case_view.offer(who, found, matrix),
        "held": case_view.held_by(order["lines"] if order else [], context["siblings"]),
        "alternatives": case_view.ranked(found, context["decision"]),
        "prices": case_view.price_rows(context), "evidence_pairs": pairs,
        "evidence_tables": tables, "done": done, "refused": refused}, status_code=status)


@router.get("/ui/cases/{case_id}", response_class=HTMLResponse)
def case_page(case_id: str, request: Request, app: OrdexApp, who: CurrentPrincipal,
              done: str | None = None) -> HTMLResponse:
    said = STEPS[done][0] if done in STEPS else None
    return view(request, app, who, case_id, done=said)


def _wants_page(request: Request) -> bool:
    return request.headers.get("hx-request") == "true" or \
        "text/html" in request.headers.get("accept", "")


def _refusal(request: Request, app: App, who: Principal, case_id: str, status: int,
             message: str) -> Response:
    if _wants_page(request):
        return view(request, app, who, case_id, refused=message, status=status)
    field = message.partition(":")[0] if ":" in message else "(form)"
    return JSONResponse({"detail": [{"field": field, "reason": message}],
                         "message": message}, status_code=status)


async def _act(name: str, case_id: str, request: Request, app: App, who: Principal) -> Response:
    try:
        found = await run_in_threadpool(known_case, app, case_id)
        allowed(who, ROUTES[API_ROUTE[name]], found)  # 403 before the form is even read
        fields = await sign_in.form_fields(request)  # authorize checked its CSRF token
        answer = await run_in_threadpool(STEPS[name][1], app, case_id, who.actor, fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(form)"
        return await run_in_threadpool(_refusal, request, app, who, case_id, 422,
                                       f"{where}: {first['msg']}")
    except OrdexError as exc:
        if not _wants_page(request) or isinstance(exc, UnknownCaseError):
            raise  # the API's error body, naming the field
        status = next((code for cls, code in STATUS if isinstance(exc, cls)), 400)
        return await run_in_threadpool(view, request, app, who, case_id, refused=exc.message,
                                       status=status)
    if answer.status_code >= 400:
        message = str(_json(answer).get("message") or "refused")
        return await run_in_threadpool(_refusal, request, app, who, case_id, answer.status_code,
                                       message)
    if request.headers.get("hx-request") == "true":
        return await run_in_threadpool(view, request, app, who, case_id, done=STEPS[name][0])
    return RedirectResponse(f"/ui/cases/{case_id}?done={name}", status_code=303)


def _json(answer: JSONResponse) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(bytes(answer.body))
    return found


def _route(name: str) -> Callable[..., Any]:
    async def act(case_id: str, request: Request, app: OrdexApp,
                  who: CurrentPrincipal) -> Response:
        return await _act(name, case_id, request, app, who)
    act.__name__ = f"case_page_{name.replace('-', '_')}"
    return act


for _name in STEPS:
    router.add_api_route(f"/ui/cases/{{case_id}}/{_name}", _route(_name), methods=["POST"],
                         response_class=HTMLResponse)
