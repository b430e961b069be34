"""The 855 echoes the inbound line and envelope; read back here by splitting the text itself."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from x12_builders import BODY, build_850

from ordex.sense.x12 import LineAck, build_855, iter_transactions, to_canonical

NOW = dt.datetime(2024, 1, 6, 8, 30, tzinfo=dt.UTC)


def _canonical(text: str) -> dict:
    [result] = [r for r in iter_transactions(text) if r.order is not None]
    return to_canonical(result.order)  # type: ignore[arg-type]


def _split(text: str) -> list[list[str]]:
    """An independent reading: the ISA is fixed width (106 characters), then split by ~ and *."""
    assert text.startswith("ISA") and len(text.split("~")[0]) == 105
    element, terminator = text[3], text[105]
    return [s.strip().split(element) for s in text.split(terminator) if s.strip()]


LINES = ["PO1*00001*10*EA*2.50*PE*IN*AC-100*VN*V-100*UP*036000291452*SK*77*CB*65-117",
         "PID*F****WIDGET, SMALL", "PO1*00002*4*CS*9**BP*AC-200*VP*V-200", "CTT*2*14"]


def _inbound(version: str = "004010", usage: str = "P") -> str:
    body = [b for b in BODY if not b.startswith(("PO1", "PID", "CTT"))] + LINES
    return build_850(body, version=version).replace("*0*P*", f"*0*{usage}*")


def _ack(text: str, acks: list[LineAck]) -> list[list[str]]:
    return _split(build_855(_canonical(text), acks, sender=("ZZ", "FALLBACK"),
                            interchange_control=42, group_control=43, now=NOW))


def test_po1_echoes_po101_identifiers_and_po105_as_sent() -> None:
    po1 = [s for s in _ack(_inbound(), []) if s[0] == "PO1"]
    assert po1 == [
        ["PO1", "00001", "10", "EA", "2.50", "PE", "IN", "AC-100", "VN", "V-100",
         "UP", "036000291452", "SK", "77", "CB", "65-117"],
        ["PO1", "00002", "4", "CS", "9", "", "BP", "AC-200", "VP", "V-200"]]


@pytest.mark.parametrize(("version", "isa12", "repetition"), [("004010", "00401", "U"),
                                                             ("005010", "00501", "^")])
def test_version_follows_the_inbound_group(version: str, isa12: str, repetition: str) -> None:
    segs = _ack(_inbound(version), [])
    isa, gs = segs[0], segs[1]
    assert (isa[12], isa[11], gs[8]) == (isa12, repetition, version)


@pytest.mark.parametrize("usage", ["P", "T"])
def test_envelope_parties_are_swapped_and_isa15_echoed(usage: str) -> None:
    segs = _ack(_inbound(usage=usage), [])
    isa, gs = segs[0], segs[1]
    assert (isa[5], isa[6], isa[7], isa[8]) == ("ZZ", "ORDEXSUPPLY    ", "ZZ", "ACMEBUYER      ")
    assert (gs[1], gs[2], gs[3]) == ("PR", "ORDEXSUPPLY", "ACMEBUYER")
    assert isa[15] == usage and isa[13] == "000000042"


def test_trailers_count_what_was_written() -> None:
    segs = _ack(_inbound(), [LineAck(1, "IQ", quantity=Decimal(6)), LineAck(1, "IB",
                                                                            quantity=Decimal(4))])
    st = next(i for i, s in enumerate(segs) if s[0] == "ST")
    se = next(i for i, s in enumerate(segs) if s[0] == "SE")
    assert int(segs[se][1]) == se - st + 1 and segs[se][2] == segs[st][2]
    assert segs[-2] == ["GE", "1", "43"] and segs[-1] == ["IEA", "1", "000000042"]
    po1 = [s for s in segs if s[0] == "PO1"]
    assert next(s for s in segs if s[0] == "CTT") == ["CTT", str(len(po1)), "14"]


@pytest.mark.parametrize(("acks", "expected", "bak"), [
    ([], [["ACK", "IA", "10", "EA"]], "AD"),
    ([LineAck(1, "IB")], [["ACK", "IB", "10", "EA"]], "AC"),
    ([LineAck(1, "IQ", quantity=Decimal(6)), LineAck(1, "IB", quantity=Decimal(4))],
     [["ACK", "IQ", "6", "EA"], ["ACK", "IB", "4", "EA"]], "AC"),
    ([LineAck(1, "DR", ship_date=dt.date(2024, 1, 19))],
     [["ACK", "DR", "10", "EA", "068", "20240119"]], "AC"),
    ([LineAck(1, "IS", substitute=(("VN", "V-101"), ("UK", "00036000291452")))],
     [["ACK", "IS", "10", "EA", "", "", "", "VN", "V-101", "UK", "00036000291452"]], "AC"),
    ([LineAck(1, "IC", unit_price=Decimal("2.45"), ship_date=dt.date(2024, 1, 19))],
     [["ACK", "IC", "10", "EA", "068", "20240119"], ["CTP", "", "NET", "2.45"]], "AC"),
    ([LineAck(1, "IP", unit_price=Decimal("2.45"))],
     [["ACK", "IP", "10", "EA"], ["CTP", "", "NET", "2.45"]], "AC"),
    ([LineAck(1, "IR")], [["ACK", "IR", "0", "EA"]], "AC"),
    ([LineAck(1, "IH")], [["ACK", "IH", "10", "EA"]], "AC"),
])
def test_each_ack01_code_is_written_for_its_line(acks: list[LineAck],
                                                 expected: list[list[str]], bak: str) -> None:
    segs = _ack(_inbound(), acks)
    first = next(i for i, s in enumerate(segs) if s[0] == "PO1")
    second = next(i for i, s in enumerate(segs) if s[0] == "PO1" and s[1] == "00002")
    assert segs[first + 1:second] == expected
    assert segs[second + 1] == ["ACK", "IA", "4", "CS"]
    assert next(s for s in segs if s[0] == "BAK")[2] == bak


def test_all_lines_rejected_is_bak_rj() -> None:
    segs = _ack(_inbound(), [LineAck(1, "IR"), LineAck(2, "IR")])
    assert next(s for s in segs if s[0] == "BAK")[2] == "RJ"


def test_855_reads_back_through_the_reader_as_one_clean_set() -> None:
    text = build_855(_canonical(_inbound("005010")), [LineAck(1, "DR", ship_date=NOW.date())],
                     sender=("ZZ", "X"), interchange_control=1, group_control=1, now=NOW)
    results = list(iter_transactions(text))
    assert [(r.status.value, r.envelope.transaction_set) for r in results] == [
        ("unsupported", "855")]
