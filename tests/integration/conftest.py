"""What the storage tests share: the example reference data on a real database, a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ordex.bootstrap import App, bootstrap
from ordex.config import Settings
from ordex.sense.reference import load_reference

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
"""The moment the example orders are judged at (they ask for shipment on 2026-11-24)."""


@pytest.fixture
def example_app(db_url: str) -> Iterator[App]:
    """An app on `db_url` with the example reference data, its clock fixed at EXAMPLE_NOW."""
    ordex = bootstrap(Settings(database_url=db_url), clock=lambda: EXAMPLE_NOW)
    ordex.migrate()
    ordex.save_reference(load_reference(ROOT / "examples" / "reference"))
    yield ordex
    ordex.engine.dispose()



@pytest.fixture
def example_intake(example_app: App) -> object:
    """The file intake of `example_app`, with the example trading partners loaded."""
    from ordex.bootstrap_files import FileIntake
    from ordex.sense.edi_partners import load_partners

    files = FileIntake(example_app)
    files.load_partners(load_partners(ROOT / "examples" / "reference"))
    return files


from nats_support import make_broker  # noqa: E402,F401 - the fixture, for every test here
