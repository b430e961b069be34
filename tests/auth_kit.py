"""Credentials for tests: one API token per role on an app, and clients that send them.

Every test that calls the API or the pages authenticates through these, never by hand: the
e2e `base_url` fixture issues the tokens of its server (`issue`), `authed(base_url)` is an
httpx client with one of them, `signed(api)` a TestClient with one.
"""

from __future__ import annotations

import secrets
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ordex.bootstrap import App
from ordex.domain.identity import User
from ordex.domain.permissions import DEFAULT_ROLES

ROLES = tuple(DEFAULT_ROLES)
TOKENS: dict[str, dict[str, str]] = {}
"""Server address → role → token, filled by `issue`."""


def new_tokens(app: App) -> dict[str, str]:
    """A fresh token per shipped role on this app (named `test-ROLE-RANDOM`)."""
    tag = secrets.token_hex(3)
    return {role: app.identity.create_token(f"test-{role}-{tag}", (role,), expires_at=None,
                                            now=app.clock(), by="tests") for role in ROLES}


def issue(app: App, *, where: str) -> dict[str, str]:
    """The tokens of the server at `where` (made once, then remembered), and a `viewer` user
    who signs in with `viewer-password` (one argon2 hash: the pages' tests need no more)."""
    if where not in TOKENS:
        TOKENS[where] = new_tokens(app)
        app.identity.add_user(User("viewer", "Test viewer", "viewer@example.com", ("viewer",)),
                              password="viewer-password", now=app.clock(), by="tests")
    return TOKENS[where]


def bearer(token: str) -> dict[str, str]:
    """The Authorization header of a token."""
    return {"Authorization": f"Bearer {token}"}


def authed(base_url: str, *, role: str = "admin", **kwargs: Any) -> httpx.Client:
    """An httpx client for a live server, authenticated with the role's token."""
    kwargs.setdefault("timeout", 30)
    return httpx.Client(base_url=base_url, headers=bearer(TOKENS[base_url][role]), **kwargs)


def token_of(api: FastAPI, role: str = "admin") -> str:
    """A role's token on an app made by create_app (made on first use)."""
    if not hasattr(api.state, "test_tokens"):
        api.state.test_tokens = new_tokens(api.state.ordex)
    token: str = api.state.test_tokens[role]
    return token


def signed(api: FastAPI, *, role: str = "admin", **kwargs: Any) -> TestClient:
    """A TestClient of an app made by create_app, authenticated with the role's token."""
    return TestClient(api, headers=bearer(token_of(api, role)), **kwargs)


def raw_header(base_url: str, *, role: str = "admin") -> bytes:
    """The Authorization header line of a role's token, for hand-written HTTP requests."""
    return f"Authorization: Bearer {TOKENS[base_url][role]}\r\n".encode()


TEST_SECRET = "tests-only-secret-key-0123456789abcdef"
"""A secret key long enough for `ordex serve` outside demo mode (tests only)."""


def serve_env(**extra: str) -> dict[str, str]:
    """The environment of an `ordex serve` subprocess: ours, with a non-default secret."""
    import os
    return {**os.environ, "ORDEX_SECRET_KEY": TEST_SECRET, **extra}


def person(base_url: str, app: App, user_id: str, roles: tuple[str, ...], *,
           queues: tuple[str, ...] = ()) -> httpx.Client:
    """A person on a live server: the user is made with these roles, signs in through the
    form, and the client sends the session cookie with the CSRF header writes need."""
    password = f"{user_id}-password"
    app.identity.add_user(User(user_id, user_id.title(), f"{user_id}@example.com", roles,
                               queues=queues), password=password, now=app.clock(), by="tests")
    http = httpx.Client(base_url=base_url, timeout=30)
    http.get("/login")
    answer = http.post("/login", data={"login": user_id, "password": password,
                                       "csrf": http.cookies["ordex_csrf"], "next": "/"})
    assert answer.status_code in (200, 303), answer.text
    http.headers["X-CSRF-Token"] = http.cookies["ordex_csrf"]
    return http


def add_people(app: App, roles: dict[str, tuple[str, ...]]) -> None:
    """Users (no password: they act through the bus in the test) with these roles."""
    for user_id, held in roles.items():
        app.identity.add_user(User(user_id, user_id.title(), f"{user_id}@example.com", held),
                              password=None, now=app.clock(), by="tests")
