"""A real ordex server on a loopback port, per database backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from live_server import serving
from ordex.bootstrap import bootstrap
from ordex.config import Settings
from ordex.sense.reference import load_reference

from browser_kit import chromium

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def base_url(db_url: str) -> Iterator[str]:
    app = bootstrap(Settings(database_url=db_url))
    app.migrate()
    app.save_reference(load_reference(ROOT / "examples" / "reference"))
    with serving(app) as url:
        yield url
    app.engine.dispose()




@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    """Debian's headless Chromium, driven by chromedriver (make test installs both)."""
    driver = chromium(tmp_path / "chromium-profile")
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
