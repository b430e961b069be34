"""EDI intake: a group or interchange whose trailer is wrong is rejected as a whole.

The 997 and TA1 are read back here with a splitter of the test's own (not the ordex reader),
so the counts, control numbers and ISA width are checked independently.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from files_kit import Files
from ordex.adapters.db import tables as t

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
ISA = ("ISA*00*          *00*          *ZZ*ACMEIND        *ZZ*ORDEX          *261123*0900*U*"
       "00401*{ctl}*0*P*>~\n")


def _set(control: str, po: str) -> str:
    body = [f"ST*850*{control}", f"BEG*00*SA*{po}**20261123", "DTM*010*20261125",
            "TD5****UPSN", "N1*ST*Acme Industrial Supply*92*ACME-1",
            "PO1*1*4*CS*88.00**VP*GLOVE-NIT*BP*AC-GL-100", "CTT*1*4"]
    return "~\n".join([*body, f"SE*{len(body) + 1}*{control}"]) + "~\n"


def interchange(ctl: str = "000000101", *, gs06: str = "101", pos: tuple[str, ...] = (
        "4500077001", "4500077002"), ge: str | None = None, iea: str | None = None) -> str:
    """One interchange, one group of 850s; `ge`/`iea` replace the trailers ('' drops one)."""
    sets = "".join(_set(f"{n:04d}", po) for n, po in enumerate(pos, start=1))
    ge = f"GE*{len(pos)}*{gs06}~\n" if ge is None else ge
    iea = f"IEA*1*{ctl}~\n" if iea is None else iea
    return (ISA.format(ctl=ctl) + f"GS*PO*ACMEIND*ORDEX*20261123*0900*{gs06}*X*004010~\n"
            + sets + ge + iea)


@pytest.fixture
def intake(example_intake: Files) -> Files:
    return example_intake


def _ingest(intake: Files, tmp_path: Path, text: str) -> Any:
    path = tmp_path / "in.edi"
    path.write_text(text)
    return intake.ingest_edi(path)


def _count(intake: Files, table: Any, *where: Any) -> int:
    with intake.app.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where))
                   .scalar_one())


def _docs(intake: Files, kind: str) -> list[str]:
    return [str(d["body"]) for d in intake.registry.documents() if d["kind"] == kind]


def _failure_cases(intake: Files) -> list[dict[str, Any]]:
    with intake.app.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(t.cases)).mappings()]


def split(doc: str) -> list[list[str]]:
    """Segments of an outbound document, checked for the ISA's fixed 106-character width."""
    assert doc.startswith("ISA") and doc[105] == "~" and len(doc[:106].split("*")) == 17
    return [seg.strip().split("*") for seg in doc.split("~") if seg.strip()]


def check_envelope(segments: list[list[str]]) -> None:
    """IEA01 counts the GS groups, IEA02 = ISA13; GE and SE count and match their headers."""
    tags = [s[0] for s in segments]
    isa, iea = segments[0], segments[-1]
    assert iea[0] == "IEA" and int(iea[1]) == tags.count("GS") and iea[2] == isa[13]
    if "GS" in tags:
        gs, ge = segments[tags.index("GS")], segments[tags.index("GE")]
        st, se = tags.index("ST"), tags.index("SE")
        assert int(ge[1]) == tags.count("ST") and ge[2] == gs[6]
        assert int(segments[se][1]) == se - st + 1 and segments[se][2] == segments[st][2]


def _ak(doc: str, tag: str) -> list[list[str]]:
    segments = split(doc)
    check_envelope(segments)
    return [s for s in segments if s[0] == tag]


def _assert_nothing_processed(intake: Files) -> None:
    assert _count(intake, t.orders) == 0
    assert _docs(intake, "855") == []
    [case] = _failure_cases(intake)
    assert case["code"] == "INTEGRATION_FAILURE"


def test_wrong_ge01_rejects_the_whole_group_with_one_case(intake: Files,
                                                          tmp_path: Path) -> None:
    report = _ingest(intake, tmp_path, interchange(ge="GE*3*101~\n"))
    _assert_nothing_processed(intake)
    [ack] = _docs(intake, "997")
    assert _ak(ack, "AK9") == [["AK9", "R", "3", "2", "0", "5"]]
    assert _ak(ack, "AK5") == [["AK5", "A"], ["AK5", "A"]]  # each set's own syntax result
    assert report.summary()["rejected"] == 3  # two sets and the group
    [case] = _failure_cases(intake)
    assert "GE01" in case["reason"] and case["evidence"]["group_control"] == "101"


def test_ge02_not_matching_gs06_rejects_the_group(intake: Files, tmp_path: Path) -> None:
    _ingest(intake, tmp_path, interchange(ge="GE*2*102~\n"))
    _assert_nothing_processed(intake)
    [ack] = _docs(intake, "997")
    assert _ak(ack, "AK9") == [["AK9", "R", "2", "2", "0", "4"]]


def test_missing_ge_rejects_the_group(intake: Files, tmp_path: Path) -> None:
    _ingest(intake, tmp_path, interchange(ge=""))
    _assert_nothing_processed(intake)
    [ack] = _docs(intake, "997")
    assert _ak(ack, "AK9") == [["AK9", "R", "2", "2", "0", "3"]]


def test_a_bad_set_in_a_rejected_group_opens_no_case_of_its_own(intake: Files,
                                                                tmp_path: Path) -> None:
    text = interchange(ge="GE*3*101~\n").replace("PO1*1*4*CS*88.00**VP*GLOVE-NIT*BP*AC-GL"
                                                 "-100~\nCTT*1*4~\nSE*8*0002",
                                                 "PO1*1*ten*CS*88.00**VP*GLOVE-NIT~\n"
                                                 "CTT*1*4~\nSE*8*0002")
    _ingest(intake, tmp_path, text)
    _assert_nothing_processed(intake)
    [ack] = _docs(intake, "997")
    assert _ak(ack, "AK5") == [["AK5", "A"], ["AK5", "R", "5"]]
    assert _ak(ack, "AK9") == [["AK9", "R", "3", "2", "0", "5"]]


def _ta1(intake: Files) -> list[str]:
    [doc] = _docs(intake, "TA1")
    segments = split(doc)
    check_envelope(segments)
    assert [s[0] for s in segments] == ["ISA", "TA1", "IEA"]
    assert segments[0][6].strip() == "ORDEX" and segments[0][8].strip() == "ACMEIND"
    return segments[1]


def test_iea02_not_matching_isa13_rejects_the_interchange_with_a_ta1(intake: Files,
                                                                     tmp_path: Path) -> None:
    _ingest(intake, tmp_path, interchange(iea="IEA*1*000000599~\n"))
    _assert_nothing_processed(intake)
    assert _docs(intake, "997") == []
    assert _ta1(intake) == ["TA1", "000000101", "261123", "0900", "R", "001"]


def test_wrong_iea01_gives_ta1_note_021(intake: Files, tmp_path: Path) -> None:
    _ingest(intake, tmp_path, interchange(iea="IEA*2*000000101~\n"))
    _assert_nothing_processed(intake)
    assert _docs(intake, "997") == []
    assert _ta1(intake)[4:] == ["R", "021"]


def test_missing_iea_gives_ta1_note_023(intake: Files, tmp_path: Path) -> None:
    _ingest(intake, tmp_path, interchange(iea=""))
    _assert_nothing_processed(intake)
    assert _ta1(intake)[4:] == ["R", "023"]


def test_a_good_interchange_after_a_bad_one_is_still_processed(intake: Files,
                                                               tmp_path: Path) -> None:
    bad = interchange(iea="IEA*1*000000599~\n")
    good = interchange("000000102", gs06="102", pos=("4500077011",))
    report = _ingest(intake, tmp_path, bad + good)
    assert _count(intake, t.orders) == 1
    assert _count(intake, t.orders, t.orders.c.customer_po == "4500077011") == 1
    assert len(_docs(intake, "855")) == 1
    [ack] = _docs(intake, "997")
    assert _ak(ack, "AK1") == [["AK1", "PO", "102"]]
    assert _ak(ack, "AK9") == [["AK9", "A", "1", "1", "1"]]
    assert _ta1(intake)[1] == "000000101"
    assert report.summary()["rejected"] == 3  # the bad interchange's two sets and itself


def test_replaying_a_rejected_group_creates_no_order_and_keeps_the_case(
        intake: Files, tmp_path: Path) -> None:
    _ingest(intake, tmp_path, interchange(ge="GE*3*101~\n"))
    [case] = _failure_cases(intake)
    result = intake.replay(case["case_id"])
    assert result["still_failing"] == [case["case_id"]] and result["resolved"] == []
    assert _count(intake, t.orders) == 0
    assert len(_docs(intake, "997")) == 1 and _docs(intake, "855") == []
