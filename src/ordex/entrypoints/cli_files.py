"""CLI commands about stored files: finish the ones whose processing stopped before its end."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import typer

from ordex.entrypoints.cli_support import Format, emit, fail, make_app, out, user_errors

DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL (else ORDEX_DATABASE_URL)")]
FmtOpt = Annotated[Format, typer.Option("--format", help="text or json")]
IdleOpt = Annotated[float, typer.Option(
    "--idle-minutes", help="Take a file once it has shown no progress for this long")]


def register(cli: typer.Typer) -> None:
    """Add the stored-file commands to the main CLI."""
    cli.command("resume")(resume_command)


def resume_command(db: DbOpt = None, fmt: FmtOpt = Format.text, idle_minutes: IdleOpt = 5.0
                   ) -> None:
    """Finish every stored EDI or CSV file whose processing stopped before its end."""
    with user_errors():
        if idle_minutes < 0:
            fail("--idle-minutes must be 0 or more")
        from ordex.domain.commands import ResumeUnfinished
        done = make_app(db).bus.handle(ResumeUnfinished(timedelta(minutes=idle_minutes)))
        files = [r.as_dict() for r in done.reports]
        summary: dict[str, int] = {}
        for entry in files:
            for key, n in entry["summary"].items():
                summary[key] = summary.get(key, 0) + n
        emit({"summary": summary, "files": files, "failed": list(done.failed),
              "waiting": list(done.waiting)}, fmt, _print)
    if done.failed:
        raise typer.Exit(1)


def _print(report: dict[str, Any]) -> None:
    counts = ", ".join(f"{n:,} {k}" for k, n in report["summary"].items()) or "nothing to do"
    out.print(f"Resumed {len(report['files'])} file(s): {counts}", highlight=False)
    for entry in report["files"]:
        out.print(f"  {entry['source']} (raw {entry['raw_id']})", highlight=False)
    for entry in report["failed"]:
        out.print(f"  failed: {entry['source']} (raw {entry['raw_id']}): {entry['error']}",
                  highlight=False)
    if report["waiting"]:
        out.print(f"  {len(report['waiting'])} file(s) in progress elsewhere, left to it",
                  highlight=False)
