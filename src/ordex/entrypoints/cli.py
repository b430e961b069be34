"""The `ordex` command line."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from ordex.domain.events import PaymentPosted, StockReceived
from ordex.entrypoints import files
from ordex.entrypoints.cli_support import Format, emit, fail, make_app, out, user_errors
from ordex.simulate.orders import InjectionRates
from ordex.simulate.world import WorldConfig

cli = typer.Typer(help="ordex — order exception control tower.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL (else ORDEX_DATABASE_URL)")]
FmtOpt = Annotated[Format, typer.Option("--format", help="text or json")]


@cli.command()
def simulate(days: int = 7, seed: int = 42, db: DbOpt = None, orders: int = 60_000,
             customers: int = 2000, items: int = 5000, warehouses: int = 8,
             exception_rate: Annotated[float, typer.Option(help="Share of orders given an "
                                                           "injected exception")] = 0.10,
             start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD")] = "2026-11-02",
             fmt: FmtOpt = Format.text) -> None:
    """Simulate a distributor's period through the real pipeline and score detection."""
    with user_errors():
        if days < 1 or orders < days or not 0 <= exception_rate <= 0.5:
            fail("need --days ≥ 1, --orders ≥ --days and 0 ≤ --exception-rate ≤ 0.5")
        try:
            first = date.fromisoformat(start)
        except ValueError:
            fail(f"--start {start!r} is not a date (YYYY-MM-DD)")
        app = make_app(db)
        cfg = WorldConfig(seed=seed, start=first, days=days, warehouses=warehouses,
                          customers=customers, items=items)
        scale = exception_rate / 0.10
        base = InjectionRates()
        rates = InjectionRates(base.shortfall * scale, base.price * scale, base.ship_to * scale,
                               base.duplicate * scale, base.integration * scale)
        with _progress(fmt) as bar:
            task = bar.add_task("simulating", total=(orders // days) * days)
            report = app.simulate(cfg, orders_per_day=orders // days, rates=rates,
                                  progress=lambda n: bar.advance(task, n))
        emit(report, fmt, _print_simulation)


def _progress(fmt: Format) -> Progress:
    return Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=out, disable=fmt is Format.json, transient=True)


def _print_simulation(report: dict[str, Any]) -> None:
    out.print(f"Simulated {report['orders']:,} orders over {report['days']} days "
              f"(seed {report['seed']}) in {report['run']['seconds']} s "
              f"({report['run']['orders_per_second']:,} orders/s).")
    table = Table("code", "precision", "recall", "support", title="Detection vs ground truth")
    for code, m in report["detection"].items():
        table.add_row(code, f"{m['precision']:.3f}", f"{m['recall']:.3f}", str(m["support"]))
    out.print(table)
    _print_kpis(report["kpis"])


@cli.command()
def kpis(db: DbOpt = None, fmt: FmtOpt = Format.text) -> None:
    """Exception rate by code, backlog by queue, touchless rate, median time to resolve."""
    with user_errors():
        emit(make_app(db).kpis(), fmt, _print_kpis)


def _print_kpis(k: dict[str, Any]) -> None:
    out.print(f"Orders {k['orders']:,} · exception rate {k['exception_rate']:.1%} · touchless "
              f"{k['touchless_rate']:.1%} · median time to resolve "
              f"{k['median_hours_to_resolve']} h · open backlog {k['open_backlog']:,}")
    table = Table("code", "exception rate", title="Exceptions by code")
    for code, rate in k["exception_rate_by_code"].items():
        table.add_row(code, f"{rate:.2%}")
    out.print(table)
    queues = Table("queue", "open cases", title="Open backlog by queue")
    for queue, n in k["open_backlog_by_queue"].items():
        queues.add_row(queue, f"{n:,}")
    out.print(queues)


@cli.command()
def ingest(paths: list[Path], db: DbOpt = None, fmt: FmtOpt = Format.text) -> None:
    """Store and process order files (JSON object or array, or NDJSON)."""
    with user_errors():
        app = make_app(db)
        results: list[dict[str, Any]] = []
        with _progress(fmt) as bar:
            task = bar.add_task("ingesting", total=None)
            for batch in files.payload_batches(paths, size=app.settings.batch_size):
                outcomes = app.ingest(batch, channel="file")
                results.extend({**o.result, "replayed": o.replayed} for o in outcomes)
                bar.advance(task, len(outcomes))
        summary = {s: sum(1 for r in results if r["status"] == s)
                   for s in ("accepted", "held", "rejected")}
        summary["replayed"] = sum(1 for r in results if r["replayed"])
        emit({"summary": summary, "results": results}, fmt,
             lambda d: out.print(f"Ingested {len(results):,} orders: " + ", ".join(
                 f"{n:,} {s}" for s, n in d["summary"].items())))


@cli.command()
def check(orders_file: Annotated[Path, typer.Argument(metavar="ORDERS")],
          reference: Annotated[Path, typer.Option("--reference", help="Folder of CSV files")],
          fmt: FmtOpt = Format.text) -> None:
    """Run detection on orders against reference CSVs, storing nothing."""
    with user_errors():
        report = files.check_orders(orders_file, reference)
        emit(report, fmt, _print_check)


def _print_check(report: list[dict[str, Any]]) -> None:
    for entry in report:
        codes = ", ".join(f["code"] for f in entry["findings"]) or "clean"
        out.print(f"[bold]{entry['order_id']}[/]: {codes}")
        for f in entry["findings"]:
            lines = ", ".join(map(str, f["lines"])) or "whole order"
            out.print(f"  {f['code']} ({lines}): {f['reason']}", highlight=False)


@cli.command()
def cases(db: DbOpt = None, queue: str | None = None,
          state: Annotated[str, typer.Option(help="open, in_progress, resolved, "
                                             "auto_resolved, cancelled or active")] = "active",
          limit: int = 20, fmt: FmtOpt = Format.text) -> None:
    """List cases, most urgent first."""
    with user_errors():
        rows = make_app(db).queries.cases(queue=queue, state=state, limit=limit)
        emit(rows, fmt, _print_cases)


def _print_cases(rows: list[dict[str, Any]]) -> None:
    table = Table("case", "queue", "prio", "state", "SLA due", "reason")
    for r in rows:
        table.add_row(r["case_id"], r["queue"], str(r["priority"]), r["state"],
                      (r["sla_due_at"] or "")[:16], r["reason"][:80])
    out.print(table)


@cli.command()
def receive(item: str, warehouse: str, quantity: str, db: DbOpt = None,
            po: Annotated[str | None, typer.Option(help="Inbound PO it arrived on")] = None,
            fmt: FmtOpt = Format.text) -> None:
    """Post a stock receipt; shortfalls it covers are auto-resolved."""
    with user_errors():
        event = StockReceived(item, warehouse, _decimal(quantity), datetime.now(UTC), po)
        closed = make_app(db).stock_received(event)
        emit({"auto_resolved": closed}, fmt, lambda d: out.print(
            f"{len(closed)} case(s) auto-resolved: {', '.join(closed) or '-'}"))


@cli.command()
def pay(customer: str, amount: str, db: DbOpt = None, fmt: FmtOpt = Format.text) -> None:
    """Post a customer payment; credit holds it clears are released."""
    with user_errors():
        event = PaymentPosted(customer, _decimal(amount), datetime.now(UTC))
        closed = make_app(db).payment_posted(event)
        emit({"auto_resolved": closed}, fmt, lambda d: out.print(
            f"{len(closed)} case(s) auto-resolved: {', '.join(closed) or '-'}"))


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        fail(f"{text!r} is not a number")
    if not value.is_finite() or value <= 0:
        fail(f"{text!r} must be a positive number")
    return value


@cli.command("load-reference")
def load_reference(folder: Path, db: DbOpt = None) -> None:
    """Replace the reference data with a folder of CSV files."""
    with user_errors():
        from ordex.sense.reference import load_reference as read
        ref = read(folder)
        make_app(db).save_reference(ref)
        out.print(f"Loaded {len(ref.customers):,} customers, {len(ref.items):,} items, "
                  f"{len(ref.inventory):,} stock positions from {folder}.")


@cli.command()
def schema(output: Annotated[Path | None, typer.Option(help="Write to this file")] = None) -> None:
    """Print the JSON Schema of the canonical order."""
    from ordex.sense.schema import order_json_schema
    text = json.dumps(order_json_schema(), indent=2) + "\n"
    if output:
        output.write_text(text)
    else:
        out.print(text, highlight=False, markup=False, soft_wrap=True)


@cli.command()
def migrate(db: DbOpt = None) -> None:
    """Bring the database schema up to date."""
    with user_errors():
        make_app(db)
        out.print("Database schema is up to date.")


@cli.command()
def serve(db: DbOpt = None, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the API and the control-tower pages."""
    with user_errors():
        import uvicorn

        from ordex.entrypoints.api.app import create_app
        app = make_app(db)
        out.print(f"ordex control tower on http://{host}:{port}/  (API docs: /docs)")
        uvicorn.run(create_app(app), host=host, port=port, log_level="warning")


def main() -> None:
    """Console entry point."""
    cli()
