"""`ordex ingest` and `ordex check` on hostile order files, as real processes on SQLite and
PostgreSQL: a rejected item with its field named, never "unexpected …"."""

from __future__ import annotations

import json
from pathlib import Path

from test_cli import ROOT, ordex

ORDERS = (ROOT / "examples" / "orders.ndjson").read_text().splitlines()


def hostile_file(tmp_path: Path) -> Path:
    bad_po = {**json.loads(ORDERS[0]), "order_id": "H-1", "customer_po": "PO-\ud800"}
    huge = json.dumps({**json.loads(ORDERS[2]), "order_id": "H-2"})
    huge = huge.replace('"quantity": ', '"quantity": 1' + "0" * 5000 + ", \"q\": ", 1)
    file = tmp_path / "hostile.ndjson"
    file.write_text(json.dumps(bad_po) + "\n" + huge + "\n" + ORDERS[1] + "\n")
    return file


def test_ingest_rejects_a_surrogate_po_and_a_5000_digit_number_per_item(
        tmp_path: Path, db_url: str) -> None:
    assert ordex("load-reference", "examples/reference", "--db", db_url).returncode == 0
    run = ordex("ingest", str(hostile_file(tmp_path)), "--db", db_url, "--format", "json")
    assert run.returncode == 0, run.stderr
    assert "unexpected" not in run.stderr
    results = json.loads(run.stdout)["results"]
    assert [r["status"] for r in results] == ["rejected", "rejected", "held"]
    assert results[0]["errors"][0]["field"] == "customer_po"
    assert results[1]["errors"][0]["field"] == "lines.0.quantity"
    assert "5001 digits" in results[1]["errors"][0]["reason"]


def test_check_of_a_json_file_with_a_5000_digit_number_reports_the_field(tmp_path: Path) -> None:
    file = tmp_path / "huge.json"
    file.write_text(hostile_file(tmp_path).read_text().splitlines()[1])
    run = ordex("check", str(file), "--reference", "examples/reference", "--format", "json")
    assert "unexpected" not in run.stderr and run.returncode == 0, run.stderr
    [row] = json.loads(run.stdout)
    assert row["status"] == "rejected"
    assert row["findings"][0]["evidence"]["errors"][0]["field"] == "lines.0.quantity"


CSV_HEADER = ("order_id,customer_id,customer_po,order_date,requested_ship_date,ship_via,"
              "warehouse_id,currency,ship_to_code,ship_to_name,ship_to_line1,ship_to_line2,"
              "ship_to_city,ship_to_state,ship_to_postal_code,ship_to_country,"
              "line_no,item_id,quantity,uom,unit_price")


def test_ingest_of_a_csv_with_a_control_character_in_a_looked_up_field_rejects_that_order(
        tmp_path: Path, db_url: str) -> None:
    first = json.loads(ORDERS[0])
    to, ln = first["ship_to"], first["lines"][0]
    row = [first["order_id"], first["customer_id"], first["customer_po"], first["order_date"],
           first["requested_ship_date"], "", first["warehouse_id"], "USD", "", to["name"],
           to["line1"], "", to["city"], to["state"], to["postal_code"], "US", "1",
           ln["item_id"], str(ln["quantity"]), ln["uom"], str(ln["unit_price"])]
    bad = [*row]
    bad[0], bad[1], bad[17] = "CSV-BAD", "C\x00X", "SKU\x00"
    file = tmp_path / "orders.csv"
    file.write_text("\n".join([CSV_HEADER, ",".join(bad), ",".join(row)]) + "\n")
    assert ordex("load-reference", "examples/reference", "--db", db_url).returncode == 0
    run = ordex("ingest", str(file), "--db", db_url, "--format", "json")
    assert run.returncode == 0 and "unexpected" not in run.stderr, run.stderr
    results = json.loads(run.stdout)["results"]
    assert results[0]["status"] == "rejected"
    assert results[0]["errors"][0]["field"] in {"customer_id", "lines.0.item_id"}
    assert results[1]["status"] != "rejected"
