"""Signing in as each shipped role in Debian's Chromium: the navigation and the controls a page
offers follow the role; an administrator adds a person through the form, who then signs in;
the administration pages and the sign-in page pass axe-core with no serious violation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from auth_kit import authed
from live_server import serving
from ordex.bootstrap import bootstrap
from ordex.config import Settings
from ordex.domain.identity import User
from ordex.domain.permissions import DEFAULT_ROLES
from ordex.sense.reference import load_reference

from browser_kit import screenshot, serious_violations, sign_in, wait_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def floor(db_url: str) -> Iterator[tuple[str, Any]]:
    """A server with the example orders' cases and one person per shipped role
    (`role-ROLE`, password `ROLE-password`)."""
    app = bootstrap(Settings(database_url=db_url))
    app.migrate()
    app.save_reference(load_reference(ROOT / "examples" / "reference"))
    for role in DEFAULT_ROLES:
        login = "role-" + role.replace("_", "-")
        app.identity.add_user(User(login, f"Role {role}", f"{login}@example.com", (role,)),
                              password=f"{role}-password", now=app.clock(), by="tests")
    with serving(app) as base_url:
        with authed(base_url, timeout=180) as http:  # a busy machine: be patient
            for line in (ROOT / "examples" / "orders.ndjson").read_text().splitlines():
                http.post("/orders", content=line)
        yield base_url, app
    app.engine.dispose()


def controls_in_main(driver: WebDriver) -> list[str]:
    """The action controls the page's main part offers (buttons, forms, editable fields)."""
    found = driver.find_elements(By.CSS_SELECTOR, "main button, main form, main input, "
                                                  "main select, main textarea")
    return [f"{e.tag_name}:{e.get_attribute('outerHTML')[:80]}" for e in found]


def sign_out(driver: WebDriver) -> None:
    driver.find_element(By.CSS_SELECTOR, 'header form[action="/logout"] button').click()
    wait_for(driver, 'form[action="/login"]')


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_each_shipped_role_signs_in_and_sees_what_its_permissions_allow(
        floor: tuple[str, Any], browser: WebDriver) -> None:
    base_url, app = floor
    auth_roles = app.settings.roles()
    for role in DEFAULT_ROLES:
        granted = {str(p) for p in auth_roles[role].permissions}
        sign_in(browser, base_url, "role-" + role.replace("_", "-"), f"{role}-password")
        header = browser.find_element(By.TAG_NAME, "header")
        assert "role-" + role.replace("_", "-") in header.text, role
        assert header.find_element(By.CSS_SELECTOR, 'form[action="/logout"] button')
        links = [a.get_attribute("href") for a in header.find_elements(By.CSS_SELECTOR, "a")]
        assert (base_url + "/ui/admin/users" in links) is ("manage_users" in granted), role
        assert (base_url + "/ui/work" in links) is ("view" in granted), role
        if "view" in granted:
            wait_for(browser, "#queue-customer_service")
            offered = controls_in_main(browser)
            if not granted & {"take_case", "resolve_case", "replay_case"}:
                assert offered == [], (role, offered)
        else:  # a system's role: signed in, yet refused the pages, with a way out
            assert "Not permitted" in browser.find_element(By.TAG_NAME, "main").text, role
        browser.get(base_url + "/ui/admin/users")
        main = browser.find_element(By.TAG_NAME, "main").text
        if "manage_users" in granted:
            wait_for(browser, "#user-role-viewer")
            assert serious_violations(browser) == []
            assert screenshot(browser, "admin-users").stat().st_size > 10_000
        else:
            assert "Not permitted" in main and "may not manage_users" in main, role
        sign_out(browser)
        browser.get(base_url + "/")
        assert "/login" in browser.current_url, role


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_administrator_adds_a_person_through_the_form_who_then_signs_in(
        floor: tuple[str, Any], browser: WebDriver) -> None:
    base_url, app = floor
    browser.get(base_url + "/login")
    assert serious_violations(browser) == []
    assert screenshot(browser, "signin").stat().st_size > 5_000
    sign_in(browser, base_url, "role-admin", "admin-password", then="/ui/admin/users/new")
    form = wait_for(browser, 'form.user[action="/ui/admin/users"]')
    assert serious_violations(browser) == []
    for name, value in (("user_id", "kim"), ("name", "Kim Ortiz"), ("email", "not-an-email"),
                        ("time_zone", "America/Denver"), ("password", "kim-password")):
        field = form.find_element(By.NAME, name)
        field.clear()
        field.send_keys(value)
    form.find_element(By.CSS_SELECTOR, 'input[name="roles"][value="pricing"]').click()
    form.find_element(By.CSS_SELECTOR, 'input[name="queues"][value="pricing"]').click()
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    error = wait_for(browser, "#err-email")
    assert error.text.startswith("email:") and app.identity.user("kim") is None
    assert serious_violations(browser) == []  # the form with its errors
    form = browser.find_element(By.CSS_SELECTOR, "form.user")
    form.find_element(By.NAME, "email").clear()
    form.find_element(By.NAME, "email").send_keys("kim@example.com")
    form.find_element(By.NAME, "password").send_keys("kim-password")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, "main h1")
    assert "User kim created" in browser.find_element(By.TAG_NAME, "main").text
    kim = app.identity.user("kim")
    assert kim is not None and kim.roles == ("pricing",) and kim.time_zone == "America/Denver"
    browser.get(base_url + "/ui/admin/tokens")
    wait_for(browser, "#tokens")
    assert serious_violations(browser) == []
    sign_out(browser)
    sign_in(browser, base_url, "kim@example.com", "kim-password")
    assert "kim" in browser.find_element(By.TAG_NAME, "header").text
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "header a")]
    assert base_url + "/ui/admin/users" not in links
