"""My work: the signed-in person's queues, filtered and searched, paged, live, with bulk
assign and comment (docs/web.md, "My work").

`GET /ui/work` answers the whole page, or only the results (`#work-results`) when htmx asks
for them; the filters live in the query string, so a view can be bookmarked. A small poll
(`GET /ui/work/live`) tells the page when something changed; the results then reload
themselves. Bulk actions go case by case through the same commands as the API.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from ordex.adapters.db.work_queries import AGES, SLA_STATES, WorkFilter, WorkQueries
from ordex.bootstrap import App
from ordex.domain.codes import ExceptionCode, Queue
from ordex.domain.errors import InvalidPayloadError
from ordex.domain.identity import Principal, case_value
from ordex.domain.permissions import CaseFacts, Permission, may
from ordex.entrypoints.api.auth import CurrentPrincipal
from ordex.entrypoints.web import sign_in
from ordex.entrypoints.web.sla import sla_clock
from ordex.entrypoints.web.work_bulk import bulk

router = APIRouter(include_in_schema=False)
router.add_api_route("/ui/work/bulk", bulk, methods=["POST"], response_class=HTMLResponse)
PAGE_SIZE, MAX_PAGE = 50, 200
POLL_SECONDS = 5
FILTER_KEYS = ("queue", "code", "customer", "warehouse", "region", "tier", "age", "sla", "q")
Text = Annotated[str, Query(max_length=100)]
SLA_LABELS = {"on_track": ("On track", "✓"), "at_risk": ("At risk", "!"),
              "breached": ("Breached", "✕"), "paused": ("Paused", "Ⅱ")}
AGE_LABELS = {"lt4h": "under 4 h", "4h-1d": "4 h – 1 day", "1d-3d": "1 – 3 days",
              "gt3d": "over 3 days"}


def visible_queues(who: Principal) -> frozenset[str] | None:
    """The queues of the person's roles; None (every queue) when a role names none."""
    if not who.roles or any(r.queues is None for r in who.roles):
        return None
    return frozenset(q for r in who.roles for q in (r.queues or ()))


def _choice(name: str, value: str, allowed: tuple[str, ...] | frozenset[str]) -> str | None:
    """An empty value is no filter; anything else must be one of `allowed` (422 otherwise)."""
    value = value.strip()
    if not value:
        return None
    if value not in allowed:
        reason = f"must be one of {', '.join(sorted(allowed))}"
        raise InvalidPayloadError(f"query.{name}: {reason}",
                                  errors=[{"field": f"query.{name}", "reason": reason}])
    return value


def work_filter(who: Principal, given: dict[str, str]) -> WorkFilter:
    """The filter the query string asks for, checked (a bad value names its key)."""
    mine = visible_queues(who)
    queues = tuple(q.value for q in Queue) if mine is None else tuple(sorted(mine))
    return WorkFilter(
        queues=mine, queue=_choice("queue", given["queue"], queues),
        code=_choice("code", given["code"], tuple(x.value for x in ExceptionCode)),
        customer=given["customer"].strip() or None,
        warehouse=given["warehouse"].strip() or None, region=given["region"].strip() or None,
        tier=given["tier"].strip() or None, age=_choice("age", given["age"], tuple(AGES)),
        sla=_choice("sla", given["sla"], SLA_STATES), q=given["q"].strip() or None)


def query_string(given: dict[str, str], **changes: Any) -> str:
    """The page's query string with some keys changed (empty values left out)."""
    merged = {**given, **{k: str(v) for k, v in changes.items()}}
    return urlencode({k: v for k, v in merged.items() if v and not (k == "page" and v == "1")})


def _row_view(row: dict[str, Any], who: Principal, now: datetime, can_act: bool
              ) -> dict[str, Any]:
    """What a row shows beyond the case: its SLA clocks and whether it can be selected."""
    facts = CaseFacts(row["queue"], case_value(row["value_at_risk"]))
    response = None
    if row["response_due_at"] and not row["responded_at"]:
        response = sla_clock(row["response_due_at"], now)[0]
    return {**row, "sla_label": SLA_LABELS[row["sla_state"]], "response_clock": response,
            "resolution_clock": sla_clock(row["sla_due_at"], now)[0],
            "selectable": can_act and may(who, Permission.TAKE_CASE, facts)}


def _context(app: App, who: Principal, given: dict[str, str], page: int) -> dict[str, Any]:
    f, now = work_filter(who, given), app.clock()
    reads = WorkQueries(app.engine)
    rows = reads.page(f, now=now, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    counts = reads.counts(f, now=now)
    queues = sorted(set(counts) | (f.queues if f.queues is not None else set(counts)))
    total = counts.get(f.queue, 0) if f.queue else sum(counts.values())
    can_act = may(who, Permission.TAKE_CASE)
    return {"rows": [_row_view(r, who, now, can_act) for r in rows[:PAGE_SIZE]],
            "has_next": len(rows) > PAGE_SIZE, "page": page, "total": total,
            "pages": max(1, -(-total // PAGE_SIZE)), "queues": [(q, counts.get(q, 0))
                                                               for q in queues],
            "given": given, "now": now, "can_act": can_act, "qs": query_string,
            "url": "/ui/work" + (f"?{q}" if (q := query_string(given, page=page)) else "")}


@router.get("/ui/work", response_class=HTMLResponse)
def work_page(request: Request, who: CurrentPrincipal, queue: Text = "", code: Text = "",
              customer: Text = "", warehouse: Text = "", region: Text = "", tier: Text = "",
              age: Text = "", sla: Text = "", q: Text = "",
              page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1) -> HTMLResponse:
    """The page, or (asked by htmx) only its results, with the clean URL to show."""
    app: App = request.app.state.ordex
    given = dict(zip(FILTER_KEYS, (queue, code, customer, warehouse, region, tier, age, sla,
                                   q), strict=True))
    context = _context(app, who, given, page)
    if request.headers.get("HX-Target") == "work-results" and \
            not request.headers.get("HX-History-Restore-Request"):
        answer = sign_in.render(request, "work_results.html", context)
        answer.headers["HX-Push-Url"] = context["url"]
        return answer
    reads = WorkQueries(app.engine)
    users = [u for u in app.identity.users() if u.active] if context["can_act"] else []
    return sign_in.render(request, "work.html", {
        **context, "choices": reads.choices(), "mark": reads.mark(), "users": users,
        "codes": [x.value for x in ExceptionCode], "ages": AGE_LABELS,
        "sla_states": {k: v[0] for k, v in SLA_LABELS.items()}, "poll": POLL_SECONDS})


@router.get("/ui/work/live", response_class=HTMLResponse)
def work_live(request: Request, mark: Annotated[int, Query(ge=0)] = 0) -> HTMLResponse:
    """The live marker: a new mark, and the `work-changed` event when the cases moved."""
    now_mark = WorkQueries(request.app.state.ordex.engine).mark()
    answer = sign_in.render(request, "work_live.html", {"mark": now_mark,
                                                        "poll": POLL_SECONDS})
    if now_mark != mark:
        answer.headers["HX-Trigger"] = "work-changed"
    return answer
