"""Decide end to end: simulated touchless and OTIF, feasibility, reproducibility, what-if, policy."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from commands import ingest
from ordex.adapters.db.policy_repo import activate, policy_in_force
from ordex.bootstrap import App, bootstrap
from ordex.config import Settings
from ordex.decide.rules import PolicyFileError
from ordex.entrypoints.cli import cli
from ordex.entrypoints.simulation import simulate
from ordex.entrypoints.whatif import whatif
from ordex.simulate.orders import InjectionRates
from ordex.simulate.world import WorldConfig

CFG = WorldConfig(seed=11, days=1, customers=300, items=600, warehouses=4)
ROOT = Path(__file__).resolve().parents[2]
DAY = datetime(2026, 11, 2, tzinfo=UTC)
DEFAULT = ROOT / "policies" / "default.yaml"


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[App, dict]:
    url = f"sqlite:///{tmp_path_factory.mktemp('decide') / 'sim.db'}"
    app = bootstrap(Settings(database_url=url, policy_file=DEFAULT))
    app.migrate()
    report = simulate(app, CFG, orders_per_day=2500, rates=InjectionRates())
    return app, report


def test_simulation_reports_touchless_and_otif_with_no_violations(simulated) -> None:
    _app, report = simulated
    assert 0.0 < report["touchless_rate"] <= 1.0
    assert 0.0 < report["otif_rate"] <= 1.0
    decide = report["decide"]
    assert decide["auto_applied"] > 0 and decide["violations"] == 0, decide
    for code, m in report["detection"].items():
        assert m["precision"] == 1.0 and m["recall"] == 1.0, code
    assert report["run"]["median_decision_ms"] is not None


def test_every_decision_records_the_policy_version_and_its_score_parts(simulated) -> None:
    app, _report = simulated
    from sqlalchemy import select

    from ordex.adapters.db import tables as t
    with app.engine.connect() as conn:
        rows = conn.execute(select(t.decisions.c.policy_version, t.decisions.c.detail)).all()
        cases = conn.execute(select(t.cases.c.evidence, t.cases.c.priority)
                             .where(t.cases.c.order_id.is_not(None))).all()
    version = policy_in_force(app.engine, app.settings, at=DAY).version
    assert rows and {r.policy_version for r in rows} == {version}
    assert all(r.detail["explanation"] and r.detail["actions"] for r in rows)
    scored = [c for c in cases if "recommendation" in c.evidence]
    assert scored and all(c.evidence["priority_parts"] for c in scored)


def test_whatif_is_deterministic_and_has_no_side_effects(simulated, tmp_path: Path) -> None:
    app, _report = simulated
    strict = (ROOT / "policies" / "default.yaml").read_text().replace(
        'version: "default-2026.11-1"', 'version: "strict"').replace(
        "ALTERNATE_WAREHOUSE: {auto: true", "ALTERNATE_WAREHOUSE: {auto: false").replace(
        "SPLIT_SHIPMENT:      {auto: true", "SPLIT_SHIPMENT:      {auto: false")
    path = tmp_path / "strict.yaml"
    path.write_text(strict)
    before = app.kpis()
    end = datetime(2026, 11, 3, tzinfo=UTC)
    first = whatif(app, path, start=DAY, end=end)
    second = whatif(app, path, start=DAY, end=end)
    assert first == second
    assert app.kpis() == before
    assert first["proposed"]["policy_version"] == "strict"
    assert first["proposed"]["touchless_rate"] <= first["active"]["touchless_rate"]
    assert first["proposed"]["cases_per_queue"].get("planning", 0) >= first["active"][
        "cases_per_queue"].get("planning", 0)


def test_cli_whatif_json_and_bad_policy_gives_one_line(simulated, tmp_path: Path) -> None:
    app, _report = simulated
    runner = CliRunner()
    url = app.settings.database_url
    ok = runner.invoke(cli, ["whatif", "--db", url, "--policy", str(ROOT / "policies" /
                                                                    "recommend-only.yaml"),
                             "--from", "2026-11-02", "--to", "2026-11-02", "--format", "json"])
    assert ok.exit_code == 0, ok.output
    assert '"touchless_rate"' in ok.output and '"cases_per_queue"' in ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: x\neffective_from: 2026-11-01T00:00:00Z\nconfidence_floor: 7\n")
    failed = runner.invoke(cli, ["whatif", "--db", url, "--policy", str(bad), "--from",
                                 "2026-11-02", "--to", "2026-11-02"])
    assert failed.exit_code != 0
    assert "confidence_floor" in failed.output and "Traceback" not in failed.output


def test_activating_a_policy_is_recorded_and_then_in_force(tmp_path: Path) -> None:
    app = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'p.db'}", policy_file=DEFAULT))
    app.migrate()
    text = (ROOT / "policies" / "default.yaml").read_text().replace(
        'version: "default-2026.11-1"', 'version: "v2"')
    path = tmp_path / "v2.yaml"
    path.write_text(text)
    at = datetime(2026, 11, 1, tzinfo=UTC)
    activate(app.engine, path, by="coo", reason="pilot", at=at)
    assert policy_in_force(app.engine, app.settings, at=at).version == "v2"
    from sqlalchemy import select

    from ordex.adapters.db import tables as t
    with app.engine.connect() as conn:
        logged = conn.execute(select(t.events.c.payload).where(
            t.events.c.kind == "PolicyActivated")).all()
    assert logged and logged[0].payload["by"] == "coo"
    from ordex.adapters.db.audit_repo import history, verify
    [audited] = history(app.engine, "policy")
    assert (audited["actor"], audited["action"], audited["to_state"]) == ("coo", "activate",
                                                                         "active")
    assert "version v2" in audited["reason"] and audited["reason"].endswith(": pilot")
    assert verify(app.engine).broken is None
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: v3\n")
    with pytest.raises(PolicyFileError, match="effective_from: Field required"):
        activate(app.engine, bad, by="coo", reason="", at=at)
    app.engine.dispose()


@pytest.mark.postgres
def test_postgres_gives_the_same_decisions_as_sqlite(simulated, postgres_url: str) -> None:
    _app, report = simulated
    app = bootstrap(Settings(database_url=postgres_url, policy_file=DEFAULT))
    app.migrate()
    try:
        again = simulate(app, CFG, orders_per_day=2500, rates=InjectionRates())
    finally:
        app.engine.dispose()
    strip = {k: v for k, v in report.items() if k != "run"}
    assert {k: v for k, v in again.items() if k != "run"} == strip


def test_examples_under_the_default_policy_are_decided_and_explained(tmp_path: Path) -> None:
    from ordex.sense.reference import load_reference
    app = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'ex.db'}", policy_file=DEFAULT),
              clock=lambda: datetime(2026, 11, 23, 9, tzinfo=UTC))
    app.migrate()
    app.save_reference(load_reference(ROOT / "examples" / "reference"))
    lines = (ROOT / "examples" / "orders.ndjson").read_text().splitlines()
    ingest(app, [(ln.encode(), "test") for ln in lines], channel="file")
    cases = app.queries.cases(state=None, limit=100)
    assert cases
    for case in cases:
        if case["order_id"]:
            rec = case["evidence"]["recommendation"]
            assert rec["explanation"] and case["evidence"]["policy_version"] == "default-2026.11-1"
    assert any(c["state"] == "auto_resolved" for c in cases)
    app.engine.dispose()


def test_policy_commands_check_activate_and_list(tmp_path: Path) -> None:
    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    ok = runner.invoke(cli, ["policy", "check", str(DEFAULT)])
    assert ok.exit_code == 0 and "is valid" in ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: v9\neffective_from: 2026-11-01T00:00:00Z\ncodes: {NOPE: {}}\n")
    failed = runner.invoke(cli, ["policy", "activate", str(bad), "--by", "coo", "--db", url])
    assert failed.exit_code != 0 and "codes.NOPE" in failed.output
    done = runner.invoke(cli, ["policy", "activate", str(DEFAULT), "--by", "coo", "--db", url,
                               "--reason", "go live"])
    assert done.exit_code == 0, done.output
    listed = runner.invoke(cli, ["policy", "list", "--db", url, "--format", "json"])
    assert '"activated_by": "coo"' in listed.output and "default-2026.11-1" in listed.output
