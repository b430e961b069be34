"""EDI intake on a real database: identifiers mapped, unknown products accepted, 855, ship-to."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ordex.bootstrap import bootstrap
from ordex.bootstrap_files import FileIntake
from ordex.config import Settings
from ordex.sense.edi_partners import TradingPartner, load_partners
from ordex.sense.reference import load_reference
from ordex.sense.x12 import ResultStatus, iter_transactions

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "tests" / "data" / "public-edi-reference"
SAMPLES = ROOT / ".." / "shared" / "data" / "edi"
NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


def _850(lines: list[str], n4: str = "N4*Chicago*IL*60638") -> str:
    body = ["BEG*00*SA*PO-1**20261123", "DTM*010*20261125", "TD5****UPSN",
            "N1*ST*Acme Plant 2", "N3*1 Main St", n4, *lines, f"CTT*{len(lines)}"]
    segments = ["ST*850*0001", *body, f"SE*{len(body) + 2}*0001"]
    return "~\n".join([
        "ISA*00*          *00*          *ZZ*ACMEIND        *01*123456789      *261123*0900*"
        "U*00401*000000101*0*T*>", "GS*PO*ACMEAPP*ORDEXAPP*20261123*0900*101*X*004010",
        *segments, "GE*1*101", "IEA*1*000000101"]) + "~\n"


@pytest.fixture
def intake(db_url: str) -> Iterator[FileIntake]:
    app = bootstrap(Settings(database_url=db_url), clock=lambda: NOW)
    app.migrate()
    app.save_reference(load_reference(REFERENCE))
    files = FileIntake(app)
    files.load_partners(load_partners(REFERENCE))
    yield files
    app.engine.dispose()


def _ingest(intake: FileIntake, tmp_path: Path, text: str) -> dict:
    path = tmp_path / "in.edi"
    path.write_text(text)
    [result] = intake.ingest_edi(path).results
    return result


def test_lines_map_by_qualified_cross_reference_gtin_and_vendor_part_and_unknown_is_kept(
        intake: FileIntake, tmp_path: Path) -> None:
    result = _ingest(intake, tmp_path, _850([
        "PO1*00001*2*EA*3.00**SK*000000000001010700*VC*X-1",  # cross-reference, qualifier SK
        "PO1*00002*1*EA*13.79**UP*036000291452",               # UPC-A → the item's GTIN
        "PO1*00003*4*EA*1.00**SK*54895030*VC*5383-3117",       # nothing maps
        "PO1*00004*1*EA*9.25**IN*NO-XREF*VN*AB3542"]))         # vendor part is our item
    assert result["status"] != "rejected"
    order = intake.app.queries.order("ACMEIND-PO-1")
    assert order is not None
    assert [ln["item_id"] for ln in order["lines"]] == ["WID-PUSH", "RD5322", "", "AB3542"]
    assert order["lines"][2]["identifiers"] == [{"qualifier": "SK", "value": "54895030"},
                                                {"qualifier": "VC", "value": "5383-3117"}]
    [case] = [c for c in order["cases"] if c["code"] == "MASTER_DATA_CONFLICT"]
    assert "line 3: unknown product SK 54895030, VC 5383-3117" in case["reason"]
    assert case["lines"] == [3]


def test_855_is_written_for_the_good_lines_and_holds_the_unknown_one(
        intake: FileIntake, tmp_path: Path) -> None:
    _ingest(intake, tmp_path, _850(["PO1*00001*1*EA*13.79**UP*036000291452*VN*RD5322",
                                    "PO1*00002*4*EA*1.00**SK*54895030"]))
    [doc] = [d for d in intake.registry.documents() if d["kind"] == "855"]
    segs = [s.strip().split("*") for s in doc["body"].split("~") if s.strip()]
    isa, gs = segs[0], segs[1]
    assert (isa[5], isa[6].strip(), isa[7], isa[8].strip()) == ("01", "123456789", "ZZ",
                                                                "ACMEIND")
    assert (gs[2], gs[3], gs[8], isa[15]) == ("ORDEXAPP", "ACMEAPP", "004010", "T")
    po1 = [(s, segs[i + 1]) for i, s in enumerate(segs) if s[0] == "PO1"]
    assert [p[1:2] + p[6:] for p, _a in po1] == [["00001", "UP", "036000291452", "VN", "RD5322"],
                                                 ["00002", "SK", "54895030"]]
    assert po1[1][1][:2] == ["ACK", "IH"] and po1[0][1][1] != "IH"


@pytest.mark.parametrize(("n4", "country"), [("N4*Toronto*ON*M5V 3L9", "CA"),
                                              ("N4*Toronto*ON*M5V 3L9*CA", "CA")])
def test_canadian_ship_to_is_stored_as_canada(intake: FileIntake, tmp_path: Path, n4: str,
                                               country: str) -> None:
    _ingest(intake, tmp_path, _850(["PO1*1*1*EA*9.25**VN*AB3542"], n4))
    order = intake.app.queries.order("ACMEIND-PO-1")
    assert order is not None and order["ship_to"]["country"] == country
    codes = {c["code"] for c in order["cases"]}
    assert "INVALID_SHIP_TO" not in codes


def test_foreign_postal_code_without_n404_leaves_the_country_unknown(
        intake: FileIntake, tmp_path: Path) -> None:
    _ingest(intake, tmp_path, _850(["PO1*1*1*EA*9.25**VN*AB3542"], "N4*London**SW1A 1AA"))
    order = intake.app.queries.order("ACMEIND-PO-1")
    assert order is not None and order["ship_to"]["country"] == ""
    [case] = [c for c in order["cases"] if c["code"] == "INVALID_SHIP_TO"]
    assert "country is missing" in case["reason"]


def test_canadian_postal_code_in_the_wrong_province_is_invalid_ship_to(
        intake: FileIntake, tmp_path: Path) -> None:
    _ingest(intake, tmp_path, _850(["PO1*1*1*EA*9.25**VN*AB3542"], "N4*Vancouver*BC*M5V 3L9"))
    order = intake.app.queries.order("ACMEIND-PO-1")
    assert order is not None
    [case] = [c for c in order["cases"] if c["code"] == "INVALID_SHIP_TO"]
    assert "postal code M5V 3L9 is not in BC" in case["reason"]


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="public EDI samples not present")
def test_every_public_850_with_an_envelope_becomes_an_order_with_its_855(
        intake: FileIntake, tmp_path: Path) -> None:
    files = sorted(p for p in SAMPLES.rglob("*") if p.is_file())
    for path in files:
        ok = [r for r in iter_transactions(path.read_bytes()) if r.status is ResultStatus.OK]
        senders = {(r.envelope.sender_qualifier, (r.envelope.sender_id or "").strip())
                   for r in ok if (r.envelope.sender_id or "").strip()}
        if not senders:
            continue
        app = bootstrap(intake.app.settings, clock=lambda: NOW)  # same database, fresh per file
        app.save_reference(load_reference(REFERENCE))
        one = FileIntake(app)
        one.load_partners([TradingPartner(f"P{i}", q or "ZZ", s, "ACME", "CHI")
                           for i, (q, s) in enumerate(sorted(senders))])
        with app.engine.begin() as conn:  # samples reuse interchange numbers: forget them
            from ordex.adapters.db import tables as t
            conn.execute(t.edi_interchanges.delete())
        report = one.ingest_edi(path)
        orders = [r for r in report.results if r.get("order_id")]
        assert orders and all(r["status"] != "rejected" for r in orders), path
        fresh = [r for r in orders if not r.get("replayed")]  # samples share PO numbers
        assert report.summary().get("ack_855", 0) == len(fresh), path
        app.engine.dispose()
