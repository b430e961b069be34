"""The control-tower pages in Debian's headless Chromium, as a person would open them."""

from __future__ import annotations

from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from auth_kit import authed

from browser_kit import CHROMIUM, screenshot, serious_violations, sign_in, wait_for

ROOT = Path(__file__).resolve().parents[2]


def test_a_person_signs_in_sees_the_queues_chart_and_a_case_and_signs_out_in_chromium(
        base_url: str, browser: WebDriver) -> None:
    assert Path(CHROMIUM).exists(), "make test installs Debian's chromium"
    with authed(base_url, timeout=30) as http:
        for line in (ROOT / "examples" / "orders.ndjson").read_text().splitlines():
            http.post("/orders", content=line)
    browser.get(base_url + "/ui/cases/EX-1004:DUPLICATE_ORDER")
    assert "/login?next=" in browser.current_url
    assert "queue-customer_service" not in browser.page_source
    sign_in(browser, base_url, "viewer", "wrong password",
            then="/ui/cases/EX-1004:DUPLICATE_ORDER")
    assert "wrong password" in browser.find_element(By.TAG_NAME, "body").text
    sign_in(browser, base_url, "viewer", "viewer-password",
            then="/ui/cases/EX-1004:DUPLICATE_ORDER")
    assert browser.execute_script("return location.pathname") == \
        "/ui/cases/EX-1004:DUPLICATE_ORDER"
    detail = browser.page_source
    assert "Audit trail" in detail and "was already received" in detail
    assert browser.execute_script("return document.cookie") == ""  # HTTP-only session
    browser.get(base_url + "/")
    wait_for(browser, "#queue-customer_service")
    dom = browser.page_source
    assert "<svg" in dom and "Open cases by queue" in dom
    assert "/ui/cases/EX-1004:DUPLICATE_ORDER" in dom
    assert screenshot(browser, "home-viewer").stat().st_size > 10_000
    browser.find_element(By.CSS_SELECTOR, 'form[action="/logout"] button').click()
    wait_for(browser, 'form[action="/login"]')
    browser.get(base_url + "/")
    assert "/login" in browser.current_url


def test_the_sign_in_page_and_home_page_have_no_serious_accessibility_violation(
        base_url: str, browser: WebDriver) -> None:
    browser.get(base_url + "/login")
    assert serious_violations(browser) == []
    sign_in(browser, base_url, "viewer", "viewer-password")
    wait_for(browser, "main")
    assert serious_violations(browser) == []


def test_axe_finds_a_serious_violation_when_one_is_there(base_url: str,
                                                         browser: WebDriver) -> None:
    """The accessibility check can fail: an image button without a name is critical."""
    browser.get(base_url + "/login")
    browser.execute_script("document.body.insertAdjacentHTML('beforeend',"
                           "'<button><img src=x></button>')")
    assert any(v["id"] == "button-name" for v in serious_violations(browser))
