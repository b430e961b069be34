"""The simulator through the real pipeline: perfect detection, same results on both databases."""

from __future__ import annotations

import pytest

from ordex.bootstrap import bootstrap
from ordex.config import Settings
from ordex.entrypoints.simulation import simulate
from ordex.simulate.code_simulation import simulations
from ordex.simulate.orders import InjectionRates
from ordex.simulate.world import WorldConfig

CFG = WorldConfig(seed=7, days=1, customers=300, items=600, warehouses=4)
SIMULATED = tuple(s.code.value for s in simulations())
"""Every code with a simulation (simulate/codes/): a new one is checked without editing here."""


def run(url: str) -> dict:
    app = bootstrap(Settings(database_url=url))
    app.migrate()
    try:
        report = simulate(app, CFG, orders_per_day=2500, rates=InjectionRates())
    finally:
        app.engine.dispose()
    report.pop("run")
    return report


@pytest.fixture(scope="module")
def sqlite_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return run(f"sqlite:///{tmp_path_factory.mktemp('sim') / 'sim.db'}")


def test_every_detector_is_perfect_on_the_simulators_ground_truth(sqlite_report: dict) -> None:
    detection = sqlite_report["detection"]
    assert len(SIMULATED) >= 15  # every shipped code but MASTER_DATA and CUSTOMER_REQUEST
    for code in SIMULATED:
        assert detection[code]["support"] > 0, code
        assert detection[code]["precision"] == 1.0, (code, detection[code])
        assert detection[code]["recall"] == 1.0, (code, detection[code])


def test_kpis_agree_with_ground_truth(sqlite_report: dict) -> None:
    kpis, detection = sqlite_report["kpis"], sqlite_report["detection"]
    accepted = kpis["orders"]
    for code, rate in kpis["exception_rate_by_code"].items():
        assert round(rate * accepted) == detection[code]["support"], code
    assert 0.0 < kpis["touchless_rate"] < 1.0
    assert sqlite_report["resends_replayed"] > 0


def test_same_seed_gives_same_results(sqlite_report: dict, tmp_path) -> None:
    assert run(f"sqlite:///{tmp_path / 'again.db'}") == sqlite_report


@pytest.mark.postgres
def test_postgres_gives_the_same_results_as_sqlite(sqlite_report: dict, postgres_url: str) -> None:
    assert run(postgres_url) == sqlite_report


def test_the_simulated_team_pauses_asks_for_approval_and_overrides(tmp_path) -> None:
    """Three days of the default world: people pause cases, sign or refuse approvals, resolve
    against recommendations, and the trail of it all verifies."""
    from sqlalchemy import func, select

    from ordex.adapters.db import tables as t
    from ordex.adapters.db.audit_repo import verify
    cfg = WorldConfig(seed=7, days=3, customers=300, items=600, warehouses=4)
    app = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'team.db'}"))
    app.migrate()
    try:
        report = simulate(app, cfg, orders_per_day=4000, rates=InjectionRates())
        with app.engine.connect() as conn:
            actions = dict(conn.execute(select(t.audit_log.c.action, func.count()).group_by(
                t.audit_log.c.action)).all())
            chains = conn.execute(select(func.count()).select_from(t.approvals)).scalar_one()
            kinds = dict(conn.execute(select(t.case_overrides.c.kind, func.count()).group_by(
                t.case_overrides.c.kind)).all())
            blank = conn.execute(select(func.count()).select_from(t.case_overrides).where(
                t.case_overrides.c.reason == "")).scalar_one()
        assert actions.get("pause", 0) > 0 and actions["pause"] == actions.get("resume")
        assert actions.get("request_approval", 0) > 0 and chains >= actions["request_approval"]
        assert actions.get("approve", 0) + actions.get("reject", 0) > 0
        kpis = report["kpis"]
        assert kpis["override_rate"] > 0 and kinds.get("alternative", 0) > 0 and blank == 0
        assert kpis["response_sla_compliance"] >= 0.8  # first touched on shift, in time
        assert kpis["override_rate_by_action"].get("ESCALATE", 1.0) == 1.0  # keeps the hold
        assert verify(app.engine).broken is None
    finally:
        app.engine.dispose()
