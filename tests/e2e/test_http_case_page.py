"""The case page over real HTTP on SQLite and PostgreSQL: every section rendered for a person,
every action posted as a form (CSRF field) or through htmx (CSRF header), the same commands
as the API; what a role may not do is neither offered nor accepted."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from auth_kit import authed, person
from live_server import serving
from ordex.bootstrap import bootstrap
from ordex.config import Settings
from ordex.sense.reference import load_reference

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = {"ana": ("credit_analyst",), "max": ("credit_manager",), "vic": ("viewer",),
          "pia": ("pricing",)}
SMALL, LARGE = "PG-1:CREDIT_LIMIT_EXCEEDED", "PG-2:CREDIT_LIMIT_EXCEEDED"


def bolt_order(order_id: str, quantity: int) -> str:
    """An order of BOLT (credit limit 5,000, 4,600 owed) for bolts at 30.00."""
    return json.dumps({
        "order_id": order_id, "customer_id": "BOLT", "customer_po": f"PO-{order_id}",
        "channel": "api", "order_date": "2026-11-23", "requested_ship_date": "2026-11-26",
        "ship_to": {"code": "BOLT-1", "name": "Bolt & Nut Contractors",
                    "line1": "45 Harbor Blvd", "line2": "Suite 2", "city": "Tampa",
                    "state": "FL", "postal_code": "33602", "country": "US"},
        "ship_via": "UPSN-GND", "warehouse_id": "CHI",
        "lines": [{"line_no": 1, "item_id": "BOLT-M8", "quantity": quantity, "uom": "EA",
                   "unit_price": 30.0}]})


@pytest.fixture
def desk(db_url: str) -> Iterator[tuple[str, dict[str, httpx.Client]]]:
    """A server with a 9,000 and a 30,000 credit hold, and people signed in to it."""
    app = bootstrap(Settings(database_url=db_url))
    app.migrate()
    app.save_reference(load_reference(ROOT / "examples" / "reference"))
    with serving(app) as base_url:
        with authed(base_url, timeout=180) as http:  # the first order warms the process
            for order_id, qty in (("PG-1", 300), ("PG-2", 1000)):
                assert http.post("/orders", content=bolt_order(order_id, qty)).status_code == 201
        people = {name: person(base_url, app, name, roles) for name, roles in PEOPLE.items()}
        yield base_url, people
        for client in people.values():
            client.close()
    app.engine.dispose()


def page(http: httpx.Client, case_id: str) -> str:
    answer = http.get(f"/ui/cases/{case_id}")
    assert answer.status_code == 200, answer.text
    return answer.text


def offered(html: str) -> set[str]:
    """The actions the page offers (each form names its action)."""
    return set(re.findall(r'<form method="post" action="/ui/cases/[^"]+" class="act" '
                          r'data-action="([\w-]+)"', html))


def post(http: httpx.Client, case_id: str, name: str, **fields: Any) -> httpx.Response:
    """Submit one of the page's forms as a browser does (the CSRF field, the shown version)."""
    version = re.search(r'name="expected_version" value="(\d+)"', page(http, case_id))
    data = {"csrf": http.cookies["ordex_csrf"], **({"expected_version": version[1]}
                                                   if version else {}), **fields}
    return http.post(f"/ui/cases/{case_id}/{name}", data=data)


def state_of(base_url: str, case_id: str) -> dict[str, Any]:
    with authed(base_url) as http:
        found: dict[str, Any] = http.get(f"/cases/{case_id}").json()
    return found


def test_every_section_is_rendered_for_a_person_not_as_json(desk: Any) -> None:
    _base_url, people = desk
    html = page(people["vic"], SMALL)
    assert "<pre>" not in html and "&#34;priority_parts&#34;" not in html
    lines = html[html.index('id="order-lines"'):]
    assert "BOLT-M8" in lines and "300 EA" in lines and "30.00" in lines
    assert 'href="/ui/cases/PG-1:CREDIT_LIMIT_EXCEEDED">CREDIT_LIMIT_EXCEEDED' in lines
    siblings = html[html.index('id="siblings"'):]
    assert 'href="/ui/cases/PG-1:PRICE_MISMATCH">PRICE_MISMATCH' in siblings
    customer = html[html.index('id="customer-facts"'):]
    assert "tier <b>bronze</b>" in customer and "5,000.00" in customer
    assert "open receivables 4,600.00" in customer and "terms" in customer
    stock = html[html.index('id="stock-table"'):]
    assert "BOLT-M8" in stock and "order's" in stock
    prices = html[html.index('id="price-table"'):]
    assert "no contract: list price applies" in prices or "(applied)" in prices
    evidence = html[html.index('id="evidence"'):]
    assert "credit limit" in evidence and "over by" in evidence
    alternatives = html[html.index('id="alternatives"'):]
    assert "HOLD" in alternatives and "RELEASE" in alternatives and "recommended" in alternatives
    assert re.search(r"<td class=\"num\">[\d,]+\.\d\d</td>", alternatives)  # a cost, as money
    assert "Audit trail" in html and "Resolution due" in html and " UTC" in html
    assert "left" in html or "overdue" in html  # the SLA clock


def test_a_viewer_is_offered_nothing_and_a_forced_post_is_refused_403(desk: Any) -> None:
    base_url, people = desk
    assert offered(page(people["vic"], SMALL)) == set()
    refused = post(people["vic"], SMALL, "take")
    assert refused.status_code == 403 and " may not " in refused.json()["message"]
    assert state_of(base_url, SMALL)["state"] == "open"


def test_another_queue_sees_the_case_but_may_not_work_it(desk: Any) -> None:
    _base_url, people = desk
    assert offered(page(people["pia"], SMALL)) == set()
    refused = post(people["pia"], SMALL, "take")
    assert refused.status_code == 403 and refused.json()["detail"][0]["field"] == "case_id"
    assert offered(page(people["pia"], "PG-1:PRICE_MISMATCH")) >= {"take", "comment"}


def test_a_post_without_the_csrf_token_is_refused(desk: Any) -> None:
    base_url, people = desk
    ana = people["ana"]
    del ana.headers["X-CSRF-Token"]
    bare = ana.post(f"/ui/cases/{SMALL}/take", data={"expected_version": "0"})
    assert bare.status_code == 403 and "csrf" in bare.text.lower()
    wrong = ana.post(f"/ui/cases/{SMALL}/take", data={"csrf": "forged"})
    assert wrong.status_code == 403
    assert state_of(base_url, SMALL)["state"] == "open"
    assert post(ana, SMALL, "take").status_code == 303  # the form's field alone suffices


def test_an_analyst_takes_and_accepts_the_recommendation_through_forms(desk: Any) -> None:
    base_url, people = desk
    ana = people["ana"]
    del ana.headers["X-CSRF-Token"]  # a plain form, no script: the field carries the token
    assert offered(page(ana, SMALL)) >= {"take", "accept", "choose", "assign", "pause",
                                         "comment", "override"}
    taken = post(ana, SMALL, "take")
    assert taken.status_code == 303 and taken.headers["location"].endswith("?done=take")
    after = ana.get(taken.headers["location"]).text
    assert "Done: took the case" in after and 'id="case-state">in_progress' in after
    assert "take" not in offered(after)
    held = post(ana, SMALL, "accept", reason="asked for prepayment")
    assert held.status_code == 303 and held.headers["location"].endswith("?done=accept")
    case = state_of(base_url, SMALL)  # HOLD keeps the order held while the customer pays
    assert (case["state"], case["evidence"]["decision"]["action"]) == ("in_progress", "HOLD")
    assert "decision · action" in page(ana, SMALL)
    released = post(ana, SMALL, "choose", rank="2", reason="prepayment received")
    assert released.status_code == 303
    case = state_of(base_url, SMALL)
    assert (case["state"], case["assignee"]) == ("resolved", "ana")
    assert case["resolution"].startswith("RELEASE")
    assert [a["action"] for a in case["audit"]] == ["open", "take", "HOLD", "alternative",
                                                    "RELEASE"]
    closed = page(ana, SMALL)
    assert offered(closed) == {"comment"} and "Resolution" in closed


def test_choosing_a_ranked_alternative_and_overriding_with_a_reason(desk: Any) -> None:
    base_url, people = desk
    ana = people["ana"]
    post(ana, SMALL, "take")
    chosen = post(ana, SMALL, "choose", rank="2")
    assert chosen.status_code == 303, chosen.text
    case = state_of(base_url, SMALL)
    assert case["state"] == "resolved" and case["resolution"].startswith("RELEASE")
    assert [(o["recommended"], o["chosen"]) for o in case["overrides"]] == [("HOLD", "RELEASE")]
    max_ = people["max"]
    post(max_, LARGE, "take")
    no_reason = post(max_, LARGE, "override", action="RELEASE", reason="")
    assert no_reason.status_code == 422 and "reason" in no_reason.text
    overridden = post(max_, LARGE, "override", action="RELEASE", reason="paid by wire")
    assert overridden.status_code == 303
    assert state_of(base_url, LARGE)["overrides"][-1]["chosen"] == "RELEASE"


def test_an_approval_with_segregation_of_duties(desk: Any) -> None:
    base_url, people = desk
    ana, max_ = people["ana"], people["max"]
    post(ana, LARGE, "take")
    mine = page(ana, LARGE)
    assert "accept" not in offered(mine) and "choose" not in offered(mine)
    assert "request-approval" in offered(mine) and "Request approval for RELEASE" in mine
    forced = post(ana, LARGE, "accept", reason="mine")
    assert forced.status_code == 403 and "request approval" in forced.json()["message"]
    asked = post(ana, LARGE, "request-approval", action="RELEASE", reason="wire received")
    assert asked.status_code == 303
    assert state_of(base_url, LARGE)["state"] == "awaiting_approval"
    assert "approve" not in offered(page(ana, LARGE))
    sod = post(ana, LARGE, "approve", reason="mine")
    assert sod.status_code == 403 and "may not approve" in sod.json()["message"]
    theirs = page(max_, LARGE)
    assert {"approve", "reject"} <= offered(theirs) and 'id="pending-approval"' in theirs
    assert post(max_, LARGE, "approve", reason="wire confirmed").status_code == 303
    case = state_of(base_url, LARGE)
    assert case["state"] == "resolved" and "approved by max" in case["resolution"]
    assert [(a["state"], a["decided_by"]) for a in case["approvals"]] == [("approved", "max")]


def test_a_rejection_sends_the_case_back_with_its_reason(desk: Any) -> None:
    base_url, people = desk
    post(people["ana"], LARGE, "take")
    post(people["ana"], LARGE, "request-approval", action="RELEASE")
    assert post(people["max"], LARGE, "reject", reason="").status_code == 422
    assert post(people["max"], LARGE, "reject", reason="no payment seen").status_code == 303
    case = state_of(base_url, LARGE)
    assert (case["state"], case["assignee"]) == ("in_progress", "ana")
    assert "no payment seen" in page(people["ana"], LARGE)


def test_an_illegal_move_is_409_and_a_stale_page_is_told_it_changed(desk: Any) -> None:
    _base_url, people = desk
    ana = people["ana"]
    early = post(ana, LARGE, "request-approval", action="RELEASE")
    assert early.status_code == 409 and "from open to awaiting_approval" in early.text
    stale = ana.post(f"/ui/cases/{SMALL}/take", data={"expected_version": "7"})
    assert stale.status_code == 409 and "changed" in stale.json()["message"]
    shown = ana.post(f"/ui/cases/{LARGE}/request-approval", data={"action": "RELEASE"},
                     headers={"Accept": "text/html"})
    assert shown.status_code == 409 and 'id="refused"' in shown.text
    assert "from open to awaiting_approval" in shown.text


def test_reassign_pause_resume_and_comment_show_at_once(desk: Any) -> None:
    base_url, people = desk
    max_ = people["max"]
    assert post(max_, SMALL, "assign", assignee="ana", reason="her customer").status_code == 303
    assert 'id="case-assignee">ana' in page(max_, SMALL)
    assert post(max_, SMALL, "assign", assignee="").status_code == 422
    assert post(max_, SMALL, "pause", reason="asked for a PO copy").status_code == 303
    paused = page(max_, SMALL)
    assert 'id="case-state">paused' in paused and offered(paused) >= {"resume"}
    assert "pause" not in offered(paused) and "clock stopped" in paused
    assert post(max_, SMALL, "resume", reason="copy received").status_code == 303
    assert post(max_, SMALL, "comment", text="customer called back").status_code == 303
    shown = page(max_, SMALL)
    assert "customer called back" in shown and 'id="case-state">in_progress' in shown
    assert [a["action"] for a in state_of(base_url, SMALL)["audit"]] == [
        "open", "assign", "pause", "resume", "comment"]


def test_an_htmx_post_answers_the_page_to_swap_and_a_refusal_with_its_status(
        desk: Any) -> None:
    _base_url, people = desk
    ana = people["ana"]  # the client sends X-CSRF-Token, as htmx does from hx-headers
    hx = {"HX-Request": "true"}
    took = ana.post(f"/ui/cases/{SMALL}/take", data={"expected_version": "0"}, headers=hx)
    assert took.status_code == 200 and "Done: took the case" in took.text
    assert 'id="case"' in took.text and 'id="case-state">in_progress' in took.text
    refused = ana.post(f"/ui/cases/{LARGE}/accept", data={}, headers=hx)
    assert refused.status_code == 403 and 'id="refused"' in refused.text
    assert "request approval" in refused.text
