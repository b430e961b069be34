"""Working a case through its page in Debian's headless Chromium: a credit analyst takes a
case and resolves it; an approval with segregation of duties; a viewer offered nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from test_http_case_page import LARGE, SMALL, bolt_order

from auth_kit import authed
from live_server import serving
from ordex.bootstrap import bootstrap
from ordex.config import Settings
from ordex.domain.identity import User
from ordex.sense.reference import load_reference

from browser_kit import WAIT, screenshot, serious_violations, sign_in, wait_for

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = {"ana": ("credit_analyst",), "max": ("credit_manager",)}


@pytest.fixture
def site(db_url: str) -> Iterator[str]:
    """A server with a 9,000 and a 30,000 credit hold; ana and max sign in with passwords."""
    app = bootstrap(Settings(database_url=db_url))
    app.migrate()
    app.save_reference(load_reference(ROOT / "examples" / "reference"))
    for user_id, roles in PEOPLE.items():
        app.identity.add_user(User(user_id, user_id.title(), f"{user_id}@example.com", roles,
                                   time_zone="America/Chicago"),
                              password=f"{user_id}-password", now=app.clock(), by="tests")
    with serving(app) as base_url:
        with authed(base_url, timeout=180) as http:  # the first order warms the process
            for order_id, qty in (("PG-1", 300), ("PG-2", 1000)):
                assert http.post("/orders", content=bolt_order(order_id, qty)).status_code == 201
        yield base_url
    app.engine.dispose()


def as_person(browser: WebDriver, base_url: str, user_id: str, case_id: str) -> None:
    browser.delete_all_cookies()
    sign_in(browser, base_url, user_id, f"{user_id}-password", then=f"/ui/cases/{case_id}")
    wait_for(browser, "#case-state")


def actions(browser: WebDriver) -> set[str]:
    return {f.get_attribute("data-action") or "" for f in
            browser.find_elements(By.CSS_SELECTOR, "form.act")}


def press(browser: WebDriver, action: str, *, text: str = "", **fields: str) -> None:
    """Fill a form of the page and press its button; wait for htmx to swap the answer in."""
    forms = [f for f in browser.find_elements(By.CSS_SELECTOR, f'form[data-action="{action}"]')
             if text in f.text]
    assert forms, (action, text, actions(browser))
    browser.execute_script("document.getElementById('case').dataset.old = '1'")
    for name, value in fields.items():
        forms[0].find_element(By.NAME, name).send_keys(value)
    forms[0].find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, WAIT).until(lambda d: d.execute_script(
        "const c = document.getElementById('case'); return c && !c.dataset.old"))


def state(browser: WebDriver) -> str:
    return str(browser.find_element(By.ID, "case-state").text)


def forced(browser: WebDriver, case_id: str, action: str, body: str) -> Any:
    """Post to an action the page does not offer, as a crafted request from the page would."""
    return browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "const csrf = document.querySelector('input[name=csrf]').value;"
        f"fetch('/ui/cases/{case_id}/{action}', {{method: 'POST', headers: {{"
        "'Content-Type': 'application/x-www-form-urlencoded', 'Accept': 'text/html'}, "
        f"body: 'csrf=' + encodeURIComponent(csrf) + '&{body}'}})"
        ".then(r => r.text().then(t => done([r.status, t])));")


def test_an_analyst_takes_a_credit_hold_and_resolves_it_on_the_page(site: str,
                                                                   browser: WebDriver) -> None:
    as_person(browser, site, "ana", SMALL)
    assert state(browser) == "open" and {"take", "accept", "choose"} <= actions(browser)
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "CST" in body  # times in ana's zone (America/Chicago)
    assert "Customer" in body and "Stock for the lines concerned" in body
    assert serious_violations(browser) == []
    assert screenshot(browser, "case").stat().st_size > 10_000
    press(browser, "take")
    assert state(browser) == "in_progress" and "Done: took the case" in browser.page_source
    assert "take" not in actions(browser)
    press(browser, "choose", text="RELEASE")
    assert state(browser) == "resolved"
    assert "Done: chose the alternative" in browser.page_source
    assert actions(browser) == {"comment"}
    assert browser.execute_script("return location.pathname") == f"/ui/cases/{SMALL}"


def test_an_approval_respects_segregation_of_duties_on_the_page(site: str,
                                                                browser: WebDriver) -> None:
    as_person(browser, site, "ana", LARGE)
    press(browser, "take")
    assert "accept" not in actions(browser)  # 30,000 is beyond ana's 25,000
    press(browser, "request-approval", text="RELEASE", reason="wire received")
    assert state(browser) == "awaiting_approval"
    assert "approve" not in actions(browser) and "reject" not in actions(browser)
    status, text = forced(browser, LARGE, "approve", "reason=mine")
    assert status == 403 and "may not approve" in text
    as_person(browser, site, "max", LARGE)
    assert {"approve", "reject"} <= actions(browser)
    assert "requested by ana" in browser.find_element(By.ID, "pending-approval").text
    assert serious_violations(browser) == []
    assert screenshot(browser, "case-approval").stat().st_size > 10_000
    press(browser, "approve", reason="wire confirmed")
    assert state(browser) == "resolved"
    assert "approved by max" in browser.find_element(By.TAG_NAME, "body").text


def test_a_viewer_sees_the_case_without_any_action(site: str, browser: WebDriver) -> None:
    sign_in(browser, site, "viewer", "viewer-password", then=f"/ui/cases/{SMALL}")
    wait_for(browser, "#case-state")
    assert actions(browser) == set()
    assert browser.find_elements(By.CSS_SELECTOR, "#alternatives button") == []
    assert "HOLD" in browser.find_element(By.ID, "alternatives").text
    status, _text = forced(browser, SMALL, "take", "expected_version=0")
    assert status == 403
    assert serious_violations(browser) == []
