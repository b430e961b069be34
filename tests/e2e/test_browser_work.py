"""The work page in Debian's headless Chromium: each role signs in and is offered what it
may do; filters and search update the table without a reload and land in the address; a
bulk assignment; a new case appears live; no serious accessibility violation; a screenshot."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait
from work_kit import bolt_order, work_floor

from auth_kit import authed
from ordex.bootstrap import App
from ordex.domain.identity import Principal, User
from ordex.domain.permissions import DEFAULT_ROLES, Permission, may

from browser_kit import screenshot, serious_violations, sign_in, wait_for

Floor = tuple[str, App, dict[str, httpx.Client]]
LIVE_WAIT = 30.0


@pytest.fixture
def floor(db_url: str) -> Iterator[Floor]:
    with work_floor(db_url) as found:
        yield found


def case_rows(driver: WebDriver) -> list[str]:
    """The case ids of the results table, read in one script (htmx may swap it meanwhile)."""
    found: list[str] = driver.execute_script(
        "return [...document.querySelectorAll('#work-results tbody tr[data-case]')]"
        ".map(r => r.dataset.case)")
    return found


def total(driver: WebDriver) -> int:
    """The number of cases the results say match (every page)."""
    return int(driver.execute_script(
        "return document.getElementById('work-results').dataset.total") or 0)


def stays(driver: WebDriver) -> None:
    """Mark the window: a full page load would wipe the mark."""
    driver.execute_script("window.stayed = 'yes'")


def stayed(driver: WebDriver) -> bool:
    return bool(driver.execute_script("return window.stayed === 'yes'"))


def sign_out(driver: WebDriver) -> None:
    driver.find_element(By.CSS_SELECTOR, 'form[action="/logout"] button').click()
    wait_for(driver, 'form[action="/login"]')


def test_each_role_signs_in_and_is_offered_only_what_it_may_do(
        floor: Floor, browser: WebDriver) -> None:
    base_url, app, _people = floor
    auth = app.identity
    for role in DEFAULT_ROLES:
        auth.add_user(User(f"r-{role.replace('_', '-')}", role, f"r-{role}@example.com", (role,)),
                      password="pw-" + role, now=app.clock(), by="tests")
    roles = app.settings.roles()
    for role in DEFAULT_ROLES:
        who = Principal(role, (roles[role],))
        sign_in(browser, base_url, f"r-{role.replace('_', '-')}", "pw-" + role, then="/ui/work")
        body = browser.find_element(By.TAG_NAME, "body").text
        if not may(who, Permission.VIEW):
            assert "may not view" in body, role
            browser.delete_all_cookies()
            continue
        wait_for(browser, "#work-results")
        offered = bool(browser.find_elements(By.CSS_SELECTOR, "form#bulk"))
        assert offered is may(who, Permission.TAKE_CASE), role
        boxes = browser.find_elements(By.CSS_SELECTOR, "input[name=case_id]")
        assert bool(boxes) is offered or not case_rows(browser), role
        tabs = {t.get_attribute("id") for t in browser.find_elements(By.CSS_SELECTOR,
                                                                     ".tabs a[id]")}
        queues = roles[role].queues
        assert queues is None or {t.removeprefix("tab-") for t in tabs} <= queues, role
        users_link = browser.find_elements(By.CSS_SELECTOR, 'nav a[href="/ui/admin/users"]')
        assert bool(users_link) is may(who, Permission.MANAGE_USERS), role
        sign_out(browser)


def test_filters_and_search_update_the_table_in_place_and_the_address(
        floor: Floor, browser: WebDriver) -> None:
    base_url, _app, _people = floor
    sign_in(browser, base_url, "boss", "boss-password", then="/ui/work")
    wait_for(browser, "#work-results")
    everything = total(browser)
    stays(browser)
    Select(browser.find_element(By.ID, "f-code")).select_by_value("DUPLICATE_ORDER")
    WebDriverWait(browser, 20).until(
        lambda d: "code=DUPLICATE_ORDER" in d.execute_script("return location.search"))
    WebDriverWait(browser, 20).until(lambda d: case_rows(d) and all(
        c.endswith(":DUPLICATE_ORDER") for c in case_rows(d)))
    assert stayed(browser) and 0 < total(browser) < everything
    Select(browser.find_element(By.ID, "f-code")).select_by_value("")
    box = browser.find_element(By.ID, "f-q")
    box.send_keys("PO-W-007")
    WebDriverWait(browser, 20).until(lambda d: case_rows(d) and all(
        c.startswith("W-007:") for c in case_rows(d)))
    assert "q=PO-W-007" in browser.execute_script("return location.search")
    assert stayed(browser)
    browser.get(base_url + "/ui/work?q=PO-W-007")  # the address is the view: bookmarkable
    assert all(c.startswith("W-007:") for c in case_rows(browser)) and case_rows(browser)
    stays(browser)
    for box in browser.find_elements(By.CSS_SELECTOR, "input[name=case_id]"):
        box.click()
    Select(browser.find_element(By.ID, "b-assignee")).select_by_value("ana")
    browser.find_element(By.CSS_SELECTOR, "form#bulk button[type=submit]").click()
    summary = wait_for(browser, "#bulk-summary")
    done = len(case_rows(browser))
    assert summary.get_attribute("data-done") == str(done) and stayed(browser)
    assert serious_violations(browser) == []  # with the bulk form, checkboxes and a result
    WebDriverWait(browser, 20).until(lambda d: d.execute_script(
        "return [...document.querySelectorAll('#work-results tbody tr')]"
        ".every(r => r.cells[7].textContent.trim() === 'ana')"))
    assert screenshot(browser, "work").stat().st_size > 10_000


def test_a_new_case_appears_without_a_reload_and_the_page_is_accessible(
        floor: Floor, browser: WebDriver) -> None:
    base_url, _app, _people = floor
    sign_in(browser, base_url, "vera", "vera-password", then="/ui/work?warehouse=CHI&code=CREDIT_LIMIT_EXCEEDED")
    wait_for(browser, "#work-results")
    assert serious_violations(browser) == []
    assert screenshot(browser, "work-viewer").stat().st_size > 10_000
    stays(browser)
    before = case_rows(browser)
    assert before and "W-950:CREDIT_LIMIT_EXCEEDED" not in before and len(before) < 50
    with authed(base_url) as http:
        assert http.post("/orders", content=bolt_order(950)).status_code == 201
    WebDriverWait(browser, LIVE_WAIT).until(
        lambda d: "W-950:CREDIT_LIMIT_EXCEEDED" in case_rows(d))
    assert stayed(browser) and len(case_rows(browser)) == len(before) + 1
    assert "warehouse=CHI" in browser.execute_script("return location.search")
