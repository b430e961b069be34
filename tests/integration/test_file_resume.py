"""EDI and CSV files interrupted anywhere are finished exactly once: by a resend of the same
bytes or by `resume_unfinished`, to the state a clean run leaves."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from edi_files import mixed_file
from ordex.adapters.db import tables as t
from ordex.adapters.db.files_repo import FileState
from ordex.bootstrap import App, bootstrap
from ordex.bootstrap_files import FileIntake, resume_unfinished
from ordex.config import Settings
from ordex.sense.csv_orders import DEFAULT_PROFILE, CsvProfile
from ordex.sense.edi_partners import load_partners
from ordex.sense.reference import load_reference

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "examples" / "reference"
EXAMPLE_NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


class Crash(Exception):
    """The process dies here (simulated: the unit of work in hand rolls back)."""


@pytest.fixture
def clock() -> list[Any]:
    return [EXAMPLE_NOW]


@pytest.fixture
def app(db_url: str, clock: list[Any]) -> Iterator[App]:
    """Small batches (3 orders per unit of work), a clock the test moves."""
    ordex = bootstrap(Settings(database_url=db_url, batch_size=3), clock=lambda: clock[0])
    ordex.migrate()
    load_examples(ordex)
    yield ordex
    ordex.engine.dispose()


def load_examples(app: App) -> FileIntake:
    app.save_reference(load_reference(REFERENCE))
    intake = FileIntake(app)
    intake.load_partners(load_partners(REFERENCE))
    return intake


def crash_at(monkeypatch: pytest.MonkeyPatch, module: str, n: int) -> list[int]:
    """Make the n-th unit of work of a file (1-based) die before its commit: it rolls back."""
    import importlib
    target = importlib.import_module(module)
    real, calls = target.end_batch, [0]

    def dying(*args: Any, **kwargs: Any) -> None:
        real(*args, **kwargs)
        calls[0] += 1
        if calls[0] == n:
            raise Crash(f"killed in batch {n}")

    monkeypatch.setattr(target, "end_batch", dying)
    return calls


def count(app: App, table: t.Table, *where: Any) -> int:
    with app.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def masked(body: str) -> str:
    """A document's body with its own control numbers (ISA13, GS06, GE02, IEA02) masked."""
    out = []
    for seg in body.split("~"):
        parts = seg.strip().split("*")
        spot = {"ISA": 13, "GS": 6, "GE": 2, "IEA": 2}.get(parts[0])
        if spot is not None and len(parts) > spot:
            parts[spot] = "#"
        out.append("*".join(parts))
    return "~".join(out)


def snapshot(app: App, raw_id: str) -> dict[str, Any]:
    """Everything a file leaves, with its raw id written as RAW (it differs run to run)."""
    def norm(text: str | None) -> str | None:
        return None if text is None else text.replace(raw_id, "RAW").replace(raw_id[:16], "R16")

    with app.engine.connect() as conn:
        def rows(query: Any) -> list[tuple[Any, ...]]:
            return sorted((tuple(norm(v) if isinstance(v, str) else v for v in r)
                           for r in conn.execute(query)), key=repr)
        return {
            "orders": rows(select(t.orders.c.order_id, t.orders.c.status,
                                  t.orders.c.warehouse_id)),
            "lines": rows(select(t.order_lines.c.order_id, t.order_lines.c.line_no,
                                 t.order_lines.c.item_id, t.order_lines.c.quantity)),
            "cases": rows(select(t.cases.c.case_id, t.cases.c.code, t.cases.c.state,
                                 t.cases.c.order_id, t.cases.c.reason)),
            "documents": [(k, kind, p, o, masked(b)) for k, kind, p, o, b in rows(select(
                t.edi_outbound.c.doc_key, t.edi_outbound.c.kind, t.edi_outbound.c.partner,
                t.edi_outbound.c.order_id, t.edi_outbound.c.body))],
            "registry": rows(select(t.edi_interchanges.c.sender,
                                    t.edi_interchanges.c.control_number,
                                    t.edi_interchanges.c.raw_id, t.edi_interchanges.c.status)),
            "results": rows(select(t.intake_results.c.idempotency_key,
                                   t.intake_results.c.order_id)),
            "allocations": rows(select(t.line_allocations)),
            "outbox": rows(select(t.outbox.c.command, t.outbox.c.order_id)),
            "events": sorted(Counter(r[0] for r in conn.execute(
                select(t.events.c.kind))).items()),
            "file": rows(select(t.raw_payloads.c.channel, t.raw_payloads.c.state).where(
                t.raw_payloads.c.raw_id == raw_id)),
            "payloads": sorted(Counter(tuple(r) for r in conn.execute(select(
                t.raw_payloads.c.channel, t.raw_payloads.c.state))).items()),
        }


def assert_exactly_once(app: App) -> None:
    """Each document once, under a control number of its own."""
    with app.engine.connect() as conn:
        docs = conn.execute(select(t.edi_outbound.c.doc_key, t.edi_outbound.c.control_number,
                                   t.edi_outbound.c.body)).all()
    keys = [d.doc_key for d in docs]
    assert len(keys) == len(set(keys)) and None not in keys
    numbers = [d.control_number for d in docs]
    assert len(numbers) == len(set(numbers))
    assert [int(d.body.split("*")[13]) for d in docs] == numbers  # the ISA13 it was sent under


BATCHES = 5
"""Units of work of the mixed file at 3 per batch: [1 2 3] [4 5 6] [7 8 9] [10 11 12], then the
last one with the error of the interchange rejected by its IEA."""


@pytest.mark.parametrize("dies_in", [1, 3, BATCHES])
def test_edi_file_killed_in_a_batch_is_finished_by_its_resend_exactly_as_a_clean_run(
        app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dies_in: int) -> None:
    path = tmp_path / "mixed.edi"
    path.write_text(mixed_file())
    batches = crash_at(monkeypatch, "ordex.bootstrap_files.edi", 0)
    clean = FileIntake(app).ingest_edi(path)
    assert batches == [BATCHES]
    expected = snapshot(app, clean.raw_id)
    kinds = Counter(d[1] for d in expected["documents"])
    assert kinds == {"855": 11, "997": 3, "TA1": 1} and len(expected["registry"]) == 3
    monkeypatch.undo()
    app.wipe()
    intake = load_examples(app)

    calls = crash_at(monkeypatch, "ordex.bootstrap_files.edi", dies_in)
    with pytest.raises(Crash):
        intake.ingest_edi(path)
    [stored] = intake.files.unfinished()
    assert intake.files.state(stored.raw_id) is FileState.RECEIVED
    assert count(app, t.edi_interchanges) == 0  # recorded only by the last unit of work
    assert count(app, t.orders) == {1: 0, 3: 5, BATCHES: 11}[dies_in]
    resent = intake.ingest_edi(path)
    assert calls[0] > dies_in  # it ran on past the batch that died
    assert resent.raw_id == stored.raw_id and resent.skipped[0].startswith("resumed:")
    assert snapshot(app, stored.raw_id) == expected
    assert_exactly_once(app)
    again = intake.ingest_edi(path)  # now processed: a plain resend
    assert again.results == [] and "identical file already received" in again.skipped[0]


def test_resumed_file_answers_what_committed_and_reports_only_what_it_writes(
        app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "mixed.edi"
    path.write_text(mixed_file())
    intake = FileIntake(app)
    crash_at(monkeypatch, "ordex.bootstrap_files.edi", 3)
    with pytest.raises(Crash):
        intake.ingest_edi(path)
    orders, docs = count(app, t.orders), count(app, t.edi_outbound)
    assert (orders, docs) == (5, 5 + 1)  # their 855s, and the 997 of group 1 (ended in batch 2)
    monkeypatch.undo()
    summary = intake.ingest_edi(path).summary()
    assert summary["replayed"] == 5 and summary["rejected"] == 3
    assert summary.get("accepted", 0) + summary.get("held", 0) == 6
    assert (summary["ack_855"], summary["ack_997"], summary["ack_TA1"]) == (6, 2, 1)
    assert count(app, t.edi_outbound) == docs + 6 + 2 + 1
    assert count(app, t.orders) == orders + 6


CSV_HEAD = ",".join(["order_id", "customer_id", "customer_po", "order_date",
                     "requested_ship_date", "ship_via", "warehouse_id", "currency",
                     "ship_to_code", "ship_to_name", "ship_to_line1", "ship_to_line2",
                     "ship_to_city", "ship_to_state", "ship_to_postal_code", "ship_to_country",
                     "line_no", "item_id", "quantity", "uom", "unit_price"])
ADDR = "USD,ACME-1,Acme,1200 Commerce Dr,,Chicago,IL,60607,US"


def csv_file(orders: int, *, bad: int | None = None) -> str:
    rows = [CSV_HEAD]
    for n in range(1, orders + 1):
        day = "2026-13-45" if n == bad else "2026-11-23"
        rows.append(f"C-{n},ACME,P-{n},{day},2026-11-25,UPSN-GND,CHI,{ADDR},1,VALVE-100,"
                    f"{10 + n},EA,24.00")
    return "\n".join(rows) + "\n"


def test_csv_file_killed_in_a_batch_is_finished_by_its_resend_exactly_as_a_clean_run(
        app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(csv_file(10, bad=5))
    clean = FileIntake(app).ingest_csv(path, DEFAULT_PROFILE)
    expected = snapshot(app, clean.raw_id)
    app.wipe()
    intake = load_examples(app)
    crash_at(monkeypatch, "ordex.bootstrap_files.csv_files", 3)
    with pytest.raises(Crash):
        intake.ingest_csv(path, DEFAULT_PROFILE)
    assert count(app, t.orders) == 5  # two batches committed: C-1..C-6 but the bad C-5
    resent = intake.ingest_csv(path, DEFAULT_PROFILE)
    assert resent.skipped[0].startswith("resumed:")
    summary = resent.summary()
    assert summary["replayed"] == 5 and summary["rejected"] == 1 and sum(summary.values()) == 10
    state = snapshot(app, resent.raw_id)
    events = dict(state.pop("events"))
    # the orders read again are logged as their payload sent again, as on any CSV resend
    assert events.pop("PayloadResent") == 5
    assert events == dict(expected.pop("events"))
    assert state == expected
    assert count(app, t.cases, t.cases.c.code == "INTEGRATION_FAILURE") == 1


def test_two_interrupted_files_are_resumed_once_idle_with_the_profile_they_were_stored_with(
        app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: list[Any]) -> None:
    edi, csv = tmp_path / "mixed.edi", tmp_path / "orders.csv"
    edi.write_text(mixed_file())
    csv.write_text(csv_file(8).replace(",", ";"))
    profile = CsvProfile.from_json(json.dumps(
        {"columns": DEFAULT_PROFILE.columns, "delimiter": ";"}))
    intake = FileIntake(app)
    crash_at(monkeypatch, "ordex.bootstrap_files.edi", 2)
    crash_at(monkeypatch, "ordex.bootstrap_files.csv_files", 2)
    for attempt in (lambda: intake.ingest_edi(edi), lambda: intake.ingest_csv(csv, profile)):
        with pytest.raises(Crash):
            attempt()
    monkeypatch.undo()
    assert len(intake.files.unfinished()) == 2

    waiting = resume_unfinished(app)  # progress a moment ago: another process may be at it
    assert waiting.reports == () and len(waiting.waiting) == 2
    clock[0] = EXAMPLE_NOW + timedelta(minutes=6)
    done = resume_unfinished(app)
    assert sorted(r.source for r in done.reports) == sorted([str(edi), str(csv)])
    assert done.failed == () and done.waiting == ()
    assert intake.files.unfinished() == []
    [csv_report] = [r for r in done.reports if r.source == str(csv)]
    assert sorted(r["order_id"] for r in csv_report.results) == [f"C-{n}" for n in range(1, 9)]
    assert count(app, t.orders) == 11 + 8
    assert_exactly_once(app)
    assert resume_unfinished(app).reports == ()


def test_a_file_that_fails_again_is_reported_and_tried_only_after_the_idle_time_again(
        app: App, tmp_path: Path, clock: list[Any]) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(csv_file(2).encode() + "C-9,ACME,P-\xe9\n".encode("latin-1"))
    intake = FileIntake(app)
    with pytest.raises(Exception, match="not utf-8-sig text"):
        intake.ingest_csv(path, DEFAULT_PROFILE)
    clock[0] = EXAMPLE_NOW + timedelta(minutes=6)
    first = resume_unfinished(app)
    assert [f["source"] for f in first.failed] == [str(path)]
    assert "not utf-8-sig text" in first.failed[0]["error"]
    clock[0] += timedelta(minutes=1)
    assert resume_unfinished(app).failed == ()  # not again before the idle time passed
    clock[0] += timedelta(minutes=5)
    assert len(resume_unfinished(app).failed) == 1


def test_replay_of_a_case_from_an_unfinished_file_finishes_the_file(
        app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "mixed.edi"
    path.write_text(mixed_file())
    intake = FileIntake(app)
    crash_at(monkeypatch, "ordex.bootstrap_files.edi", 2)
    with pytest.raises(Crash):
        intake.ingest_edi(path)
    monkeypatch.undo()
    with app.engine.connect() as conn:
        [case_id] = conn.execute(select(t.cases.c.case_id).where(
            t.cases.c.code == "INTEGRATION_FAILURE")).scalars().all()
    outcome = intake.replay(case_id)
    assert case_id in outcome["still_failing"] and outcome["resolved"] == []
    assert len(outcome["still_failing"]) == 2  # with the IEA of interchange 203, read only now
    assert intake.files.unfinished() == []
    assert count(app, t.edi_outbound, t.edi_outbound.c.kind == "997") == 3
    assert count(app, t.edi_interchanges) == 3
    assert_exactly_once(app)


def test_two_processes_resuming_the_same_file_at_once_take_turns_and_each_effect_is_once(
        app: App, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    path = tmp_path / "mixed.edi"
    path.write_text(mixed_file())
    clean = FileIntake(app).ingest_edi(path)
    expected = snapshot(app, clean.raw_id)
    app.wipe()
    load_examples(app)
    crash_at(monkeypatch, "ordex.bootstrap_files.edi", 1)
    with pytest.raises(Crash):
        FileIntake(app).ingest_edi(path)
    monkeypatch.undo()
    [stored] = FileIntake(app).files.unfinished()
    others = [bootstrap(Settings(database_url=db_url, batch_size=3), clock=lambda: EXAMPLE_NOW)
              for _ in range(2)]
    errors: list[BaseException] = []

    def resume(other: App) -> None:
        try:
            FileIntake(other).resume(stored, now=EXAMPLE_NOW)
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=resume, args=(other,)) for other in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for other in others:
        other.engine.dispose()
    assert errors == []
    assert snapshot(app, stored.raw_id) == expected
    assert_exactly_once(app)
