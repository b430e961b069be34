"""CLI commands of the Tryton connector: poll sales, bring reference data in step."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer

from ordex.entrypoints.cli_support import Format, emit, err, make_app, out, user_errors

DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL (else ORDEX_DATABASE_URL)")]
FmtOpt = Annotated[Format, typer.Option("--format", help="text or json")]
tryton = typer.Typer(help="Tryton as the ERP (docs/erp-tryton.md).", no_args_is_help=True)


def register(cli: typer.Typer) -> None:
    """Add the Tryton commands to the main CLI."""
    cli.add_typer(tryton, name="tryton")


@tryton.command("sync-reference")
def sync_reference(db: DbOpt = None, fmt: FmtOpt = Format.text) -> None:
    """Replace ordex's customers, items, warehouses and stock with Tryton's."""
    with user_errors():
        from ordex.entrypoints import tryton as t
        counts = t.sync_reference(make_app(db))
        emit(counts, fmt, lambda d: out.print(
            "Synced from Tryton: " + ", ".join(f"{n:,} {k}" for k, n in d.items()) + "."))


@tryton.command("poll")
def poll(db: DbOpt = None, fmt: FmtOpt = Format.text,
         once: Annotated[bool, typer.Option(help="Read what is new once, then stop")] = False,
         interval: Annotated[float, typer.Option(min=1, help="Seconds between polls")] = 30,
         sync: Annotated[bool, typer.Option(help="Sync reference data before each poll")]
         = True) -> None:
    """Judge the Tryton sales confirmed or changed since the last poll; hold or release them.

    Without --once it polls until interrupted, and an unreachable Tryton is a warning line
    (it is polled again after the interval); a refused login still stops it."""
    with user_errors():
        from ordex.adapters.erp_tryton.rpc import TrytonUnreachableError
        from ordex.entrypoints import tryton as t
        app = make_app(db)
        while True:
            try:
                report = t.poll(app, sync=sync)
            except TrytonUnreachableError as exc:
                if once:
                    raise
                err.print(f"warning: {exc}; polling again in {interval:g} s",
                          highlight=False, soft_wrap=True)
            else:
                emit(report, fmt, _print)
                if once:
                    return
            time.sleep(interval)


def _print(report: dict[str, Any]) -> None:
    outcomes = ", ".join(f"{n:,} {s}" for s, n in report["outcomes"].items()) or "nothing new"
    out.print(f"Read {report['read']:,} Tryton sales: {outcomes}; released "
              f"{len(report['processed']):,} clean sales (cursor {report['cursor']}).")
