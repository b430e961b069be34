"""The `ordex` command line."""

from __future__ import annotations

import dataclasses
import json
import os
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from ordex.config import Settings
from ordex.domain.codes import Queue
from ordex.domain.commands import PostPayment, ReceiveStock, RedateInboundPO
from ordex.entrypoints import files
from ordex.entrypoints.cli_audit import register as register_audit
from ordex.entrypoints.cli_broker import register as register_broker
from ordex.entrypoints.cli_case_listing import CASE_STATES, print_cases
from ordex.entrypoints.cli_cases import register as register_cases
from ordex.entrypoints.cli_decide import register as register_decide
from ordex.entrypoints.cli_files import register as register_files
from ordex.entrypoints.cli_identity import register as register_identity
from ordex.entrypoints.cli_notify import register as register_notify
from ordex.entrypoints.cli_outbox import register as register_outbox
from ordex.entrypoints.cli_support import (
    Format,
    emit,
    err,
    fail,
    make_app,
    out,
    own_stdout,
    prime_in_background,
    reserve_stdout,
    user_errors,
)
from ordex.entrypoints.cli_tryton import register as register_tryton
from ordex.entrypoints.simulation import default_start
from ordex.entrypoints.simulation import simulate as run_simulation
from ordex.learn.dashboards import period_of
from ordex.learn.kpis import headline
from ordex.orchestrate.report import STATUSES
from ordex.sense.reference_schema import DAY, number
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
             start: Annotated[str | None, typer.Option(
                 help="First day, YYYY-MM-DD (default: the period ends today)")] = None,
             deliver: Annotated[bool, typer.Option(
                 help="Send ERP commands to the connector as the period plays; "
                      "--no-deliver leaves them in the outbox for `ordex worker`")] = True,
             fmt: FmtOpt = Format.text) -> None:
    """Simulate a distributor's period through the real pipeline and score detection."""
    with user_errors():
        if days < 1 or orders < days or not 0 <= exception_rate <= 0.5:
            fail("need --days ≥ 1, --orders ≥ --days and 0 ≤ --exception-rate ≤ 0.5")
        if warehouses < 3 or customers < 1 or items < 1:
            # each item is stocked at three warehouses or more (alternates to source from)
            fail("need --warehouses ≥ 3, --customers ≥ 1 and --items ≥ 1")
        app = make_app(db)
        try:
            first = date.fromisoformat(start) if start else default_start(app, days)
        except ValueError:
            fail(f"--start {start!r} is not a date (YYYY-MM-DD)")
        cfg = WorldConfig(seed=seed, start=first, days=days, warehouses=warehouses,
                          customers=customers, items=items)
        scale = exception_rate / 0.10
        rates = InjectionRates().scaled(scale)
        with _progress(fmt) as bar:
            task = bar.add_task("simulating", total=(orders // days) * days)
            report = run_simulation(app, cfg, orders_per_day=orders // days, rates=rates,
                                    progress=lambda n: bar.advance(task, n),
                                    planned=lambda n: bar.update(task, total=n),
                                    deliver=deliver)
        emit(report, fmt, _print_simulation)


def _progress(fmt: Format) -> Progress:
    """A progress bar on the terminal's stderr; none in JSON mode or when stderr is not a tty.

    Off a terminal a transient bar cannot erase itself and leaves an empty line behind.
    """
    return Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, transient=True,
                    disable=fmt is Format.json or not err.is_terminal)


def _print_simulation(report: dict[str, Any]) -> None:
    out.print(f"Simulated {report['orders']:,} orders over {report['days']} days from "
              f"{report['start']} to {report['as_of'][:16].replace('T', ' ')} UTC "
              f"(seed {report['seed']}) in {report['run']['seconds']} s "
              f"({report['run']['orders_per_second']:,} orders/s).", highlight=False)
    table = Table("code", "precision", "recall", "support", title="Detection vs ground truth")
    for code, m in report["detection"].items():
        table.add_row(code, f"{m['precision']:.3f}", f"{m['recall']:.3f}", str(m["support"]))
    out.print(table)
    _print_kpis(report["kpis"])
    if "touchless_rate" in report:
        d = report["decide"]
        out.print(f"Decide: touchless {report['touchless_rate']:.1%} of exceptions · OTIF of "
                  f"the plans {report['otif_rate']:.1%} · {d['auto_applied']:,} of "
                  f"{d['decisions']:,} decisions auto-applied · {d['violations']} violations · "
                  f"median decision {report['run'].get('median_decision_ms')} ms")


@cli.command()
def kpis(db: DbOpt = None, fmt: FmtOpt = Format.text,
         first: Annotated[str | None, typer.Option("--from", help="First day of the "
                                                   "dashboards' period, YYYY-MM-DD")] = None,
         last: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD "
                                                  "(default: today)")] = None,
         tz: Annotated[str, typer.Option("--tz", help="Time zone of the days")] = "UTC"
         ) -> None:
    """Exception rate by code, backlog by queue, touchless rate, median time to resolve,
    and the dashboards' figures of a period (default: the last 7 days)."""
    with user_errors():
        app = make_app(db)
        now = app.clock()
        period = period_of(first=_cli_day(first, "--from"), last=_cli_day(last, "--to"),
                           zone=tz, now=now, prefix="--")
        emit(app.kpis(now=now, period=period), fmt, _print_kpis)


def _cli_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return DAY.parse(value)  # type: ignore[no-any-return]
    except ValueError:
        fail(f"{option}: {value!r} is not a date YYYY-MM-DD")


def _print_kpis(k: dict[str, Any]) -> None:
    out.print(" · ".join(f"{label} {text}" for _key, label, text in headline(k)),
              highlight=False)
    table = Table("code", "exception rate", title="Exceptions by code")
    for code, rate in k["exception_rate_by_code"].items():
        table.add_row(code, f"{rate:.2%}")
    out.print(table)
    queues = Table("queue", "open cases", title="Open backlog by queue")
    for queue, n in k["open_backlog_by_queue"].items():
        queues.add_row(queue, f"{n:,}")
    out.print(queues)


INGEST_OUTCOMES = (*STATUSES, "replayed")
"""What ingest counts per order (docs/formats.md: intake results)."""


@cli.command()
def ingest(paths: list[Path], db: DbOpt = None, fmt: FmtOpt = Format.text,
           profile: Annotated[Path | None, typer.Option(
               help="CSV column profile (JSON) of the sender; see docs/formats.md")] = None,
           queue: Annotated[bool, typer.Option(
               help="Store JSON/NDJSON raw and queue it for `ordex worker` (judged later)")]
           = False) -> None:
    """Store and process order files: JSON, NDJSON, EDI X12 850 (.edi/.x12/.850) or CSV."""
    with user_errors():
        app = make_app(db)
        if queue:
            with _progress(fmt) as bar:
                task = bar.add_task("queueing", total=None)
                queued = files.queue_paths(app, paths, progress=lambda n: bar.advance(task, n))
            emit(queued, fmt, lambda d: out.print(
                f"Queued {d['queued']:,} payloads in {d['work_items']:,} work items."))
            return
        reports = []
        with _progress(fmt) as bar:
            task = bar.add_task("ingesting", total=None)
            for report in files.ingest_paths(app, paths, profile=profile,
                                             progress=lambda n: bar.advance(task, n)):
                reports.append(report)
        results = [r for rep in reports for r in rep["results"]]
        summary = {s: sum(rep["summary"].get(s, 0) for rep in reports) for s in INGEST_OUTCOMES}
        overall: dict[str, int] = {}
        for rep in reports:
            for key, n in rep["totals"].items():
                overall[key] = overall.get(key, 0) + n
        emit({"totals": overall, "summary": summary, "files": reports, "results": results}, fmt,
             _print_ingest)


SHOW_REJECTED = 20
"""Rejected orders `ordex ingest` names one per line (all are in `--format json`)."""


def _print_ingest(report: dict[str, Any]) -> None:
    """Counts, the notes of each file, and where the first rejected orders sat and why."""
    total = sum(report["summary"].values())
    out.print(f"Ingested {total:,} orders: " + ", ".join(
        f"{n:,} {s}" for s, n in report["summary"].items()), highlight=False)
    for rep in report["files"]:
        for note in rep["skipped"]:
            out.print(f"  {rep['source']}: {note}", highlight=False)
    rejected = [r for r in report["results"] if r["status"] == "rejected"]
    for r in rejected[:SHOW_REJECTED]:
        first = (r["errors"] or [{"field": "(item)", "reason": "could not be read"}])[0]
        where = (r["position"] or {}).get("label", "?")
        out.print(f"  rejected at {where}: {first['field']}: {first['reason']}",
                  highlight=False, soft_wrap=True)
    if len(rejected) > SHOW_REJECTED:
        out.print(f"  … and {len(rejected) - SHOW_REJECTED:,} more rejected (see --format json)",
                  highlight=False)


PARSE_EXIT = {"ok": 0, "noted": 1, "failed": 2}
"""`ordex parse` exit codes (docs/edi-x12.md): 0 every 850 accepted as sent, 1 accepted with
something noted (CTT disagreement, unknown segment, ISA padding, filler bytes), 2 any
transaction or envelope rejected, or a file unreadable."""


def _parse_outcome(entry: dict[str, Any]) -> str:
    """Classify one `parse_files` entry for the exit code."""
    if entry["status"] == "error":
        return "failed"
    return "noted" if entry.get("warnings") or entry["status"] == "note" else "ok"


def _parse_line(entry: dict[str, Any]) -> str:
    """The text form of one parse entry."""
    what = entry.get("order", {}).get("customer_po") or entry.get("error", {}).get(
        "message") or entry.get("transaction_set") or ""
    notes = [n["message"] for n in (entry.get("warnings") or entry.get("notes") or [])]
    rejected = entry.get("rejected_by")
    if rejected:  # a set (or group) inside a group or interchange rejected by its trailer
        what = (f"{entry.get('transaction_set') or entry['scope']} "
                f"{entry.get('transaction_control') or entry.get('group_control') or ''} "
                f"rejected with its {rejected['scope']} ({rejected['own_status']} on its "
                f"own): {what}")
    return f"{entry.get('file')}: {entry['status']}: {what}" + "".join(
        f"\n  noted: {n}" for n in notes)


@cli.command()
def parse(paths: list[Path], fmt: FmtOpt = Format.text,
          strict: Annotated[bool, typer.Option(
              "--strict", help="Reject a set whose CTT01/CTT02 disagree with its lines, as a "
              "strict trading partner would")] = False) -> None:
    """Parse EDI X12 files and print one object per transaction, storing nothing."""
    worst = "ok"
    with user_errors():
        from ordex.sense.x12 import parse_files
        problem = files.missing_files(paths)
        if problem:
            fail(problem)
        stream = own_stdout()
        first = True
        if fmt is Format.json:
            stream.write("[")
        for entry in parse_files([str(p) for p in paths], strict_totals=strict):
            outcome = _parse_outcome(entry)
            worst = max(worst, outcome, key=PARSE_EXIT.__getitem__)
            if fmt is Format.json:
                # one JSON array, written as the files stream by (memory stays bounded)
                stream.write(("\n" if first else ",\n") + json.dumps(entry))
                first = False
            else:
                out.print(_parse_line(entry), highlight=False)
        if fmt is Format.json:
            stream.write("\n]\n")
        stream.flush()
    if PARSE_EXIT[worst]:
        raise typer.Exit(PARSE_EXIT[worst])


@cli.command()
def replay(case_id: str,
           actor: Annotated[str, typer.Option("--actor", help="The user who replays (their "
                                              "roles must allow replay_case on the case)")],
           db: DbOpt = None, fmt: FmtOpt = Format.text) -> None:
    """Re-read the raw payload of an INTEGRATION_FAILURE case after a fix; resolve it if fixed."""
    with user_errors():
        from ordex.domain.commands import ReplayCase
        from ordex.domain.permissions import Permission
        from ordex.entrypoints.cli_actor import acting_user
        app = make_app(db)
        who = acting_user(app, actor=actor, permission=Permission.REPLAY_CASE, case_id=case_id)
        result = app.bus.handle(ReplayCase(case_id, who.actor))
        emit(result, fmt, lambda r: out.print(
            f"resolved: {', '.join(r['resolved']) or '-'}; still failing: "
            f"{', '.join(r['still_failing']) or '-'}"))


@cli.command()
def retry(db: DbOpt = None, fmt: FmtOpt = Format.text,
          base_hours: Annotated[float, typer.Option(help="First retry after this many hours; "
                                                    "doubles each attempt")] = 1.0,
          max_attempts: Annotated[int, typer.Option(help="Attempts before a person "
                                                    "takes over")] = 4) -> None:
    """Retry quarantined payloads that are due (backoff), escalating after the last attempt."""
    with user_errors():
        if base_hours <= 0 or max_attempts < 1:
            fail("--base-hours must be > 0 and --max-attempts ≥ 1")
        from ordex.domain.commands import RetryDue
        result = make_app(db).bus.handle(RetryDue(base_hours, max_attempts))
        emit(result, fmt, lambda r: out.print(
            f"{r['due']} due · resolved: {', '.join(r['resolved']) or '-'} · escalated: "
            f"{', '.join(r['escalated']) or '-'}"))


@cli.command()
def acks(db: DbOpt = None, order: str | None = None, kind: str | None = None,
         limit: int = 20, fmt: FmtOpt = Format.text) -> None:
    """Outbound EDI acknowledgments (997, 855, TA1), newest first."""
    with user_errors():
        docs = make_app(db).edi.documents(order_id=order, kind=kind, limit=limit)
        emit(docs, fmt, lambda ds: [out.print(f"--- {d['kind']} to {d['partner']} "
                                              f"{d['order_id'] or ''}\n{d['body']}",
                                              highlight=False, markup=False, soft_wrap=True)
                                    for d in ds])


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
          state: Annotated[str, typer.Option(help="open, assigned, in_progress, "
                                             "awaiting_approval, resolved, auto_resolved, "
                                             "cancelled, active (not closed) or all")
                           ] = "active",
          limit: int = 20, fmt: FmtOpt = Format.text) -> None:
    """List cases, most urgent first, with the totals by state."""
    with user_errors():
        queues = {q.value for q in Queue}
        if state not in CASE_STATES:
            fail(f"--state {state!r} is not one of {', '.join(sorted(CASE_STATES))}")
        if queue is not None and queue not in queues:
            fail(f"--queue {queue!r} is not one of {', '.join(sorted(queues))}")
        if limit < 1:
            fail("--limit must be at least 1")
        app = make_app(db)
        rows = app.queries.cases(queue=queue, state=None if state == "all" else state,
                                 limit=limit)
        emit({"cases": rows, "totals": app.queries.case_totals(queue=queue)}, fmt,
             print_cases)


@cli.command()
def receive(item: str, warehouse: str, quantity: str, db: DbOpt = None,
            po: Annotated[str | None, typer.Option(help="Inbound PO it arrived on")] = None,
            fmt: FmtOpt = Format.text) -> None:
    """Post a stock receipt; shortfalls it covers are auto-resolved."""
    with user_errors():
        app = make_app(db)
        closed = app.bus.handle(ReceiveStock(item, warehouse, _decimal(quantity, "quantity"),
                                             po_id=po))
        emit({"auto_resolved": closed}, fmt, lambda d: out.print(
            f"{len(closed)} case(s) auto-resolved: {', '.join(closed) or '-'}"))


@cli.command()
def pay(customer: str, amount: str, db: DbOpt = None, fmt: FmtOpt = Format.text) -> None:
    """Post a customer payment; credit holds it clears are released."""
    with user_errors():
        app = make_app(db)
        closed = app.bus.handle(PostPayment(customer, _decimal(amount, "amount")))
        emit({"auto_resolved": closed}, fmt, lambda d: out.print(
            f"{len(closed)} case(s) auto-resolved: {', '.join(closed) or '-'}"))


@cli.command("po-date")
def po_date(po: str, due_date: str, db: DbOpt = None, fmt: FmtOpt = Format.text) -> None:
    """A supplier re-dated an inbound PO; shortfalls waiting on it are re-judged."""
    with user_errors():
        try:
            day = DAY.parse(due_date)
        except ValueError as exc:
            fail(f"due date {exc}")
        app = make_app(db)
        changed = app.bus.handle(RedateInboundPO(po, day))
        emit({"changed": changed}, fmt, lambda d: out.print(
            f"{len(changed)} case(s) changed: {', '.join(changed) or '-'}"))


def _decimal(text: str, what: str) -> Decimal:
    """A positive plain decimal, read by the same rules as the reference files."""
    try:
        value: Decimal = number(above=Decimal(0)).parse(text.strip())
    except ValueError as exc:
        fail(f"{what} {exc}")
    return value


@cli.command("load-reference")
def load_reference(folder: Path, db: DbOpt = None) -> None:
    """Replace the reference data with a folder of CSV files."""
    with user_errors():
        from ordex.domain.commands import LoadTradingPartners
        from ordex.sense.reference import load_folder
        loaded = load_folder(folder)  # every problem of the folder, before the database
        ref = loaded.ref
        app = make_app(db)
        app.save_reference(ref)
        app.bus.handle(LoadTradingPartners(tuple(loaded.partners)))
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
def serve(db: DbOpt = None, host: str = "127.0.0.1", port: int = 8000,
          demo: Annotated[bool, typer.Option(help="Demo mode: the default secret is allowed "
                                             "(never in production)")] = False) -> None:
    """Serve the API and the control-tower pages, with a worker in the same process."""
    with user_errors():
        import uvicorn
        if demo:
            os.environ["ORDEX_DEMO"] = "true"
        problem = Settings().secret_problem()
        if problem:
            fail(problem)

        from ordex.bootstrap import worker_handlers
        from ordex.entrypoints.api.app import create_app
        from ordex.entrypoints.worker import in_background
        app = make_app(db, deliver_inline=False)
        prime_in_background(app)
        out.print(f"ordex control tower on http://{host}:{port}/  (API docs: /docs)")
        with in_background(app.settings, handlers=worker_handlers(app), clock=app.clock):
            uvicorn.run(create_app(app), host=host, port=port, log_level="warning")


@cli.command()
def worker(db: DbOpt = None, once: Annotated[bool, typer.Option(
        help="Stop when no work is left instead of waiting for more")] = False,
        fmt: FmtOpt = Format.text) -> None:
    """Finish files a crash left unfinished, then claim and do queued work (intake batches,
    ERP delivery, re-evaluation, timers) until SIGTERM or SIGINT; then say what was done."""
    with user_errors():
        from ordex.bootstrap import worker_handlers
        from ordex.domain.commands import ResumeUnfinished
        from ordex.entrypoints.worker import main as run_worker
        app = make_app(db, deliver_inline=False)
        app.bus.handle(ResumeUnfinished())  # files a crash left half-read are finished first
        tallies: list[dict[str, Any]] = []
        started = time.monotonic()
        code = run_worker(app.settings, once=once, handlers=worker_handlers(app),
                          clock=app.clock, on_stop=lambda who, stats: tallies.append(
                              {"worker": who, **dataclasses.asdict(stats)}))
        seconds = round(time.monotonic() - started, 1)
        emit({"seconds": seconds, "loops": tallies}, fmt, lambda d: _say_worker(d))
        raise typer.Exit(code)


def _say_worker(report: dict[str, Any]) -> None:
    for loop in report["loops"]:
        kinds = ", ".join(f"{k} {n:,}" for k, n in sorted(loop["by_kind"].items())) or "none"
        err.print(f"worker {loop['worker']} stopped after {report['seconds']} s: "
                  f"{loop['done']:,} items done ({kinds}), {loop['failed']:,} failed for good, "
                  f"{loop['sent']:,} ERP messages sent, {loop['loop_errors']:,} round errors",
                  soft_wrap=True)


register_decide(cli)
register_cases(cli)
register_broker(cli)
register_audit(cli)
register_outbox(cli)
register_files(cli)
register_tryton(cli)
register_identity(cli)
register_notify(cli)


def main() -> None:
    """Console entry point."""
    reserve_stdout()
    cli()
