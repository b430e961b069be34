"""Every PO1 identifier pair is kept and mapped; the ship-to country is never guessed."""

from __future__ import annotations

from pathlib import Path

import pytest
from x12_builders import BODY, build_850

from ordex.adapters.postal import ZipcodesDirectory
from ordex.domain.errors import ReferenceDataError
from ordex.sense.identifiers import ItemKeys, gtin14, map_item
from ordex.sense.reference import load_reference
from ordex.sense.x12 import iter_transactions, to_canonical

QUALIFIERS = ["UP", "UK", "EN", "SK", "IN", "BP", "VN", "VP", "VC", "MG", "CB", "IB", "UA", "N4"]


def _order(body: list[str]) -> dict:
    [result] = [r for r in iter_transactions(build_850(body)) if r.order is not None]
    return to_canonical(result.order)  # type: ignore[arg-type]


def _with_line(po1: str, n4: str = "N4*COLUMBUS*OH*43004") -> list[str]:
    body = [b for b in BODY if not b.startswith(("PO1", "PID", "CTT"))]
    body = [n4 if b.startswith("N4") else b for b in body]
    return [*body, po1, "CTT*1"]


def test_every_identifier_pair_is_kept_in_order_with_its_qualifier() -> None:
    pairs = [(q, f"V{i}") for i, q in enumerate(QUALIFIERS[:10])]
    po1 = "PO1*00001*3*EA*1.5*PE*" + "*".join(f"{q}*{v}" for q, v in pairs)
    [line] = _order(_with_line(po1))["lines"]
    assert [(i["qualifier"], i["value"]) for i in line["identifiers"]] == pairs
    assert line["po101"] == "00001" and line["price_basis"] == "PE"


def test_repeated_qualifier_is_kept_twice() -> None:
    [line] = _order(_with_line("PO1*1*3*EA*1.5**SK*A1*SK*A2*UA*X"))["lines"]
    assert line["identifiers"] == [{"qualifier": "SK", "value": "A1"},
                                   {"qualifier": "SK", "value": "A2"},
                                   {"qualifier": "UA", "value": "X"}]


@pytest.mark.parametrize(("code", "expected"), [
    ("036000291452", "00036000291452"),      # UPC-A, zero-padded to GTIN-14
    ("4006381333931", "04006381333931"),     # EAN-13
    ("96385074", "00000096385074"),          # EAN-8
    ("10036000291459", "10036000291459"),    # GTIN-14 case code
    ("036000291453", None),                  # wrong check digit
    ("03600029145", None),                   # 11 digits
    ("03600029145A", None),
])
def test_gtin_check_digit_and_padding(code: str, expected: str | None) -> None:
    assert gtin14(code) == expected


KEYS = ItemKeys(
    cross_refs={("C", "SK", "54895030"): "ITEM-SK", ("C", "", "P-1"): "ITEM-BP",
                ("C", "CB", "65-117"): "ITEM-CB"},
    gtins={"00036000291452": "ITEM-GTIN"}, mfr_parts={"M-9": "ITEM-MFR"},
    items={"ITEM-SK", "ITEM-BP", "ITEM-CB", "ITEM-GTIN", "ITEM-MFR", "V-1"})


@pytest.mark.parametrize(("pairs", "item"), [
    ([("SK", "54895030"), ("VC", "5383-3117")], "ITEM-SK"),  # cross-reference by qualifier
    ([("CB", "65-117")], "ITEM-CB"),
    ([("IN", "P-1")], "ITEM-BP"),                            # row without qualifier: IN/BP
    ([("BP", "P-1")], "ITEM-BP"),
    ([("SK", "P-1")], None),                                 # ...but not SK
    ([("UP", "036000291452")], "ITEM-GTIN"),                 # UPC-A → GTIN-14
    ([("UK", "00036000291452")], "ITEM-GTIN"),
    ([("EN", "0036000291452")], "ITEM-GTIN"),
    ([("UP", "036000291453")], None),                        # bad check digit never maps
    ([("MG", "M-9")], "ITEM-MFR"),
    ([("VN", "V-1")], "V-1"), ([("VP", "V-1")], "V-1"), ([("VC", "V-1")], "V-1"),
    ([("VN", "V-1"), ("SK", "54895030")], "ITEM-SK"),         # cross-reference comes first
    ([("VN", "V-1"), ("UP", "036000291452")], "ITEM-GTIN"),  # then global ids
    ([("N4", "0002-1433-80"), ("IB", "X")], None),
])
def test_line_maps_through_cross_reference_then_global_ids_then_vendor_part(
        pairs: list[tuple[str, str]], item: str | None) -> None:
    assert map_item(pairs, customer_id="C", keys=KEYS).item_id == item


def test_two_identifiers_naming_different_items_map_to_none() -> None:
    match = map_item([("SK", "54895030"), ("CB", "65-117")], customer_id="C", keys=KEYS)
    assert match.item_id is None and "different items" in (match.problem or "")


def test_unknown_product_names_every_identifier_and_a_bad_gtin() -> None:
    match = map_item([("SK", "1"), ("UP", "036000291453")], customer_id="C", keys=KEYS)
    assert match.problem == ("unknown product SK 1, UP 036000291453 "
                             "(UP 036000291453: not a valid GTIN)")


def _reference(tmp_path: Path, gtin: str) -> Path:
    example = Path(__file__).resolve().parents[3] / "examples" / "reference"
    for name in ("customers.csv", "warehouses.csv"):
        (tmp_path / name).write_text((example / name).read_text())
    (tmp_path / "items.csv").write_text(
        "item_id,description,base_uom,list_price,gtin,mfr_part\n"
        f"W-1,Widget,EA,1.00,{gtin},MFR-1\n")
    (tmp_path / "item_cross_references.csv").write_text(
        "customer_id,qualifier,buyer_part,item_id\nACME,sk,54895030,W-1\nACME,,P-1,W-1\n")
    return tmp_path


def test_item_master_gtin_is_stored_as_gtin14_and_cross_reference_keeps_qualifier(
        tmp_path: Path) -> None:
    ref = load_reference(_reference(tmp_path, "036000291452"))
    assert (ref.items[0].gtin, ref.items[0].mfr_part) == ("00036000291452", "MFR-1")
    assert [(x.qualifier, x.buyer_part) for x in ref.cross_references] == [
        ("SK", "54895030"), ("", "P-1")]


def test_item_master_gtin_with_a_bad_check_digit_is_refused_at_load(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match=r"items.csv:2:gtin: "
                                                 r"'036000291453' is not a valid GTIN"):
        load_reference(_reference(tmp_path, "036000291453"))


@pytest.mark.parametrize(("n4", "country"), [
    ("N4*TORONTO*ON*M5V 3L9", "CA"),         # Canadian postal code, no N404
    ("N4*TORONTO*ON*M5V3L9*CA", "CA"),
    ("N4*OTTAWA**K1A 0B1", "CA"),
    ("N4*TORONTO*ON*M5V 3L9*US", "US"),      # N404 is taken as sent (detection judges it)
    ("N4*COLUMBUS*OH*43004", "US"),          # US ZIP and a US state
    ("N4*COLUMBUS**43004", ""),              # five digits alone say nothing
    ("N4*LONDON**SW1A 1AA", ""),             # another country's code, no N404: unknown
    ("N4*BERLIN**10115*DE", "DE"),
    ("N4*COLUMBUS*OH", ""),                  # no postal code at all
])
def test_ship_to_country_is_n404_or_the_postal_pattern_or_unknown(n4: str, country: str) -> None:
    body = [n4 if b.startswith("N4") else b for b in BODY]
    assert _order(body)["ship_to"]["country"] == country


@pytest.mark.parametrize(("country", "state", "postal", "problem"), [
    ("CA", "ON", "M5V 3L9", None),
    ("CA", "ON", "m5v3l9", None),
    ("CA", "QC", "K1A 0B1", None),           # K1A straddles Ontario and Quebec
    ("CA", "BC", "M5V 3L9", "postal code M5V 3L9 is not in BC"),
    ("CA", "ZZ", "M5V 3L9", "'ZZ' is not a Canadian province or territory"),
    ("CA", "ON", "D5V 3L9", "postal code 'D5V 3L9' is not a valid CA postal code"),
    ("CA", "ON", "43004", "postal code '43004' is not a valid CA postal code"),
    ("DE", "", "10115", None),
    ("DE", "", "1011", "postal code '1011' is not a valid DE postal code"),
    ("XQ", "", "1", "country 'XQ' is not an ISO 3166 country"),
])
def test_canadian_and_foreign_postal_codes_are_checked(country: str, state: str, postal: str,
                                                       problem: str | None) -> None:
    assert ZipcodesDirectory().check(country, state, postal) == problem
    if country == "CA" and problem is None and not postal.startswith("K1A"):
        assert ZipcodesDirectory().state_of("CA", postal) == state
