"""EDI and CSV channels on a real database: quarantine, acknowledgments, resends, replay."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from files_kit import Files
from ordex.adapters.db import tables as t
from ordex.sense.csv_orders import CsvProfile
from ordex.sense.edi_partners import TradingPartner, load_partners
from ordex.sense.x12 import iter_transactions

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
EDI = (ROOT / "examples" / "edi" / "acme-850.edi").read_text()


@pytest.fixture
def intake(example_intake: Files) -> Files:
    return example_intake


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_valid_transaction_is_processed_and_broken_one_quarantined_with_position(
        intake: Files, tmp_path: Path) -> None:
    report = intake.ingest_edi(write(tmp_path, "a.edi", EDI))
    ok, bad = report.results
    assert ok["order_id"] == "ACMEIND-4500077001" and ok["status"] in ("accepted", "held")
    case = intake.app.queries.case(bad["cases"][0])
    assert case is not None and case["queue"] == "integration"
    evidence = case["evidence"]
    assert (evidence["interchange_control"], evidence["group_control"],
            evidence["transaction_control"]) == ("000000101", "101", "0002")
    assert evidence["errors"][0]["element"] == "PO102"
    assert evidence["errors"][0]["segment_position"] == 16
    assert "a.edi" in evidence["source"]
    order = intake.app.queries.order("ACMEIND-4500077001")
    assert order is not None and order["customer_id"] == "ACME" and order["warehouse_id"] == "CHI"
    assert order["ship_to"]["city"] == "Chicago"  # filled from the ship-to on file (N104 ACME-1)
    assert order["requested_ship_date"] == "2026-11-25"
    assert [ln["unit_price"] for ln in order["lines"]] == ["88.000000", "21.600000"]


def test_997_and_855_are_written_and_read_back(intake: Files, tmp_path: Path) -> None:
    intake.ingest_edi(write(tmp_path, "a.edi", EDI))
    docs = {d["kind"]: d["body"] for d in intake.registry.documents()}
    ack = [r for r in iter_transactions(docs["997"]) if r.scope.value == "transaction"]
    assert [r.envelope.transaction_set for r in ack] == ["997"]
    assert "AK9*P*2*2*1~" in docs["997"] and "AK4*2**6~" in docs["997"]
    assert "BAK*00*" in docs["855"] and "ACK*" in docs["855"]
    [po_ack] = [r for r in iter_transactions(docs["855"]) if r.scope.value == "transaction"]
    assert po_ack.envelope.transaction_set == "855" and po_ack.status.value == "unsupported"


def test_identical_file_and_same_interchange_are_not_processed_twice(
        intake: Files, tmp_path: Path) -> None:
    intake.ingest_edi(write(tmp_path, "a.edi", EDI))
    again = intake.ingest_edi(write(tmp_path, "b.edi", EDI))
    assert again.results == [] and "identical file" in again.skipped[0]
    ok_only = EDI.replace("GE*2*101", "GE*1*101").split("ST*850*0002")[0] + \
        "GE*1*101~\nIEA*1*000000101~\n"
    ok_only = ok_only.replace("GE*1*101~\nGE*1*101~", "GE*1*101~")
    first = intake.ingest_edi(write(tmp_path, "c.edi", ok_only.replace("000000101", "000000102")))
    assert [r["status"] for r in first.results] in (["held"], ["accepted"])
    resend = intake.ingest_edi(write(tmp_path, "d.edi", ok_only.replace("000000101", "000000102")
                                     + "\n"))
    assert resend.results == [] and "already accepted" in resend.skipped[0]
    with intake.app.engine.connect() as conn:
        orders = conn.execute(select(func.count()).select_from(t.orders)).scalar_one()
    assert orders == 1


def test_corrected_resend_of_a_rejected_interchange_is_processed(
        intake: Files, tmp_path: Path) -> None:
    intake.ingest_edi(write(tmp_path, "a.edi", EDI))
    fixed = EDI.replace("PO1*1*ten*EA", "PO1*1*10*EA")
    report = intake.ingest_edi(write(tmp_path, "fixed.edi", fixed))
    statuses = {r["order_id"]: (r["status"], r.get("replayed")) for r in report.results}
    assert statuses["ACMEIND-4500077001"][1] is True  # accepted before: answered, not redone
    assert statuses["ACMEIND-4500077002"][0] in ("accepted", "held")


def test_unknown_partner_is_quarantined_and_replay_after_adding_it_resolves_the_case(
        intake: Files, tmp_path: Path) -> None:
    stranger = EDI.replace("ACMEIND        ", "NEWCO          ").replace("*ACMEIND*", "*NEWCO*")
    report = intake.ingest_edi(write(tmp_path, "new.edi", stranger))
    case_id = report.results[0]["cases"][0]
    case = intake.app.queries.case(case_id)
    assert case is not None and "No trading partner for ISA sender ZZ/NEWCO" in case["reason"]
    intake.load_partners([*load_partners(ROOT / "examples" / "reference"),
                          TradingPartner("NEWCO", "ZZ", "NEWCO", "ACME", "CHI")])
    outcome = intake.replay(case_id, actor="integration-lead")
    assert case_id in outcome["resolved"]
    assert len(outcome["still_failing"]) == 1  # the PO102 'ten' transaction is still broken
    closed = intake.app.queries.case(case_id)
    assert closed is not None and closed["state"] == "resolved"
    assert closed["audit"][-1]["actor"] == "integration-lead"
    assert intake.app.queries.order("NEWCO-4500077001") is not None


def test_csv_with_sender_columns_and_european_locale(intake: Files, tmp_path: Path) -> None:
    profile = CsvProfile.from_json(json.dumps({
        "columns": {"order_id": "Bestellung", "customer_po": "Kunden-PO",
                    "order_date": "Datum", "requested_ship_date": "Liefertermin",
                    "ship_to.code": "Lieferort", "ship_to.name": "Name",
                    "ship_to.line1": "Strasse", "ship_to.city": "Ort", "ship_to.state": "Staat",
                    "ship_to.postal_code": "PLZ", "item_id": "Artikel", "quantity": "Menge",
                    "uom": "ME", "unit_price": "Preis"},
        "constants": {"customer_id": "ACME", "warehouse_id": "CHI", "ship_via": "UPSN-GND"},
        "delimiter": ";", "date_format": "%d.%m.%Y", "decimal_separator": ",",
        "thousands_separator": "."}))
    rows = ["Bestellung;Kunden-PO;Datum;Liefertermin;Lieferort;Name;Strasse;Ort;Staat;PLZ;"
            "Artikel;Menge;ME;Preis",
            "CSV-1;P-1;23.11.2026;24.11.2026;ACME-1;Acme;1200 Commerce Dr;Chicago;IL;60607;"
            "GLOVE-NIT;2;CS;88,00",
            "CSV-1;P-1;23.11.2026;24.11.2026;ACME-1;Acme;1200 Commerce Dr;Chicago;IL;60607;"
            "BOLT-M8;1.000;EA;0,40",
            "CSV-2;P-2;31.02.2026;24.11.2026;ACME-1;Acme;1200 Commerce Dr;Chicago;IL;60607;"
            "BOLT-M8;5;EA;0,40"]
    report = intake.ingest_csv(write(tmp_path, "orders.csv", "\n".join(rows) + "\n"), profile)
    first, second = report.results
    assert first["order_id"] == "CSV-1" and first["status"] == "accepted", first
    order = intake.app.queries.order("CSV-1")
    assert order is not None
    assert [(ln["quantity"], ln["unit_price"]) for ln in order["lines"]] == [
        ("2.000000", "88.000000"), ("1000.000000", "0.400000")]
    assert second["status"] == "rejected"
    case = intake.app.queries.case(second["cases"][0])
    assert case is not None and "rows 4-4" in case["reason"] and "31.02.2026" in case["reason"]


def test_interchange_rejected_for_unknown_partner_is_processed_when_resent(
        intake: Files, tmp_path: Path) -> None:
    stranger = EDI.replace("ACMEIND        ", "NEWCO          ").replace("*ACMEIND*", "*NEWCO*")
    first = intake.ingest_edi(write(tmp_path, "new.edi", stranger))
    assert first.summary() == {"rejected": 2, "ack_997": 1}
    intake.load_partners([TradingPartner("NEWCO", "ZZ", "NEWCO", "ACME", "CHI")])
    resent = intake.ingest_edi(write(tmp_path, "new-again.edi", stranger + "\n"))
    assert resent.skipped == []
    assert resent.summary()["rejected"] == 1  # only the PO102 'ten' transaction
    assert intake.app.queries.order("NEWCO-4500077001") is not None


def test_buyer_part_number_maps_through_the_customer_cross_reference(
        intake: Files, tmp_path: Path) -> None:
    edi = EDI.replace("PO1*2*5*EA***VP*VALVE-100~", "PO1*2*5*EA***BP*AC-VLV-1IN~")
    edi = edi.replace("PO1*1*4*CS*88.00**VP*GLOVE-NIT*BP*AC-GL-100~",
                      "PO1*1*4*CS*88.00**BP*NOT-IN-XREF~")
    intake.ingest_edi(write(tmp_path, "xref.edi", edi))
    order = intake.app.queries.order("ACMEIND-4500077001")
    assert order is not None
    assert [ln["item_id"] for ln in order["lines"]] == ["", "VALVE-100"]
    assert order["lines"][0]["identifiers"] == [{"qualifier": "BP", "value": "NOT-IN-XREF"}]
    [case] = [c for c in order["cases"] if c["code"] == "MASTER_DATA_CONFLICT"]
    assert "line 1: unknown product BP NOT-IN-XREF" in case["reason"]


def test_failures_are_retried_with_backoff_then_escalated_and_resolve_once_fixed(
        intake: Files, tmp_path: Path) -> None:
    from datetime import timedelta
    stranger = EDI.replace("ACMEIND        ", "NEWCO          ").replace("*ACMEIND*", "*NEWCO*")
    report = intake.ingest_edi(write(tmp_path, "new.edi", stranger))
    partner_case, broken_case = (r["cases"][0] for r in report.results)
    hour = timedelta(hours=1)
    assert intake.retry_due(now=NOW + 0.5 * hour)["due"] == 0  # first retry after 1 h
    first = intake.retry_due(now=NOW + hour)
    assert first["due"] == 2 and first["resolved"] == []
    assert intake.retry_due(now=NOW + 2.5 * hour)["due"] == 0  # next one 2 h after the first
    intake.load_partners([TradingPartner("NEWCO", "ZZ", "NEWCO", "ACME", "CHI")])
    second = intake.retry_due(now=NOW + 3 * hour)
    assert second["resolved"] == [partner_case] and second["still_failing"] == [broken_case]
    later = [intake.retry_due(now=NOW + h * hour) for h in (7, 15)]
    assert later[-1]["escalated"] == [broken_case]
    assert intake.retry_due(now=NOW + 100 * hour)["due"] == 0  # a person has it now
    audit = intake.app.queries.case(broken_case)["audit"]
    assert [a["action"] for a in audit] == ["open", "retry", "retry", "retry", "retry",
                                            "escalate"]
    assert audit[1]["reason"] == "retry 1 of 4: the payload still fails"
    assert len(intake.registry.documents(kind="997")) == 1  # replays send no second 997


def test_every_functional_group_gets_its_own_997_as_the_stream_passes_it(
        intake: Files, tmp_path: Path) -> None:
    second = ("GS*PO*ACMEIND*ORDEX*20261123*0900*102*X*004010~\nST*850*0003~\n"
              "BEG*00*SA*4500077003**20261123~\nN1*ST*Acme Industrial Supply*92*ACME-1~\n"
              "PO1*1*2*EA*24.00**VP*VALVE-100~\nCTT*1~\nSE*6*0003~\nGE*1*102~\n")
    text = EDI.replace("IEA*1*000000101~", second + "IEA*2*000000101~")
    report = intake.ingest_edi(write(tmp_path, "two-groups.edi", text))
    assert report.summary()["ack_997"] == 2
    bodies = sorted(d["body"] for d in intake.registry.documents(kind="997"))
    assert ["AK1*PO*101~" in b for b in bodies].count(True) == 1
    assert any("AK1*PO*102~" in b and "AK9*A*1*1*1~" in b for b in bodies)
