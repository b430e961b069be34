"""Administering people and systems: users added, changed, disabled; tokens made and revoked.

The one place both `ordex user|token …` and the administration pages (`/ui/admin/…`) go
through, so the two cannot drift. Fields arrive as text (typed at a prompt or in a form);
every bad field is named at once (`InvalidUserError.details["errors"]`), the first one in the
message. Who acts (`by`) is the caller's: the CLI's `cli`, the signed-in administrator.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Protocol

from ordex.domain.codes import ExceptionCode, Queue
from ordex.domain.errors import InvalidUserError
from ordex.domain.identity import EMAIL, USER_ID, Skills, User, WorkingHours, check_time_zone

MIN_PASSWORD = 8
TOKEN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
DURATION = re.compile(r"^(\d{1,5})([dhm])$")
QUEUES = frozenset(q.value for q in Queue)
CODES = frozenset(c.value for c in ExceptionCode)
DEFAULT_HOURS = "mon,tue,wed,thu,fri 08:00-17:00"
USER_FIELDS = ("user_id", "name", "email", "roles", "queues", "skill_codes", "segments",
               "regions", "time_zone", "hours", "capacity")
"""The text fields a user is made of (CSV for the lists), as the CLI options and the form
name them."""


class People(Protocol):
    """The users and tokens store (adapters/db/identity_repo.py)."""

    def add_user(self, user: User, *, password: str | None, now: datetime, by: str) -> None: ...

    def user(self, user_id: str) -> User | None: ...

    def change_user(self, user: User, *, now: datetime, by: str) -> list[str]: ...

    def set_active(self, user_id: str, active: bool, *, now: datetime, by: str) -> None: ...

    def create_token(self, name: str, scopes: tuple[str, ...], *, expires_at: datetime | None,
                     now: datetime, by: str) -> str: ...

    def revoke_token(self, name: str, *, now: datetime, by: str) -> None: ...


def split(text: str) -> tuple[str, ...]:
    """A comma-separated list, trimmed, without empty items."""
    return tuple(x.strip() for x in text.split(",") if x.strip())


def invalid(errors: list[tuple[str, str]]) -> InvalidUserError:
    """One error naming every bad field; the message is the first `field: reason`."""
    field, reason = errors[0]
    return InvalidUserError(f"{field}: {reason}", field=field,
                            errors=[{"field": f, "reason": r} for f, r in errors])


def _roles_problem(names: tuple[str, ...], known: Collection[str]) -> str | None:
    if not names:
        return "at least one role"
    unknown = [n for n in names if n not in known]
    return f"unknown role {unknown[0]!r} (roles: {', '.join(sorted(known))})" if unknown \
        else None


def _field_problems(fields: Mapping[str, str], known: Collection[str]) -> list[tuple[str, str]]:
    """(field, reason) for each field the user cannot be made of."""
    text = {k: fields.get(k, "").strip() for k in USER_FIELDS}
    found: list[tuple[str, str]] = []
    if not USER_ID.match(text["user_id"]):
        found.append(("user_id", "1-64 of a-z 0-9 . _ - (lower case), starting with a letter "
                                 "or digit"))
    if not text["name"] or len(text["name"]) > 200:
        found.append(("name", "1-200 characters"))
    if not EMAIL.match(text["email"]) or len(text["email"]) > 254:
        found.append(("email", f"{text['email']!r} is not an e-mail address"))
    if (problem := _roles_problem(split(text["roles"]), known)) is not None:
        found.append(("roles", problem))
    if bad := [q for q in split(text["queues"]) if q not in QUEUES]:
        found.append(("queues", f"unknown queue {bad[0]!r} (queues: {', '.join(sorted(QUEUES))})"))
    if bad := [c for c in split(text["skill_codes"]) if c not in CODES]:
        found.append(("skill_codes", f"unknown exception code {bad[0]!r}"))
    for name, check in (("time_zone", check_time_zone),
                        ("hours", lambda v: WorkingHours.parse(v or DEFAULT_HOURS))):
        try:
            check(text[name])
        except InvalidUserError as exc:
            found.append((name, exc.message))
    if not re.fullmatch(r"\d{1,6}", text["capacity"] or "20"):
        found.append(("capacity", "a whole number of open cases, 0 or more"))
    return found


def user_of(*, fields: Mapping[str, str], known_roles: Collection[str],
            active: bool = True) -> User:
    """A user from its text fields, or InvalidUserError naming every bad field."""
    problems = _field_problems(fields, known_roles)
    if problems:
        raise invalid(problems)
    text = {k: fields.get(k, "").strip() for k in USER_FIELDS}
    return User(text["user_id"], text["name"], text["email"], split(text["roles"]),
                split(text["queues"]), Skills(split(text["skill_codes"]), split(text["segments"]),
                                              split(text["regions"])),
                text["time_zone"], WorkingHours.parse(text["hours"] or DEFAULT_HOURS),
                int(text["capacity"] or "20"), active)


def fields_of(user: User) -> dict[str, str]:
    """The text fields of a user (what an edit form starts from)."""
    return {"user_id": user.user_id, "name": user.name, "email": user.email,
            "roles": ", ".join(user.roles), "queues": ", ".join(user.queues),
            "skill_codes": ", ".join(user.skills.codes),
            "segments": ", ".join(user.skills.segments),
            "regions": ", ".join(user.skills.regions), "time_zone": user.time_zone,
            "hours": str(user.working_hours), "capacity": str(user.capacity)}


def new_password() -> str:
    """A one-time password for a new user (96 random bits), shown once to the administrator."""
    return secrets.token_urlsafe(12)


def add_user(*, people: People, user: User, password: str, now: datetime, by: str) -> None:
    """Store a new user with a password of at least MIN_PASSWORD characters."""
    if len(password) < MIN_PASSWORD:
        raise invalid([("password", f"at least {MIN_PASSWORD} characters")])
    people.add_user(user, password=password, now=now, by=by)


def change_user(*, people: People, user_id: str, fields: Mapping[str, str],
                known_roles: Collection[str], now: datetime, by: str) -> list[str]:
    """Change a user's details (not the id, password or whether active); the fields changed."""
    old = people.user(user_id)
    if old is None:
        raise invalid([("user_id", f"no user {user_id}")])
    user = user_of(fields={**fields, "user_id": user_id}, known_roles=known_roles,
                   active=old.active)
    return people.change_user(user, now=now, by=by)


def set_active(*, people: People, user_id: str, active: bool, now: datetime, by: str) -> None:
    """Disable a user (no more sign-ins, sessions end) or enable them again."""
    people.set_active(user_id, active, now=now, by=by)


def expiry(text: str | None, *, now: datetime) -> datetime | None:
    """`90d`, `12h` or `30m` from now; None (or empty) for no expiry."""
    if text is None or not text.strip():
        return None
    found = DURATION.match(text.strip())
    if not found or int(found[1]) == 0:
        raise invalid([("expires_in", f"{text!r}: expected a duration such as 90d, 12h or "
                                      "30m")])
    unit = {"d": "days", "h": "hours", "m": "minutes"}[found[2]]
    return now + timedelta(**{unit: int(found[1])})


def create_token(*, people: People, name: str, scopes: tuple[str, ...], expires_in: str | None,
                 known_roles: Collection[str], now: datetime, by: str) -> str:
    """A new API token; its secret is returned once (only its SHA-256 is stored)."""
    problems = [] if TOKEN_NAME.match(name) else [("name", "1-100 of letters, digits, . _ -")]
    if (problem := _roles_problem(scopes, known_roles)) is not None:
        problems.append(("scope", problem))
    try:
        expires_at = expiry(expires_in, now=now)
    except InvalidUserError as exc:
        problems.extend((e["field"], e["reason"]) for e in exc.details["errors"])
        expires_at = None
    if problems:
        raise invalid(problems)
    return people.create_token(name, scopes, expires_at=expires_at, now=now, by=by)


def revoke_token(*, people: People, name: str, now: datetime, by: str) -> None:
    """Revoke a token for good."""
    people.revoke_token(name, now=now, by=by)
