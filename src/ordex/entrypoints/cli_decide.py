"""CLI commands of the decide stage: policy activation and listing, and the what-if replay."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ordex.adapters.db.policy_repo import activate, policy_versions
from ordex.entrypoints.cli_support import Format, emit, fail, make_app, out, user_errors
from ordex.entrypoints.whatif import whatif

DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL (else ORDEX_DATABASE_URL)")]
FmtOpt = Annotated[Format, typer.Option("--format", help="text or json")]
policy_cli = typer.Typer(help="Decision policies: validate, activate, list.",
                         no_args_is_help=True)


def register(cli: typer.Typer) -> None:
    """Add the decide commands to the main CLI."""
    cli.command("whatif")(whatif_command)
    cli.add_typer(policy_cli, name="policy")


def _day(text: str, option: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(text), time(0), UTC)
    except ValueError:
        fail(f"{option} {text!r} is not a date (YYYY-MM-DD)")


def whatif_command(policy: Annotated[Path, typer.Option("--policy", help="Policy YAML to try")],
                   start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD")],
                   end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD "
                                                     "(inclusive)")],
                   db: DbOpt = None, fmt: FmtOpt = Format.text) -> None:
    """Replay a period's orders and events under another policy, beside the active one."""
    with user_errors():
        first, last = _day(start, "--from"), _day(end, "--to") + timedelta(days=1)
        if last <= first:
            fail("--to must not be before --from")
        report = whatif(make_app(db), policy, start=first, end=last)
        emit(report, fmt, _print_whatif)


def _print_whatif(r: dict[str, Any]) -> None:
    a, p = r["active"], r["proposed"]
    out.print(f"What-if {r['from'][:10]} … {r['to'][:10]}: {r['orders']:,} orders, "
              f"{r['events']:,} events replayed (no side effects).")
    table = Table("measure", f"active {a['policy_version']}", f"proposed {p['policy_version']}")
    for key, label in (("touchless_rate", "touchless rate"), ("cases", "cases"),
                       ("auto_applied", "auto-applied"),
                       ("auto_applied_value", "auto-applied value"),
                       ("revenue_at_risk", "revenue at risk (routed)"),
                       ("expected_late_lines", "expected late lines")):
        fmt = (lambda v: f"{v:.1%}") if key == "touchless_rate" else str
        table.add_row(label, fmt(a[key]), fmt(p[key]))
    for queue in sorted(set(a["cases_per_queue"]) | set(p["cases_per_queue"])):
        table.add_row(f"cases in {queue}", str(a["cases_per_queue"].get(queue, 0)),
                      str(p["cases_per_queue"].get(queue, 0)))
    out.print(table)


@policy_cli.command("activate")
def activate_command(path: Path, by: Annotated[str, typer.Option("--by", help="Who activates")],
                     reason: Annotated[str, typer.Option("--reason")] = "",
                     db: DbOpt = None) -> None:
    """Validate a policy file and make it the policy in force from its effective time."""
    with user_errors():
        app = make_app(db)
        doc = activate(app.engine, path, by=by, reason=reason, at=app.clock())
        out.print(f"Policy {doc.version} activated by {by}, effective "
                  f"{doc.effective_from.isoformat()}.")


@policy_cli.command("check")
def check_command(path: Path) -> None:
    """Validate a policy file and print its version."""
    with user_errors():
        from ordex.decide.rules import load_policy
        doc, digest = load_policy(path)
        out.print(f"{path}: policy {doc.version} is valid (sha256 {digest[:12]}).")


@policy_cli.command("list")
def list_command(db: DbOpt = None, fmt: FmtOpt = Format.text) -> None:
    """Activated policies, newest first."""
    with user_errors():
        rows = policy_versions(make_app(db).engine)
        for r in rows:
            r["effective_from"] = str(r["effective_from"])
            r["activated_at"] = str(r["activated_at"])
        emit(rows, fmt, lambda rs: [out.print(f"{x['version']}  effective {x['effective_from']}"
                                              f"  by {x['activated_by']} at {x['activated_at']}"
                                              f"  {x['reason']}") for x in rs] or out.print(
            "No policy activated; the configured policy file is in force."))
