"""CLI commands of the audit trail: check its hash chain, export one case's history."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from ordex.entrypoints.cli_support import (
    Format,
    emit,
    err,
    fail,
    make_app,
    out,
    own_stdout,
    user_errors,
)

DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL (else ORDEX_DATABASE_URL)")]
FmtOpt = Annotated[Format, typer.Option("--format", help="text or json")]
audit = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)


class ExportFormat(StrEnum):
    """What a history is exported as."""

    json = "json"
    csv = "csv"


def register(cli: typer.Typer) -> None:
    """Add the audit commands to the main CLI."""
    cli.add_typer(audit, name="audit")


@audit.command("verify")
def verify_command(db: DbOpt = None, fmt: FmtOpt = Format.text) -> None:
    """Check every entry's seal and every stream's head; exit 1 naming the first broken entry."""
    with user_errors():
        from ordex.adapters.db.audit_repo import verify
        app = make_app(db)
        with Progress("checking the audit trail", BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err, transient=True,
                      disable=fmt is Format.json or not err.is_terminal) as bar:
            task = bar.add_task("audit", total=None)
            result = verify(app.engine, progress=lambda n: bar.advance(task, n))
        broken = result.broken
        report = {"ok": broken is None, "streams": result.streams, "entries": result.entries,
                  "anchor": result.anchor or None,
                  "broken": None if broken is None else {
                      "stream": broken.stream, "entry_id": broken.entry_id, "seq": broken.seq,
                      "problem": broken.problem, "message": broken.message()}}
        emit(report, fmt, _print_verification)
        if broken is not None:
            raise typer.Exit(1)


def _print_verification(report: dict[str, object]) -> None:
    broken = report["broken"]
    if isinstance(broken, dict):
        err.print(f"[bold red]error:[/] {broken['message']}", highlight=False, soft_wrap=True)
        return
    out.print(f"Audit trail intact: {report['entries']:,} entries in {report['streams']:,} "
              f"streams. Anchor {report['anchor']}")


@audit.command("export")
def export_command(
        stream: Annotated[str, typer.Argument(metavar="CASE",
                                              help="A case id (or a system stream: policy)")],
        as_: Annotated[ExportFormat, typer.Option("--as", help="json or csv")] = ExportFormat.json,
        output: Annotated[Path | None, typer.Option(help="Write to this file")] = None,
        db: DbOpt = None) -> None:
    """A case's full history with its seals, as JSON or CSV (formula cells escaped)."""
    with user_errors():
        from ordex.adapters.db.audit_repo import as_csv, as_json, history
        app = make_app(db)
        entries = history(app.engine, stream)
        if not entries:
            fail(f"no audit history for {stream!r}: check the case id")
        text = as_csv(entries) if as_ is ExportFormat.csv else as_json(stream, entries) + "\n"
        if output is None:
            stream_out = own_stdout()
            stream_out.write(text)
            stream_out.flush()
        else:
            output.write_text(text, encoding="utf-8", newline="")
            err.print(f"Wrote {len(entries):,} entries to {output}")
