"""`ordex load-reference`, `check`, `receive`, `pay` and `po-date` refuse what is not there."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from test_cli import ROOT, ordex

from ordex.adapters.db import tables as t


def broken_folder(tmp_path: Path, file: str, old: str, new: str) -> Path:
    folder = tmp_path / "ref"
    shutil.copytree(ROOT / "examples" / "reference", folder)
    path = folder / file
    path.write_text(path.read_text().replace(old, new, 1))
    return folder


BREAKS = [
    ("price_contracts.csv", "min_qty", "min_qyt",
     "price_contracts.csv:1:min_qyt: unknown column; did you mean min_qty?"),
    ("customers.csv", "gold,50000,", "gold,1,000,000.00,",
     "customers.csv:2: has 11 fields but the header has 9"),
    ("items.csv", "24.00,14.50", "NaN,14.50",
     "items.csv:2:list_price: 'NaN' is not a number"),
    ("uom_conversions.csv", "GLOVE-NIT,CS,10", "GLOVE-NIT,CS,0",
     "uom_conversions.csv:2:base_qty: '0' must be greater than 0"),
    ("price_contracts.csv", "K-ACME-3,ACME,VALVE-100,EA", "K-ACME-3,ACME,VALVE-100,CS",
     "price_contracts.csv:4:uom: item VALVE-100 has no unit CS"),
    ("inbound_pos.csv", "2026-11-25", "20261125",
     "inbound_pos.csv:2:due_date: '20261125' is not a date (YYYY-MM-DD)"),
]


@pytest.mark.parametrize("file, old, new, expected", BREAKS)
def test_load_reference_and_check_exit_2_with_the_line_on_stderr(
        tmp_path: Path, file: str, old: str, new: str, expected: str) -> None:
    folder = broken_folder(tmp_path, file, old, new)
    db = tmp_path / "ordex.db"
    for run in (ordex("load-reference", str(folder), "--db", f"sqlite:///{db}"),
                ordex("check", "examples/orders.ndjson", "--reference", str(folder),
                      "--format", "json")):
        assert run.returncode == 2, run.stderr
        assert run.stdout == ""
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {folder}/{expected}"), lines
    assert not db.exists() or _customers(db) == 0


def _customers(db: Path) -> int:
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(t.customers)).scalar_one()
    engine.dispose()
    return int(count)


def test_several_problems_are_printed_one_per_line(tmp_path: Path) -> None:
    folder = broken_folder(tmp_path, "items.csv", "24.00,14.50", "NaN,Infinity")
    (folder / "price_contracts.csv").rename(folder / "price_contract.csv")
    run = ordex("check", "examples/orders.ndjson", "--reference", str(folder))
    assert run.returncode == 2 and run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert [ln.split(": ", 2)[1] for ln in lines] == [
        f"{folder}/price_contract.csv", f"{folder}/items.csv:2:list_price",
        f"{folder}/items.csv:2:unit_cost"]


def test_events_on_the_cli_naming_unknown_things_exit_2_with_one_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'ordex.db'}"
    assert ordex("load-reference", "examples/reference", "--db", db).returncode == 0
    cases = [
        (("receive", "NOPE", "CHI", "5"), "item_id: no item NOPE in the reference data"),
        (("receive", "VALVE-100", "NYC", "5"), "warehouse_id: no warehouse NYC"),
        (("receive", "VALVE-100", "CHI", "5", "--po", "PO-77002"),
         "po_id: inbound PO PO-77002 is for item SYRINGE-10 at ATL"),
        (("receive", "VALVE-100", "CHI", "NaN"), "quantity 'NaN' is not a number"),
        (("pay", "NOBODY", "10"), "customer_id: no customer NOBODY in the reference data"),
        (("pay", "ACME", "1e3"), "amount '1e3' is not a number"),
        (("po-date", "PO-NONE", "2026-11-24"), "po_id: no inbound PO PO-NONE"),
        (("po-date", "PO-77001", "20261124"), "due date '20261124' is not a date (YYYY-MM-DD)"),
    ]
    for args, expected in cases:
        run = ordex(*args, "--db", db)
        assert run.returncode == 2, (args, run.stderr)
        assert run.stdout == "" and len(run.stderr.strip().splitlines()) == 1, (args, run.stderr)
        assert expected in run.stderr, (args, run.stderr)
    engine = create_engine(db)
    with engine.connect() as conn:
        positions = conn.execute(select(t.inventory.c.item_id, t.inventory.c.warehouse_id)).all()
    engine.dispose()
    assert ("NOPE", "CHI") not in positions and ("VALVE-100", "NYC") not in positions
