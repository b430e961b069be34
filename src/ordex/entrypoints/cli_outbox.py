"""CLI commands of the outbox: delivery metrics, and the replay of a dead letter."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ordex.domain.permissions import Permission
from ordex.entrypoints.cli_actor import acting_user
from ordex.entrypoints.cli_support import Format, emit, make_app, out, user_errors

DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL (else ORDEX_DATABASE_URL)")]
FmtOpt = Annotated[Format, typer.Option("--format", help="text or json")]
outbox = typer.Typer(help="ERP commands on their way out: metrics and dead letters.",
                     no_args_is_help=True)


def register(cli: typer.Typer) -> None:
    """Add the outbox commands to the main CLI."""
    cli.add_typer(outbox, name="outbox")


@outbox.command("stats")
def stats_command(db: DbOpt = None, fmt: FmtOpt = Format.text) -> None:
    """Pending, in flight, sent and dead messages; oldest pending age; rate and lag."""
    with user_errors():
        app = make_app(db, deliver_inline=False)
        emit(app.outbox_stats(), fmt, _print_stats)


def _seconds(value: object) -> str:
    return "-" if value is None else f"{float(value):,.3f} s"  # type: ignore[arg-type]


def _print_stats(s: dict[str, Any]) -> None:
    out.print(f"pending {s['pending']:,} · in flight {s['in_flight']:,} · sent {s['sent']:,} · "
              f"dead {s['dead']:,} · retrying {s['retrying']:,} · failed attempts "
              f"{s['failed_attempts']:,}", highlight=False)
    out.print(f"oldest pending {_seconds(s['oldest_pending_age_seconds'])} · delivered "
              f"{s['delivered_last_15_min']:,} in 15 min ({s['delivered_per_minute']:,}/min) · "
              f"lag p50 {_seconds(s['lag_p50_seconds'])}, p95 {_seconds(s['lag_p95_seconds'])}",
              highlight=False)


@outbox.command("replay")
def replay_command(
        message: Annotated[str, typer.Argument(
            metavar="MESSAGE_ID", help="A dead letter's message id, or its case id "
            "(erp-…:INTEGRATION_FAILURE)")],
        actor: Annotated[str, typer.Option(help="The user who replays it (their roles must "
                                           "allow replay_case)")],
        db: DbOpt = None, fmt: FmtOpt = Format.text) -> None:
    """Put a dead letter back to pending (its order's later commands follow) and resolve its
    case; a worker delivers it."""
    with user_errors():
        app = make_app(db, deliver_inline=False)
        who = acting_user(app, actor=actor, permission=Permission.REPLAY_CASE)
        result = app.replay_outbox(message, actor=who.actor)
        emit(result, fmt, lambda r: out.print(
            f"Message {r['message_id']} is pending again (replay {r['replays']}); case "
            f"{r['case_id']} {'resolved' if r['case_resolved'] else 'was already closed'}.",
            highlight=False))
