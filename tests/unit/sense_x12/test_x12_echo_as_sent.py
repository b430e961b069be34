"""The 855 and 997 answer in the inbound separators and echo PO1 as sent; limits are warned."""

from __future__ import annotations

import datetime as dt

from x12_builders import BODY, build_850

from ordex.sense.x12 import LineAck, build_855, build_997, iter_transactions, to_canonical
from ordex.sense.x12.model import ResultStatus, Scope

NOW = dt.datetime(2026, 11, 2, 8, 30, tzinfo=dt.UTC)
DATA_STAR = "\x01"  # stands for a '*' that is data, not a separator, while the text is built


def _pipes(body: list[str]) -> str:
    """A 005010 850 with '|' elements, '^' repetition, ':' components; '*' and '>' are data."""
    return build_850(body, version="005010").replace("*", "|").replace(DATA_STAR, "*")


PIPE_BODY = ["BEG*00*SA*PO\x01G1**20261101", "N1*ST*ACME DC*92*DC-1",
             "PO1*1*4*EA*21.60**VP*VALVE-100*BP*AC\x01VLV*CB*P>Q*SK*R:S", "CTT*1*4"]


def _split(text: str) -> list[list[str]]:
    """Read X12 back independently: the ISA is 106 characters wide, element = its 4th."""
    assert text.startswith("ISA") and len(text.split(text[105])[0]) == 105
    element, terminator = text[3], text[105]
    return [s.strip().split(element) for s in text.split(terminator) if s.strip()]


def _results(text: str) -> list:
    return list(iter_transactions(text))


def _canonical(text: str) -> dict:
    [result] = [r for r in _results(text) if r.order is not None]
    return to_canonical(result.order)  # type: ignore[arg-type]


def _855(text_or_order: str | dict, acks: list[LineAck] | None = None) -> str:
    order = _canonical(text_or_order) if isinstance(text_or_order, str) else text_or_order
    return build_855(order, acks or [], sender=("ZZ", "FALLBACK"), interchange_control=42,
                     group_control=43, now=NOW)


def test_855_is_written_with_the_inbound_separators_and_keeps_data_as_sent() -> None:
    text = _855(_pipes(PIPE_BODY))
    segs = _split(text)
    isa = segs[0]
    assert (text[3], isa[11], isa[16][0], text[105]) == ("|", "^", ":", "~")
    bak = next(s for s in segs if s[0] == "BAK")
    assert bak[1:4] == ["00", "AD", "PO*G1"]
    [po1] = [s for s in segs if s[0] == "PO1"]
    assert po1 == ["PO1", "1", "4", "EA", "21.60", "", "VP", "VALVE-100", "BP", "AC*VLV",
                   "CB", "P>Q", "SK", "R:S"]


def test_855_to_inbound_separators_reads_back_through_our_own_reader() -> None:
    text = _855(_pipes(PIPE_BODY))
    [result] = [r for r in _results(text) if r.envelope.transaction_set == "855"]
    assert result.status is ResultStatus.UNSUPPORTED and not result.errors
    assert result.envelope.separators is not None
    assert result.envelope.separators.element == "|"


def test_our_own_values_holding_a_separator_are_still_made_safe() -> None:
    acks = [LineAck(1, "IS", substitute=(("VN", "A|B^C:D~E"),))]
    segs = _split(_855(_pipes(PIPE_BODY), acks))
    ack = next(s for s in segs if s[0] == "ACK")
    assert ack[7:9] == ["VN", "A B C D E"]


def test_an_order_without_inbound_separators_is_answered_in_the_defaults_and_cleaned() -> None:
    order = _canonical(_pipes(PIPE_BODY))
    order["edi"]["separators"] = None  # e.g. a bare ST..SE set or an order stored earlier
    segs = _split(_855(order))
    assert next(s for s in segs if s[0] == "BAK")[3] == "PO G1"
    assert next(s for s in segs if s[0] == "PO1")[9] == "AC VLV"


def test_997_is_written_with_the_inbound_separators() -> None:
    results = [r for r in _results(_pipes(PIPE_BODY)) if r.scope is Scope.TRANSACTION]
    text = build_997(results, interchange_control=7, group_control=7, now=NOW)
    segs = _split(text)
    assert (text[3], segs[0][11], segs[0][16][0]) == ("|", "^", ":")
    assert ["AK1", "PO", "77", "005010"] in segs and ["AK5", "A"] in segs


def test_newline_terminated_inbound_is_answered_newline_terminated() -> None:
    text = build_850(terminator="\n")
    segs = _split(_855(text))
    assert text[105] == "\n" and _855(text)[105] == "\n"
    assert "\n\n" not in _855(text) and segs[-1] == ["IEA", "1", "000000042"]


def _with_lines(*po1: str) -> str:
    body = [b for b in BODY if not b.startswith(("PO1", "PID", "CTT"))]
    return build_850([*body, *po1, f"CTT*{len(po1)}"])


def test_empty_po101_is_echoed_empty_and_acks_follow_the_line_by_position() -> None:
    text = _with_lines("PO1**20*EA*0.40*PE*SK*54895030", "PO1**5*EA*1.10*PE*SK*54895031")
    segs = _split(_855(text, [LineAck(2, "IR")]))
    po1 = [i for i, s in enumerate(segs) if s[0] == "PO1"]
    assert [segs[i][:2] for i in po1] == [["PO1", ""], ["PO1", ""]]
    assert segs[po1[0]][7] == "54895030" and segs[po1[0] + 1][:2] == ["ACK", "IA"]
    assert segs[po1[1]][7] == "54895031" and segs[po1[1] + 1][:3] == ["ACK", "IR", "0"]


def test_repeated_po101_is_echoed_and_acks_follow_the_line_by_position() -> None:
    text = _with_lines("PO1*7*20*EA*0.40**SK*A1", "PO1*7*5*EA*1.10**SK*B2")
    segs = _split(_855(text, [LineAck(1, "IB")]))
    po1 = [i for i, s in enumerate(segs) if s[0] == "PO1"]
    assert [(segs[i][1], segs[i][7], segs[i + 1][1]) for i in po1] == [
        ("7", "A1", "IB"), ("7", "B2", "IA")]


ELEVEN = "*".join(f"SK*ID{n}" for n in range(1, 12))


def test_po1_with_more_than_ten_id_pairs_is_a_warning_and_keeps_ten() -> None:
    text = _with_lines(f"PO1*1*3*EA*2**{ELEVEN}")
    results = _results(text)
    [result] = [r for r in results if r.order is not None]
    assert result.status is ResultStatus.OK
    [warning] = result.warnings
    assert (warning.segment_id, warning.element, warning.element_code) == ("PO1", "PO126", "3")
    assert result.order.lines[0].identifiers == tuple(  # type: ignore[union-attr]
        ("SK", f"ID{n}") for n in range(1, 11))
    ack997 = _split(build_997(results, interchange_control=5, group_control=5, now=NOW))
    ak3 = next(s for s in ack997 if s[0] == "AK3")
    assert ak3[1] == "PO1" and ak3[4] == "8"
    assert next(s for s in ack997 if s[0] == "AK4")[1:4] == ["26", "", "3"]
    assert ["AK5", "E"] in ack997
    [po1] = [s for s in _split(_855(text)) if s[0] == "PO1"]
    assert len(po1) == 26 and po1[-1] == "ID10"


def test_a_bad_pair_past_the_tenth_does_not_reject_the_line() -> None:
    text = _with_lines(f"PO1*1*3*EA*2**{ELEVEN}*SK")
    [result] = [r for r in _results(text) if r.envelope.transaction_set == "850"]
    assert result.status is ResultStatus.OK and result.warnings[0].element == "PO126"


def test_other_segments_past_their_last_element_are_warned() -> None:
    text = build_850([b.replace("N3*100 MAIN ST*DOCK 4", "N3*100 MAIN ST*DOCK 4*EXTRA")
                      for b in BODY])
    [result] = [r for r in _results(text) if r.order is not None]
    assert [(w.segment_id, w.element, w.element_code) for w in result.warnings] == [
        ("N3", "N303", "3")]


def test_trailing_empty_elements_are_not_too_many() -> None:
    text = build_850([b.replace("N3*100 MAIN ST*DOCK 4", "N3*100 MAIN ST*DOCK 4**")
                      for b in BODY])
    [result] = [r for r in _results(text) if r.order is not None]
    assert result.warnings == ()


def test_text_after_the_last_iea_is_an_interchange_error_after_the_orders() -> None:
    results = _results(build_850() + "this is not edi\n")
    assert [(r.status, r.scope) for r in results] == [
        (ResultStatus.OK, Scope.TRANSACTION), (ResultStatus.ERROR, Scope.INTERCHANGE)]
    error = results[1].errors[0]
    assert "this is not edi" in error.message and error.interchange_control is None
    assert results[1].envelope.interchange_control is None


def test_an_interchange_after_the_junk_is_still_read() -> None:
    results = _results(build_850() + "this is not edi\n" + build_850(control="0002"))
    assert [r.scope for r in results] == [Scope.TRANSACTION, Scope.INTERCHANGE,
                                          Scope.TRANSACTION]
    assert results[2].status is ResultStatus.OK


def test_a_segment_after_the_iea_is_still_read_as_a_misplaced_segment() -> None:
    results = _results(build_850() + "GE*1*77~\n")
    assert results[-1].status is ResultStatus.ERROR
    assert "not X12" not in results[-1].errors[0].message
