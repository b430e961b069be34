"""A real ordex server on a loopback port, per database backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from live_server import serving
from ordex.bootstrap import bootstrap
from ordex.config import Settings
from ordex.sense.reference import load_reference

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def base_url(db_url: str) -> Iterator[str]:
    app = bootstrap(Settings(database_url=db_url))
    app.migrate()
    app.save_reference(load_reference(ROOT / "examples" / "reference"))
    with serving(app) as url:
        yield url
    app.engine.dispose()


