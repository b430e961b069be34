"""Pages show moments in the viewer's zone, across a daylight-saving change."""

from __future__ import annotations

from datetime import UTC, datetime

from ordex.entrypoints.web.local_time import local


def test_a_utc_moment_is_shown_in_the_viewers_zone_on_both_sides_of_a_dst_change() -> None:
    assert local(datetime(2026, 3, 8, 7, 30, tzinfo=UTC), "America/Chicago") == \
        "2026-03-08 01:30 CST"
    assert local(datetime(2026, 3, 8, 8, 30, tzinfo=UTC), "America/Chicago") == \
        "2026-03-08 03:30 CDT"
    assert local("2026-12-01T09:00:00+00:00", "Europe/Berlin") == "2026-12-01 10:00 CET"


def test_a_naive_moment_is_read_as_utc_and_none_is_blank() -> None:
    assert local(datetime(2026, 7, 1, 12, 0), "UTC") == "2026-07-01 12:00 UTC"
    assert local(None, "Europe/Berlin") == ""
