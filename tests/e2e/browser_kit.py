"""Debian's Chromium driven by its chromedriver through Selenium, as a person would use a page.

`browser` (a fixture in tests/e2e/conftest.py) is a headless Chromium; `sign_in` types into the
sign-in form; `serious_violations` runs axe-core (from the npm packages `make` installs) on the
open page and returns its serious and critical findings; `screenshot` saves the page as a
PNG under test-artifacts/screenshots/ (kept by CI as the test run's artefacts).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "test-artifacts" / "screenshots"
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--window-size=1366,900", "--hide-scrollbars")
WAIT = 20.0


def chromium(profile: Path) -> WebDriver:
    """A fresh headless Chromium with its own profile (no cookies shared between tests)."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=DRIVER))
    driver.set_page_load_timeout(60)
    return driver


def sign_in(driver: WebDriver, base_url: str, login: str, password: str, *,
            then: str = "/") -> None:
    """Open a page, follow the redirect to the sign-in form, type and submit it."""
    driver.get(base_url + then)
    form = WebDriverWait(driver, WAIT).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, 'form[action="/login"]')))
    form.find_element(By.NAME, "login").send_keys(login)
    form.find_element(By.NAME, "password").send_keys(password)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, WAIT).until(
        lambda d: d.execute_script("return document.readyState") == "complete")


def wait_for(driver: WebDriver, css: str) -> Any:
    """The first element matching a CSS selector, once it is on the page."""
    return WebDriverWait(driver, WAIT).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css)))


def serious_violations(driver: WebDriver) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the open page (id, impact, nodes)."""
    driver.execute_script(AXE.read_text())
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations))"
        ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));")
    return [{"id": v["id"], "impact": v["impact"], "help": v.get("help"),
             "nodes": [n.get("target") for n in v.get("nodes", [])][:5]}
            for v in result if v.get("impact") in ("serious", "critical")]


def screenshot(driver: WebDriver, name: str) -> Path:
    """Save the open page as test-artifacts/screenshots/NAME.png and return the path."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path
