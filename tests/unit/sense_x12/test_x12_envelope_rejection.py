"""Sets inside a group or interchange with a wrong trailer come out rejected; TA1 writer."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

from typer.testing import CliRunner
from x12_builders import build_850

from ordex.entrypoints.cli import cli
from ordex.sense.x12 import ResultStatus, Scope, build_997, iter_transactions
from ordex.sense.x12.envelope import scan_envelopes
from ordex.sense.x12.ta1 import build_ta1

NOW = dt.datetime(2024, 1, 6, 14, 5, tzinfo=dt.UTC)


def _two_sets(ge: str = "GE*2*77", iea: str = "IEA*1*000000101") -> str:
    one = build_850()
    second = "ST*" + build_850(control="0002").split("ST*", 1)[1].split("GE*")[0]
    head = one.split("GE*", 1)[0]
    return head + second + ge + "~\n" + iea + "~\n"


class _Unseekable(io.RawIOBase):
    """A stream that can be read once only, like an upload in progress."""

    def __init__(self, data: bytes) -> None:
        self.data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self.data.read(len(buffer))
        buffer[:len(chunk)] = chunk
        return len(chunk)


def test_every_set_of_a_group_with_a_wrong_ge01_is_rejected() -> None:
    results = list(iter_transactions(_two_sets(ge="GE*3*77")))
    sets = [r for r in results if r.scope is Scope.TRANSACTION]
    assert [r.status for r in sets] == [ResultStatus.ERROR, ResultStatus.ERROR]
    assert all(r.rejection is not None and r.rejection.scope is Scope.GROUP
               and r.rejection.own_status is ResultStatus.OK and r.order is None for r in sets)
    assert sets[0].error is not None and sets[0].error.segment_id == "GE"


def test_a_good_group_next_to_a_bad_one_is_not_rejected() -> None:
    bad = _two_sets(ge="GE*2*78", iea="IEA*2*000000101")
    good_group = build_850().split("\n", 1)[1].split("IEA*")[0].replace("*77*X*", "*78*X*") \
        .replace("GE*1*77", "GE*1*78")
    text = bad.split("IEA*")[0] + good_group + "IEA*2*000000101~\n"
    sets = [r for r in iter_transactions(text) if r.scope is Scope.TRANSACTION]
    assert [r.status for r in sets] == [ResultStatus.ERROR] * 2 + [ResultStatus.OK]


def test_a_verdict_from_the_first_pass_rejects_sets_of_a_stream_read_once() -> None:
    data = _two_sets(iea="IEA*1*000000599").encode()
    verdict = scan_envelopes(io.BytesIO(data))
    assert set(verdict.interchanges) == {1} and not verdict.groups
    results = list(iter_transactions(io.BufferedReader(_Unseekable(data)), verdict=verdict))
    assert [r.status for r in results] == [ResultStatus.ERROR] * 3
    assert results[0].rejection is not None and results[0].rejection.scope is Scope.INTERCHANGE


def test_997_of_a_rejected_group_keeps_each_sets_own_result_and_accepts_none() -> None:
    text = _two_sets(ge="GE*2*78").replace("PO1*1*10*EA*2.50**BP*AC-100*VP*V-100~\nPID*F****"
                                           "WIDGET, SMALL~\nPO1*2*2.5*CS*100**IN*AC-200*VN*"
                                           "V-200~\nCTT*2*12.5~\nSE*15*0002",
                                           "PO1*1*x*EA*2.50**BP*AC-100*VP*V-100~\nPID*F****"
                                           "WIDGET, SMALL~\nPO1*2*2.5*CS*100**IN*AC-200*VN*"
                                           "V-200~\nCTT*2*12.5~\nSE*15*0002")
    assert "PO1*1*x*" in text
    ack = build_997(list(iter_transactions(text)), interchange_control=5, group_control=5,
                    now=NOW)
    segments = [s.strip().split("*") for s in ack.split("~") if s.strip()]
    assert [s for s in segments if s[0] == "AK5"] == [["AK5", "A"], ["AK5", "R", "5"]]
    assert [s for s in segments if s[0] == "AK9"] == [["AK9", "R", "2", "2", "0", "4"]]


def test_ta1_names_the_interchange_its_date_time_and_the_note() -> None:
    results = list(iter_transactions(_two_sets(iea="IEA*1*000000599")))
    doc = build_ta1(results[-1], interchange_control=42, now=NOW)
    assert doc[105] == "~" and len(doc[:106].split("*")) == 17  # ISA fixed width
    isa, ta1, iea = [s.strip().split("*") for s in doc.split("~") if s.strip()]
    assert ta1 == ["TA1", "000000101", "240105", "0930", "R", "001"]
    assert isa[13] == "000000042" and iea == ["IEA", "0", "000000042"]
    assert (isa[6].strip(), isa[8].strip()) == ("ORDEXSUPPLY", "ACMEBUYER")
    [read] = list(iter_transactions(doc))  # our own reader takes it as an interchange ack
    assert read.status is ResultStatus.UNSUPPORTED and read.envelope.transaction_set == "TA1"


def test_parse_reports_the_sets_of_a_rejected_group_as_errors(tmp_path: Path) -> None:
    path = tmp_path / "in.edi"
    path.write_text(_two_sets(ge="GE*3*77"))
    run = CliRunner().invoke(cli, ["parse", str(path), "--format", "json"])
    entries = json.loads(run.stdout)
    assert run.exit_code == 2
    assert [(e["status"], e.get("rejected_by")) for e in entries] == [
        ("error", {"scope": "group", "own_status": "ok"}),
        ("error", {"scope": "group", "own_status": "ok"}),
        ("error", None)]
    assert [e["transaction_control"] for e in entries[:2]] == ["0001", "0002"]
    text = CliRunner().invoke(cli, ["parse", str(path)])
    said = " ".join(text.stdout.split())  # the console wraps long paths at its width
    assert text.exit_code == 2 and "850 0001 rejected with its group" in said


def test_ta1_answers_in_the_inbound_separators() -> None:
    text = _two_sets(iea="IEA*1*000000599")
    isa, rest = text[:106], text[106:]
    inbound = isa[:103].replace("*", "|") + "|^~" + rest.replace("*", "|")  # ISA16 stays
    results = list(iter_transactions(inbound))
    doc = build_ta1(results[-1], interchange_control=42, now=NOW)
    assert doc[3] == "|" and "*" not in doc
    segments = [s.strip().split("|") for s in doc.split("~") if s.strip()]
    assert segments[1] == ["TA1", "000000101", "240105", "0930", "R", "001"]
