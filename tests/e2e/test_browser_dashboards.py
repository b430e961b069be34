"""The dashboards in Debian's headless Chromium: ECharts draws every chart with data, and
neither the dashboards nor the KPI definitions have a serious accessibility violation."""

from __future__ import annotations

from pathlib import Path

from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from auth_kit import authed

from browser_kit import WAIT, screenshot, serious_violations, sign_in, wait_for

ROOT = Path(__file__).resolve().parents[2]
SERIES = """
return Array.from(document.querySelectorAll('[data-chart]')).map(el => {
  const chart = echarts.getInstanceByDom(el);
  const series = chart ? chart.getOption().series : [];
  const points = series.flatMap(s => s.data || []).filter(v => Number(v) > 0).length;
  return [el.dataset.chart, series.length, points, el.querySelectorAll('svg path').length];
});
"""


def test_the_dashboards_draw_every_chart_with_data_and_link_to_definitions(
        base_url: str, browser: WebDriver) -> None:
    with authed(base_url, timeout=90) as http:  # a busy shared machine
        for line in (ROOT / "examples" / "orders.ndjson").read_text().splitlines():
            assert http.post("/orders", content=line).status_code in (200, 201)
        api = http.get("/kpis").json()
    sign_in(browser, base_url, "viewer", "viewer-password", then="/ui/dashboards")
    assert browser.execute_script("return location.pathname") == "/ui/dashboards"
    WebDriverWait(browser, WAIT).until(
        lambda d: d.execute_script("return document.documentElement.dataset.chartsDrawn"))
    charts = {name: (series, points, paths)
              for name, series, points, paths in browser.execute_script(SERIES)}
    assert len(charts) >= 12 and all(paths > 0 for _s, _p, paths in charts.values()), charts
    for name in ("volume", "rate", "backlog-queue", "backlog-code", "aging", "pareto"):
        assert charts[name][0] >= 1 and charts[name][1] > 0, (name, charts[name])
    opened = sum(r["cases"] for r in api["dashboard"]["root_cause_pareto"])
    drawn = browser.execute_script(
        "return echarts.getInstanceByDom(document.getElementById('chart-pareto'))"
        ".getOption().series[0].data.reduce((a, b) => a + b, 0)")
    assert opened > 0 and drawn == opened
    assert serious_violations(browser) == []
    assert screenshot(browser, "dashboards").stat().st_size > 10_000
    browser.find_element("css selector", 'a[href="/ui/kpis#kpi-dashboard-root_cause_pareto"]'
                         ).click()
    row = wait_for(browser, "tr#kpi-dashboard-root_cause_pareto")
    assert "cumulative_share" in row.text
    assert browser.execute_script("return location.hash") == "#kpi-dashboard-root_cause_pareto"
    assert serious_violations(browser) == []
