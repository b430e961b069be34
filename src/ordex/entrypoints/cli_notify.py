"""CLI commands for notifications: `ordex subscribe add|list|remove|stats|personal`
(docs/notifications.md)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ordex.adapters.db import subscriptions_repo as subs
from ordex.entrypoints.cli_support import Format, emit, make_app, out, user_errors

DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL (else ORDEX_DATABASE_URL)")]
FmtOpt = Annotated[Format, typer.Option("--format", help="text or json")]
BY = "cli"
subscribe = typer.Typer(help="Who hears of which events (e-mail or webhook).",
                        no_args_is_help=True)


def register(cli: typer.Typer) -> None:
    """Add the subscription commands to the main CLI."""
    cli.add_typer(subscribe, name="subscribe")


@subscribe.command("add")
def subscribe_add(
        event: Annotated[str, typer.Option(help="case.assigned, approval.waiting, "
                                           "sla.at_risk or order.changed")],
        to: Annotated[str, typer.Option(help="mailto:ADDRESS or https://URL")],
        queue: Annotated[str | None, typer.Option(help="Only events of this queue")] = None,
        customer: Annotated[str | None, typer.Option(help="Only events of this customer")]
        = None,
        secret_env: Annotated[str | None, typer.Option(help="Environment variable holding "
                                                       "the webhook's signing secret")] = None,
        digest: Annotated[str | None, typer.Option(help="hourly or daily: one message per "
                                                   "period listing its events")] = None,
        db: DbOpt = None, fmt: FmtOpt = Format.text) -> None:
    """Subscribe a target to an event type, optionally for one queue or customer."""
    with user_errors():
        sub = subs.new_subscription(event=event, to=to, queue=queue, customer=customer,
                                    secret_env=secret_env, digest=digest)
        app = make_app(db)
        subs.add(app.engine, sub, now=app.clock(), by=BY)
        emit({"subscription_id": sub.subscription_id, "event": sub.event_type,
              "to": sub.target, "queue": sub.queue, "customer": sub.customer_id,
              "digest": sub.digest}, fmt,
             lambda row: out.print(f"subscription {row['subscription_id']} added",
                                   highlight=False))


@subscribe.command("list")
def subscribe_list(db: DbOpt = None, fmt: FmtOpt = Format.text) -> None:
    """Every subscription: id, event, queue, customer, target, secret variable, digest."""
    with user_errors():
        emit(subs.listed(make_app(db).engine), fmt, _print_rows)


@subscribe.command("remove")
def subscribe_remove(subscription_id: Annotated[str, typer.Argument(metavar="ID")],
                     db: DbOpt = None) -> None:
    """Remove a subscription (deliveries already written still go out)."""
    with user_errors():
        subs.remove(make_app(db).engine, subscription_id)
        out.print(f"subscription {subscription_id} removed", highlight=False)


@subscribe.command("personal")
def subscribe_personal(user_id: Annotated[str, typer.Argument(metavar="USER")],
                       on: Annotated[bool, typer.Option("--on/--off", help="Send (or stop) "
                                                        "the user's personal e-mails")] = True,
                       db: DbOpt = None) -> None:
    """Turn a user's personal notices (case assigned, approval waiting) on or off."""
    with user_errors():
        subs.set_opt_out(make_app(db).engine, user_id, not on)
        out.print(f"personal notices for {user_id} {'on' if on else 'off'}", highlight=False)


@subscribe.command("stats")
def subscribe_stats(db: DbOpt = None, fmt: FmtOpt = Format.text) -> None:
    """Notifications per state; deliveries per event type and state."""
    with user_errors():
        emit(make_app(db).notification_stats(), fmt,
             lambda data: out.print(data, highlight=False))


def _print_rows(rows: list[dict[str, Any]]) -> None:
    if not rows:
        out.print("none")
    for row in rows:
        out.print("  ".join(f"{k}={v}" for k, v in row.items() if v not in (None, "")),
                  highlight=False)
