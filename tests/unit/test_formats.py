"""Canonical formats: the JSON Schema file is current; reference CSVs load with clear errors."""

import json
from pathlib import Path

import pytest

from ordex.domain.errors import ReferenceDataError
from ordex.sense.reference import load_reference
from ordex.sense.schema import order_json_schema

ROOT = Path(__file__).resolve().parents[2]


def test_published_order_schema_matches_the_models() -> None:
    published = json.loads((ROOT / "docs" / "schemas" / "order.schema.json").read_text())
    assert published == order_json_schema(), "run: ordex schema --output docs/schemas/order.schema.json"


def test_example_reference_folder_loads() -> None:
    ref = load_reference(ROOT / "examples" / "reference")
    assert {c.customer_id for c in ref.customers} == {"ACME", "BOLT", "CASH"}
    assert len(ref.contracts) == 3 and ref.conversions[0].uom == "CS"


def test_bad_number_names_file_line_and_column(tmp_path: Path) -> None:
    for name in ("customers.csv", "items.csv", "warehouses.csv"):
        (tmp_path / name).write_text((ROOT / "examples" / "reference" / name).read_text())
    (tmp_path / "items.csv").write_text("item_id,base_uom,list_price\nX,EA,abc\n")
    with pytest.raises(ReferenceDataError, match=r"items.csv:2:list_price: 'abc' is not a number"):
        load_reference(tmp_path)


def test_missing_required_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match=r"customers\.csv: required file is missing"):
        load_reference(tmp_path)
