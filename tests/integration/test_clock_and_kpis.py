"""One clock, one definition per KPI: CLI, API, home page and simulator agree for the same `now`."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from auth_kit import signed
from commands import ingest
from ordex.bootstrap import App, bootstrap
from ordex.config import Settings
from ordex.decide.from_policy import routing_policy
from ordex.decide.rules import load_policy
from ordex.domain.codes import ExceptionCode, Queue
from ordex.domain.model import Customer, CustomerTier
from ordex.entrypoints import cli as cli_module
from ordex.entrypoints.api.app import create_app
from ordex.entrypoints.simulation import default_start, simulate
from ordex.learn.kpis import headline
from ordex.sense.reference import load_reference
from ordex.simulate.orders import InjectionRates
from ordex.simulate.world import WorldConfig

ROOT = Path(__file__).resolve().parents[2]
RECEIVED = datetime(2026, 11, 23, 9, tzinfo=UTC)
CFG = WorldConfig(seed=11, start=date(2026, 11, 2), days=2, customers=200, items=400,
                  warehouses=3)
SHIPPED_POLICY = Path(__file__).parents[2] / "policies" / "default.yaml"
MID_PERIOD = datetime(2026, 11, 3, 13, 30, tzinfo=UTC)


class Clock:
    """A clock a test moves by hand."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _app(url: str, clock: Clock, policy: str = "default.yaml") -> App:
    """An app on the shipped default policy (the demo's) unless told otherwise."""
    app = bootstrap(Settings(database_url=url, policy_file=ROOT / "policies" / policy), clock=clock)
    app.migrate()
    return app


def test_past_sla_counts_against_the_clock_not_the_latest_order(db_url: str) -> None:
    clock = Clock(RECEIVED)
    app = _app(db_url, clock, policy="recommend-only.yaml")  # every case stays open
    app.save_reference(load_reference(ROOT / "examples" / "reference"))
    lines = (ROOT / "examples" / "orders.ndjson").read_text().splitlines()
    ingest(app, [(ln.encode(), "t") for ln in lines], channel="api")
    try:
        assert app.kpis()["overdue_open_cases"] == 0  # every SLA clock just started
        clock.at = RECEIVED + timedelta(hours=30)  # no order arrived since
        k = app.kpis()
        assert k["open_backlog"] == 4 and k["overdue_open_cases"] == 4
        clock.at = RECEIVED + timedelta(hours=5)
        due = [c["sla_due_at"] for c in app.queries.cases(state="active", limit=100)]
        late = sum(datetime.fromisoformat(d) < clock.at for d in due)
        assert 0 < late < len(due) and app.kpis()["overdue_open_cases"] == late
        assert app.kpis(now=RECEIVED)["overdue_open_cases"] == 0  # an explicit now wins
    finally:
        app.engine.dispose()


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    """A two-day simulation run while the clock stands in the middle of its second day."""
    url = f"sqlite:///{tmp_path_factory.mktemp('clock') / 'sim.db'}"
    app = _app(url, Clock(MID_PERIOD))
    report = simulate(app, CFG, orders_per_day=800, rates=InjectionRates())
    app.engine.dispose()
    return url, report


def test_cli_api_home_page_and_simulator_give_the_same_kpis(
        simulated: tuple[str, dict], monkeypatch: pytest.MonkeyPatch) -> None:
    url, report = simulated
    assert report["as_of"] == MID_PERIOD.isoformat()
    app = _app(url, Clock(MID_PERIOD))
    try:
        with signed(create_app(app)) as http:
            served = http.get("/kpis").json()
            assert served.pop("dashboard")["period"]["to"] == MID_PERIOD.date().isoformat()
            assert served == report["kpis"]
            page = http.get("/").text
        monkeypatch.setattr(cli_module, "make_app", lambda db: app)
        run = CliRunner().invoke(cli_module.cli, ["kpis", "--format", "json"])
        assert run.exit_code == 0, run.output
        assert {k: v for k, v in json.loads(run.stdout).items() if k != "dashboard"} == \
            report["kpis"]
        text = " ".join(CliRunner().invoke(cli_module.cli, ["kpis"]).stdout.split())
    finally:
        app.engine.dispose()
    for key, label, shown in headline(report["kpis"]):
        tile = re.search(rf'id="kpi-{key}">([^<]*)<b[^>]*>([^<]*)</b>', page)
        assert tile is not None and tile.groups() == (label, shown), key
        assert f"{label} {shown}" in text
    assert report["kpis"]["overdue_open_cases"] > 0
    clocks = re.findall(r'<td title="due [^"]+ UTC"( class="overdue")?>([^<]+)</td>', page)
    assert any(late and text.endswith(" overdue") for late, text in clocks)
    assert any(not late and text.endswith(" left") for late, text in clocks)


def test_simulation_plays_nothing_after_now(simulated: tuple[str, dict]) -> None:
    url, _report = simulated
    app = _app(url, Clock(MID_PERIOD))
    try:
        cases = app.queries.cases(state=None, limit=100_000)
    finally:
        app.engine.dispose()
    assert max(datetime.fromisoformat(c["opened_at"]) for c in cases) < MID_PERIOD
    assert max(datetime.fromisoformat(c["closed_at"]) for c in cases if c["closed_at"]) < MID_PERIOD
    assert min(datetime.fromisoformat(c["opened_at"]) for c in cases) > MID_PERIOD - timedelta(
        days=2)


def test_backlog_at_the_end_has_live_sla_clocks_and_an_overdue_tail(
        simulated: tuple[str, dict]) -> None:
    url, report = simulated
    app = _app(url, Clock(MID_PERIOD))
    try:
        active = app.queries.cases(state="active", limit=100_000)
    finally:
        app.engine.dispose()
    clock = routing_policy(load_policy(SHIPPED_POLICY)[0]).sla
    assert clock is not None
    age = {c["case_id"]: clock.calendar(c["sla_calendar"]).elapsed(
        datetime.fromisoformat(c["opened_at"]), MID_PERIOD) for c in active}

    def longest(case: dict) -> timedelta:  # the case's resolution target at any customer tier
        return timedelta(hours=max(clock.target(ExceptionCode(case["code"]), _tiered(tier),
                                                Queue(case["queue"]))[1] for tier in CustomerTier))
    overdue = {c["case_id"] for c in active if datetime.fromisoformat(c["sla_due_at"]) < MID_PERIOD}
    recent = [c for c, a in age.items() if a < timedelta(minutes=30)]
    old = [c["case_id"] for c in active if age[c["case_id"]] > longest(c)]
    assert recent and not overdue & set(recent)  # just opened: time left on every clock
    # older in working time than its target at any tier and still open: past its SLA
    assert old and set(old) <= overdue
    assert len(overdue) == report["kpis"]["overdue_open_cases"]
    assert len(overdue) / len(active) < 0.5, "most of the backlog should still be in time"


def _tiered(tier: CustomerTier) -> Customer:
    return Customer("c", "c", tier, Decimal(0))


def test_same_seed_and_start_give_identical_results_whatever_the_clock_after_the_period(
        tmp_path: Path) -> None:
    reports = []
    for n, now in enumerate((datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 6, 1, tzinfo=UTC))):
        app = _app(f"sqlite:///{tmp_path / f'{n}.db'}", Clock(now))
        small = WorldConfig(seed=5, start=date(2026, 11, 2), days=1, customers=120, items=250,
                            warehouses=3)
        report = simulate(app, small, orders_per_day=600, rates=InjectionRates())
        app.engine.dispose()
        report.pop("run")
        reports.append(report)
    assert reports[0] == reports[1]
    assert reports[0]["as_of"] == "2026-11-03T00:00:00+00:00"


@pytest.mark.parametrize(("now", "first"), [
    (datetime(2026, 12, 1, 9, 35, tzinfo=UTC), date(2026, 11, 25)),
    (datetime(2026, 12, 1, 3, 0, tzinfo=UTC), date(2026, 11, 24)),  # before today's orders
])
def test_default_start_is_the_week_ending_today(tmp_path: Path, now: datetime,
                                                first: date) -> None:
    app = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'd.db'}"), clock=Clock(now))
    assert default_start(app, 7) == first


def test_simulate_refuses_a_period_that_starts_after_now(tmp_path: Path) -> None:
    from ordex.domain.errors import SimulationInFutureError
    app = _app(f"sqlite:///{tmp_path / 'f.db'}", Clock(MID_PERIOD))
    with pytest.raises(SimulationInFutureError):
        simulate(app, WorldConfig(start=date(2026, 11, 4), days=1, customers=50, items=80,
                                 warehouses=3), orders_per_day=10, rates=InjectionRates())
    app.engine.dispose()


def test_people_kpis_count_ages_touches_first_touch_and_sla_on_the_database(
        db_url: str) -> None:
    from commands import act
    clock = Clock(RECEIVED)
    app = _app(db_url, clock, policy="recommend-only.yaml")  # every case stays open
    app.save_reference(load_reference(ROOT / "examples" / "reference"))
    lines = (ROOT / "examples" / "orders.ndjson").read_text().splitlines()
    ingest(app, [(ln.encode(), "t") for ln in lines], channel="api")
    short, dup = "EX-1002:INVENTORY_SHORTFALL", "EX-1004:DUPLICATE_ORDER"
    try:
        k = app.kpis()
        assert k["open_backlog"] == 4 and k["open_backlog_by_age"]["under_4h"] == 4
        assert k["manual_touches_per_order"] == 0 and k["first_touch_resolution_rate"] == 0
        clock.at = RECEIVED + timedelta(hours=1)
        act(app, short, action="take", actor="ann")
        act(app, short, action="SPLIT_SHIPMENT", actor="ann", reason="as recommended")
        act(app, dup, action="take", actor="ann")  # ann starts, bob finishes: not first touch
        act(app, dup, action="RELEASE", actor="bob", reason="a new order, not a resend")
        due = {c: datetime.fromisoformat(app.queries.case(c)["sla_due_at"])
               for c in (short, dup)}
        clock.at = RECEIVED + timedelta(hours=30)
        k = app.kpis()
        assert k["open_backlog"] == 2
        assert k["open_backlog_by_age"] == {"under_4h": 0, "4h_to_1d": 0, "1d_to_3d": 2,
                                            "3d_to_7d": 0, "over_7d": 0}
        assert k["manual_touches_per_order"] == round(4 / k["orders"], 6)
        assert k["first_touch_resolution_rate"] == 0.5
        on_time = sum(due[c] >= RECEIVED + timedelta(hours=1) for c in (short, dup))
        late_open = k["overdue_open_cases"]
        assert late_open == 2  # 30 hours on, both open cases are past their due time
        assert k["resolution_sla_compliance"] == round(on_time / (2 + late_open), 6)
        # the shortfall took the recommended split; the duplicate was released against the
        # recommendation to ask the customer: one override of two, in its own queue and action
        assert k["override_rate"] == 0.5
        assert k["override_rate_by_queue"] == {"customer_service": 1.0, "planning": 0.0}
        assert k["override_rate_by_action"] == {"NOTIFY_CUSTOMER": 1.0, "SPLIT_SHIPMENT": 0.0}
        assert k["response_sla_compliance"] == 0.0  # this policy sets no response targets
        clock.at = RECEIVED + timedelta(days=8)
        assert app.kpis()["open_backlog_by_age"]["over_7d"] == 2
    finally:
        app.engine.dispose()
