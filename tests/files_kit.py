"""File intake as tests drive it: every call builds a command and hands it to the app's bus."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from ordex.bootstrap import App
from ordex.domain.commands import (
    IngestCsvFile,
    IngestEdiFile,
    LoadTradingPartners,
    ReplayCase,
    ResumeUnfinished,
    RetryDue,
)
from ordex.orchestrate.handlers.files_resume import Resumed, resume_command
from ordex.orchestrate.report import IntakeReport
from ordex.orchestrate.stored_files import UnfinishedFile
from ordex.sense.csv_orders import CsvProfile, profile_json
from ordex.sense.edi_partners import TradingPartner


class Files:
    """The file commands of one app, with its file store and outbound documents at hand."""

    def __init__(self, app: App) -> None:
        self.app, self.files, self.registry = app, app.files, app.edi

    def load_partners(self, partners: Sequence[TradingPartner]) -> None:
        self.app.bus.handle(LoadTradingPartners(tuple(partners)))

    def ingest_edi(self, path: Path) -> IntakeReport:
        report: IntakeReport = self.app.bus.handle(IngestEdiFile(str(path), path=path))
        return report

    def ingest_csv(self, path: Path, profile: CsvProfile) -> IntakeReport:
        report: IntakeReport = self.app.bus.handle(
            IngestCsvFile(str(path), profile_json(profile), path=path))
        return report

    def replay(self, case_id: str, *, actor: str = "ordex") -> dict[str, Any]:
        result: dict[str, Any] = self.app.bus.handle(ReplayCase(case_id, actor))
        return result

    def retry_due(self, *, now: datetime | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self.app.bus.handle(RetryDue(at=now))
        return result

    def resume(self, file: UnfinishedFile) -> IntakeReport:
        report: IntakeReport = self.app.bus.handle(resume_command(file))
        return report


def resume_unfinished(app: App, **kwargs: Any) -> Resumed:
    """`ResumeUnfinished` through the app's bus."""
    done: Resumed = app.bus.handle(ResumeUnfinished(**kwargs))
    return done
