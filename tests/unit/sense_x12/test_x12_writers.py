"""997 and 855 writers: what they emit, the reader reads back with the same values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from x12_builders import BODY, build_850

from ordex.sense.x12 import (
    LineAck,
    ResultStatus,
    Segment,
    build_855,
    build_997,
    iter_segments,
    iter_transactions,
    to_canonical,
)

NOW = dt.datetime(2024, 1, 6, 14, 5, tzinfo=dt.UTC)


def _segments(text: str) -> list[list[str]]:
    items = list(iter_segments(text))
    assert all(isinstance(i, Segment) and not i.problem for i in items)
    return [i.elements for i in items if isinstance(i, Segment)]


def _reads_back_clean(text: str, set_id: str) -> None:
    [result] = list(iter_transactions(text))
    assert result.status is ResultStatus.UNSUPPORTED and not result.errors
    assert result.envelope.transaction_set == set_id


def _group_of_three() -> str:
    ok = build_850()
    bad = build_850([b.replace("PO1*1*10*", "PO1*1*abc*") for b in BODY], control="0002")
    other = build_850(control="0003").replace("ST*850*", "ST*855*")
    parts = [text.split("ST*", 1)[1].split("GE*")[0] for text in (ok, bad, other)]
    return ok.split("ST*", 1)[0] + "".join("ST*" + p for p in parts) + "GE*3*77~IEA*1*000000101~"


def test_997_acknowledges_each_transaction_with_codes() -> None:
    results = list(iter_transactions(_group_of_three()))
    text = build_997(results, interchange_control=5, group_control=6, now=NOW)
    segments = _segments(text)
    isa = segments[0]
    assert (isa[6].strip(), isa[8].strip(), isa[9], isa[10], isa[13]) == (
        "ORDEXSUPPLY", "ACMEBUYER", "240106", "1405", "000000005")
    assert segments[1][:4] == ["GS", "FA", "ORDEXSUPPLY", "ACMEBUYER"]
    body = [s for s in segments if s[0].startswith("AK")]
    assert body == [["AK1", "PO", "77"],
                    ["AK2", "850", "0001"], ["AK5", "A"],
                    ["AK2", "850", "0002"], ["AK3", "PO1", "11", "", "8"], ["AK4", "2", "", "6"],
                    ["AK5", "R", "5"],
                    ["AK2", "855", "0003"], ["AK5", "R", "1"],
                    ["AK9", "P", "3", "3", "1"]]
    _reads_back_clean(text, "997")


def test_997_rejects_the_group_on_a_trailer_error() -> None:
    text = build_850().replace("GE*1*77", "GE*1*78")
    ack = build_997(list(iter_transactions(text)), interchange_control=1, group_control=1,
                    now=NOW)
    assert ["AK9", "R", "1", "1", "0", "4"] in _segments(ack)  # none accepted
    assert ["AK5", "A"] in _segments(ack)  # the set's own syntax result is kept


def test_997_in_005010_carries_the_version() -> None:
    results = list(iter_transactions(build_850(version="005010")))
    segments = _segments(build_997(results, interchange_control=1, group_control=1, now=NOW))
    assert segments[0][12] == "00501" and ["AK1", "PO", "77", "005010"] in segments


def test_855_round_trip_of_a_parsed_order() -> None:
    order = to_canonical(next(iter_transactions(build_850())).order)  # type: ignore[arg-type]
    acks = [LineAck(1, "IC", quantity=Decimal(8), unit_price=Decimal("2.45"),
                    ship_date=dt.date(2024, 1, 15)), LineAck(2, "IR")]
    text = build_855(order, acks, sender=("ZZ", "ORDEXSUPPLY"), interchange_control=9,
                     group_control=9, now=NOW)
    segments = _segments(text)
    assert segments[0][8].strip() == "ACMEBUYER"
    assert ["BAK", "00", "AC", "PO-7781", "20240105", "", "", "", "", "20240106"] in segments
    body = [s for s in segments if s[0] in ("PO1", "ACK", "CTP", "CTT")]
    assert body == [["PO1", "1", "10", "EA", "2.50", "", "BP", "AC-100", "VP", "V-100"],
                    ["ACK", "IC", "8", "EA", "068", "20240115"], ["CTP", "", "NET", "2.45"],
                    ["PO1", "2", "2.5", "CS", "100", "", "IN", "AC-200", "VN", "V-200"],
                    ["ACK", "IR", "0", "CS"], ["CTT", "2", "12.5"]]
    _reads_back_clean(text, "855")


_quantity = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("99999"), places=3)
_part = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=12)
_line = st.fixed_dictionaries({"quantity": _quantity, "price": st.none() | _quantity,
                               "part": _part, "status": st.sampled_from(["IA", "IC", "IB",
                                                                         "IR"])})


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(_line, min_size=1, max_size=8), po=_part)
def test_855_round_trip_for_random_orders(lines: list[dict[str, object]], po: str) -> None:
    order = {"customer_po": po, "order_date": "2024-02-29", "edi": {},
             "lines": [{"line_no": n, "quantity": str(ln["quantity"]), "uom": "EA",
                        "unit_price": None if ln["price"] is None else str(ln["price"]),
                        "buyer_part": ln["part"], "vendor_part": None}
                       for n, ln in enumerate(lines, start=1)]}
    acks = [LineAck(n, str(ln["status"])) for n, ln in enumerate(lines, start=1)]
    text = build_855(order, acks, sender=("ZZ", "ME"), receiver=("ZZ", "YOU"),
                     interchange_control=1, group_control=1, now=NOW)
    segments = _segments(text)
    po1s = [s for s in segments if s[0] == "PO1"]
    assert [(s[2], s[4] if len(s) > 4 else "", s[7]) for s in po1s] == [
        (str(ln["quantity"]), "" if ln["price"] is None else str(ln["price"]), ln["part"])
        for ln in lines]
    assert [s[1] for s in segments if s[0] == "ACK"] == [ln["status"] for ln in lines]
    assert next(s for s in segments if s[0] == "BAK")[3] == po
    _reads_back_clean(text, "855")
