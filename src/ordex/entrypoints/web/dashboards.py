"""The leaders' dashboards (`/ui/dashboards`) and the KPI definitions page (`/ui/kpis`).

The page shows `App.kpis(now=…, period=…)`, the report `GET /kpis` and `ordex kpis` give:
the figures travel to the browser as one JSON document in the page, which
`static/dashboards.js` draws with ECharts; every chart has a table beside it and a link to
its definition in docs/kpis.md, rendered by markdown-it-py with an anchor per KPI.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from ordex.bootstrap import App
from ordex.domain.errors import InvalidPayloadError
from ordex.learn.dashboards import Period, period_of
from ordex.learn.kpis import headline
from ordex.sense.reference_schema import DAY

from . import sign_in

KPIS_MD = Path(__file__).resolve().parents[4] / "docs" / "kpis.md"
"""The definitions (docs/kpis.md): one source for the docs and the page."""
FromDay = Annotated[str | None, Query(alias="from", max_length=10,
                                      description="first day, YYYY-MM-DD (local)")]
ToDay = Annotated[str | None, Query(max_length=10, description="last day, YYYY-MM-DD (local)")]

router = APIRouter(include_in_schema=False)


def _day(value: str | None, name: str) -> date | None:
    """A YYYY-MM-DD query value, or a 422 naming the parameter."""
    if not value:
        return None
    try:
        return DAY.parse(value)  # type: ignore[no-any-return]
    except ValueError:
        reason = f"{value!r} is not a date YYYY-MM-DD"
        raise InvalidPayloadError(f"query.{name}: {reason}",
                                  errors=[{"field": f"query.{name}", "reason": reason}]) from None


def period_query(app: App, *, first: str | None, last: str | None, zone: str,
                 now: datetime) -> Period:
    """The period of a request's `from`, `to` and time zone (422 naming a bad one)."""
    return period_of(first=_day(first, "from"), last=_day(last, "to"), zone=zone, now=now)


@router.get("/ui/dashboards", response_class=HTMLResponse)
def dashboards(request: Request, first: FromDay = None, to: ToDay = None) -> HTMLResponse:
    """The dashboards of a period, in the signed-in person's time zone."""
    app: App = request.app.state.ordex
    zone = getattr(request.state.principal, "time_zone", "UTC")
    now = app.clock()
    period = period_query(app, first=first, last=to, zone=zone, now=now)
    report = app.kpis(now=now, period=period)
    return sign_in.render(request, "dashboards.html", {
        "kpis": report, "d": report["dashboard"], "tiles": headline(report), "now": now})


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _heading_open(self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict,
                  env: EnvType) -> str:
    tokens[idx].attrSet("id", _slug(tokens[idx + 1].content))
    return self.renderToken(tokens, idx, options, env)


def _row_open(self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict,
              env: EnvType) -> str:
    """A definition row (first cell `key`) is the anchor `kpi-key` the figures link to."""
    first = tokens[idx + 2] if idx + 2 < len(tokens) else None
    found = re.match(r"`([a-z0-9_.]+)`", first.content) if first and first.type == "inline" \
        else None
    if found:
        tokens[idx].attrSet("id", "kpi-" + found.group(1).replace(".", "-"))
    return self.renderToken(tokens, idx, options, env)


@lru_cache(maxsize=4)
def _rendered(path: Path, _mtime: float) -> str:
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.add_render_rule("heading_open", _heading_open)
    md.add_render_rule("tr_open", _row_open)
    return md.render(path.read_text(encoding="utf-8"))


def definitions_html(path: Path = KPIS_MD) -> str:
    """docs/kpis.md as HTML with an anchor per KPI (cached until the file changes)."""
    return _rendered(path, path.stat().st_mtime)


@router.get("/ui/kpis", response_class=HTMLResponse)
def kpi_definitions(request: Request) -> HTMLResponse:
    """The KPI definitions every figure links to."""
    return sign_in.render(request, "kpis.html", {"definitions": definitions_html()})
