"""Dates and times on the pages, in the signed-in person's time zone (UTC inside)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

FORMAT = "%Y-%m-%d %H:%M %Z"


def local(moment: datetime | str | None, zone: str, fmt: str = FORMAT) -> str:
    """A UTC moment (or its ISO text) shown in `zone`; blank for none."""
    if moment is None or moment == "":
        return ""
    when = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(ZoneInfo(zone)).strftime(fmt)


@pass_context
def _local_filter(context: Context, moment: datetime | str | None, fmt: str = FORMAT) -> str:
    request = context.get("request")
    who = getattr(getattr(request, "state", None), "principal", None)
    return local(moment, getattr(who, "time_zone", "UTC"), fmt)


def install(templates: Jinja2Templates) -> None:
    """`{{ moment|local }}` in every template: the viewer's zone, e.g. 2026-12-01 09:30 CST."""
    templates.env.filters["local"] = _local_filter
