"""The handler that finishes stored EDI or CSV files whose processing stopped before its end.

A file is taken once it has shown no progress for `idle`, so a file another process is
working through right now is left to it. Orders accepted before the stop are answered by
idempotency, documents written before are not written again (docs/edi-x12.md, "Resume").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ordex.domain.commands import IngestCsvFile, IngestEdiFile, Progress, ResumeUnfinished
from ordex.domain.errors import OrdexError
from ordex.orchestrate.handlers.files_common import FileTools
from ordex.orchestrate.handlers.files_csv import ingest_csv_file
from ordex.orchestrate.handlers.files_edi import ingest_edi_file
from ordex.orchestrate.ports import FileUnitOfWork
from ordex.orchestrate.report import IntakeReport
from ordex.orchestrate.stored_files import UnfinishedFile


@dataclass(frozen=True)
class Resumed:
    """What `ResumeUnfinished` did: the files finished, those that failed, those left."""

    reports: tuple[IntakeReport, ...]
    failed: tuple[dict[str, str], ...]
    """raw_id, source and error of each file that failed again (tried after `idle` again)."""
    waiting: tuple[str, ...]
    """Raw ids of unfinished files with recent progress: left to the process at work on them."""


def resume_command(file: UnfinishedFile, *,
                   progress: Progress = None) -> IngestEdiFile | IngestCsvFile:
    """The command that reads an unfinished file again from its stored copy, to its end."""
    if file.channel == "edi":
        return IngestEdiFile(file.source, raw_id=file.raw_id, progress=progress)
    return IngestCsvFile(file.source, file.profile, raw_id=file.raw_id, progress=progress)


def resume_unfinished(cmd: ResumeUnfinished, uow: FileUnitOfWork, *, now: datetime,
                      tools: FileTools) -> Resumed:
    """Finish every stored EDI or CSV file whose processing stopped before its end."""
    due = tools.files.unfinished(idle_since=now - cmd.idle)
    reports, failed = [], []
    for file in due:
        command = resume_command(file, progress=cmd.progress)
        try:
            if isinstance(command, IngestEdiFile):
                reports.append(ingest_edi_file(command, uow, now=now, tools=tools))
            else:
                reports.append(ingest_csv_file(command, uow, now=now, tools=tools))
        except OrdexError as exc:  # one broken file must not keep the others waiting
            tools.files.touch(file.raw_id, at=now)
            failed.append({"raw_id": file.raw_id, "source": file.source, "error": str(exc)})
    taken = {f.raw_id for f in due}
    waiting = tuple(f.raw_id for f in tools.files.unfinished() if f.raw_id not in taken)
    return Resumed(tuple(reports), tuple(failed), waiting)
