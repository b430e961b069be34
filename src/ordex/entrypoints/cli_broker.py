"""CLI commands of the broker intake: provision the stream, consume it into the work queue."""

from __future__ import annotations

import threading
from typing import Annotated

import typer

from ordex.domain.commands import QueueOrders
from ordex.entrypoints.cli_support import Format, emit, make_app, out, user_errors
from ordex.orchestrate.ports import Delivery

DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL (else ORDEX_DATABASE_URL)")]
FmtOpt = Annotated[Format, typer.Option("--format", help="text or json")]


def register(cli: typer.Typer) -> None:
    """Add the broker commands to the main CLI."""
    cli.command("broker-provision")(provision_command)
    cli.command("consume")(consume_command)


def provision_command() -> None:
    """Create the JetStream stream and the durable consumer if they are missing."""
    with user_errors():
        from ordex.adapters.broker import jetstream_config, provision
        from ordex.config import Settings
        config = jetstream_config(Settings())
        provision(config)
        out.print(f"Stream {config.stream} and consumer {config.consumer} are ready.")


def consume_command(
        db: DbOpt = None, fmt: FmtOpt = Format.text,
        batch: Annotated[int, typer.Option(min=1, help="Messages per unit of work")] = 500,
        drain: Annotated[bool, typer.Option(
            help="Stop when the stream has nothing left instead of waiting")] = False) -> None:
    """Store broker messages raw and queue them for workers; acknowledge once committed."""
    with user_errors():
        from ordex.adapters.broker import JetStreamChannel, jetstream_config
        from ordex.entrypoints.worker import stop_on_signals
        from ordex.orchestrate.consume import consume
        app = make_app(db, deliver_inline=False)

        def store(deliveries: list[Delivery]) -> None:
            app.bus.handle(QueueOrders(tuple((d.body, d.source, d.key) for d in deliveries),
                                       "broker"))
        stop = threading.Event()
        with JetStreamChannel(jetstream_config(app.settings)) as channel, stop_on_signals(stop):
            report = consume(channel, store, max_items=batch, timeout=1.0, stop=stop,
                             drain=drain)
        emit({"batches": report.batches, "acknowledged": report.acknowledged,
              "failures": report.failures}, fmt, lambda d: out.print(
            f"Queued {d['acknowledged']:,} messages in {d['batches']:,} batches."))
