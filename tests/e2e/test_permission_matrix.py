"""Every role × every route and method of the app, generated from its OpenAPI description
(and its pages): allowed, or 403 in the error body — never 500 — and 401 without a credential.

A route the rules (`auth.ROUTES`) do not name fails here, so a route added later cannot be
forgotten; and it is refused to everyone meanwhile (fail closed).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from auth_kit import ROLES, bearer, token_of
from commands import ingest
from ordex.bootstrap import bootstrap
from ordex.config import Settings
from ordex.domain.identity import Principal, case_value
from ordex.domain.permissions import CASE_PERMISSIONS, CaseFacts, Permission, may
from ordex.entrypoints.api.app import create_app
from ordex.entrypoints.api.auth import PAGES, PUBLIC, ROUTES
from ordex.sense.reference import load_reference

ROOT = Path(__file__).resolve().parents[2]
REFUSED_BY_ROLE = {"(route)", "case_id"}
"""The fields a permission refusal names (a CSRF refusal names `csrf`)."""


@pytest.fixture
def api(db_url: str) -> Iterator[FastAPI]:
    ordex = bootstrap(Settings(database_url=db_url))
    ordex.migrate()
    ordex.save_reference(load_reference(ROOT / "examples" / "reference"))
    lines = (ROOT / "examples" / "orders.ndjson").read_bytes().splitlines()
    ingest(ordex, [(line, "test") for line in lines], channel="api")
    yield create_app(ordex)
    ordex.engine.dispose()


def operations(api: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every operation the OpenAPI description lists, and of every page."""
    described = [(m.upper(), p) for p, ops in api.openapi()["paths"].items() for m in ops]
    # every route, those of included routers too (FastAPI keeps those apart from api.routes)
    hidden = [(m, str(r.path)) for r in iter_route_contexts(api.routes)
              if not r.include_in_schema for m in sorted(r.methods or ())]
    return sorted(set(described + hidden))


def a_case(api: FastAPI) -> dict[str, Any]:
    """The open case of the highest value (a credit hold in the examples)."""
    cases = api.state.ordex.queries.cases(state="open", limit=1000)
    return max(cases, key=lambda c: case_value(c["value_at_risk"]))


def concrete(path: str, case: dict[str, Any]) -> str:
    values = {"case_id": case["case_id"], "order_id": case["order_id"] or "EX-1001",
              "message_id": "no-such-message", "user_id": "no-such-user",
              "name": "no-such-token"}
    return re.sub(r"\{(\w+)\}", lambda m: values[m[1]], path)


def call(http: TestClient, method: str, path: str) -> Any:
    body = {} if method == "POST" else None
    return http.request(method, path, json=body, follow_redirects=False)


def test_every_route_has_a_permission_rule(api: FastAPI) -> None:
    missing = [f"{m} {p}" for m, p in operations(api) if (m, p) not in ROUTES
               and (m, p) not in PUBLIC]
    assert missing == [], f"routes without a rule in auth.ROUTES: {missing}"
    assert len(operations(api)) >= 24
    assert ("POST", "/ui/admin/users") in operations(api)  # an included router's route


def test_without_a_credential_every_route_but_the_public_ones_is_401(api: FastAPI) -> None:
    case = a_case(api)
    http = TestClient(api)
    for method, path in operations(api):
        if (method, path) in PUBLIC:
            continue
        for headers in ({}, bearer("odx_not-a-token"), {"Authorization": "Basic eDp5"}):
            answer = http.request(method, concrete(path, case), headers=headers,
                                  follow_redirects=False, json={} if method == "POST" else None)
            if (method, path) in PAGES:
                assert answer.status_code == 303 and answer.headers["location"].startswith(
                    "/login?next="), (method, path)
                continue
            assert answer.status_code == 401, (method, path, headers, answer.text)
            assert answer.json()["detail"][0]["field"] == "Authorization"
            assert answer.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_allowed_or_refused_403_on_every_route_never_500(
        api: FastAPI, role: str) -> None:
    case = a_case(api)
    facts = CaseFacts(case["queue"], case_value(case["value_at_risk"]))
    who = Principal("t", (api.state.auth.roles[role],))
    cells = [o for o in operations(api) if o not in PUBLIC]
    with TestClient(api, headers=bearer(token_of(api, role)),
                    raise_server_exceptions=False) as http:
        refused = [f"{method} {path}" for method, path in cells
                   if not cell(http, who, facts, method, path, concrete(path, case))]
    assert len(cells) >= 20
    assert refused == [f"{m} {p}" for m, p in cells
                       if not may(who, ROUTES[(m, p)], scope(p, ROUTES[(m, p)], facts))]


def scope(template: str, needed: Permission, facts: CaseFacts) -> CaseFacts | None:
    """The case a route's permission is checked on: the path's case; none for a route that
    names no case (the work page's bulk action checks each case it is given in its answer)."""
    return facts if needed in CASE_PERMISSIONS and "{case_id}" in template else None


def cell(http: TestClient, who: Principal, facts: CaseFacts, method: str, template: str,
         path: str) -> bool:
    """One cell of the matrix: allowed (neither 401 nor a role's 403) exactly when `may`."""
    needed = ROUTES[(method, template)]
    expected = may(who, needed, scope(template, needed, facts))
    answer = call(http, method, path)
    where = (who.roles[0].name, method, template, answer.status_code, answer.text[:300])
    assert answer.status_code < 500, where
    assert answer.status_code != 401, where
    refused = answer.status_code == 403 and \
        answer.json()["detail"][0]["field"] in REFUSED_BY_ROLE
    assert refused is not expected, where
    assert not refused or " may not " in answer.json()["message"]
    return not refused


def test_the_viewer_looks_and_the_ingest_token_only_posts_orders_and_edi(api: FastAPI) -> None:
    viewer, ingest = (Principal("t", (api.state.auth.roles[r],)) for r in ("viewer",
                                                                           "integration"))
    looks = {k for k, p in ROUTES.items() if may(viewer, p)}
    assert looks and all(m == "GET" for m, _ in looks)
    assert {k for k, p in ROUTES.items() if may(ingest, p)} == {("POST", "/orders"),
                                                               ("POST", "/edi")}
