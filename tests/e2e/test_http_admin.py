"""The administration pages over real HTTP on SQLite and PostgreSQL: users created, edited,
disabled and enabled, tokens created and revoked, by a signed-in administrator through the
pages' forms (CSRF field, no header), audited with the administrator as actor; bad fields
named next to the field with nothing stored; forms without CSRF and non-administrators refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from auth_kit import authed, bearer, person
from live_server import serving
from ordex.adapters.db import tables as t
from ordex.bootstrap import bootstrap
from ordex.config import Settings
from ordex.sense.reference import load_reference

ROOT = Path(__file__).resolve().parents[2]
ANN = {"user_id": "ann", "name": "Ann Lee", "email": "ann@example.com",
       "roles": "credit_analyst", "queues": "credit", "skill_codes": "CREDIT_LIMIT_EXCEEDED",
       "segments": "gold", "regions": "midwest", "time_zone": "America/Chicago",
       "hours": "mon,tue 07:00-15:30", "capacity": "25", "password": "ann-password"}


@pytest.fixture
def site(db_url: str) -> Iterator[tuple[str, Any, httpx.Client]]:
    """A server and an administrator signed in to it, whose client posts forms as a browser
    does: the CSRF value in the form's field, no header."""
    app = bootstrap(Settings(database_url=db_url))
    app.migrate()
    app.save_reference(load_reference(ROOT / "examples" / "reference"))
    with serving(app) as base_url:
        boss = person(base_url, app, "boss", ("admin",))
        boss.headers.pop("X-CSRF-Token")
        yield base_url, app, boss
        boss.close()
    app.engine.dispose()


def post(http: httpx.Client, path: str, **fields: str | list[str]) -> httpx.Response:
    """A form posted with the page's CSRF value (a list: a field sent once per item, as
    checked boxes are)."""
    return http.post(path, data={"csrf": http.cookies["ordex_csrf"], **fields})


def signs_in(base_url: str, login: str, password: str) -> httpx.Client | None:
    """A client signed in as this person, or None when the sign-in form refuses."""
    http = httpx.Client(base_url=base_url, timeout=30)
    http.get("/login")
    answer = http.post("/login", data={"login": login, "password": password, "next": "/",
                                       "csrf": http.cookies["ordex_csrf"]})
    if answer.status_code != 303:
        http.close()
        return None
    return http


def trail(app: Any, stream: str) -> list[dict[str, Any]]:
    a = t.audit_log
    with app.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(a.c.actor, a.c.action, a.c.reason)
                                              .where(a.c.case_id == stream)
                                              .order_by(a.c.seq)).mappings()]


def test_an_administrator_creates_a_user_with_every_field_who_then_signs_in(site: Any) -> None:
    base_url, app, boss = site
    form = boss.get("/ui/admin/users/new")
    assert form.status_code == 200 and 'name="roles" value="credit_analyst"' in form.text
    made = post(boss, "/ui/admin/users", **ANN)
    assert made.status_code == 201, made.text
    assert made.headers["cache-control"] == "no-store"
    assert 'id="secret"' not in made.text  # the admin chose the password: nothing to show
    ann = app.identity.user("ann")
    assert ann is not None and ann.roles == ("credit_analyst",) and ann.queues == ("credit",)
    assert ann.skills.codes == ("CREDIT_LIMIT_EXCEEDED",) and ann.skills.regions == ("midwest",)
    assert ann.time_zone == "America/Chicago" and ann.capacity == 25
    assert str(ann.working_hours) == "mon,tue 07:00-15:30"
    assert ("boss", "UserAdded") in [(e["actor"], e["action"]) for e in trail(app, "people")]
    listed = boss.get("/ui/admin/users")
    row = re.search(r'<tr id="user-ann".*?</tr>', listed.text, re.S)
    assert row and "ann@example.com" in row[0] and "America/Chicago" in row[0]
    assert "credit_analyst" in row[0] and ">25<" in row[0] and "–" in row[0]  # never signed in
    http = signs_in(base_url, "ann@example.com", "ann-password")
    assert http is not None and http.get("/me").json()["roles"] == ["credit_analyst"]
    http.close()
    again = boss.get("/ui/admin/users").text
    last = re.search(r'<tr id="user-ann".*?</tr>', again, re.S)
    assert last and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", last[0])  # last sign-in shown


def test_a_generated_one_time_password_is_shown_once_and_works(site: Any) -> None:
    base_url, _app, boss = site
    made = post(boss, "/ui/admin/users", **{**ANN, "password": ""})
    assert made.status_code == 201, made.text
    found = re.search(r'<output class="secret" id="secret"[^>]*>([^<]+)</output>', made.text)
    assert found and len(found[1]) >= 16
    assert found[1] not in boss.get("/ui/admin/users").text
    http = signs_in(base_url, "ann", found[1])
    assert http is not None
    http.close()
    assert signs_in(base_url, "ann", "ann-password") is None


@pytest.mark.parametrize(("field", "value", "said"), [
    ("email", "ann-at-example", "is not an e-mail address"),
    ("roles", "root", "unknown role 'root'"),
    ("time_zone", "Mars/Olympus", "is not an IANA time zone"),
    ("hours", "9 to 5", "are not HH:MM-HH:MM"),
    ("capacity", "-3", "whole number"),
    ("password", "short", "at least 8 characters"),
])
def test_a_bad_field_is_named_next_to_it_and_no_user_is_stored(
        site: Any, field: str, value: str, said: str) -> None:
    _base_url, app, boss = site
    answer = post(boss, "/ui/admin/users", **{**ANN, field: value})
    assert answer.status_code == 422
    error = re.search(rf'<span class="field-error" id="err-{field}">([^<]*)</span>',
                      answer.text)
    assert error and error[1].startswith(f"{field}: ") and said in error[1].replace(
        "&#39;", "'"), answer.text
    assert f'aria-describedby="err-{field}"' in answer.text
    assert 'value="Ann Lee"' in answer.text and "ann-password" not in answer.text
    assert app.identity.user("ann") is None


def test_several_bad_fields_are_all_named_at_once(site: Any) -> None:
    _base_url, app, boss = site
    answer = post(boss, "/ui/admin/users", **{**ANN, "email": "x", "roles": "root",
                                              "time_zone": "CET+1"})
    assert answer.status_code == 422
    for field in ("email", "roles", "time_zone"):
        assert f'id="err-{field}"' in answer.text
    assert app.identity.user("ann") is None


def test_an_edit_changes_the_details_at_once_for_open_sessions_and_is_audited(site: Any
                                                                            ) -> None:
    base_url, app, boss = site
    assert post(boss, "/ui/admin/users", **{**ANN, "roles": "admin"}).status_code == 201
    ann = signs_in(base_url, "ann", "ann-password")
    assert ann is not None and ann.get("/ui/admin/users").status_code == 200
    edit = boss.get("/ui/admin/users/ann/edit")
    assert edit.status_code == 200 and 'value="America/Chicago"' in edit.text
    fields = {**ANN, "roles": "viewer", "queues": "credit,pricing", "time_zone": "Europe/Paris",
              "hours": "mon,wed 09:00-13:00", "capacity": "5", "segments": "silver"}
    saved = post(boss, "/ui/admin/users/ann/edit", **fields)
    assert saved.status_code == 303 and "done=saved" in saved.headers["location"]
    now = app.identity.user("ann")
    assert now.roles == ("viewer",) and now.queues == ("credit", "pricing")
    assert now.time_zone == "Europe/Paris" and now.capacity == 5
    assert str(now.working_hours) == "mon,wed 09:00-13:00" and now.skills.segments == ("silver",)
    assert ann.get("/ui/admin/users").status_code == 403  # the same session, demoted at once
    changed = [e for e in trail(app, "people") if e["action"] == "UserChanged"]
    assert [e["actor"] for e in changed] == ["boss"]
    assert "roles_before=['admin']" in changed[0]["reason"]
    bad = post(boss, "/ui/admin/users/ann/edit", **{**fields, "time_zone": "Nowhere"})
    assert bad.status_code == 422 and 'id="err-time_zone"' in bad.text
    assert app.identity.user("ann").time_zone == "Europe/Paris"
    ann.close()


def test_a_disabled_users_session_stops_at_once_and_enabling_lets_them_back(site: Any
                                                                           ) -> None:
    base_url, app, boss = site
    assert post(boss, "/ui/admin/users", **ANN).status_code == 201
    ann = signs_in(base_url, "ann", "ann-password")
    assert ann is not None and ann.get("/me").status_code == 200
    off = post(boss, "/ui/admin/users/ann/disable")
    assert off.status_code == 303 and "done=disabled" in off.headers["location"]
    assert app.identity.user("ann").active is False
    assert ann.get("/me").status_code == 401
    assert ann.get("/", follow_redirects=False).status_code == 303
    assert signs_in(base_url, "ann", "ann-password") is None
    assert post(boss, "/ui/admin/users/boss/disable").status_code == 422  # not yourself
    assert app.identity.user("boss").active is True
    assert post(boss, "/ui/admin/users/ann/enable").status_code == 303
    back = signs_in(base_url, "ann", "ann-password")
    assert back is not None
    back.close()
    kinds = [(e["actor"], e["action"]) for e in trail(app, "people")]
    assert ("boss", "UserDisabled") in kinds and ("boss", "UserEnabled") in kinds
    ann.close()


def test_disabling_a_user_in_the_page_hands_their_open_cases_over_as_the_cli_does(
        site: Any) -> None:
    base_url, _app, boss = site
    assert post(boss, "/ui/admin/users", **ANN).status_code == 201
    with authed(base_url) as api:
        for line in (ROOT / "examples" / "orders.ndjson").read_text().splitlines():
            api.post("/orders", content=line)
        case_id = "EX-1003:INVALID_SHIP_TO"
        given = api.post(f"/cases/{case_id}/assign", json={"assignee": "ann"})
        assert given.status_code == 200, given.text
        assert api.get(f"/cases/{case_id}").json()["assignee"] == "ann"
        assert post(boss, "/ui/admin/users/ann/disable").status_code == 303
        after = api.get(f"/cases/{case_id}").json()
    assert after["assignee"] != "ann" and after["state"] in ("open", "assigned")


def test_a_token_is_created_shown_once_works_and_is_refused_at_once_when_revoked(
        site: Any) -> None:
    base_url, app, boss = site
    made = post(boss, "/ui/admin/tokens", name="acme-edi", scope=["viewer", "pricing"],
                expires_in="90d")
    assert made.status_code == 201, made.text
    secret = re.search(r'id="secret"[^>]*>(odx_[^<]+)<', made.text)
    assert secret and made.headers["cache-control"] == "no-store"
    with httpx.Client(base_url=base_url, headers=bearer(secret[1]), timeout=30) as system:
        assert system.get("/me").json() == {"actor": "token:acme-edi", "kind": "token",
                                            "roles": ["viewer", "pricing"]}
        listed = boss.get("/ui/admin/tokens").text
        assert "acme-edi" in listed and secret[1] not in listed
        gone = post(boss, "/ui/admin/tokens/acme-edi/revoke")
        assert gone.status_code == 303 and "done=revoked" in gone.headers["location"]
        assert system.get("/me").status_code == 401
    assert post(boss, "/ui/admin/tokens/acme-edi/revoke").status_code == 422  # twice
    bad = post(boss, "/ui/admin/tokens", name="x y", scope="", expires_in="soon")
    assert bad.status_code == 422
    assert all(f'id="err-{f}"' in bad.text for f in ("name", "scope", "expires_in"))
    kinds = [(e["actor"], e["action"]) for e in trail(app, "tokens")]
    assert ("boss", "TokenCreated") in kinds and ("boss", "TokenRevoked") in kinds


def test_a_form_without_its_csrf_value_is_refused_and_changes_nothing(site: Any) -> None:
    _base_url, app, boss = site
    for data in ({k: v for k, v in ANN.items()}, {**ANN, "csrf": "forged"}):
        answer = boss.post("/ui/admin/users", data=data)
        assert answer.status_code == 403
        assert answer.json()["detail"][0]["field"] == "csrf"
    assert app.identity.user("ann") is None
    assert boss.post("/ui/admin/users/viewer/disable", data={}).status_code == 403
    assert app.identity.user("viewer").active is True


def test_people_without_manage_users_get_no_link_and_a_403_on_every_admin_url(
        site: Any) -> None:
    base_url, app, boss = site
    assert 'href="/ui/admin/users"' in boss.get("/").text
    desk = person(base_url, app, "dora", ("order_desk",), queues=("customer_service",))
    try:
        assert 'href="/ui/admin/users"' not in desk.get("/").text
        for path in ("/ui/admin/users", "/ui/admin/users/new", "/ui/admin/users/viewer/edit",
                     "/ui/admin/tokens"):
            assert desk.get(path).status_code == 403, path
        for path in ("/ui/admin/users", "/ui/admin/users/viewer/edit",
                     "/ui/admin/users/viewer/disable", "/ui/admin/tokens",
                     "/ui/admin/tokens/x/revoke"):
            answer = desk.post(path, data={**ANN, "csrf": desk.cookies["ordex_csrf"]})
            assert answer.status_code == 403 and answer.json()["detail"][0]["field"] == \
                "(route)", path
        assert app.identity.user("ann") is None
    finally:
        desk.close()
    with authed(base_url, role="viewer") as token:
        assert token.get("/ui/admin/users").status_code == 403
