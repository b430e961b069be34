"""The CSV file handler on the fake unit of work: a unit of work per batch, the file finished
by the last one, unreadable rows quarantined once, a resend of the same bytes answered."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from itertools import count

from ordex.decide.policy import Policy
from ordex.domain.commands import IngestCsvFile, ResumeUnfinished
from ordex.domain.model import Warehouse
from ordex.interpret.registry import REGISTRY
from ordex.orchestrate.batching import Batching
from ordex.orchestrate.handlers.files_common import FileTools
from ordex.orchestrate.handlers.files_csv import ingest_csv_file
from ordex.orchestrate.handlers.files_resume import resume_unfinished
from ordex.orchestrate.pipeline import Pipeline
from ordex.orchestrate.report import IntakeReport
from ordex.orchestrate.stored_files import FileState
from ordex.sense.csv_orders import DEFAULT_PROFILE

from builders import context, reference
from fakes import FakeFileLookups, FakeFiles, FakeUnitOfWork

NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)
HEADER = ",".join(DEFAULT_PROFILE.columns.values())
ROW = ("{o},ACME,PO-{o},2026-11-23,2026-11-30,UPSN,WH1,USD,,Acme,1 Main,,Chicago,IL,60607,US,"
       "1,WIDGET,{q},EA,10.00")


def _csv(*orders: tuple[str, str]) -> bytes:
    return ("\n".join([HEADER, *(ROW.format(o=o, q=q) for o, q in orders)]) + "\n").encode()


def _setup(batch_size: int = 2) -> tuple[FakeUnitOfWork, FakeFiles, FileTools]:
    ids, data = count(1), reference()
    data.warehouses = [Warehouse("WH1", "One", "IL", "60607")]
    pipeline = Pipeline(ctx=context(data), detectors=list(REGISTRY.values()),
                        policy=Policy(), new_id=lambda: f"R{next(ids):04d}")
    files = FakeFiles()
    uow = FakeUnitOfWork(pipeline, files=files)
    return uow, files, FileTools(files, FakeFileLookups(files), Batching(batch_size), lambda: NOW)


def _ingest(uow: FakeUnitOfWork, tools: FileTools, body: bytes) -> IntakeReport:
    command = IngestCsvFile("orders.csv", None, stream=io.BytesIO(body))
    return ingest_csv_file(command, uow, now=NOW, tools=tools)


def test_a_csv_file_is_read_in_a_unit_of_work_per_batch_and_finished_by_the_last() -> None:
    uow, files, tools = _setup(batch_size=2)
    report = _ingest(uow, tools, _csv(("O1", "1"), ("O2", "1"), ("O3", "1")))
    judged = report.summary()
    assert sum(judged.values()) == 3 and "rejected" not in judged  # each order judged once
    assert uow.entered == 2 and len(uow.written) == 2
    [stored] = files.stored.values()
    assert stored.state is FileState.PROCESSED and len(stored.progress) == 2


def test_an_unreadable_row_opens_one_integration_failure_and_the_rest_is_judged() -> None:
    uow, _files, tools = _setup()
    report = _ingest(uow, tools, _csv(("O1", "1"), ("O2", "lots")))
    statuses = sorted(r["status"] for r in report.results)
    assert statuses == ["accepted", "rejected"]
    opened = [c for w in uow.written for c in w.new_cases.values()]
    assert [c.code.value for c in opened] == ["INTEGRATION_FAILURE"]


def test_a_resend_of_a_processed_file_is_answered_from_the_first_judgement() -> None:
    uow, files, tools = _setup()
    body = _csv(("O1", "1"))
    _ingest(uow, tools, body)
    again = _ingest(uow, tools, body)
    assert again.summary() == {"replayed": 1}
    assert len(files.stored) == 1


def test_resume_finishes_an_unfinished_file_and_leaves_nothing_to_do() -> None:
    uow, files, tools = _setup()
    stored = files.store(io.BytesIO(_csv(("O1", "1"))), source="o.csv", channel="csv",
                         now=NOW)
    done = resume_unfinished(ResumeUnfinished(), uow, now=NOW, tools=tools)
    assert [r.summary() for r in done.reports] == [{"accepted": 1}]
    assert files.state(stored.raw_id) is FileState.PROCESSED
    assert resume_unfinished(ResumeUnfinished(), uow, now=NOW, tools=tools).reports == ()


def test_each_csv_order_is_reported_at_its_rows_and_a_bad_row_names_its_column() -> None:
    uow, _files, tools = _setup(batch_size=1)
    report = _ingest(uow, tools, _csv(("O1", "1"), ("O2", "lots"), ("O3", "1")))
    assert [e["position"]["rows"] for e in report.results] == [[2, 2], [3, 3], [4, 4]]
    bad = report.results[1]
    assert bad["position"]["label"] == "orders.csv rows 3-3" and bad["status"] == "rejected"
    assert bad["errors"] and bad["errors"][0]["field"] == "quantity"
    assert bad["cases"] and bad["cases"][0].endswith(":INTEGRATION_FAILURE")
    assert report.channel == "csv" and report.totals()["items"] == 3
