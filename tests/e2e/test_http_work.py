"""The work page over real HTTP on SQLite and PostgreSQL: a person's queues and counts,
priority order, paging, filters and search in the query string, htmx partials, the live
marker, and bulk assign and comment through the same commands as the API."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from work_kit import ROOT, active_cases, bolt_order, count_of, rows, work_floor

from auth_kit import authed
from ordex.bootstrap import App

Floor = tuple[str, App, dict[str, httpx.Client]]


@pytest.fixture
def floor(db_url: str) -> Iterator[Floor]:
    with work_floor(db_url) as found:
        yield found


def page(http: httpx.Client, **params: Any) -> str:
    answer = http.get("/ui/work", params=params)
    assert answer.status_code == 200, answer.text
    return answer.text


def all_pages(http: httpx.Client, **params: Any) -> list[str]:
    found, n = [], 1
    while True:
        html = page(http, **params, page=n)
        found += rows(html)
        if 'rel="next"' not in html:
            return found
        n += 1


def customers() -> dict[str, dict[str, str]]:
    with (ROOT / "examples" / "reference" / "customers.csv").open() as f:
        return {r["customer_id"]: r for r in csv.DictReader(f)}


def test_a_person_sees_their_queues_by_priority_with_counts_in_pages_of_50(
        floor: Floor) -> None:
    base_url, _app, people = floor
    truth = active_cases(base_url)
    credit = [c for c in truth if c["queue"] == "credit"]
    assert len(credit) > 50
    first = page(people["ana"])
    shown = rows(first)
    assert len(shown) == 50 and 'rel="next"' in first and 'rel="prev"' not in first
    assert count_of(first, "credit") == len(credit)
    assert 'id="tab-customer_service"' not in first  # not a credit analyst's queue
    assert shown == [c["case_id"] for c in credit][:50]  # the API's order: priority, SLA due
    second = page(people["ana"], page=2)
    assert rows(second) == [c["case_id"] for c in credit][50:]
    assert 'rel="prev"' in second and 'rel="next"' not in second
    everything = all_pages(people["vera"])  # a viewer's role names no queue: every queue
    assert everything == [c["case_id"] for c in truth]
    by_queue = {q: sum(1 for c in truth if c["queue"] == q) for q in {c["queue"] for c in truth}}
    viewer = page(people["vera"])
    assert len(by_queue) >= 3 and {q: count_of(viewer, q) for q in by_queue} == by_queue
    desk = all_pages(people["desk"])
    assert desk == [c["case_id"] for c in truth if c["queue"] in
                    ("customer_service", "planning", "compliance")]
    assert page(people["ana"], page=3).count("<tr id=") == 0


def test_filters_narrow_the_cases_and_combine(floor: Floor) -> None:
    base_url, _app, people = floor
    truth, boss, who = active_cases(base_url), people["boss"], customers()
    warehouse = {c["case_id"]: "CHI" for c in truth}
    for n in range(1, 56, 2):
        for c in truth:
            if c["order_id"] == f"W-{n:03d}":
                warehouse[c["case_id"]] = "ATL"
    examples = {c["case_id"] for c in truth if not (c["order_id"] or "").startswith("W-")}
    with authed(base_url) as http:
        for case_id in examples:
            order = http.get(f"/orders/{truth_of(truth, case_id)['order_id']}").json()
            warehouse[case_id] = order["warehouse_id"]
    codes = {c["code"] for c in truth}
    assert len(codes) >= 3
    for code in codes:
        assert all_pages(boss, code=code) == [c["case_id"] for c in truth if c["code"] == code]
    assert all_pages(boss, customer="ACME") == [c["case_id"] for c in truth
                                                if c["customer_id"] == "ACME"]
    atl = all_pages(boss, warehouse="ATL")
    assert atl and atl == [c["case_id"] for c in truth if warehouse[c["case_id"]] == "ATL"]
    for key in ("region", "tier"):
        for value in {who[c["customer_id"]][key] for c in truth if c["customer_id"] in who}:
            assert all_pages(boss, **{key: value}) == [
                c["case_id"] for c in truth if who.get(c["customer_id"] or "", {}).get(key)
                == value], (key, value)
    combined = all_pages(boss, code="CREDIT_LIMIT_EXCEEDED", warehouse="CHI", tier="bronze")
    assert combined and combined == [c["case_id"] for c in truth if c["code"] ==
                                     "CREDIT_LIMIT_EXCEEDED" and warehouse[c["case_id"]] ==
                                     "CHI" and c["customer_id"] == "BOLT"]
    assert all_pages(boss, age="lt4h") == [c["case_id"] for c in truth]  # just opened
    assert all_pages(boss, age="gt3d") == []
    states = {s: all_pages(boss, sla=s) for s in ("on_track", "at_risk", "breached", "paused")}
    assert sorted(c for found in states.values() for c in found) == sorted(
        c["case_id"] for c in truth)
    html = page(boss, sla="on_track")
    assert html.count("sla sla-on_track") == len(rows(html)) > 0


def truth_of(truth: list[dict[str, Any]], case_id: str) -> dict[str, Any]:
    return next(c for c in truth if c["case_id"] == case_id)


def test_search_finds_cases_by_order_customer_po_customer_id_or_name(floor: Floor) -> None:
    base_url, _app, people = floor
    truth, boss = active_cases(base_url), people["boss"]
    of_order = [c["case_id"] for c in truth if c["order_id"] == "W-007"]
    assert of_order and rows(page(boss, q="W-007")) == of_order
    assert rows(page(boss, q="PO-W-007")) == of_order
    acme = [c["case_id"] for c in truth if c["customer_id"] == "ACME"]
    acme_po = [c["case_id"] for c in truth if c["order_id"] == "EX-1002"]
    assert acme_po and rows(page(boss, q="4500012346")) == acme_po
    assert acme and all_pages(boss, q="acme industrial") == acme  # part of the name, any case
    assert all_pages(boss, q="ACME") == acme
    assert rows(page(boss, q="no such thing")) == []
    assert rows(page(boss, q="W-007", code="DUPLICATE_ORDER")) == [
        c for c in of_order if c.endswith("DUPLICATE_ORDER")]
    assert rows(page(boss, q="100%_")) == []  # LIKE wildcards are text, not patterns


def test_bad_filter_values_are_refused_naming_the_key(floor: Floor) -> None:
    _base_url, _app, people = floor
    for params, field in (({"code": "NOPE"}, "query.code"), ({"sla": "late"}, "query.sla"),
                          ({"age": "old"}, "query.age"), ({"page": "0"}, "page"),
                          ({"queue": "pricing"}, "query.queue"), ({"sort": "x"}, "query.sort")):
        answer = people["ana"].get("/ui/work", params=params)
        assert answer.status_code == 422, (params, answer.text)
        assert field in answer.json()["detail"][0]["field"], (params, answer.json())


def test_htmx_gets_only_the_results_with_a_clean_url_to_push(floor: Floor) -> None:
    _base_url, _app, people = floor
    answer = people["boss"].get("/ui/work?code=&tier=bronze&q=&page=1",
                                headers={"HX-Request": "true", "HX-Target": "work-results"})
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<div id="work-results"')
    assert "<html" not in answer.text and 'id="work-filters"' not in answer.text
    assert answer.headers["HX-Push-Url"] == "/ui/work?tier=bronze"
    full = people["boss"].get("/ui/work?tier=bronze").text
    assert "<html" in full and 'id="work-filters"' in full and rows(full) == rows(answer.text)


def test_the_live_marker_moves_when_a_case_opens(floor: Floor) -> None:
    base_url, _app, people = floor
    mark = int(re.search(r'data-mark="(\d+)"', page(people["vera"]))[1])  # type: ignore[index]
    quiet = people["vera"].get("/ui/work/live", params={"mark": mark})
    assert quiet.status_code == 200 and "HX-Trigger" not in quiet.headers
    with authed(base_url) as http:
        assert http.post("/orders", content=bolt_order(900)).status_code == 201
    moved = people["vera"].get("/ui/work/live", params={"mark": mark})
    assert moved.headers["HX-Trigger"] == "work-changed"
    assert int(re.search(r'data-mark="(\d+)"', moved.text)[1]) > mark  # type: ignore[index]
    assert "W-900:CREDIT_LIMIT_EXCEEDED" in page(people["vera"], q="W-900")


def bulk(http: httpx.Client, **form: Any) -> httpx.Response:
    return http.post("/ui/work/bulk", data=form)


def test_bulk_assign_and_comment_go_case_by_case_and_report_refusals(floor: Floor) -> None:
    base_url, _app, people = floor
    truth, ana = active_cases(base_url), people["ana"]
    credit = [c["case_id"] for c in truth if c["queue"] == "credit"]
    other = next(c["case_id"] for c in truth if c["queue"] == "customer_service")
    with authed(base_url) as http:  # a case waiting for approval cannot be assigned
        assert http.post("/orders", content=bolt_order(901, quantity=1000)).status_code == 201
    waiting = "W-901:CREDIT_LIMIT_EXCEEDED"
    assert ana.post(f"/cases/{waiting}/take", json={}).status_code == 200
    assert ana.post(f"/cases/{waiting}/request-approval",
                    json={"action": "RELEASE", "reason": "wired"}).status_code == 200
    answer = bulk(ana, action="assign", assignee="ana",
                  case_id=[credit[0], credit[1], other, waiting])
    assert answer.status_code == 200, answer.text
    assert 'data-done="2" data-refused="2"' in answer.text
    assert answer.headers["HX-Trigger"] == "work-acted"
    assert re.search(rf'data-case="{re.escape(other)}">[^<]*permission: ana may not', answer.text)
    assert re.search(rf'data-case="{re.escape(waiting)}">[^<]*awaiting_approval', answer.text)
    with authed(base_url) as http:
        after = {i: http.get(f"/cases/{i}").json() for i in (credit[0], credit[1], other)}
    assert [(after[i]["state"], after[i]["assignee"]) for i in credit[:2]] == [
        ("assigned", "ana")] * 2
    assert after[other]["assignee"] is None and after[other]["state"] == "open"
    noted = bulk(ana, action="comment", text="called the buyer", case_id=credit[2:5])
    assert 'data-done="3" data-refused="0"' in noted.text
    with authed(base_url) as http:
        assert all([x["text"] for x in http.get(f"/cases/{i}").json()["comments"]] ==
                   ["called the buyer"] for i in credit[2:5])
    for form, field in (({"action": "close", "case_id": credit[0]}, "action"),
                        ({"action": "assign", "assignee": "nobody", "case_id": credit[0]},
                         "assignee"),
                        ({"action": "comment", "text": "", "case_id": credit[0]}, "text"),
                        ({"action": "comment", "text": "x"}, "case_id"),
                        ({"action": "comment", "text": "x", "case_id": credit[:51]},
                         "case_id")):
        refused = bulk(ana, **form)
        assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == field


def test_a_bulk_action_forced_without_the_permission_or_the_csrf_header_is_403(
        floor: Floor) -> None:
    base_url, _app, people = floor
    case_id = active_cases(base_url)[0]["case_id"]
    forced = bulk(people["vera"], action="comment", text="hi", case_id=case_id)
    assert forced.status_code == 403 and forced.json()["detail"][0]["field"] == "(route)"
    assert "vera may not take_case" in forced.json()["message"]
    without = people["ana"].post("/ui/work/bulk", data={"action": "comment", "text": "x",
                                                         "case_id": case_id},
                                 headers={"X-CSRF-Token": ""})
    # a page's form: its `csrf` field (or the header) must carry the value, and neither does
    assert without.status_code == 403 and without.json()["detail"][0]["field"] == "csrf"
    with authed(base_url) as http:
        assert http.get(f"/cases/{case_id}").json()["comments"] == []


def test_a_viewer_is_offered_no_action_and_a_worker_only_on_their_queues(floor: Floor) -> None:
    base_url, _app, people = floor
    viewer = page(people["vera"])
    assert rows(viewer) and 'id="bulk"' not in viewer and 'type="checkbox"' not in viewer
    desk = page(people["desk"])
    assert 'id="bulk"' in desk and desk.count('name="case_id"') == len(rows(desk))
    boss = page(people["boss"], queue="credit")
    assert boss.count('name="case_id"') == len(rows(boss)) == 50
    answer = httpx.get(base_url + "/ui/work?code=TAX_FAILURE", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fui%2Fwork%3Fcode%3DTAX_FAILURE"
