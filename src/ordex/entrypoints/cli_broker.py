"""CLI commands of the broker intake: provision the stream, consume it into the work queue."""

from __future__ import annotations

import threading
from typing import Annotated, Any

import typer

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
        batch: Annotated[int | None, typer.Option(
            min=1, help="Messages per unit of work (else ORDEX_BATCH_SIZE)")] = None,
        drain: Annotated[bool, typer.Option(
            help="Stop when the stream has nothing left instead of waiting")] = False,
        judge: Annotated[bool, typer.Option(
            help="Judge each batch here and print the intake report, instead of queueing "
                 "it for `ordex worker`")] = False) -> None:
    """Store broker messages raw and queue them for workers; acknowledge once committed."""
    with user_errors():
        from ordex.adapters.broker import JetStreamChannel, jetstream_config
        from ordex.entrypoints.worker import stop_on_signals
        from ordex.orchestrate.consume import consume, judging, queue_command
        from ordex.orchestrate.report import IntakeReport
        app = make_app(db, deliver_inline=False)
        config = jetstream_config(app.settings)
        report = IntakeReport(f"nats:{config.subject}", None, "broker")

        def queue(deliveries: list[Delivery]) -> None:
            app.bus.handle(queue_command(deliveries, channel="broker"))
        store = judging(app.bus.handle, report) if judge else queue
        stop = threading.Event()
        with JetStreamChannel(config) as channel, stop_on_signals(stop):
            done = consume(channel, store, max_items=batch or app.settings.batch_size,
                           timeout=1.0, stop=stop, drain=drain)
        counts = {"batches": done.batches, "acknowledged": done.acknowledged,
                  "failures": done.failures}
        emit({**counts, **(report.as_dict() if judge else {})}, fmt, _print_consumed)


def _print_consumed(done: dict[str, Any]) -> None:
    """One line: what was queued, or judged with one count per outcome."""
    judged = done.get("totals")
    counts = ": " + ", ".join(f"{n:,} {k}" for k, n in judged.items() if n and k != "items") \
        if judged else ""
    out.print(f"{'Judged' if judged is not None else 'Queued'} {done['acknowledged']:,} "
              f"messages in {done['batches']:,} batches{counts}.", highlight=False)
