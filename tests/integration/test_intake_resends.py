"""Intake on a real database: nothing lost or duplicated when the same input comes again."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from commands import ingest
from ordex.adapters.db import tables as t
from ordex.bootstrap import App, bootstrap
from ordex.bootstrap_files import FileIntake
from ordex.config import Settings
from ordex.entrypoints.files import ingest_paths
from ordex.sense.csv_orders import DEFAULT_PROFILE
from ordex.sense.edi_partners import load_partners
from ordex.sense.reference import load_reference

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
ORDERS = (ROOT / "examples" / "orders.ndjson").read_text().splitlines()
EDI = (ROOT / "examples" / "edi" / "acme-850.edi").read_text()


@pytest.fixture
def app(db_url: str) -> App:
    ordex = bootstrap(Settings(database_url=db_url), clock=lambda: NOW)
    ordex.migrate()
    ordex.save_reference(load_reference(ROOT / "examples" / "reference"))
    FileIntake(ordex).load_partners(load_partners(ROOT / "examples" / "reference"))
    yield ordex
    ordex.engine.dispose()


def count(app: App, table: t.Table, *where: Any) -> int:
    with app.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def integration_cases(app: App) -> int:
    return count(app, t.cases, t.cases.c.code == "INTEGRATION_FAILURE")


def run_file(app: App, path: Path) -> list[dict[str, Any]]:
    return list(ingest_paths(app, [path], profile=None, progress=lambda _n: None))


def bad_order() -> str:
    bad = json.loads(ORDERS[0])
    bad["order_id"], bad["lines"][0]["quantity"] = "EX-BAD", "twelve"
    return json.dumps(bad)


def test_an_order_sent_twice_in_one_ndjson_file_is_stored_once_and_answered_as_a_resend(
        app: App, tmp_path: Path) -> None:
    path = tmp_path / "day.ndjson"
    path.write_text("\n".join([ORDERS[0], ORDERS[1], ORDERS[0], ORDERS[2], ORDERS[1]]) + "\n")
    [report] = run_file(app, path)
    assert report["summary"] == {"accepted": 1, "held": 2, "replayed": 2}
    assert count(app, t.orders) == 3
    first, _, again = report["results"][:3]
    assert again["replayed"] and again["cases"] == first["cases"]


def test_an_order_twice_in_one_batch_is_answered_like_a_resend_across_batches(app: App) -> None:
    within = ingest(app, [(ORDERS[1].encode(), "a"), (ORDERS[1].encode(), "b")], channel="api")
    across = ingest(app, [(ORDERS[1].encode(), "c")], channel="api")
    assert [o.replayed for o in within] == [False, True]
    assert within[1].result == across[0].result == within[0].result
    assert count(app, t.orders) == 1 and count(app, t.cases) == 2


def test_same_order_id_with_different_content_is_refused_within_and_across_batches(
        app: App) -> None:
    changed = json.loads(ORDERS[0])
    changed["lines"][0]["quantity"] = 7
    body = json.dumps(changed).encode()
    within = ingest(app, [(ORDERS[0].encode(), "a"), (body, "b")], channel="api")
    across = ingest(app, [(body, "c")], channel="api")
    for outcome in (within[1], across[0]):
        assert outcome.rejected and not outcome.replayed
        assert outcome.result["errors"][0]["field"] == "order_id"
        assert "different order" in outcome.result["errors"][0]["reason"]
    case = app.queries.case(across[0].result["cases"][0])
    assert case is not None and case["queue"] == "integration" and case["state"] == "open"
    assert count(app, t.order_lines, t.order_lines.c.order_id == "EX-1001") == 2
    assert app.queries.order("EX-1001")["lines"][0]["quantity"] == "2.000000"


def test_same_order_respelt_is_a_resend_not_a_conflict(app: App) -> None:
    respelt = json.loads(ORDERS[0])
    respelt["lines"][0]["quantity"] = "2.000"  # same quantity, other spelling, other bytes
    respelt["note"] = "resent by the partner's system"
    ingest(app, [(ORDERS[0].encode(), "a")], channel="api")
    [again] = ingest(app, [(json.dumps(respelt).encode(), "b")], channel="api")
    assert again.replayed and not again.rejected


def test_rerunning_a_file_with_a_bad_line_stores_nothing_new_and_reuses_the_case(
        app: App, tmp_path: Path) -> None:
    path = tmp_path / "day.ndjson"
    path.write_text("\n".join([ORDERS[0], bad_order(), ORDERS[1]]) + "\n")
    first = run_file(app, path)[0]
    raws, cases = count(app, t.raw_payloads), integration_cases(app)
    assert (raws, cases) == (3, 1)
    for _ in range(3):
        again = run_file(app, path)[0]
    assert again["summary"] == {"replayed": 2, "rejected": 1}
    assert (count(app, t.raw_payloads), integration_cases(app)) == (raws, cases)
    assert again["results"][1]["cases"] == first["results"][1]["cases"]
    assert count(app, t.events, t.events.c.kind == "PayloadResent") == 9


def test_retrying_a_post_with_a_rejected_item_reuses_its_raw_payload_and_case(app: App) -> None:
    batch = ("[" + ",".join([ORDERS[0], bad_order()]) + "]").encode()
    first = ingest(app, [(batch, "api:1")], channel="api", key="B-9")
    again = ingest(app, [(batch, "api:1")], channel="api", key="B-9")
    assert [o.replayed for o in again] == [True, False]
    assert again[1].result["cases"] == first[1].result["cases"]
    assert count(app, t.raw_payloads) == 1 and integration_cases(app) == 1


def test_rerunning_a_csv_file_with_a_bad_row_stores_nothing_new(app: App, tmp_path: Path) -> None:
    head = ",".join(["order_id", "customer_id", "customer_po", "order_date",
                     "requested_ship_date", "ship_via", "warehouse_id", "currency",
                     "ship_to_code", "ship_to_name", "ship_to_line1", "ship_to_line2",
                     "ship_to_city", "ship_to_state", "ship_to_postal_code", "ship_to_country",
                     "line_no", "item_id", "quantity", "uom", "unit_price"])
    addr = "USD,ACME-1,Acme,1200 Commerce Dr,,Chicago,IL,60607,US"
    rows = [head, f"C-1,ACME,P-1,2026-11-23,2026-11-24,UPSN-GND,CHI,{addr},1,BOLT-M8,5,EA,0.40",
            f"C-2,ACME,P-2,2026-13-45,2026-11-24,UPSN-GND,CHI,{addr},1,BOLT-M8,5,EA,0.40"]
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(rows) + "\n")
    intake = FileIntake(app)
    intake.ingest_csv(path, DEFAULT_PROFILE)
    raws, cases = count(app, t.raw_payloads), integration_cases(app)
    again = intake.ingest_csv(path, DEFAULT_PROFILE)
    assert again.summary() == {"replayed": 1, "rejected": 1}
    assert (count(app, t.raw_payloads), integration_cases(app)) == (raws, cases) == (2, 1)


def test_an_identical_edi_file_is_not_stored_a_second_time(app: App, tmp_path: Path) -> None:
    path = tmp_path / "a.edi"
    path.write_text(EDI)
    intake = FileIntake(app)
    first = intake.ingest_edi(path)
    raws, chunks = count(app, t.raw_payloads), count(app, t.raw_chunks)
    again = intake.ingest_edi(path)
    assert again.raw_id == first.raw_id and again.skipped
    assert (count(app, t.raw_payloads), count(app, t.raw_chunks)) == (raws, chunks)
