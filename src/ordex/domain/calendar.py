"""Business calendars: working time in a place, and SLA arithmetic in it.

A calendar is a time zone, working hours per weekday, public holidays (behind the small
`Holidays` port, so the domain needs no package) and company closures. Instants in and out are
aware UTC; local time exists only inside these functions, one local day at a time, so a
daylight-saving change makes a working day as long as the wall clock says it is.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ordex.domain.errors import OrdexError

MAX_DAYS = 3660
"""The longest stretch of days a calendar is searched for working time (ten years)."""
DAY_MINUTES = 24 * 60


class CalendarError(OrdexError):
    """The business calendar cannot be used."""


class Holidays(Protocol):
    """Public holidays of a place."""

    def __contains__(self, day: object) -> bool:
        """True when the local date is a public holiday."""
        ...


class NoHolidays:
    """A place without public holidays (a round-the-clock calendar)."""

    def __contains__(self, day: object) -> bool:
        """Never a holiday."""
        return False


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """One weekday's working time, in minutes after local midnight: [start, end)."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= DAY_MINUTES:
            raise CalendarError(f"working hours {self.start}-{self.end} (minutes) must lie "
                                "within one day and end after they start")

    @classmethod
    def parse(cls, text: str) -> WorkingHours:
        """`08:00-17:00` (`24:00` may end a day)."""
        try:
            start, end = (part.strip() for part in text.split("-"))
            return cls(_minutes(start), _minutes(end))
        except ValueError:
            raise CalendarError(f"working hours {text!r} must look like 08:00-17:00") from None


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    h, m = int(hours), int(minutes)
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m):
        raise ValueError(text)
    return h * 60 + m


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Where and when people work: zone, hours per weekday (0 = Monday), holidays, closures."""

    name: str
    zone: str
    hours: Mapping[int, WorkingHours]
    holidays: Holidays = field(default_factory=NoHolidays)
    closures: frozenset[date] = frozenset()
    _tz: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "_tz", ZoneInfo(self.zone))
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder, `America`
            raise CalendarError(f"calendar {self.name}: unknown time zone {self.zone!r}") from None
        if not self.hours or not set(self.hours) <= set(range(7)):
            raise CalendarError(f"calendar {self.name}: needs working hours on at least one "
                                "weekday (0 = Monday … 6 = Sunday)")

    def is_working_day(self, day: date) -> bool:
        """True when the local date has working hours and is no holiday or closure."""
        return (day.weekday() in self.hours and day not in self.closures
                and day not in self.holidays)

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The local date's working time as UTC instants, None on a day off."""
        if not self.is_working_day(day):
            return None
        hours = self.hours[day.weekday()]
        return self._at(day, hours.start), self._at(day, hours.end)

    def _at(self, day: date, minutes: int) -> datetime:
        when = day + timedelta(days=minutes // DAY_MINUTES)
        local = datetime.combine(when, time(minutes % DAY_MINUTES // 60, minutes % 60),
                                 tzinfo=self._tz)
        # A wall time in a spring-forward gap does not exist: fold=0 reads it with the offset
        # in force before the change, which lands on the instant the clock jumps to or past.
        return local.astimezone(UTC)

    def _windows(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        day = since.astimezone(self._tz).date()
        for _ in range(MAX_DAYS):
            found = self.window(day)
            if found is not None and found[1] > since:
                yield found
            day += timedelta(days=1)
        raise CalendarError(f"calendar {self.name}: no working time within {MAX_DAYS} days "
                            f"of {since.isoformat()}")

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant `duration` of working time after `start` (UTC in, UTC out)."""
        start = _utc(start)
        if duration <= timedelta(0):
            return start
        left = duration
        for begin, end in self._windows(start):
            begin = max(begin, start)
            if left <= end - begin:
                return begin + left
            left -= end - begin
        raise AssertionError("unreachable: _windows raises when it runs out")  # pragma: no cover

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Working time between two instants (zero when `end` is not after `start`)."""
        start, end = _utc(start), _utc(end)
        total = timedelta(0)
        if end <= start:
            return total
        for begin, finish in self._windows(start):
            if begin >= end:
                break
            total += min(finish, end) - max(begin, start)
        return total


ROUND_THE_CLOCK = BusinessCalendar("round_the_clock", "UTC",
                                   {d: WorkingHours(0, DAY_MINUTES) for d in range(7)})
"""Every hour counts: the calendar of a policy that names none (clock hours, as before)."""


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise CalendarError(f"time {moment.isoformat()} has no time zone")
    return moment.astimezone(UTC)
