"""Business calendars: adding working time and measuring it, across weekends, public
holidays (from the `holidays` package), company closures, both DST changes, and nights."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ordex.decide.sla import calendar_of
from ordex.decide.sla_rules import CalendarRule, HolidayRule
from ordex.domain.calendar import ROUND_THE_CLOCK, BusinessCalendar, CalendarError, WorkingHours

CHICAGO, BERLIN = ZoneInfo("America/Chicago"), ZoneInfo("Europe/Berlin")
WEEK = {d: "08:00-17:00" for d in ("mon", "tue", "wed", "thu", "fri")}
H = timedelta(hours=1)


def chicago(closures: tuple[str, ...] = ()) -> BusinessCalendar:
    return calendar_of("us", CalendarRule(zone="America/Chicago", hours=WEEK,
                                          holidays=HolidayRule(country="US", subdiv="IL"),
                                          closures=[date.fromisoformat(c) for c in closures]))


def bavaria() -> BusinessCalendar:
    return calendar_of("by", CalendarRule(zone="Europe/Berlin", hours=WEEK,
                                          holidays=HolidayRule(country="DE", subdiv="BY")))


def local(tz: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=tz).astimezone(UTC)  # type: ignore[misc]


def test_hours_within_the_day_stay_on_the_day() -> None:
    cal = chicago()
    start = local(CHICAGO, 2026, 11, 17, 9)  # a Tuesday
    assert cal.add(start, 4 * H) == local(CHICAGO, 2026, 11, 17, 13)
    assert cal.elapsed(start, local(CHICAGO, 2026, 11, 17, 13)) == 4 * H


def test_friday_afternoon_rolls_over_the_weekend_to_monday() -> None:
    cal = chicago()
    start = local(CHICAGO, 2026, 11, 6, 15)  # Friday 15:00, 2 h left that day
    due = cal.add(start, 8 * H)
    assert due == local(CHICAGO, 2026, 11, 9, 14)  # Monday 14:00
    assert cal.elapsed(start, due) == 8 * H
    assert cal.elapsed(local(CHICAGO, 2026, 11, 7, 9), local(CHICAGO, 2026, 11, 8, 17)) == 0 * H


def test_us_thanksgiving_is_not_a_working_day() -> None:
    cal = chicago()
    wednesday = local(CHICAGO, 2026, 11, 25, 16)  # Thanksgiving is Thursday 26 November 2026
    assert not cal.is_working_day(date(2026, 11, 26))
    assert cal.add(wednesday, 2 * H) == local(CHICAGO, 2026, 11, 27, 9)  # Friday 09:00


def test_a_german_state_holiday_counts_in_bavaria_only() -> None:
    cal = bavaria()  # Corpus Christi, Thursday 4 June 2026: a holiday in Bavaria, not in Berlin
    assert not cal.is_working_day(date(2026, 6, 4))
    berlin = calendar_of("be", CalendarRule(zone="Europe/Berlin", hours=WEEK,
                                            holidays=HolidayRule(country="DE", subdiv="BE")))
    assert berlin.is_working_day(date(2026, 6, 4))
    start = local(BERLIN, 2026, 6, 3, 16)
    assert cal.add(start, 2 * H) == local(BERLIN, 2026, 6, 5, 9)
    assert berlin.add(start, 2 * H) == local(BERLIN, 2026, 6, 4, 9)


def test_a_company_closure_is_skipped_like_a_holiday() -> None:
    cal = chicago(closures=("2026-12-24",))
    start = local(CHICAGO, 2026, 12, 23, 12)  # 24th closed, 25th Christmas
    assert cal.add(start, 6 * H) == local(CHICAGO, 2026, 12, 28, 9)
    assert cal.elapsed(start, local(CHICAGO, 2026, 12, 28, 9)) == 6 * H
    assert cal.elapsed(start, local(CHICAGO, 2026, 12, 28, 8)) == 5 * H  # the closure counts 0


def test_start_at_night_counts_from_the_next_opening() -> None:
    cal = chicago()
    night = local(CHICAGO, 2026, 11, 17, 22)
    assert cal.add(night, 1 * H) == local(CHICAGO, 2026, 11, 18, 9)
    early = local(CHICAGO, 2026, 11, 18, 3)
    assert cal.add(early, 1 * H) == local(CHICAGO, 2026, 11, 18, 9)
    assert cal.elapsed(night, early) == 0 * H


@pytest.mark.parametrize(("tz", "saturday", "monday"), [
    (CHICAGO, (2026, 3, 7, 0), (2026, 3, 9)),   # US spring forward: Sunday 8 March
    (BERLIN, (2026, 3, 28, 0), (2026, 3, 30)),  # EU spring forward: Sunday 29 March
    (CHICAGO, (2026, 10, 31, 0), (2026, 11, 2)),  # US fall back: Sunday 1 November
    (BERLIN, (2026, 10, 24, 0), (2026, 10, 26)),  # EU fall back: Sunday 25 October
])
def test_office_hours_stay_local_across_both_dst_changes(
        tz: ZoneInfo, saturday: tuple[int, ...], monday: tuple[int, int, int]) -> None:
    cal = BusinessCalendar("x", str(tz), {d: WorkingHours(480, 1020) for d in range(5)})
    friday = local(tz, *saturday) - timedelta(hours=8)  # Friday 16:00 local
    due = cal.add(friday, 2 * H)
    assert due == local(tz, *monday, 9)  # Monday 09:00 local, whatever the UTC offset became
    assert due.astimezone(tz).utcoffset() != friday.astimezone(tz).utcoffset()
    assert cal.elapsed(friday, due) == 2 * H


@pytest.mark.parametrize(("tz", "day", "hours"), [
    (CHICAGO, date(2026, 3, 8), 23), (CHICAGO, date(2026, 11, 1), 25),
    (BERLIN, date(2026, 3, 29), 23), (BERLIN, date(2026, 10, 25), 25),
])
def test_a_whole_day_calendar_has_a_23_or_25_hour_dst_day(tz: ZoneInfo, day: date,
                                                            hours: int) -> None:
    cal = BusinessCalendar("all", str(tz), {d: WorkingHours(0, 1440) for d in range(7)})
    window = cal.window(day)
    assert window is not None and window[1] - window[0] == hours * H
    start = local(tz, day.year, day.month, day.day, 0)
    assert cal.add(start, 24 * H) == local(tz, day.year, day.month, day.day + 1, 0) + (
        24 - hours) * H


def test_add_and_elapsed_are_inverse_over_a_month_of_starts() -> None:
    cal = chicago(closures=("2026-11-27",))
    start = local(CHICAGO, 2026, 11, 1, 0)
    for step in range(0, 30 * 24 * 4):
        at = start + step * timedelta(minutes=15)
        for hours in (0.5, 4, 9, 37):
            due = cal.add(at, hours * H)
            assert cal.elapsed(at, due) == hours * H
            assert cal.window(due.astimezone(CHICAGO).date()) is not None


def test_round_the_clock_is_plain_clock_time() -> None:
    start = datetime(2026, 3, 8, 1, 30, tzinfo=UTC)
    assert ROUND_THE_CLOCK.add(start, 30 * H) == start + 30 * H
    assert ROUND_THE_CLOCK.elapsed(start, start + 30 * H) == 30 * H


def test_elapsed_backwards_and_adding_nothing() -> None:
    cal = chicago()
    at = local(CHICAGO, 2026, 11, 17, 22)
    assert cal.elapsed(at, at - H) == 0 * H
    assert cal.add(at, 0 * H) == at


@pytest.mark.parametrize(("make", "message"), [
    (lambda: BusinessCalendar("x", "Mars/Olympus", {0: WorkingHours(0, 60)}), "time zone"),
    (lambda: BusinessCalendar("x", "America", {0: WorkingHours(0, 60)}), "time zone"),
    (lambda: BusinessCalendar("x", "UTC", {}), "at least one weekday"),
    (lambda: WorkingHours.parse("17:00-08:00"), "end after"),
    (lambda: WorkingHours.parse("9am-5pm"), "08:00-17:00"),
    (lambda: ROUND_THE_CLOCK.add(datetime(2026, 1, 1), H), "no time zone"),
])
def test_a_calendar_that_cannot_work_says_why(make: object, message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        make()  # type: ignore[operator]


def test_a_calendar_closed_for_good_raises_instead_of_looping() -> None:
    everything = frozenset(date(2026, 1, 1) + timedelta(days=i) for i in range(4000))
    cal = BusinessCalendar("closed", "UTC", {0: WorkingHours(0, 60)}, closures=everything)
    with pytest.raises(CalendarError, match="no working time"):
        cal.add(datetime(2026, 1, 1, tzinfo=UTC), H)


def test_an_unknown_holiday_country_or_subdivision_is_named() -> None:
    from ordex.decide.sla import holidays_of
    with pytest.raises(CalendarError, match=r"holidays\.country: .*'XX'"):
        holidays_of(HolidayRule(country="XX"))
    with pytest.raises(CalendarError, match=r"holidays\.subdiv: DE has no subdivision 'ZZ'.*BY"):
        holidays_of(HolidayRule(country="DE", subdiv="ZZ"))
    assert date(2026, 6, 4) in holidays_of(HolidayRule(country="DE", subdiv="BY"))
