"""The dashboards over a simulated period: page, API and CLI give the same figures, and the
figures agree with the cases themselves (counted here case by case, in the viewer's zone)."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from auth_kit import signed
from ordex.adapters.db.state_repo import OPEN_STATES
from ordex.bootstrap import App, bootstrap
from ordex.config import Settings
from ordex.entrypoints import cli as cli_module
from ordex.entrypoints.api.app import create_app
from ordex.entrypoints.simulation import simulate
from ordex.simulate.orders import InjectionRates
from ordex.simulate.world import WorldConfig

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 3, 13, 30, tzinfo=UTC)
CFG = WorldConfig(seed=5, start=date(2026, 11, 2), days=2, customers=120, items=300,
                  warehouses=3)
ZONE = "America/Chicago"
PERIOD = {"from": "2026-11-02", "to": "2026-11-03", "tz": ZONE}


@pytest.fixture
def sim_app(db_url: str) -> Iterator[App]:
    """Two simulated days on the shipped policy, the clock in the middle of the second."""
    app = bootstrap(Settings(database_url=db_url, policy_file=ROOT / "policies" / "default.yaml"),
                    clock=lambda: NOW)
    app.migrate()
    simulate(app, CFG, orders_per_day=250, rates=InjectionRates())
    yield app
    app.engine.dispose()


def _page_report(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>',
                      html, re.S)
    assert found is not None
    return json.loads(found.group(1))  # type: ignore[no-any-return]


def _local_day(moment: str) -> str:
    return datetime.fromisoformat(moment).astimezone(ZoneInfo(ZONE)).date().isoformat()


def _nearest_rank(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[math.ceil(p * len(ordered)) - 1], 3)


def test_page_api_and_cli_agree_and_match_the_cases_counted_one_by_one(
        sim_app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    with signed(create_app(sim_app), role="viewer") as http:
        api = http.get("/kpis", params=PERIOD).json()
        answer = http.get("/ui/dashboards", params={"from": "2026-11-02", "to": "2026-11-03"})
    assert answer.status_code == 200
    page = _page_report(answer.text)
    monkeypatch.setattr(cli_module, "make_app", lambda db: sim_app)
    run = CliRunner().invoke(cli_module.cli, ["kpis", "--format", "json", "--from", "2026-11-02",
                                              "--to", "2026-11-03", "--tz", ZONE])
    assert run.exit_code == 0, run.output
    assert json.loads(run.stdout) == api
    # a token's principal sees UTC: the page is the API's report for the same days in UTC
    with signed(create_app(sim_app), role="viewer") as http:
        assert http.get("/kpis", params={**PERIOD, "tz": "UTC"}).json() == page

    cases = sim_app.queries.cases(state=None, limit=100_000)
    in_period = [c for c in cases if "2026-11-02" <= _local_day(c["opened_at"]) <= "2026-11-03"]
    d = api["dashboard"]
    assert d["period"]["starts_at"] == "2026-11-02T06:00:00+00:00"
    assert {r["code"]: r["cases"] for r in d["root_cause_pareto"]} == \
        dict(Counter(c["code"] for c in in_period))
    per_day = Counter(_local_day(c["opened_at"]) for c in in_period)
    assert {r["day"]: sum(r["cases"].values()) for r in d["exceptions_by_day"]} == per_day
    kept = [c for c in in_period if c["state"] != "cancelled"]
    auto = Counter(_local_day(c["opened_at"]) for c in kept if c["state"] == "auto_resolved")
    assert {r["day"]: r["auto_resolved"] for r in d["touchless_by_day"]} == \
        {day: auto.get(day, 0) for day in per_day}
    assert 0 < sum(auto.values()) < len(kept)
    active = [c for c in cases if c["state"] in OPEN_STATES]
    assert {q: v["cases"] for q, v in d["open_backlog_by"]["queue"].items()} == \
        dict(Counter(c["queue"] for c in active)) == api["open_backlog_by_queue"]
    start, end = datetime.fromisoformat(d["period"]["starts_at"]), \
        datetime.fromisoformat(d["period"]["ends_at"])
    spans: dict[str, list[float]] = {}
    for c in cases:
        if c["state"] in ("resolved", "auto_resolved") and \
                start <= datetime.fromisoformat(c["closed_at"]) < end:
            hours = (datetime.fromisoformat(c["closed_at"])
                     - datetime.fromisoformat(c["opened_at"])).total_seconds() / 3600
            spans.setdefault(c["code"], []).append(hours)
    assert d["cycle_hours_by_code"] == {
        code: {"cases": len(v), "p50": _nearest_rank(v, 0.5), "p90": _nearest_rank(v, 0.9)}
        for code, v in sorted(spans.items())}
    customers = Counter(c["customer_id"] for c in in_period if c["customer_id"])
    top = d["recurrence_by_customer"]
    assert top and all(r["cases"] == customers[r["customer_id"]] for r in top)
    assert [r["repeats"] for r in top] == sorted((r["repeats"] for r in top), reverse=True)


def test_the_page_shows_each_figure_with_a_link_to_its_definition_on_the_kpi_page(
        sim_app: App) -> None:
    with signed(create_app(sim_app), role="viewer") as http:
        page = http.get("/ui/dashboards").text
        definitions = http.get("/ui/kpis")
    assert definitions.status_code == 200
    anchors = set(re.findall(r'<tr id="(kpi-[a-z0-9_-]+)"', definitions.text))
    links = set(re.findall(r'href="/ui/kpis#(kpi-[a-z0-9_-]+)"', page))
    assert len(links) >= 12 and links <= anchors, sorted(links - anchors)
    assert {"kpi-touchless_rate", "kpi-dashboard-root_cause_pareto"} <= anchors
    assert page.count('role="img" aria-label="') >= 12
    assert "<script>" not in page and " onclick=" not in page


def test_the_date_filter_narrows_the_period_and_bad_values_are_refused_naming_the_field(
        sim_app: App) -> None:
    with signed(create_app(sim_app), role="viewer") as http:
        before = http.get("/kpis", params={"from": "2026-10-01", "to": "2026-10-07"}).json()
        one = http.get("/ui/dashboards", params={"from": "2026-11-03", "to": "2026-11-03"})
        refused = {
            "query.from": http.get("/ui/dashboards", params={"from": "2026-13-01"}),
            "query.to": http.get("/kpis", params={"from": "2026-11-03", "to": "2026-11-02"}),
            "query.tz": http.get("/kpis", params={"tz": "Mars/Olympus"}),
            "query.until": http.get("/ui/dashboards", params={"until": "2026-11-03"}),
        }
    assert before["dashboard"]["root_cause_pareto"] == []
    assert len(before["dashboard"]["exceptions_by_day"]) == 7
    days = _page_report(one.text)["dashboard"]["exceptions_by_day"]
    assert [r["day"] for r in days] == ["2026-11-03"] and days[0]["orders"] > 0
    for field, answer in refused.items():
        assert answer.status_code == 422, field
        assert answer.json()["detail"][0]["field"] == field


def test_the_cli_refuses_a_bad_day_or_zone_in_one_line(sim_app: App,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_module, "make_app", lambda db: sim_app)
    for args, named in ((["--from", "yesterday"], "--from"), (["--tz", "Nowhere"], "--tz")):
        run = CliRunner().invoke(cli_module.cli, ["kpis", "--format", "json", *args])
        assert run.exit_code != 0 and run.stdout == ""
        assert named in run.stderr and "Traceback" not in run.stderr
