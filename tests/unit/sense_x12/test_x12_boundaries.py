"""Boundary cases of the X12 reader: separators, envelopes, counts, encodings, bad values."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from x12_builders import BODY, build_850

from ordex.sense.x12 import (
    ResultStatus,
    Scope,
    TransactionResult,
    X12ContentError,
    X12EncodingError,
    X12EnvelopeError,
    iter_segments,
    iter_transactions,
    to_canonical,
)


def _results(text: str | bytes) -> list[TransactionResult]:
    """The results, without notes (filler after the last IEA has tests of its own)."""
    return [r for r in iter_transactions(text, file="in.edi")
            if r.status is not ResultStatus.NOTE]


def _only(text: str | bytes) -> TransactionResult:
    [result] = _results(text)
    return result


def test_valid_850_maps_header_ship_to_and_lines() -> None:
    po = _only(build_850()).order
    assert po is not None
    assert (po.po_number, po.order_date, po.currency) == ("PO-7781", dt.date(2024, 1, 5), "USD")
    assert po.requested_ship_date == dt.date(2024, 1, 10)
    assert po.requested_delivery_date == dt.date(2024, 1, 12)
    assert po.ship_via == "UPSN" and po.line_count == 2 and po.hash_total == Decimal("12.5")
    order = to_canonical(po)
    assert order["ship_to"] == {"code": "DC-EAST", "name": "ACME DC EAST",
                                "line1": "100 MAIN ST", "line2": "DOCK 4", "city": "COLUMBUS",
                                "state": "OH", "postal_code": "43004", "country": "US"}
    assert [(ln["quantity"], ln["uom"], ln["unit_price"], ln["buyer_part"], ln["vendor_part"])
            for ln in order["lines"]] == [("10", "EA", "2.50", "AC-100", "V-100"),
                                          ("2.5", "CS", "100", "AC-200", "V-200")]


@pytest.mark.parametrize("terminator", ["~", "~\n", "~\r\n", "~\r", "~\n\n  \t"])
def test_line_breaks_and_blanks_after_terminators_are_skipped(terminator: str) -> None:
    assert _only(build_850(terminator=terminator)).status is ResultStatus.OK


def test_005010_repetition_separator_is_learned() -> None:
    [isa, *_] = [s for s in iter_segments(build_850(version="005010"))]
    assert not isinstance(isa, Exception)
    assert isa.separators.repetition == "^" and isa.separators.component == ":"
    assert _only(build_850(version="005010")).status is ResultStatus.OK


def test_004010_isa11_u_is_not_a_repetition_separator() -> None:
    [isa, *_] = list(iter_segments(build_850()))
    assert not isinstance(isa, Exception) and isa.separators.repetition is None


def test_other_versions_are_not_rejected() -> None:
    assert _only(build_850(version="003060")).status is ResultStatus.OK


def test_missing_ctt_is_allowed() -> None:
    po = _only(build_850(BODY[:-1])).order
    assert po is not None and po.line_count is None


def test_ctt_line_count_mismatch_names_ctt() -> None:
    error = next(iter_transactions(build_850([*BODY[:-1], "CTT*3"]), strict_totals=True)).error
    assert isinstance(error, X12ContentError)
    assert (error.segment_id, error.element, error.transaction_segment_position) == (
        "CTT", "CTT01", 14)
    assert "CTT01 '3' says" not in error.message and "2 PO1 segments" in error.message


def test_ctt_hash_total_mismatch_is_noted_unless_strict() -> None:
    text = build_850([*BODY[:-1], "CTT*2*99"])
    noted = _only(text)
    assert noted.status is ResultStatus.OK and noted.warnings[0].element == "CTT02"
    strict = next(iter_transactions(text, strict_totals=True))
    assert strict.error is not None and strict.error.element == "CTT02"


def test_se_count_wrong_fails_only_that_transaction() -> None:
    error = _only(build_850(se_count=99)).error
    assert isinstance(error, X12EnvelopeError)
    assert (error.element, error.transaction_code, error.transaction_control) == (
        "SE01", "4", "0001")


def test_ge_and_iea_mismatches_reject_the_good_transaction_inside_them() -> None:
    text = build_850().replace("GE*1*77", "GE*2*78").replace("IEA*1*000000101", "IEA*3*102")
    results = _results(text)
    assert [r.status for r in results] == [ResultStatus.ERROR] * 3
    assert [r.scope for r in results] == [Scope.TRANSACTION, Scope.GROUP, Scope.INTERCHANGE]
    rejection = results[0].rejection
    assert rejection is not None and rejection.scope is Scope.INTERCHANGE
    assert rejection.own_status is ResultStatus.OK and results[0].order is None
    group = results[1].rejection  # the group result is inside the rejected interchange
    assert group is not None and {e.group_code for e in group.own_errors} == {"4", "5"}
    assert {e.details["ta1_note"] for e in results[2].errors} == {"001", "021"}


def test_bad_transaction_does_not_stop_its_neighbours() -> None:
    good = build_850()
    bad = build_850(body=[BODY[0].replace("20240105", "20241305"), *BODY[1:]], control="0002")
    text = good.split("GE*")[0] + bad.split("\n", 2)[2].split("GE*")[0] + "GE*2*77~IEA*1*000000101~"
    results = _results(text)
    assert [r.status for r in results] == [ResultStatus.OK, ResultStatus.ERROR]
    assert results[1].error is not None and results[1].error.element == "BEG05"


def test_missing_trailers_are_reported() -> None:
    text = build_850().split("SE*")[0]
    results = _results(text)
    own = [r.rejection.own_errors for r in results if r.rejection is not None]
    messages = [e.message for errors in own for e in errors] + [
        e.message for r in results if r.rejection is None for e in r.errors]
    assert messages == ["transaction 0001 (850) has no SE trailer",
                        "functional group 77 has no GE trailer",
                        "interchange 000000101 has no IEA trailer"]


@pytest.mark.parametrize("content", [b"", b"   \r\n\n"])
def test_empty_file_gives_one_error(content: bytes) -> None:
    error = _only(content).error
    assert error is not None and "empty" in error.message


def test_utf16_file_is_rejected_precisely() -> None:
    error = _only(build_850().encode("utf-16")).error
    assert isinstance(error, X12EncodingError) and "UTF-16" in error.message


def test_binary_junk_is_not_x12() -> None:
    error = _only(b"\x89PNG\r\n\x1a\n" + bytes(range(256))).error
    assert error is not None


def test_text_in_quantity_names_segment_and_element() -> None:
    body = [b.replace("PO1*1*10*", "PO1*1*abc*") for b in BODY]
    error = _only(build_850(body)).error
    assert error is not None
    assert error.message == ("PO1 at segment 11 of transaction 0001: element PO102 'abc' is "
                             "not a number (quantity ordered)")
    assert (error.segment_position, error.interchange_control, error.group_control) == (
        13, "000000101", "77")


def test_text_in_price_is_rejected() -> None:
    body = [b.replace("*2.50**", "*2,50**") for b in BODY]
    error = _only(build_850(body)).error
    assert error is not None and error.element == "PO104" and error.element_code == "6"


@pytest.mark.parametrize("date", ["20240230", "2024015", "ABCDEFGH"])
def test_bad_beg_date_is_rejected(date: str) -> None:
    error = _only(build_850([BODY[0].replace("20240105", date), *BODY[1:]])).error
    assert error is not None and error.element == "BEG05" and error.element_code == "8"


def test_yymmdd_dates_are_accepted() -> None:
    po = _only(build_850([BODY[0].replace("20240105", "240105"), *BODY[1:]])).order
    assert po is not None and po.order_date == dt.date(2024, 1, 5)


@pytest.mark.parametrize(("segment", "element"), [
    ("BEG*00*SA***20240105", "BEG03"), ("PO1*1**EA*2.50", "PO102"),
    ("N1**NAME", "N101"), ("SAC*Q*D240***100", "SAC01"), ("DTM*ABC*20240101", "DTM01"),
    ("CUR*BY*DOLLARS", "CUR02")])
def test_missing_or_unknown_mandatory_values_are_named(segment: str,
                                                       element: str) -> None:
    tag = segment.split("*")[0]
    body = [segment if b.startswith(tag + "*") and tag in ("BEG", "CUR") else b for b in BODY]
    if tag not in ("BEG", "CUR"):
        body.insert(9, segment)
        body = [b for b in body if not b.startswith("CTT")]
    error = _only(build_850(body)).error
    assert error is not None and error.element == element, error


def test_missing_beg_is_a_missing_segment() -> None:
    error = _only(build_850(BODY[1:])).error
    assert error is not None and error.segment_id == "BEG" and error.segment_code == "3"


def test_interchanges_with_different_separators_in_one_file() -> None:
    other = build_850(control="0009").replace("*", "|").replace("~", "!").replace(">", "^")
    text = build_850() + other
    orders = [r.order for r in _results(text)]
    assert [o.envelope.transaction_control for o in orders if o] == ["0001", "0009"]


def test_unreadable_interchange_is_skipped_to_the_next_isa() -> None:
    broken = build_850().replace("*240105*0930*", "*240105*93*")
    results = _results(broken + build_850(control="0002"))
    assert [r.status for r in results] == [ResultStatus.ERROR, ResultStatus.OK]
    assert results[0].error is not None and results[0].error.element == "ISA10"


def test_non_850_transaction_sets_are_unsupported() -> None:
    text = build_850().replace("ST*850*", "ST*855*")
    result = _only(text)
    assert result.status is ResultStatus.UNSUPPORTED
    assert result.envelope.transaction_set == "855" and not result.errors


def test_tiny_chunks_give_the_same_results_as_one_read() -> None:
    data = (build_850() + build_850(control="0002")).encode()
    whole = [r.order for r in iter_transactions(data)]
    chunked = [r.order for r in iter_transactions(io.BytesIO(data), chunk_size=7)]
    assert whole == chunked and all(whole)


def test_latin1_bytes_decode_without_error() -> None:
    data = build_850().replace("ACME DC EAST", "ACME D\xc9POT").encode("latin-1")
    po = _only(data).order
    assert po is not None and po.parties[0].name == "ACME D\xc9POT"
