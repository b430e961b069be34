"""The CSV order channel: profiles, locales, grouping, and no crash on any input."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ordex.domain.errors import ParseError
from ordex.sense.csv_orders import DEFAULT_PROFILE, CsvProfile, CsvProfileError, read_csv_bytes

HEADER = ",".join(DEFAULT_PROFILE.columns.values())


def rows(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()


def test_consecutive_rows_of_one_order_become_its_lines() -> None:
    row = "O1,ACME,P1,2026-11-23,2026-11-24,UPSN,CHI,USD,,Acme,1 Main,,Chicago,IL,60607,US,{n},{item},{q},EA,1.50"
    data = rows(row.format(n=1, item="A", q=2), row.format(n=2, item="B", q=3),
                row.replace("O1", "O2").format(n=1, item="C", q=1))
    first, second = list(read_csv_bytes(data, DEFAULT_PROFILE))
    assert [ln["item_id"] for ln in first.order["lines"]] == ["A", "B"]
    assert first.order["ship_to"]["city"] == "Chicago" and first.rows == (2, 3)
    assert second.order["order_id"] == "O2"


def test_profile_with_unknown_field_or_missing_column_is_refused() -> None:
    with pytest.raises(CsvProfileError, match="unknown field 'colour'"):
        CsvProfile.from_json(json.dumps({"columns": {"colour": "X"}}))
    with pytest.raises(CsvProfileError, match="no column given for item_id"):
        CsvProfile.from_json(json.dumps({"columns": {"order_id": "A", "quantity": "Q",
                                                      "uom": "U"}}))
    profile = CsvProfile.from_json(json.dumps({"columns": {
        "order_id": "Order", "item_id": "Item", "quantity": "Qty", "uom": "Unit"}}))
    with pytest.raises(CsvProfileError, match="lacks column"):
        list(read_csv_bytes(b"Order,Item\n1,A\n", profile))


def test_european_decimals_and_dates_are_read_exactly() -> None:
    profile = CsvProfile.from_json(json.dumps({
        "columns": {"order_id": "o", "item_id": "i", "quantity": "q", "uom": "u",
                    "unit_price": "p", "order_date": "d"},
        "delimiter": ";", "date_format": ["%d.%m.%Y", "%d/%m/%Y"],
        "decimal_separator": ",", "thousands_separator": "."}))
    [order] = read_csv_bytes(b"o;i;q;u;p;d\n1;A;1.234,5;EA;0,10;23/11/2026\n", profile)
    line = order.order["lines"][0]
    assert (line["quantity"], line["unit_price"]) == ("1234.5", "0.10")
    assert order.order["order_date"] == "2026-11-23"


def test_text_in_a_number_names_rows_and_column() -> None:
    bad = "O1,ACME,P1,2026-11-23,2026-11-24,,CHI,USD,,,,,,,,,1,A,lots,EA,1.50"
    [order] = read_csv_bytes(rows(bad), DEFAULT_PROFILE)
    assert order.order is None and order.column == "quantity" and "rows 2-2" in order.error


def _check_invariants(orders: list, rows_read: int) -> None:
    """Every order is either read or names its error; row spans are consecutive and cover all."""
    expected_start = 2  # row 1 is the header
    for order in orders:
        assert (order.order is None) != (order.error is None)
        start, end = order.rows
        assert start == expected_start and end >= start
        expected_start = end + 1
        if order.error is not None:
            assert order.column and f"rows {start}-{end}" in order.error
        else:
            assert len(order.order["lines"]) == end - start + 1
    assert expected_start - 2 == rows_read


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_after_a_header_read_into_consistent_orders_or_a_parse_error(
        data: bytes) -> None:
    import csv
    import io
    body = HEADER.encode() + b"\n" + data
    try:
        orders = list(read_csv_bytes(body, DEFAULT_PROFILE))
    except ParseError as exc:
        assert str(exc)  # the only failure allowed, and it says something
        return
    text = body.decode(DEFAULT_PROFILE.encoding)
    rows_read = sum(1 for _ in csv.DictReader(io.StringIO(text, newline="")))
    _check_invariants(orders, rows_read)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(alphabet="AB1,;. -", max_size=6), min_size=21, max_size=21),
                max_size=6))
def test_any_cells_group_into_one_order_per_run_of_equal_order_ids(
        table: list[list[str]]) -> None:
    import csv
    import io
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER.split(","), *table])
    orders = list(read_csv_bytes(buffer.getvalue().encode(), DEFAULT_PROFILE))
    parsed = list(csv.DictReader(io.StringIO(buffer.getvalue(), newline="")))
    ids = [(r.get("order_id") or "").strip() for r in parsed]
    runs = sum(1 for k, oid in enumerate(ids) if k == 0 or oid != ids[k - 1])
    assert len(orders) == runs
    _check_invariants(orders, len(parsed))


def test_date_format_must_be_a_format_or_a_list_of_formats() -> None:
    with pytest.raises(CsvProfileError, match="'date_format' must be"):
        CsvProfile.from_json(json.dumps({"columns": {"order_id": "o", "item_id": "i",
                                                      "quantity": "q", "uom": "u"},
                                         "date_format": 5}))
