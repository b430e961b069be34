"""EDI intake: noted discrepancies reach the order, strict partners reject, one 997 per GS."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ordex.bootstrap import bootstrap
from ordex.bootstrap_files import FileIntake
from ordex.config import Settings
from ordex.sense.edi_partners import load_partners
from ordex.sense.reference import load_reference

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
EDI = (ROOT / "examples" / "edi" / "acme-850.edi").read_text()
GOOD = EDI.split("ST*850*0002")[0].replace("GE*2*101", "GE*1*101") + \
    "GE*1*101~\nIEA*1*000000101~\n"


def _intake(db_url: str, *, strict: bool) -> FileIntake:
    app = bootstrap(Settings(database_url=db_url), clock=lambda: NOW)
    app.migrate()
    app.save_reference(load_reference(ROOT / "examples" / "reference"))
    files = FileIntake(app)
    partners = load_partners(ROOT / "examples" / "reference")
    files.load_partners([replace(p, strict_totals=strict) for p in partners])
    return files


@pytest.fixture
def intake(db_url: str) -> FileIntake:
    files = _intake(db_url, strict=False)
    yield files
    files.app.engine.dispose()


def _ingest(intake: FileIntake, tmp_path: Path, text: str) -> object:
    path = tmp_path / "in.edi"
    path.write_text(text)
    return intake.ingest_edi(path)


def test_ctt_disagreement_is_read_and_noted_on_the_order(intake: FileIntake,
                                                         tmp_path: Path) -> None:
    report = _ingest(intake, tmp_path, GOOD.replace("CTT*2*9~", "CTT*1*9~"))
    [result] = report.results  # type: ignore[attr-defined]
    assert result["status"] in ("accepted", "held")
    assert result["notes"][0]["element"] == "CTT01"
    for case_id in result["cases"]:
        case = intake.app.queries.case(case_id)
        assert case is not None and case["evidence"]["edi_notes"][0]["element"] == "CTT01"
    [ack] = [d["body"] for d in intake.registry.documents() if d["kind"] == "997"]
    assert "AK3*CTT*" in ack and "AK5*E~" in ack


def test_strict_partner_rejects_a_ctt_disagreement(db_url: str, tmp_path: Path) -> None:
    intake = _intake(db_url, strict=True)
    try:
        report = _ingest(intake, tmp_path, GOOD.replace("CTT*2*9~", "CTT*1*9~"))
        [result] = report.results  # type: ignore[attr-defined]
        assert result["status"] == "rejected"
        case = intake.app.queries.case(result["cases"][0])
        assert case is not None and case["evidence"]["errors"][0]["element"] == "CTT01"
        [ack] = [d["body"] for d in intake.registry.documents() if d["kind"] == "997"]
        assert "AK5*R*5~" in ack
    finally:
        intake.app.engine.dispose()


def test_trailing_ctrl_z_opens_no_case_and_is_noted(intake: FileIntake,
                                                    tmp_path: Path) -> None:
    report = _ingest(intake, tmp_path, GOOD + "\x1a")
    [result] = report.results  # type: ignore[attr-defined]
    assert result["status"] in ("accepted", "held")
    assert not report.failed_cases  # type: ignore[attr-defined]
    assert any("Ctrl-Z" in note for note in report.skipped)  # type: ignore[attr-defined]


def test_two_groups_with_the_same_gs06_get_two_997s(intake: FileIntake,
                                                    tmp_path: Path) -> None:
    group = GOOD.split("\n", 1)[1].split("IEA*")[0]
    second = group.replace("BEG*00*SA*4500077001", "BEG*00*SA*4500077002")
    text = GOOD.split("\n", 1)[0] + "\n" + group + second + "IEA*2*000000101~\n"
    _ingest(intake, tmp_path, text)
    acks = [d["body"] for d in intake.registry.documents() if d["kind"] == "997"]
    assert len(acks) == 2
    assert all(a.count("AK1*PO*101") == 1 and "AK9*A*1*1*1~" in a for a in acks)


def test_text_after_the_last_iea_is_an_error_that_keeps_the_interchange_accepted(
        intake: FileIntake, tmp_path: Path) -> None:
    report = _ingest(intake, tmp_path, GOOD + "this is not edi\n")
    [order, junk] = report.results  # type: ignore[attr-defined]
    assert order["status"] in ("accepted", "held") and junk["status"] == "rejected"
    assert len(report.failed_cases) == 1  # type: ignore[attr-defined]
    assert [d["kind"] for d in intake.registry.documents()].count("855") == 1
    resend = _ingest(intake, tmp_path, GOOD)
    assert not resend.results  # type: ignore[attr-defined]
    assert any("already accepted" in s for s in resend.skipped)  # type: ignore[attr-defined]
