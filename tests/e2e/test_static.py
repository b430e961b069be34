"""The pages' front-end packages: installed by make from the npm lock, served behind a credential."""

from __future__ import annotations

import httpx

from auth_kit import authed


def test_htmx_and_echarts_are_served_to_a_signed_in_caller_only(base_url: str) -> None:
    assert httpx.get(base_url + "/static/vendor/htmx.min.js").status_code == 401
    with authed(base_url, role="viewer") as http:
        htmx = http.get("/static/vendor/htmx.min.js")
        charts = http.get("/static/vendor/echarts.min.js")
    assert htmx.status_code == 200 and htmx.headers["content-type"].startswith("text/javascript")
    assert "htmx" in htmx.text[:2000] and len(charts.content) > 500_000


def test_a_name_outside_the_static_folder_or_of_another_kind_is_not_found(base_url: str) -> None:
    with authed(base_url, role="viewer") as http:
        for name in ("../assets.py", "..%2Fassets.py", "vendor/.installed", "nothing.js",
                     "vendor/%2e%2e/%2e%2e/assets.py"):
            answer = http.get("/static/" + name)
            assert answer.status_code == 404, name
