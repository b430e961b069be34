"""Who is calling, and may they: every route but `GET /health` needs a credential.

A Bearer token (systems) or the session cookie (people in the pages) makes the principal;
`ROUTES` names the permission each route needs, and a route missing from it is refused to
everyone (fail closed; the permission-matrix test fails for it too). Case actions check the
case's queue and value in the route itself (`allowed`). Checked credentials are remembered
for `credential_cache_seconds`, so a request costs a SHA-256 and a dict lookup, never a hash
of a password; a token's use is written at most once a minute.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated
from urllib.parse import parse_qs, quote

from fastapi import Depends, Request
from fastapi.routing import APIRoute

from ordex.adapters.credentials import Signer, token_digest
from ordex.bootstrap import App
from ordex.domain.errors import NotPermittedError, NotSignedInError
from ordex.domain.identity import Principal, User, case_value
from ordex.domain.permissions import CaseFacts, Permission, Role, may

P = Permission
SESSION_COOKIE, CSRF_COOKIE, CSRF_HEADER = "ordex_session", "ordex_csrf", "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM, MAX_FORM_BYTES = "application/x-www-form-urlencoded", 8 * 1024
"""A page's form (its `csrf` field stands for the header); larger forms are not read here."""
PUBLIC = {("GET", "/health"), ("GET", "/login"), ("POST", "/login"), ("POST", "/logout")}
"""What anyone may reach: the health check, signing in and out (CSRF guards the forms)."""
ROUTES: dict[tuple[str, str], Permission] = {
    ("POST", "/orders"): P.INGEST, ("POST", "/edi"): P.INGEST,
    ("GET", "/orders/{order_id}"): P.VIEW, ("GET", "/cases"): P.VIEW,
    ("GET", "/cases/{case_id}"): P.VIEW, ("GET", "/edi/documents"): P.VIEW,
    ("GET", "/kpis"): P.VIEW, ("GET", "/queues"): P.VIEW, ("GET", "/"): P.VIEW,
    ("GET", "/ui/cases/{case_id}"): P.VIEW, ("GET", "/docs"): P.VIEW,
    ("GET", "/openapi.json"): P.VIEW, ("GET", "/me"): P.VIEW,
    ("GET", "/static/{name:path}"): P.VIEW,
    ("GET", "/ui/work"): P.VIEW, ("GET", "/ui/work/live"): P.VIEW,
    ("POST", "/ui/work/bulk"): P.TAKE_CASE,  # each case checked again (docs/web.md)
    ("GET", "/ui/dashboards"): P.VIEW, ("GET", "/ui/kpis"): P.VIEW,
    ("POST", "/cases/{case_id}/take"): P.TAKE_CASE,
    ("POST", "/cases/{case_id}/resolve"): P.RESOLVE_CASE,
    ("POST", "/cases/{case_id}/replay"): P.REPLAY_CASE,
    ("POST", "/events/stock-receipts"): P.POST_STOCK,
    ("POST", "/events/inbound-po-dates"): P.POST_STOCK,
    ("POST", "/events/payments"): P.POST_PAYMENT,
    ("POST", "/events/price-contracts"): P.POST_CONTRACT,
    ("POST", "/events/unit-conversions"): P.POST_MASTER_DATA,
    ("POST", "/events/licences"): P.POST_LICENCE,
    # working a case (docs/casework.md): queue-scoped; resolving ones also value-banded, and
    # the policy's authority matrix decides within the band who may resolve or must ask
    ("POST", "/cases/{case_id}/assign"): P.TAKE_CASE,
    ("POST", "/cases/{case_id}/comment"): P.TAKE_CASE,
    ("POST", "/cases/{case_id}/attach"): P.TAKE_CASE,
    ("POST", "/cases/{case_id}/request-approval"): P.TAKE_CASE,
    ("POST", "/cases/{case_id}/approve"): P.TAKE_CASE,
    ("POST", "/cases/{case_id}/reject"): P.TAKE_CASE,
    ("POST", "/cases/{case_id}/reopen"): P.TAKE_CASE,
    ("POST", "/cases/{case_id}/pause"): P.TAKE_CASE,
    ("POST", "/cases/{case_id}/resume"): P.TAKE_CASE,
    ("POST", "/cases/{case_id}/accept"): P.RESOLVE_CASE,
    ("POST", "/cases/{case_id}/choose"): P.RESOLVE_CASE,
    ("POST", "/cases/{case_id}/override"): P.RESOLVE_CASE,
    ("POST", "/cases/{case_id}/cancel"): P.TAKE_CASE,
    ("GET", "/approvals"): P.VIEW,
    # the administration pages (docs/web.md)
    ("GET", "/ui/admin/users"): P.MANAGE_USERS, ("GET", "/ui/admin/users/new"): P.MANAGE_USERS,
    ("POST", "/ui/admin/users"): P.MANAGE_USERS,
    ("GET", "/ui/admin/users/{user_id}/edit"): P.MANAGE_USERS,
    ("POST", "/ui/admin/users/{user_id}/edit"): P.MANAGE_USERS,
    ("POST", "/ui/admin/users/{user_id}/disable"): P.MANAGE_USERS,
    ("POST", "/ui/admin/users/{user_id}/enable"): P.MANAGE_USERS,
    ("GET", "/ui/admin/tokens"): P.MANAGE_USERS, ("POST", "/ui/admin/tokens"): P.MANAGE_USERS,
    ("POST", "/ui/admin/tokens/{name}/revoke"): P.MANAGE_USERS,
    # the case page's actions (docs/web.md): each needs what its API route needs
    ("POST", "/ui/cases/{case_id}/take"): P.TAKE_CASE,
    ("POST", "/ui/cases/{case_id}/accept"): P.RESOLVE_CASE,
    ("POST", "/ui/cases/{case_id}/choose"): P.RESOLVE_CASE,
    ("POST", "/ui/cases/{case_id}/override"): P.RESOLVE_CASE,
    ("POST", "/ui/cases/{case_id}/request-approval"): P.TAKE_CASE,
    ("POST", "/ui/cases/{case_id}/approve"): P.TAKE_CASE,
    ("POST", "/ui/cases/{case_id}/reject"): P.TAKE_CASE,
    ("POST", "/ui/cases/{case_id}/assign"): P.TAKE_CASE,
    ("POST", "/ui/cases/{case_id}/pause"): P.TAKE_CASE,
    ("POST", "/ui/cases/{case_id}/resume"): P.TAKE_CASE,
    ("POST", "/ui/cases/{case_id}/comment"): P.TAKE_CASE,
    # ERP write-back (docs/erp.md)
    ("GET", "/outbox/stats"): P.VIEW, ("GET", "/notifications/stats"): P.VIEW,
    ("POST", "/outbox/messages/{message_id}/replay"): P.REPLAY_CASE,
}
"""The permission each route needs (method, path template)."""
PAGES = {("GET", "/"), ("GET", "/ui/cases/{case_id}"), ("GET", "/docs"), ("GET", "/ui/work"),
         ("GET", "/ui/admin/users"), ("GET", "/ui/admin/users/new"),
         ("GET", "/ui/admin/users/{user_id}/edit"), ("GET", "/ui/admin/tokens"),
         ("GET", "/ui/dashboards"), ("GET", "/ui/kpis")}
"""Pages: without a session they send the browser to the sign-in form (303)."""
SCOPE_ALIASES = {"ingest": "integration"}
"""Token scopes that name a role differently (`--scope ingest` is the integration role)."""
USE_WRITE_SECONDS = 60.0


def known_roles(roles: Mapping[str, Role]) -> frozenset[str]:
    """The role names a user or token may be given: the roles, and the scope aliases."""
    return frozenset(roles) | frozenset(SCOPE_ALIASES)


@dataclass
class Authenticator:
    """Turns a request's credential into a principal, remembering recent answers briefly."""

    app: App
    roles: dict[str, Role]
    signer: Signer
    _seen: dict[str, tuple[float, Principal | None, datetime | None]] = field(
        default_factory=dict)
    _used: dict[str, float] = field(default_factory=dict)

    @classmethod
    def of(cls, app: App) -> Authenticator:
        """The authenticator over the app's identity store, roles and secret."""
        return cls(app, app.settings.roles(), Signer(app.settings.secret_key))

    def principal_of_roles(self, actor: str, names: tuple[str, ...], kind: str) -> Principal:
        """A principal with the named roles (unknown names grant nothing)."""
        found = (self.roles.get(SCOPE_ALIASES.get(n, n)) for n in names)
        return Principal(actor, tuple(r for r in found if r is not None), kind)

    def user_principal(self, user: User) -> Principal:
        """The principal of a signed-in user."""
        who = self.principal_of_roles(user.user_id, user.roles, "user")
        return replace(who, time_zone=user.time_zone)

    def from_request(self, request: Request) -> Principal | None:
        """The principal of the request's Bearer token or session cookie, else None."""
        header = request.headers.get("authorization", "")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() == "bearer" and secret.strip():
            return self._token(secret.strip())
        cookie = request.cookies.get(SESSION_COOKIE)
        return self._session(cookie) if cookie else None

    def _remembered(self, key: str) -> tuple[bool, Principal | None, datetime | None]:
        hit = self._seen.get(key)
        if hit and time.monotonic() - hit[0] < self.app.settings.credential_cache_seconds:
            return True, hit[1], hit[2]
        return False, None, None

    def _remember(self, key: str, who: Principal | None, until: datetime | None = None) -> None:
        if len(self._seen) > 10_000:
            self._seen.clear()  # bounded memory under a flood of invented tokens
        self._seen[key] = (time.monotonic(), who, until)

    def _token(self, secret: str) -> Principal | None:
        key = "t:" + token_digest(secret)
        known, who, expires = self._remembered(key)
        now = self.app.clock()
        if not known:
            token = self.app.identity.token_for(secret)
            who = None if token is None or not token.usable(now=now) else \
                self.principal_of_roles(f"token:{token.name}", token.scopes, "token")
            expires = token.expires_at if token else None
            self._remember(key, who, expires)
        if who is None or (expires is not None and now >= expires):
            return None
        self._note_use(who.actor.removeprefix("token:"), now)
        return who

    def _note_use(self, name: str, now: datetime) -> None:
        last = self._used.get(name, 0.0)
        if time.monotonic() - last >= USE_WRITE_SECONDS:
            self._used[name] = time.monotonic()
            self.app.identity.token_used(name, now=now)

    def _session(self, cookie: str) -> Principal | None:
        max_age = timedelta(hours=self.app.settings.session_hours).total_seconds()
        user_id = self.signer.session_user(cookie, now=self.app.clock(),
                                           max_age_seconds=max_age)
        if user_id is None:
            return None
        known, who, _ = self._remembered("u:" + user_id)
        if not known:
            user = self.app.identity.user(user_id)
            who = self.user_principal(user) if user and user.active else None
            self._remember("u:" + user_id, who)
        return who

    def forget(self) -> None:
        """Drop what is remembered (after a revocation or a disabled user, in-process)."""
        self._seen.clear()


def route_key(request: Request) -> tuple[str, str] | None:
    """(method, path template) of the request's route."""
    route = request.scope.get("route")
    path = route.path if isinstance(route, APIRoute) else getattr(route, "path", None)
    return (request.method, path) if path else None


def _is_form(request: Request) -> bool:
    return request.headers.get("content-type", "").startswith(FORM)


async def csrf_sent(request: Request) -> str | None:
    """The CSRF value a write carries: the header, else (a page's form) its `csrf` field."""
    header = request.headers.get(CSRF_HEADER)
    if header or not _is_form(request):
        return header
    body = await request.body()  # kept by the request: the route reads the same bytes
    if len(body) > MAX_FORM_BYTES:
        return None
    return parse_qs(body.decode("utf-8", "replace")).get("csrf", [None])[0]


async def authorize(request: Request) -> Principal | None:
    """The principal, checked against the route's permission: 401 without one, 403 if not."""
    key = route_key(request)
    if key in PUBLIC:
        return None
    auth: Authenticator = request.app.state.auth
    who = auth.from_request(request)
    if who is None:
        if key in PAGES:  # a person in a browser: the sign-in form, then back here
            here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise NotSignedInError(login=f"/login?next={quote(here, safe='')}")
        raise NotSignedInError(field="Authorization")
    needed = ROUTES.get(key) if key else None
    if needed is None:
        raise NotPermittedError(f"{request.method} {key[1] if key else request.url.path} has "
                                "no permission rule", field="(route)")
    if not may(who, needed):
        raise NotPermittedError(f"{who.actor} may not {needed.value}", field="(route)")
    if who.kind == "user" and request.method not in SAFE_METHODS and \
            not auth.signer.csrf_ok(request.cookies.get(CSRF_COOKIE), await csrf_sent(request)):
        # a session cookie rides along on any request the browser makes: writes need proof
        if _is_form(request):
            raise NotPermittedError("csrf: missing or wrong CSRF token: reload the page",
                                    errors=[{"field": "csrf", "reason": "missing or wrong CSRF "
                                             "token: reload the page"}])
        raise NotPermittedError(f"csrf: a write with a session needs the {CSRF_HEADER} header "
                                "(the value of the ordex_csrf cookie's form field)",
                                errors=[{"field": CSRF_HEADER, "reason": "missing or wrong"}])
    request.state.principal = who
    return who


async def current_principal(request: Request) -> Principal:
    """The principal `authorize` admitted (every non-public route has one)."""
    who: Principal | None = getattr(request.state, "principal", None)
    if who is None:
        raise NotSignedInError()
    return who


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def allowed(who: Principal, action: Permission, case: dict[str, object]) -> None:
    """Refuse (403) an action on a case outside the principal's queues or value band."""
    facts = CaseFacts(str(case.get("queue", "")), case_value(case.get("value_at_risk")))
    if not may(who, action, facts) and may(who, action, CaseFacts(facts.queue, Decimal(0))):
        raise NotPermittedError(
            f"{action.value} on a case of value {facts.value} is beyond the limit of "
            f"{who.actor}'s roles: request approval", field="case_id", queue=facts.queue,
            value=str(facts.value))
    if not may(who, action, facts):
        raise NotPermittedError(
            f"{who.actor} may not {action.value} a {facts.queue} case of value {facts.value}",
            field="case_id", queue=facts.queue, value=str(facts.value))

