"""The administration pages: users (list, create, edit, disable, enable) and API tokens.

Every route needs `manage_users` (`ROUTES` in api/auth.py): others get no link and a 403.
Every change goes through `orchestrate/people.py`, the same functions `ordex user|token`
call, with the signed-in administrator as the actor of the audit entry. A generated password
and a new token are shown once, on an answer the browser is told not to keep.
"""

from __future__ import annotations

from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ordex.bootstrap import App
from ordex.domain.codes import Queue
from ordex.domain.commands import HandOverCases
from ordex.domain.errors import InvalidUserError, UnknownTokenError, UnknownUserError
from ordex.domain.identity import Principal, User
from ordex.entrypoints.api.auth import Authenticator, CurrentPrincipal, known_roles
from ordex.entrypoints.web.sign_in import form_of, render
from ordex.orchestrate import people

router = APIRouter(prefix="/ui/admin", include_in_schema=False)
DONE = {"created": "User {} created.", "saved": "Changes to {} saved.",
        "disabled": "{} disabled: their sessions have ended and their open cases were handed "
                    "over.", "enabled": "{} enabled.",
        "revoked": "Token {} revoked."}
"""The notice a page shows after a change (`?done=KEY&who=ID`): fixed texts, never the URL's."""
NO_STORE = {"Cache-Control": "no-store"}


def _app(request: Request) -> App:
    app: App = request.app.state.ordex
    return app


def _roles(request: Request) -> list[str]:
    auth: Authenticator = request.app.state.auth
    return sorted(auth.roles)


def _errors_of(exc: InvalidUserError) -> dict[str, str]:
    found = exc.details.get("errors") or [{"field": exc.details.get("field", "(form)"),
                                           "reason": exc.message}]
    return {str(e["field"]): str(e["reason"]) for e in found}


async def _form(request: Request) -> dict[str, str]:
    """The form's fields (CSRF checked); a field sent several times (checkboxes) joined by
    commas."""
    await form_of(request)
    body = (await request.body()).decode("utf-8", "replace")
    return {k: ",".join(v) for k, v in parse_qs(body).items()}


def _notice(done: str | None, who: str | None) -> str | None:
    return DONE[done].format(who or "") if done in DONE else None


def _user_form(request: Request, *, values: dict[str, str], errors: dict[str, str],
               editing: User | None, status: int = 200) -> HTMLResponse:
    return render(request, "admin_user_form.html", {
        "values": values, "errors": errors, "editing": editing, "roles": _roles(request),
        "queues": [q.value for q in Queue]}, status_code=status)


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, done: str | None = None,
               who: str | None = None) -> HTMLResponse:
    app = _app(request)
    return render(request, "admin_users.html", {
        "users": app.identity.users(), "signed_in": app.identity.last_sign_ins(),
        "notice": _notice(done, who)})


@router.get("/users/new", response_class=HTMLResponse)
def new_user_page(request: Request) -> HTMLResponse:
    return _user_form(request, values={"time_zone": "UTC", "hours": people.DEFAULT_HOURS,
                                       "capacity": "20"}, errors={}, editing=None)


@router.post("/users", response_class=HTMLResponse)
async def create_user(request: Request, admin: CurrentPrincipal) -> Response:
    fields = await _form(request)
    app, errors = _app(request), {}
    password = fields.get("password", "")
    try:
        user = people.user_of(fields=fields, known_roles=known_roles(request.app.state.auth
                                                                     .roles))
    except InvalidUserError as exc:
        errors = _errors_of(exc)
    if password and len(password) < people.MIN_PASSWORD:
        errors["password"] = f"at least {people.MIN_PASSWORD} characters"
    if not errors:
        chosen = password or people.new_password()
        try:
            await run_in_threadpool(lambda: people.add_user(
                people=app.identity, user=user, password=chosen, now=app.clock(),
                by=admin.actor))
        except InvalidUserError as exc:
            errors = _errors_of(exc)
    if errors:
        kept = {k: v for k, v in fields.items() if k not in ("password", "csrf")}
        return _user_form(request, values=kept, errors=errors, editing=None, status=422)
    return render(request, "admin_secret.html", {
        "title": f"User {user.user_id} created", "what": "one-time password",
        "secret": None if password else chosen, "back": "/ui/admin/users",
        "note": f"{user.user_id} signs in with their user id or {user.email}."},
        status_code=201, headers=NO_STORE)


def _known_user(app: App, user_id: str) -> User:
    found = app.identity.user(user_id)
    if found is None:
        raise UnknownUserError(f"no user {user_id}", field="user_id")
    return found


@router.get("/users/{user_id}/edit", response_class=HTMLResponse)
def edit_user_page(user_id: str, request: Request) -> HTMLResponse:
    user = _known_user(_app(request), user_id)
    return _user_form(request, values=people.fields_of(user), errors={}, editing=user)


def _back(done: str, who: str, where: str = "/ui/admin/users") -> RedirectResponse:
    return RedirectResponse(f"{where}?done={done}&who={quote(who, safe='')}", status_code=303)


@router.post("/users/{user_id}/edit", response_class=HTMLResponse)
async def save_user(user_id: str, request: Request, admin: CurrentPrincipal) -> Response:
    fields = await _form(request)
    app = _app(request)
    user = _known_user(app, user_id)
    try:
        await run_in_threadpool(lambda: people.change_user(
            people=app.identity, user_id=user_id, fields=fields,
            known_roles=known_roles(request.app.state.auth.roles), now=app.clock(),
            by=admin.actor))
    except InvalidUserError as exc:
        kept = {k: v for k, v in fields.items() if k != "csrf"}
        return _user_form(request, values={**kept, "user_id": user_id},
                          errors=_errors_of(exc), editing=user, status=422)
    request.app.state.auth.forget()  # new roles apply to open sessions at once
    return _back("saved", user_id)


async def _set_active(request: Request, admin: Principal, user_id: str,
                      active: bool) -> Response:
    await _form(request)
    app = _app(request)
    user = _known_user(app, user_id)
    if not active and user_id == admin.actor:
        return _user_form(request, values=people.fields_of(user), editing=user, status=422,
                          errors={"active": "you cannot disable yourself: ask another "
                                            "administrator"})
    def change() -> str:
        people.set_active(people=app.identity, user_id=user_id, active=active,
                          now=app.clock(), by=admin.actor)
        if active:
            return "enabled"
        # as `ordex user disable`: their open cases go to others (docs/assignment.md)
        app.bus.handle(HandOverCases(user_id, admin.actor, "disabled"))
        return "disabled"
    done = await run_in_threadpool(change)
    request.app.state.auth.forget()  # a disabled user's sessions stop at the next request
    return _back(done, user_id)


@router.post("/users/{user_id}/disable", response_class=HTMLResponse)
async def disable_user(user_id: str, request: Request, admin: CurrentPrincipal) -> Response:
    return await _set_active(request, admin, user_id, False)


@router.post("/users/{user_id}/enable", response_class=HTMLResponse)
async def enable_user(user_id: str, request: Request, admin: CurrentPrincipal) -> Response:
    return await _set_active(request, admin, user_id, True)


def _tokens_page(request: Request, *, values: dict[str, str], errors: dict[str, str],
                 notice: str | None = None, status: int = 200) -> HTMLResponse:
    return render(request, "admin_tokens.html", {
        "tokens": _app(request).identity.tokens(), "now": _app(request).clock(),
        "roles": _roles(request), "values": values, "errors": errors, "notice": notice},
        status_code=status)


@router.get("/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, done: str | None = None,
                who: str | None = None) -> HTMLResponse:
    return _tokens_page(request, values={}, errors={}, notice=_notice(done, who))


@router.post("/tokens", response_class=HTMLResponse)
async def create_token(request: Request, admin: CurrentPrincipal) -> Response:
    fields = await _form(request)
    app = _app(request)
    name = fields.get("name", "").strip()
    try:
        secret = people.create_token(
            people=app.identity, name=name, scopes=people.split(fields.get("scope", "")),
            expires_in=fields.get("expires_in"),
            known_roles=known_roles(request.app.state.auth.roles), now=app.clock(),
            by=admin.actor)
    except InvalidUserError as exc:
        kept = {k: v for k, v in fields.items() if k != "csrf"}
        return _tokens_page(request, values=kept, errors=_errors_of(exc), status=422)
    return render(request, "admin_secret.html", {
        "title": f"Token {name} created", "what": "token", "secret": secret,
        "back": "/ui/admin/tokens", "note": "Send it as Authorization: Bearer TOKEN."},
        status_code=201, headers=NO_STORE)


@router.post("/tokens/{name}/revoke", response_class=HTMLResponse)
async def revoke_token(name: str, request: Request, admin: CurrentPrincipal) -> Response:
    await _form(request)
    app = _app(request)
    try:
        people.revoke_token(people=app.identity, name=name, now=app.clock(), by=admin.actor)
    except UnknownTokenError as exc:
        return _tokens_page(request, values={}, errors={"revoke": exc.message}, status=422)
    request.app.state.auth.forget()  # refused by this server from the next request on
    return _back("revoked", name, "/ui/admin/tokens")
