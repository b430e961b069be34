"""People and systems that use ordex: users, API tokens, and who is acting (the principal)."""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal

from ordex.domain.errors import InvalidUserError
from ordex.domain.permissions import Role

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
USER_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WORKDAYS = WEEKDAYS[:5]


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """When a person works, in their own time zone: a daily window on some weekdays."""

    start: time = time(8, 0)
    end: time = time(17, 0)
    days: tuple[str, ...] = WORKDAYS

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise InvalidUserError(f"working hours end {self.end} is not after start "
                                   f"{self.start}", field="working_hours")
        bad = [d for d in self.days if d not in WEEKDAYS]
        if bad or not self.days:
            raise InvalidUserError(f"working days must be some of {', '.join(WEEKDAYS)}",
                                   field="working_hours")

    @classmethod
    def parse(cls, text: str) -> WorkingHours:
        """`08:00-17:00` or `mon,tue,wed 08:00-17:00`."""
        days, _, window = text.strip().rpartition(" ")
        try:
            start, end = (time.fromisoformat(x) for x in window.split("-"))
        except ValueError:
            raise InvalidUserError(f"working hours {text!r} are not HH:MM-HH:MM",
                                   field="working_hours") from None
        chosen = tuple(d.strip().lower() for d in days.split(",") if d.strip())
        return cls(start, end, chosen or WORKDAYS)

    def __str__(self) -> str:
        return f"{','.join(self.days)} {self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True, slots=True)
class Skills:
    """What a person is good at: exception codes, customer segments (tiers), regions."""

    codes: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class User:
    """A person who signs in to work cases."""

    user_id: str
    name: str
    email: str
    roles: tuple[str, ...]
    queues: tuple[str, ...] = ()
    skills: Skills = field(default_factory=Skills)
    time_zone: str = "UTC"
    working_hours: WorkingHours = field(default_factory=WorkingHours)
    capacity: int = 20
    """How many open cases the person can hold at once."""
    active: bool = True

    def __post_init__(self) -> None:
        if not USER_ID.match(self.user_id):
            raise InvalidUserError("user id must be 1-64 of a-z 0-9 . _ - (lower case)",
                                   field="user_id")
        if not self.name.strip() or len(self.name) > 200:
            raise InvalidUserError("name must be 1-200 characters", field="name")
        if not EMAIL.match(self.email) or len(self.email) > 254:
            raise InvalidUserError(f"{self.email!r} is not an e-mail address", field="email")
        if not self.roles:
            raise InvalidUserError("a user needs at least one role", field="roles")
        if self.capacity < 0:
            raise InvalidUserError("capacity must be 0 or more", field="capacity")
        check_time_zone(self.time_zone)


def check_time_zone(name: str) -> str:
    """An IANA time zone name (`Europe/Paris`), or InvalidUserError naming the field."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder, `America`
        raise InvalidUserError(f"{name!r} is not an IANA time zone name (e.g. Europe/Paris)",
                               field="time_zone") from None
    return name


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A credential for a system (an EDI gateway, a script); its secret is only ever hashed."""

    name: str
    scopes: tuple[str, ...]
    """Role names the token acts with (`ingest` is the integration role)."""
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    def usable(self, *, now: datetime) -> bool:
        """Not revoked and not expired at `now`."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is acting: a user or a token, with the roles that decide what it may do."""

    actor: str
    """What the audit log records: the user id, or `token:NAME`."""
    roles: tuple[Role, ...]
    kind: str = "user"
    time_zone: str = "UTC"
    """Where the pages show dates and times for this principal (a user's own zone)."""

    @property
    def role_names(self) -> tuple[str, ...]:
        """The names of the principal's roles."""
        return tuple(r.name for r in self.roles)

    @property
    def permission_names(self) -> frozenset[str]:
        """Every permission any of the principal's roles grants (what a page may offer)."""
        return frozenset(str(p) for r in self.roles for p in r.permissions)


def case_value(value: object) -> Decimal:
    """A case's value at risk as a Decimal (0 when unknown)."""
    try:
        return Decimal(str(value)) if value is not None else Decimal(0)
    except ArithmeticError:
        return Decimal(0)
