"""The control-tower page in a real headless Chromium, as a person would open it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from cdp import Browser

from auth_kit import authed

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars"]


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


def test_a_person_signs_in_sees_the_queues_chart_and_a_case_and_signs_out_in_chromium(
        base_url: str, tmp_path: Path) -> None:
    assert Path(CHROMIUM).exists(), "make test installs Debian's chromium"
    with authed(base_url, timeout=30) as http:
        for line in (ROOT / "examples" / "orders.ndjson").read_text().splitlines():
            http.post("/orders", content=line)
    signed_out = chromium("--dump-dom", base_url + "/", profile=tmp_path / "p0")
    assert 'action="/login"' in signed_out.stdout and "queue-customer_service" not in \
        signed_out.stdout
    browser = Browser(CHROMIUM, FLAGS, tmp_path / "p1")
    try:
        assert "/login?next=" in browser.open(base_url + "/ui/cases/EX-1004:DUPLICATE_ORDER")
        sign_in(browser, "viewer", "wrong password")
        assert "wrong password" in browser.js("document.body.innerText")
        sign_in(browser, "viewer", "viewer-password")
        assert browser.js("location.pathname") == "/ui/cases/EX-1004:DUPLICATE_ORDER"
        detail = browser.js("document.documentElement.outerHTML")
        assert "Audit trail" in detail and "was already received" in detail
        assert browser.js("document.cookie") == ""  # HTTP-only: no script reads the session
        browser.open(base_url + "/")
        dom = browser.js("document.documentElement.outerHTML")
        assert 'id="queue-customer_service"' in dom
        assert "<svg" in dom and "Open cases by queue" in dom
        assert "/ui/cases/EX-1004:DUPLICATE_ORDER" in dom
        shot = browser.call("Page.captureScreenshot", format="png")["data"]
        assert len(shot) > 10_000
        browser.js("document.querySelector('form[action=\"/logout\"] button').click()")
        assert "/login" in browser.settle()
        assert "/login" in browser.open(base_url + "/")
    finally:
        browser.close()


def sign_in(browser: Browser, login: str, password: str) -> None:
    """Type into the sign-in form and submit it, as a person would."""
    browser.js(f"document.querySelector('input[name=login]').value = {login!r};"
               f"document.querySelector('input[name=password]').value = {password!r};"
               "document.querySelector('form[action=\"/login\"]').submit()")
    browser.settle()
