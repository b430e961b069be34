"""Signing in and acting through the API and the pages, on SQLite and PostgreSQL: tokens that
expire and are revoked, sessions, CSRF, the actor recorded, value bands from a roles file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from auth_kit import bearer
from commands import ingest
from ordex.bootstrap import App, bootstrap
from ordex.config import Settings
from ordex.domain.identity import User
from ordex.entrypoints.api.app import create_app
from ordex.sense.reference import load_reference

from builders import example

ROOT = Path(__file__).resolve().parents[2]
SECRET = "integration-tests-secret-0123456789abcdef"
CASE = "EX-1002:INVENTORY_SHORTFALL"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make(db_url: str, clock: Clock, tmp_path: Path, **settings: object) -> App:
    app = bootstrap(Settings(database_url=db_url, secret_key=SECRET,
                             credential_cache_seconds=0, **settings), clock=clock)
    app.migrate()
    app.save_reference(load_reference(ROOT / "examples" / "reference"))
    ingest(app, [(example("EX-1002"), "t")], channel="api")
    return app


@pytest.fixture
def app(db_url: str, clock: Clock, tmp_path: Path) -> Iterator[App]:
    made = make(db_url, clock, tmp_path)
    made.identity.add_user(User("ann", "Ann Lee", "ann@example.com", ("logistics",)),
                           password="ann-password", now=clock(), by="test")
    yield made
    made.engine.dispose()


@pytest.fixture
def api(app: App) -> FastAPI:
    return create_app(app)


def token(app: App, name: str, *scopes: str, days: int | None = None) -> str:
    expires = app.clock() + timedelta(days=days) if days else None
    return app.identity.create_token(name, scopes, expires_at=expires, now=app.clock(),
                                     by="test")


def test_a_token_works_until_it_expires_and_its_use_is_recorded(app: App, api: FastAPI,
                                                                 clock: Clock) -> None:
    secret = token(app, "acme-edi", "viewer", days=90)
    http = TestClient(api, headers=bearer(secret))
    assert http.get("/queues").status_code == 200
    [listed] = [k for k in app.identity.tokens() if k.name == "acme-edi"]
    assert listed.last_used_at == clock.now and secret not in repr(listed)
    clock.now += timedelta(days=90)
    expired = http.get("/queues")
    assert expired.status_code == 401 and expired.json()["detail"][0]["field"] == \
        "Authorization"


def test_a_revoked_token_is_refused(app: App, api: FastAPI) -> None:
    secret = token(app, "script", "admin")
    http = TestClient(api, headers=bearer(secret))
    assert http.get("/me").json() == {"actor": "token:script", "kind": "token",
                                      "roles": ["admin"]}
    app.identity.revoke_token("script", now=app.clock(), by="test")
    assert http.get("/me").status_code == 401


def test_the_actor_is_the_credential_and_a_body_naming_one_is_refused(
        app: App, api: FastAPI) -> None:
    http = TestClient(api, headers=bearer(token(app, "planner-bot", "logistics")))
    named = http.post(f"/cases/{CASE}/take", json={"actor": "mallory"})
    assert named.status_code == 422 and named.json()["detail"][0]["field"] == "actor"
    assert "signed-in user or token" in named.json()["message"]
    taken = http.post(f"/cases/{CASE}/take", json={})
    assert taken.status_code == 200, taken.text
    assert taken.json()["assignee"] == "token:planner-bot"
    assert [a["actor"] for a in taken.json()["audit"]][-1] == "token:planner-bot"


def test_an_ingest_token_posts_orders_and_may_not_release_anything(app: App,
                                                                    api: FastAPI) -> None:
    with TestClient(api, headers=bearer(token(app, "acme", "ingest"))) as http:
        assert http.post("/orders", content=example("EX-1003")).status_code == 201
        refused = http.post("/events/payments", json={"customer_id": "ACME", "amount": "1"})
        assert refused.status_code == 403 and "may not post_payment" in refused.json()["message"]
        assert http.get("/cases").status_code == 403


def signed_in(api: FastAPI, login: str, password: str, **kwargs: object) -> TestClient:
    http = TestClient(api, **kwargs)  # type: ignore[arg-type]
    http.get("/login")
    answer = http.post("/login", data={"login": login, "password": password,
                                       "csrf": http.cookies["ordex_csrf"], "next": "/"},
                       follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return http


def test_signing_in_sets_an_http_only_lax_session_and_the_pages_show_the_user(
        api: FastAPI) -> None:
    http = TestClient(api)
    assert http.get("/", follow_redirects=False).headers["location"] == "/login?next=%2F"
    http.get("/login")
    answer = http.post("/login", data={"login": "ANN@example.com", "password": "ann-password",
                                       "csrf": http.cookies["ordex_csrf"]},
                       follow_redirects=False)
    cookie = answer.headers["set-cookie"]
    assert "ordex_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http, cookie_secure=auto
    page = http.get("/")
    assert page.status_code == 200 and "ann" in page.text and "Sign out" in page.text
    assert http.get("/me").json()["actor"] == "ann"
    csrf = http.cookies["ordex_csrf"]
    out = http.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303 and 'ordex_session=""' in out.headers["set-cookie"]


def test_the_session_cookie_is_secure_over_https(api: FastAPI) -> None:
    http = TestClient(api, base_url="https://testserver")
    assert "Secure" in http.get("/login").headers["set-cookie"]
    answer = http.post("/login", data={"login": "ann", "password": "ann-password",
                                       "csrf": http.cookies["ordex_csrf"]},
                       follow_redirects=False)
    assert "Secure" in answer.headers["set-cookie"]


def test_a_form_without_the_csrf_value_is_refused(api: FastAPI) -> None:
    http = TestClient(api)
    http.get("/login")
    for csrf in (None, "forged.value", "x"):
        data = {"login": "ann", "password": "ann-password"} | ({"csrf": csrf} if csrf else {})
        refused = http.post("/login", data=data, follow_redirects=False)
        assert refused.status_code == 403 and refused.json()["detail"][0]["field"] == "csrf"
    signed = signed_in(api, "ann", "ann-password")
    kept = signed.post("/logout", data={}, follow_redirects=False)
    assert kept.status_code == 403 and signed.get("/me").status_code == 200


def test_a_write_with_a_session_cookie_needs_the_csrf_header(api: FastAPI) -> None:
    http = signed_in(api, "ann", "ann-password")  # logistics: may take planning cases
    refused = http.post(f"/cases/{CASE}/take", json={})
    assert refused.status_code == 403
    assert refused.json()["detail"][0]["field"] == "X-CSRF-Token"
    taken = http.post(f"/cases/{CASE}/take", json={},
                      headers={"X-CSRF-Token": http.cookies["ordex_csrf"]})
    assert taken.status_code == 200 and taken.json()["assignee"] == "ann"


def test_wrong_passwords_are_refused_then_rate_limited(api: FastAPI) -> None:
    http = TestClient(api)
    http.get("/login")
    csrf = http.cookies["ordex_csrf"]
    codes = [http.post("/login", data={"login": "ann", "password": "wrong", "csrf": csrf}
                       ).status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    blocked = http.post("/login", data={"login": "ann", "password": "ann-password",
                                        "csrf": csrf}, follow_redirects=False)
    assert blocked.status_code == 429  # even the right password, until the window passes
    assert TestClient(api).get("/me").status_code == 401


def test_a_disabled_user_is_signed_out_and_cannot_sign_in(app: App, api: FastAPI) -> None:
    http = signed_in(api, "ann", "ann-password")
    assert http.get("/me").status_code == 200
    app.identity.set_active("ann", False, now=app.clock(), by="test")
    assert http.get("/me").status_code == 401
    assert http.get("/", follow_redirects=False).status_code == 303
    again = TestClient(api)
    again.get("/login")
    assert again.post("/login", data={"login": "ann", "password": "ann-password",
                                      "csrf": again.cookies["ordex_csrf"]}).status_code == 401


def test_value_bands_from_a_roles_file_hold_at_the_limit(db_url: str, clock: Clock,
                                                          tmp_path: Path) -> None:
    roles = tmp_path / "roles.yaml"
    roles.write_text("roles:\n  planner:\n    permissions: [view, take_case, resolve_case]\n"
                     "    queues: [planning]\n    limit: 3240\n"
                     "  junior:\n    permissions: [view, resolve_case]\n"
                     "    queues: [planning]\n    limit: 3239.99\n")
    app = make(db_url, clock, tmp_path, roles_file=roles)
    try:
        api = create_app(app)
        case = app.queries.case(CASE)
        assert case is not None and str(case["value_at_risk"]).startswith("3240")
        body = {"action": "REVISE_PROMISE", "reason": "r", "promise_date": "2026-12-31"}
        junior = TestClient(api, headers=bearer(token(app, "j", "junior")))
        refused = junior.post(f"/cases/{CASE}/resolve", json=body)
        assert refused.status_code == 403 and refused.json()["detail"][0]["field"] == "case_id"
        planner = TestClient(api, headers=bearer(token(app, "p", "planner")))
        done = planner.post(f"/cases/{CASE}/resolve", json=body)
        assert done.status_code == 200 and done.json()["state"] == "resolved"
        assert done.json()["audit"][-1]["actor"] == "token:p"
    finally:
        app.engine.dispose()
