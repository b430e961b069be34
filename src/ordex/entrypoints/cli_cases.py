"""CLI commands a person works cases with: resolve a case with an action of its code."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import typer

from ordex.domain.commands import ResolveCase
from ordex.domain.permissions import Permission
from ordex.entrypoints.cli_actor import acting_user
from ordex.entrypoints.cli_support import Format, emit, fail, make_app, out, user_errors

DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL (else ORDEX_DATABASE_URL)")]
FmtOpt = Annotated[Format, typer.Option("--format", help="text or json")]


def register(cli: typer.Typer) -> None:
    """Add the case commands to the main CLI."""
    cli.command("resolve")(resolve_command)


def resolve_command(
        case_id: Annotated[str, typer.Argument(metavar="CASE")],
        action: Annotated[str, typer.Option("--action", help="An action of the case's code")],
        actor: Annotated[str, typer.Option("--actor", help="The user who resolves (their "
                                           "roles must allow resolve_case on the case)")],
        reason: Annotated[str, typer.Option(help="Why")] = "",
        warehouse: Annotated[str | None, typer.Option(help="ALTERNATE_WAREHOUSE")] = None,
        promise_date: Annotated[str | None, typer.Option(help="REVISE_PROMISE, YYYY-MM-DD")]
        = None,
        ship_via: Annotated[str | None, typer.Option(help="ASSIGN_CARRIER")] = None,
        item: Annotated[str | None, typer.Option(help="MAP_ITEM")] = None,
        price: Annotated[list[str] | None, typer.Option(help="REPRICE: LINE=PRICE (repeat)")]
        = None,
        quantity: Annotated[list[str] | None, typer.Option(
            help="CHANGE_QUANTITY: LINE=QUANTITY (repeat)")] = None,
        line: Annotated[list[int] | None, typer.Option(help="CANCEL_LINE: a line (repeat)")]
        = None,
        db: DbOpt = None, fmt: FmtOpt = Format.text) -> None:
    """Resolve a case with an action; parameters left out default to the recommendation's."""
    with user_errors():
        params: dict[str, Any] = {k: v for k, v in {
            "warehouse_id": warehouse, "promise_date": promise_date, "ship_via": ship_via,
            "item_id": item, "prices": _prices(price) if price else None,
            "quantities": _prices(quantity, option="--quantity") if quantity else None,
            "lines": list(line) if line else None}.items() if v}
        app = make_app(db)
        who = acting_user(app, actor=actor, permission=Permission.RESOLVE_CASE, case_id=case_id)
        app.bus.handle(ResolveCase(case_id, who.actor, action.strip().upper(), reason, params))
        case = app.queries.case(case_id) or {}
        emit(case, fmt, lambda c: out.print(f"{c['case_id']}: {c['state']} — "
                                            f"{c.get('resolution') or ''}", highlight=False))


def _prices(pairs: list[str], *, option: str = "--price") -> dict[str, str]:
    """LINE=VALUE pairs (prices, quantities) as a mapping of line to decimal text."""
    found: dict[str, str] = {}
    for pair in pairs:
        line, _sep, value = pair.partition("=")
        try:
            found[str(int(line))] = str(Decimal(value))
        except (ValueError, InvalidOperation):
            what = "PRICE" if option == "--price" else "QUANTITY"
            fail(f"{option} {pair!r} is not LINE={what}")
    return found
