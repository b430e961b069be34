"""A server with a working week's worth of cases for the work page's tests, and readers of
the page's HTML (rows, counts, summary)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from auth_kit import authed, person
from live_server import serving
from ordex.bootstrap import App, bootstrap
from ordex.config import Settings
from ordex.sense.reference import load_reference

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = {"ana": ("credit_analyst",), "desk": ("order_desk",), "vera": ("viewer",),
          "boss": ("admin",)}
CREDIT_ORDERS = 56
"""BOLT orders over its credit limit: more credit cases than one page holds."""
ROW = re.compile(r'<tr id="row-[^"]*" data-case="([^"]+)"')


def bolt_order(n: int, *, quantity: int = 200) -> str:
    """An order of BOLT (credit limit 5,000) worth quantity × 30.00, from CHI or ATL."""
    return json.dumps({
        "order_id": f"W-{n:03d}", "customer_id": "BOLT", "customer_po": f"PO-W-{n:03d}",
        "channel": "api", "order_date": "2026-11-23", "requested_ship_date": "2026-11-30",
        "ship_to": {"code": "BOLT-1", "name": "Bolt & Nut Contractors",
                    "line1": "45 Harbor Blvd", "line2": "Suite 2", "city": "Tampa",
                    "state": "FL", "postal_code": "33602", "country": "US"},
        "ship_via": "UPSN-GND", "warehouse_id": "ATL" if n % 2 else "CHI",
        "lines": [{"line_no": 1, "item_id": "BOLT-M8", "quantity": quantity, "uom": "EA",
                   "unit_price": 30.0}]})


@contextmanager
def work_floor(db_url: str) -> Iterator[tuple[str, App, dict[str, httpx.Client]]]:
    """A server holding the example orders and CREDIT_ORDERS credit holds, and its people
    signed in (ana: credit analyst, desk: order desk, vera: viewer, boss: admin)."""
    app = bootstrap(Settings(database_url=db_url))
    app.migrate()
    app.save_reference(load_reference(ROOT / "examples" / "reference"))
    with serving(app) as base_url:
        with authed(base_url, timeout=180) as http:  # 60 orders in one batch, on a busy machine
            lines = (ROOT / "examples" / "orders.ndjson").read_text().splitlines()
            batch = "[" + ",".join([*lines, *(bolt_order(n) for n in range(CREDIT_ORDERS))]) + "]"
            assert http.post("/orders", content=batch).status_code == 201
        people = {name: person(base_url, app, name, roles) for name, roles in PEOPLE.items()}
        try:
            yield base_url, app, people
        finally:
            for client in people.values():
                client.close()
    app.engine.dispose()


def active_cases(base_url: str) -> list[dict[str, Any]]:
    """Every active case, from the API (the truth the page is checked against)."""
    with authed(base_url) as http:
        found: list[dict[str, Any]] = http.get("/cases", params={"state": "active",
                                                                 "limit": 500}).json()
    return found


def rows(html: str) -> list[str]:
    """The case ids of the results table, in order."""
    return ROW.findall(html)


def count_of(html: str, queue: str) -> int:
    """The open count a queue tab shows."""
    found = re.search(rf'id="tab-{queue}"[^>]*>[^<]*<b class="count">(\d+)</b>', html)
    assert found, f"no tab for {queue}"
    return int(found[1])
