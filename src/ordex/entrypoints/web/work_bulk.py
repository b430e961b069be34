"""Bulk assign and comment from the work page: each selected case through the same command as
the API (`AssignCase`, `CommentCase`), one unit of work per case, so one refusal (another
queue, a closed case, a changed case) never undoes the others; the answer says which.

The route needs `take_case` (auth.ROUTES): a person without it is refused (403) before any
case is read. Each case is then checked against the person's queues like the API's case
routes (`may` with the case's queue and value); a refusal is reported, not raised.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from ordex.adapters.db.work_queries import WorkQueries
from ordex.bootstrap import App
from ordex.domain import commands as c
from ordex.domain.errors import InvalidPayloadError, OrdexError
from ordex.domain.identity import Principal, case_value
from ordex.domain.permissions import CaseFacts, Permission, may
from ordex.entrypoints.api.auth import current_principal
from ordex.entrypoints.web import sign_in
from ordex.sense.safe_text import refused_reason

MAX_BULK_BYTES = 32 * 1024
MAX_CASES = 50
"""At most one page of cases at a time."""
ACTIONS = ("assign", "comment")


def _refuse(name: str, reason: str) -> InvalidPayloadError:
    return InvalidPayloadError(f"{name}: {reason}", errors=[{"field": name, "reason": reason}])


async def _fields(request: Request) -> dict[str, list[str]]:
    """The URL-encoded form, small and printable (the CSRF header was checked by authorize)."""
    body = await request.body()
    if len(body) > MAX_BULK_BYTES:
        raise _refuse("(body)", "form larger than 32 KiB")
    fields = parse_qs(body.decode("utf-8", "replace"))
    for name, values in fields.items():
        for value in values:
            if (reason := refused_reason(value)) is not None:
                raise _refuse(name, reason)
    return fields


def _one(fields: dict[str, list[str]], name: str) -> str:
    return (fields.get(name) or [""])[0].strip()


def commands(app: App, who: Principal, fields: dict[str, list[str]]) -> list[Any]:
    """The command for each selected case, once the form is checked (422 naming the field)."""
    action, ids = _one(fields, "action"), list(dict.fromkeys(fields.get("case_id", [])))
    if action not in ACTIONS:
        raise _refuse("action", f"must be one of {', '.join(ACTIONS)}")
    if not ids or len(ids) > MAX_CASES:
        raise _refuse("case_id", f"select 1 to {MAX_CASES} cases")
    if action == "assign":
        assignee = _one(fields, "assignee")
        user = app.identity.user(assignee) if assignee else None
        if user is None or not user.active:
            raise _refuse("assignee", f"no active user {assignee!r}")
        return [c.AssignCase(i, who.actor, assignee, "bulk assignment") for i in ids]
    text = _one(fields, "text")
    if not text or len(text) > 5000:
        raise _refuse("text", "a comment of 1 to 5000 characters is required")
    return [c.CommentCase(i, who.actor, text) for i in ids]


def run(app: App, who: Principal, todo: list[Any]) -> tuple[list[str], list[tuple[str, str]]]:
    """Hand each command to the bus; (cases done, (case, reason) refused)."""
    facts = WorkQueries(app.engine).facts([cmd.case_id for cmd in todo])
    done: list[str] = []
    refused: list[tuple[str, str]] = []
    for cmd in todo:
        found = facts.get(cmd.case_id)
        if found is None:
            refused.append((cmd.case_id, "no such case"))
            continue
        scope = CaseFacts(found["queue"], case_value(found["value_at_risk"]))
        if not may(who, Permission.TAKE_CASE, scope):
            refused.append((cmd.case_id, f"permission: {who.actor} may not work a "
                                         f"{found['queue']} case"))
            continue
        try:
            app.bus.handle(cmd)
        except OrdexError as exc:
            refused.append((cmd.case_id, exc.message))
        else:
            done.append(cmd.case_id)
    return done, refused


async def bulk(request: Request) -> HTMLResponse:
    """Apply one action to the selected cases and show what was done and what was refused."""
    who = await current_principal(request)
    app: App = request.app.state.ordex
    fields = await _fields(request)
    todo = await run_in_threadpool(commands, app, who, fields)
    done, refused = await run_in_threadpool(run, app, who, todo)
    answer = sign_in.render(request, "work_bulk.html", {
        "action": type(todo[0]).__name__, "done": done, "refused": refused})
    answer.headers["HX-Trigger"] = "work-acted"
    return answer
