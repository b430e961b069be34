"""CLI commands for people and systems: `ordex user add|list|disable|away|back`, `ordex token
create|list|revoke`, and `ordex demo-users` (docs/security.md)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from ordex.domain.commands import HandOverCases, MarkAway, MarkBack
from ordex.domain.errors import InvalidUserError
from ordex.domain.identity import User
from ordex.domain.permissions import DEFAULT_ROLES
from ordex.entrypoints.api.auth import known_roles
from ordex.entrypoints.cli_support import Format, emit, fail, make_app, out, user_errors
from ordex.orchestrate import people

DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL (else ORDEX_DATABASE_URL)")]
FmtOpt = Annotated[Format, typer.Option("--format", help="text or json")]
CSV = Annotated[str, typer.Option(help="Comma-separated")]
BY = "cli"
DEMO_PASSWORD = "demo-{role}"
users = typer.Typer(help="People who sign in.", no_args_is_help=True)
tokens = typer.Typer(help="API tokens for systems.", no_args_is_help=True)


def register(cli: typer.Typer) -> None:
    """Add the user and token commands to the main CLI."""
    cli.add_typer(users, name="user")
    cli.add_typer(tokens, name="token")
    cli.command("demo-users")(demo_users)


_split = people.split


@users.command("add")
def user_add(user_id: Annotated[str, typer.Argument(metavar="ID")],
             name: Annotated[str, typer.Option(help="Full name")],
             email: Annotated[str, typer.Option(help="E-mail address")],
             roles: Annotated[str, typer.Option(help="Comma-separated role names")],
             queues: CSV = "", skill_codes: CSV = "", segments: CSV = "", regions: CSV = "",
             time_zone: Annotated[str, typer.Option(help="IANA name")] = "UTC",
             hours: Annotated[str, typer.Option(help="[DAYS ]HH:MM-HH:MM")] =
             "mon,tue,wed,thu,fri 08:00-17:00",
             capacity: int = 20, db: DbOpt = None) -> None:
    """Add a user; the password is read from ORDEX_PASSWORD, else asked for (hidden)."""
    with user_errors(), as_options():
        app = make_app(db)
        fields = {"user_id": user_id, "name": name, "email": email, "roles": roles,
                  "queues": queues, "skill_codes": skill_codes, "segments": segments,
                  "regions": regions, "time_zone": time_zone, "hours": hours,
                  "capacity": str(capacity)}
        user = people.user_of(fields=fields, known_roles=known_roles(app.settings.roles()))
        password = os.environ.get("ORDEX_PASSWORD") or typer.prompt(
            "Password", hide_input=True, confirmation_prompt=True)
        people.add_user(people=app.identity, user=user, password=password, now=app.clock(),
                        by=BY)
        out.print(f"user {user.user_id} added ({', '.join(user.roles)})")


@users.command("list")
def user_list(db: DbOpt = None, fmt: FmtOpt = Format.text) -> None:
    """Every user: id, name, e-mail, roles, queues, time zone, hours, capacity, active."""
    with user_errors():
        app = make_app(db)
        rows = [{"user_id": u.user_id, "name": u.name, "email": u.email,
                 "roles": list(u.roles), "queues": list(u.queues), "time_zone": u.time_zone,
                 "working_hours": str(u.working_hours), "capacity": u.capacity,
                 "active": u.active} for u in app.identity.users()]
        emit(rows, fmt, _print_rows)


@users.command("disable")
def user_disable(user_id: Annotated[str, typer.Argument(metavar="ID")],
                 db: DbOpt = None, fmt: FmtOpt = Format.text) -> None:
    """Disable a user: they can no longer sign in, and their open cases are handed over."""
    with user_errors():
        app = make_app(db)
        app.identity.set_active(user_id, False, now=app.clock(), by=BY)
        done = app.bus.handle(HandOverCases(user_id, BY, "disabled"))
        emit({"disabled": user_id, **done.as_dict()}, fmt,
             lambda _d: out.print(f"user {user_id} disabled; {done.summary()}",
                                  highlight=False, soft_wrap=True))


@users.command("away")
def user_away(user_id: Annotated[str, typer.Argument(metavar="LOGIN")],
              starts: Annotated[str, typer.Option("--from", help="ISO date or time (UTC "
                                                  "unless it names a zone)")],
              until: Annotated[str, typer.Option("--until", help="ISO date or time")],
              reason: Annotated[str, typer.Option(help="Why (kept in the audit log)")] = "",
              db: DbOpt = None, fmt: FmtOpt = Format.text) -> None:
    """Record an absence: the user's open cases are handed over, and none go to them then."""
    with user_errors():
        begin, end = moment(starts, name="--from"), moment(until, name="--until")
        if end <= begin:
            fail(f"--until {until!r} is not after --from {starts!r}")
        app = make_app(db)
        done = app.bus.handle(MarkAway(user_id, begin, end, BY, reason))
        emit({"away": user_id, "from": begin.isoformat(), "until": end.isoformat(),
              **done.as_dict()}, fmt,
             lambda _d: out.print(f"user {user_id} away {begin:%Y-%m-%d %H:%M} to "
                                  f"{end:%Y-%m-%d %H:%M} UTC; {done.summary()}",
                                  highlight=False, soft_wrap=True))


@users.command("back")
def user_back(user_id: Annotated[str, typer.Argument(metavar="LOGIN")], db: DbOpt = None,
              fmt: FmtOpt = Format.text) -> None:
    """End the user's absences: they receive cases again (waiting ones first)."""
    with user_errors():
        app = make_app(db)
        done = app.bus.handle(MarkBack(user_id, BY))
        emit(done, fmt, lambda d: out.print(
            f"user {user_id} back; {d['absences_ended']} absence(s) ended, "
            f"{len(d['assigned'])} waiting case(s) assigned", highlight=False, soft_wrap=True))


def moment(text: str, *, name: str) -> datetime:
    """An ISO date (midnight UTC) or date and time (UTC unless it names a zone)."""
    try:
        found = datetime.fromisoformat(text.strip())
    except ValueError:
        fail(f"{name} {text!r}: expected an ISO date or time such as 2026-12-01 or "
             "2026-12-01T09:00+01:00")
    return found.replace(tzinfo=UTC) if found.tzinfo is None else found.astimezone(UTC)


@contextmanager
def as_options() -> Iterator[None]:
    """A bad field named as the option that gave it (`--expires-in`, not `expires_in`)."""
    try:
        yield
    except InvalidUserError as exc:
        field = str(exc.details.get("field", ""))
        option = {"user_id": "ID", "password": "password"}.get(field,
                                                               "--" + field.replace("_", "-"))
        fail(f"{option}: {exc.message.removeprefix(field + ': ')}" if field else exc.message)


@tokens.command("create")
def token_create(name: Annotated[str, typer.Option(help="What holds the token, e.g. acme-edi")],
                 scope: Annotated[list[str], typer.Option(help="A role (repeat); `ingest` "
                                                          "may post orders and EDI only")],
                 expires_in: Annotated[str | None, typer.Option(help="e.g. 90d, 12h")] = None,
                 db: DbOpt = None) -> None:
    """Create a token and print it once: only its SHA-256 is kept."""
    with user_errors(), as_options():
        app = make_app(db)
        secret = people.create_token(people=app.identity, name=name,
                                     scopes=tuple(s for part in scope for s in _split(part)),
                                     expires_in=expires_in,
                                     known_roles=known_roles(app.settings.roles()),
                                     now=app.clock(), by=BY)
        out.print(secret, highlight=False, soft_wrap=True)


@tokens.command("list")
def token_list(db: DbOpt = None, fmt: FmtOpt = Format.text) -> None:
    """Every token without its secret: scopes, created, expires, revoked, last used."""
    with user_errors():
        app = make_app(db)
        rows = [{"name": k.name, "scopes": list(k.scopes), "created_at": k.created_at,
                 "expires_at": k.expires_at, "revoked_at": k.revoked_at,
                 "last_used_at": k.last_used_at} for k in app.identity.tokens()]
        emit(rows, fmt, _print_rows)


@tokens.command("revoke")
def token_revoke(name: Annotated[str, typer.Argument(metavar="NAME")],
                 db: DbOpt = None) -> None:
    """Revoke a token for good (servers forget it within credential_cache_seconds)."""
    with user_errors():
        app = make_app(db)
        app.identity.revoke_token(name, now=app.clock(), by=BY)
        out.print(f"token {name} revoked")


def demo_users(db: DbOpt = None) -> None:
    """Demo mode only: one user per shipped role, password `demo-ROLE`, printed."""
    with user_errors():
        app = make_app(db)
        if not app.settings.demo:
            fail("demo-users runs only in demo mode (ORDEX_DEMO=true): its passwords are known")
        known = {u.user_id for u in app.identity.users()}
        for role in DEFAULT_ROLES:
            user_id = role.replace("_", "-")
            if user_id not in known:
                app.identity.add_user(User(user_id, f"Demo {role}", f"{user_id}@demo.ordex",
                                           (role,)), password=DEMO_PASSWORD.format(role=role),
                                      now=app.clock(), by="demo")
            out.print(f"demo user {user_id:<18} password {DEMO_PASSWORD.format(role=role)}",
                      highlight=False)


def _print_rows(rows: list[dict[str, Any]]) -> None:
    if not rows:
        out.print("none")
    for row in rows:
        out.print("  ".join(f"{k}={', '.join(v) if isinstance(v, list) else v}"
                            for k, v in row.items() if v not in (None, "")), highlight=False)
