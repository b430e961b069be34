"""The simulator through the real pipeline: perfect detection, same results on both databases."""

from __future__ import annotations

import pytest

from ordex.bootstrap import bootstrap
from ordex.config import Settings
from ordex.entrypoints.simulation import simulate
from ordex.simulate.orders import InjectionRates
from ordex.simulate.world import WorldConfig

CFG = WorldConfig(seed=7, days=1, customers=300, items=600, warehouses=4)
TAXONOMY_CODES = ("MARGIN_BELOW_FLOOR", "PAST_DUE_HOLD", "MISSING_CARRIER_INSTRUCTIONS",
                  "TAX_FAILURE", "COMPLIANCE_HOLD", "SHIPMENT_CONSTRAINT", "QUANTITY_ANOMALY",
                  "LATE_SHIPMENT_RISK", "ALLOCATION_CONFLICT")


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
    for code in ("INVENTORY_SHORTFALL", "PRICE_MISMATCH", "CREDIT_LIMIT_EXCEEDED",
                 "INVALID_SHIP_TO", "DUPLICATE_ORDER", "INTEGRATION_FAILURE",
                 *TAXONOMY_CODES):
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
