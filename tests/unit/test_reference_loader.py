"""A reference folder with a mistake in it is refused, naming the file, line and column."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ordex.domain.errors import ReferenceDataError
from ordex.sense.edi_partners import load_partners
from ordex.sense.reference import FILES, load_folder, load_reference
from ordex.sense.reference_schema import markdown_table

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "reference"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the example folder, to break one thing in."""
    target = tmp_path / "ref"
    shutil.copytree(EXAMPLE, target)
    return target


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


def problems(folder: Path) -> list[str]:
    """The lines of the error a load raises, with the folder taken off."""
    with pytest.raises(ReferenceDataError) as caught:
        load_reference(folder)
    return [line.replace(f"{folder}/", "") for line in str(caught.value).splitlines()]


def test_the_example_folder_loads_with_its_trading_partners() -> None:
    loaded = load_folder(EXAMPLE)
    assert len(loaded.ref.items) == 5 and loaded.partners[0].customer_id == "ACME"


def test_a_misspelt_file_name_is_refused_with_the_expected_name(folder: Path) -> None:
    (folder / "price_contracts.csv").rename(folder / "price_contract.csv")
    [line] = problems(folder)
    assert line.startswith("price_contract.csv: unknown reference file; "
                           "did you mean price_contracts.csv? (known files: customers.csv, ")
    assert "trading_partners.csv" in line


def test_hidden_files_and_readmes_are_not_reference_files(folder: Path) -> None:
    (folder / ".DS_Store").write_bytes(b"\0")
    (folder / "README.md").write_text("# our reference data\n")
    assert len(load_reference(folder).customers) == 3


def test_an_unknown_column_is_refused_naming_it_and_the_expected_columns(folder: Path) -> None:
    replace(folder / "price_contracts.csv", "min_qty", "min_qyt")
    assert problems(folder) == [
        "price_contracts.csv:1:min_qyt: unknown column; did you mean min_qty? (the columns of "
        "price_contracts.csv are: contract_id, customer_id, item_id, uom, min_qty, unit_price, "
        "currency, valid_from, valid_to)"]


def test_an_unknown_column_in_trading_partners_is_refused(folder: Path) -> None:
    replace(folder / "trading_partners.csv", "lead_days", "lead_dayz")
    [line] = problems(folder)
    assert line.startswith("trading_partners.csv:1:lead_dayz: unknown column; did you mean "
                           "lead_days?")
    with pytest.raises(ReferenceDataError, match=r"trading_partners.csv:1:lead_dayz: unknown"):
        load_partners(folder)


def test_a_missing_required_column_and_a_repeated_one_are_named(folder: Path) -> None:
    replace(folder / "warehouses.csv", "warehouse_id,name,state",
            "name,state,state")
    assert problems(folder) == [
        "warehouses.csv:1:state: column appears twice in the header",
        "warehouses.csv:1:warehouse_id: required column is missing from the header"]


def test_a_row_with_more_fields_than_the_header_is_refused(folder: Path) -> None:
    replace(folder / "customers.csv", "gold,50000,", "gold,1,000,000.00,")
    assert problems(folder) == [
        "customers.csv:2: has 11 fields but the header has 9 (quote a value that holds a comma)"]


def test_a_row_with_fewer_fields_than_the_header_is_refused(folder: Path) -> None:
    replace(folder / "inventory.csv", "GLOVE-NIT,CHI,400,0,50", "GLOVE-NIT,CHI,400")
    assert problems(folder) == [
        "inventory.csv:3: has 3 fields but the header has 5 (quote a value that holds a comma)"]


def test_a_quoted_number_with_thousands_separators_is_not_a_number(folder: Path) -> None:
    replace(folder / "customers.csv", "gold,50000,", 'gold,"1,000,000.00",')
    assert problems(folder) == [
        "customers.csv:2:credit_limit: '1,000,000.00' is not a number (digits with an "
        "optional dot)"]


@pytest.mark.parametrize("bad", ["NaN", "sNaN", "Infinity", "-inf", "1e3", "1_000", "٣"])
def test_a_number_that_is_not_plain_decimal_is_refused_at_load(folder: Path, bad: str) -> None:
    replace(folder / "items.csv", "VALVE-100,Brass ball valve 1in,EA,24.00",
            f"VALVE-100,Brass ball valve 1in,EA,{bad}")
    assert problems(folder) == [
        f"items.csv:2:list_price: '{bad}' is not a number (digits with an optional dot)"]


def test_a_number_too_large_to_store_is_refused(folder: Path) -> None:
    replace(folder / "receivables.csv", "12000.00", "1234567890123.5")
    assert problems(folder) == [
        "receivables.csv:2:amount_open: '1234567890123.5' has more than 12 digits before the "
        "point or 6 after it"]


@pytest.mark.parametrize("factor", ["0", "-10", "0.000"])
def test_a_conversion_factor_of_zero_or_below_is_refused(folder: Path, factor: str) -> None:
    replace(folder / "uom_conversions.csv", "GLOVE-NIT,CS,10", f"GLOVE-NIT,CS,{factor}")
    assert problems(folder) == [
        f"uom_conversions.csv:2:base_qty: '{factor}' must be greater than 0"]


def test_a_negative_price_is_refused(folder: Path) -> None:
    replace(folder / "price_contracts.csv", "88.00", "-88.00")
    assert problems(folder) == ["price_contracts.csv:2:unit_price: '-88.00' is below 0"]


def test_a_contract_in_a_unit_its_item_cannot_convert_is_refused(folder: Path) -> None:
    replace(folder / "price_contracts.csv", "K-ACME-3,ACME,VALVE-100,EA",
            "K-ACME-3,ACME,VALVE-100,CS")
    assert problems(folder) == [
        "price_contracts.csv:4:uom: item VALVE-100 has no unit CS (its units: EA; add it to "
        "uom_conversions.csv)"]


def test_a_conversion_that_rescales_the_base_unit_is_refused(folder: Path) -> None:
    with (folder / "uom_conversions.csv").open("a") as f:
        f.write("VALVE-100,EA,12\n")
    assert problems(folder) == [
        "uom_conversions.csv:4:base_qty: EA is the base unit of VALVE-100; its base_qty is 1"]


@pytest.mark.parametrize("name", ["customers.csv", "items.csv", "warehouses.csv"])
def test_an_empty_required_file_is_refused(folder: Path, name: str) -> None:
    (folder / name).write_text("")
    assert problems(folder)[0].startswith(f"{name}: is empty; it needs a header line: ")


@pytest.mark.parametrize("name", ["customers.csv", "items.csv", "warehouses.csv"])
def test_a_header_only_required_file_is_refused(folder: Path, name: str) -> None:
    path = folder / name
    path.write_text(path.read_text().splitlines()[0] + "\n")
    assert f"{name}: required file has no rows" in problems(folder)


def test_a_missing_required_file_is_refused(folder: Path) -> None:
    (folder / "items.csv").unlink()
    assert problems(folder) == ["items.csv: required file is missing"]


def test_a_header_only_optional_file_is_fine(folder: Path) -> None:
    path = folder / "receivables.csv"
    path.write_text(path.read_text().splitlines()[0] + "\n")
    assert load_reference(folder).receivables == []


@pytest.mark.parametrize("bad", ["20260505", "2026-W19-2", "2026-5-5", "2026-02-30",
                                 "2026-05-05T00:00", "٢٠٢٦-٠٥-٠٥"])
def test_a_date_not_written_yyyy_mm_dd_is_refused(folder: Path, bad: str) -> None:
    replace(folder / "inbound_pos.csv", "2026-11-25", bad)
    assert problems(folder) == [f"inbound_pos.csv:2:due_date: '{bad}' is not a date (YYYY-MM-DD)"]


def test_a_contract_ending_before_it_starts_is_refused(folder: Path) -> None:
    replace(folder / "price_contracts.csv", "2026-01-01,2026-12-31", "2026-12-31,2026-01-01")
    assert problems(folder) == [
        "price_contracts.csv:2:valid_to: 2026-01-01 is before valid_from 2026-12-31"]


def test_a_row_naming_an_unknown_warehouse_or_customer_is_refused(folder: Path) -> None:
    replace(folder / "inventory.csv", "VALVE-100,ATL", "VALVE-100,NYC")
    replace(folder / "trading_partners.csv", "ACME,CHI", "ACMEE,CHI")
    assert problems(folder) == [
        "inventory.csv:5:warehouse_id: NYC is not in warehouses.csv",
        "trading_partners.csv:2:customer_id: ACMEE is not in customers.csv"]


def test_a_repeated_key_is_refused_naming_the_first_line(folder: Path) -> None:
    with (folder / "customers.csv").open("a") as f:
        f.write("ACME,Acme again,gold,1,MW,30,,no,no\n")
    assert problems(folder) == ["customers.csv:5:customer_id: customer_id ACME is already on "
                                "line 2"]


def test_a_fractional_day_count_is_refused(folder: Path) -> None:
    replace(folder / "customers.csv", "50000,MW,30,", "50000,MW,30.5,")
    assert problems(folder) == ["customers.csv:2:payment_terms_days: '30.5' is not a whole number"]


def test_text_that_is_not_utf8_names_the_line(folder: Path) -> None:
    path = folder / "warehouses.csv"
    path.write_bytes(path.read_bytes() + "MIA,Miami DC,FL,33101,1\n".encode("latin-1")
                     + "BOS,Boston DC \xe9,MA,02101,1\n".encode("latin-1"))
    [line] = problems(folder)
    assert line.startswith("warehouses.csv:") and line.endswith(": is not UTF-8 text")


def test_every_problem_of_a_load_is_listed_one_per_line(folder: Path) -> None:
    (folder / "price_contracts.csv").rename(folder / "price_contract.csv")
    replace(folder / "items.csv", "24.00,14.50", "NaN,Infinity")
    replace(folder / "inbound_pos.csv", "2026-11-25", "2026-W19-2")
    found = problems(folder)
    assert [line.split(": ", 1)[0] for line in found] == [
        "price_contract.csv", "items.csv:2:list_price", "items.csv:2:unit_cost",
        "inbound_pos.csv:2:due_date"]


def test_a_quoted_value_over_several_lines_is_counted_from_its_first_line(folder: Path) -> None:
    with (folder / "warehouses.csv").open("a") as f:
        f.write('DAL,"Dallas\nDC",TX,75201,one\n')
    assert problems(folder) == ["warehouses.csv:4:lead_time_days: 'one' is not a whole number"]


def test_the_reference_table_in_the_docs_is_the_schema() -> None:
    docs = (ROOT / "docs" / "formats.md").read_text()
    start = docs.index("<!-- reference-files:start -->\n") + len("<!-- reference-files:start -->\n")
    end = docs.index("<!-- reference-files:end -->")
    assert docs[start:end] == markdown_table(FILES), (
        "regenerate: python -c 'from ordex.sense.reference import FILES; "
        "from ordex.sense.reference_schema import markdown_table; print(markdown_table(FILES))'")
