"""The CLI acts on cases under the API's permission model, on SQLite and PostgreSQL: the actor is
an existing, enabled user whose roles allow the route's permission on the case's queue and value
band; anything else is exit 2 with one line naming the user and the permission."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from auth_kit import add_people
from ordex.adapters.db import tables as t
from ordex.bootstrap import App, bootstrap
from ordex.config import Settings
from ordex.sense.reference import load_reference

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = {"ana": ("credit_analyst",), "max": ("credit_manager",), "pia": ("pricing",),
          "old": ("credit_manager",), "desk": ("order_desk",), "root": ("admin",)}
SMALL, BIG = "SM-1:CREDIT_LIMIT_EXCEEDED", "BIG-9:CREDIT_LIMIT_EXCEEDED"


def ordex(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ordex", *args, "--db", db_url],
                          capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={**os.environ, "ORDEX_ERP_CONNECTOR": "sandbox"})


def _order(order_id: str, quantity: int) -> dict[str, object]:
    return {"order_id": order_id, "customer_id": "BOLT", "customer_po": f"PO-{order_id}",
            "order_date": "2026-11-23", "requested_ship_date": "2026-11-26",
            "ship_to": {"code": "BOLT-1", "name": "Bolt", "line1": "45 Harbor Blvd",
                        "city": "Tampa", "state": "FL", "postal_code": "33602", "country": "US"},
            "ship_via": "UPSN-GND", "warehouse_id": "CHI",
            "lines": [{"line_no": 1, "item_id": "BOLT-M8", "quantity": quantity, "uom": "EA",
                       "unit_price": 30.0}]}


@pytest.fixture
def desk(db_url: str, tmp_path: Path) -> Iterator[App]:
    """Two credit holds of BOLT (6,000 and 30,000), a broken payload, and the people."""
    app = bootstrap(Settings(database_url=db_url))
    app.migrate()
    app.save_reference(load_reference(ROOT / "examples" / "reference"))
    add_people(app, PEOPLE)
    app.identity.set_active("old", False, now=app.clock(), by="tests")
    orders = tmp_path / "orders.ndjson"
    orders.write_text("\n".join(json.dumps(o) for o in (_order("SM-1", 200),
                                                        _order("BIG-9", 1000))) + "\n"
                      + '{"order_id": "X-1", "customer_id": 5}\n')
    done = ordex(db_url, "ingest", str(orders))
    assert done.returncode == 0, done.stderr
    yield app
    app.engine.dispose()


def _state(app: App, case_id: str) -> str:
    return str((app.queries.case(case_id) or {})["state"])


def _refused(run: subprocess.CompletedProcess[str]) -> str:
    assert run.returncode == 2 and run.stdout == "" and "Traceback" not in run.stderr
    [line] = run.stderr.strip().splitlines()
    return line


def test_a_user_whose_roles_allow_it_resolves_and_is_the_audited_actor(
        desk: App, db_url: str) -> None:
    assert Decimal(desk.queries.case(SMALL)["value_at_risk"]) == 6000  # type: ignore[index]
    run = ordex(db_url, "resolve", SMALL, "--action", "RELEASE", "--actor", "ana",
                "--reason", "payment promised", "--format", "json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["state"] == "resolved"
    big = ordex(db_url, "resolve", BIG, "--action", "RELEASE", "--actor", "max",
                "--reason", "wire seen")
    assert big.returncode == 0, big.stderr
    a = t.audit_log
    with desk.engine.connect() as conn:
        actors = {r.case_id: r.actor for r in conn.execute(
            select(a.c.case_id, a.c.actor).where(a.c.to_state == "resolved"))}
    assert actors == {SMALL: "ana", BIG: "max"}


def test_an_unknown_user_is_refused_in_one_line_and_nothing_changes(
        desk: App, db_url: str) -> None:
    line = _refused(ordex(db_url, "resolve", SMALL, "--action", "RELEASE", "--actor", "lee"))
    assert line == "error: user lee does not exist: --actor must be a user (ordex user list)"
    assert _state(desk, SMALL) == "open"


def test_a_disabled_user_is_refused(desk: App, db_url: str) -> None:
    line = _refused(ordex(db_url, "resolve", BIG, "--action", "RELEASE", "--actor", "old"))
    assert line == "error: user old is disabled and may not resolve_case"
    assert _state(desk, BIG) == "open"


def test_a_role_without_the_queue_is_refused_naming_the_user_and_the_permission(
        desk: App, db_url: str) -> None:
    line = _refused(ordex(db_url, "resolve", SMALL, "--action", "RELEASE", "--actor", "pia"))
    assert line == "error: user pia may not resolve_case on credit cases (roles: pricing)"
    assert _state(desk, SMALL) == "open"


def test_a_case_above_the_roles_value_band_is_refused_naming_the_limit(
        desk: App, db_url: str) -> None:
    line = _refused(ordex(db_url, "resolve", BIG, "--action", "RELEASE", "--actor", "ana"))
    assert line == (f"error: user ana may not resolve_case on credit cases above 25,000 (case "
                    f"{BIG} is 30,000.00): request approval")
    assert _state(desk, BIG) == "open"


def test_replay_needs_replay_case_on_the_case_and_outbox_replay_the_permission(
        desk: App, db_url: str) -> None:
    cases = json.loads(ordex(db_url, "cases", "--state", "all", "--format", "json").stdout)
    [broken] = [c["case_id"] for c in cases["cases"] if c["code"] == "INTEGRATION_FAILURE"]
    line = _refused(ordex(db_url, "replay", broken, "--actor", "desk"))
    assert line == ("error: user desk may not replay_case on integration cases "
                    "(roles: order_desk)")
    allowed = ordex(db_url, "replay", broken, "--actor", "root", "--format", "json")
    assert allowed.returncode == 0, allowed.stderr
    assert json.loads(allowed.stdout)["still_failing"] == [broken]
    line = _refused(ordex(db_url, "outbox", "replay", "no-such-message", "--actor", "max"))
    assert line == "error: user max may not replay_case (roles: credit_manager)"
    missing = _refused(ordex(db_url, "outbox", "replay", "no-such-message", "--actor", "root"))
    assert "no outbox message no-such-message" in missing
