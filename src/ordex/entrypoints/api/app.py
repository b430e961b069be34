"""The FastAPI application: orders in, cases out, events, KPIs and the control-tower page."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError
from starlette.concurrency import run_in_threadpool

from ordex.bootstrap import App
from ordex.domain.cases import CaseState
from ordex.domain.codes import Action, ExceptionCode, Queue
from ordex.domain.commands import (
    CaseCommand,
    ChangePriceContract,
    FixItemMaster,
    PauseCase,
    PostPayment,
    QueueSignal,
    ReceiveStock,
    RedateInboundPO,
    ResolveCase,
    ResumeCase,
    Signal,
    TakeCase,
    UploadLicence,
)
from ordex.domain.errors import (
    ActionNotAllowedError,
    CaseChangedError,
    UnknownCaseError,
    UnknownOrderError,
)
from ordex.domain.model import CustomerLicence, PriceContract, UnitConversion
from ordex.domain.permissions import Permission
from ordex.entrypoints.api import errors
from ordex.entrypoints.api.auth import (
    ROUTES,
    Authenticator,
    CurrentPrincipal,
    allowed,
    authorize,
    route_key,
)
from ordex.entrypoints.api.docs import install_docs
from ordex.entrypoints.api.errors import documented
from ordex.entrypoints.api.intake import OrderIntake, intake_lifespan, order_intake, orders_answer
from ordex.entrypoints.api.limits import OrdexAPI
from ordex.entrypoints.api.outbox import outbox_routes
from ordex.entrypoints.api.params import check_request
from ordex.entrypoints.web import admin, assets, dashboards, sign_in, work
from ordex.entrypoints.web.charts import bar_chart
from ordex.entrypoints.web.sla import sla_clock
from ordex.learn.kpis import headline
from ordex.sense.reference_schema import DAY

TEMPLATES = sign_in.TEMPLATES
TEMPLATES.env.globals["sla_clock"] = sla_clock
STORABLE = Decimal(10) ** 9
"""Quantities and amounts of events stay below this (the database keeps 18 digits, 6 decimals)."""
MAX_OFFSET = 10_000_000
"""Largest `offset` of a listing (databases refuse offsets beyond 64 bits)."""
Id = Annotated[str, Query(min_length=1, max_length=200)]
ID_LEN = 100
"""Longest id an event names (the reference tables' key columns are String(100))."""
STATE_FILTER = "^(" + "|".join([*(s.value for s in CaseState), "active", "all", ""]) + ")$"
"""What `GET /cases?state=` accepts: a case state, `active`, `all` (or empty: all)."""
SPOOL_IN_MEMORY = 8 * 1024 * 1024
"""An EDI upload larger than this goes to a temporary file on its way to the raw store."""


def _strict_day(value: Any) -> Any:
    """Only a YYYY-MM-DD string is a day (no timestamps, week dates or basic format)."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError("must be a date string YYYY-MM-DD")
    return DAY.parse(value)


Day = Annotated[date, BeforeValidator(_strict_day)]


def _not_before_start(value: date, info: ValidationInfo) -> date:
    """valid_to is not before valid_from (both days are inclusive)."""
    start = info.data.get("valid_from")
    if start is not None and value < start:
        raise ValueError(f"{value} is before valid_from {start}")
    return value


class StockReceipt(BaseModel):
    """Goods received at a warehouse."""

    item_id: str = Field(min_length=1, max_length=ID_LEN)
    warehouse_id: str = Field(min_length=1, max_length=ID_LEN)
    quantity: Decimal = Field(gt=0, lt=STORABLE, max_digits=18, decimal_places=6)
    po_id: str | None = Field(None, max_length=ID_LEN)
    at: datetime | None = None


class Payment(BaseModel):
    """A customer payment applied to receivables."""

    customer_id: str = Field(min_length=1, max_length=ID_LEN)
    amount: Decimal = Field(gt=0, lt=STORABLE, max_digits=18, decimal_places=6)
    at: datetime | None = None


class InboundPODate(BaseModel):
    """A supplier's new arrival date for an inbound PO."""

    po_id: str = Field(min_length=1, max_length=ID_LEN)
    due_date: Day
    at: datetime | None = None


class ContractIn(BaseModel):
    """A price contract added or replaced (same contract id)."""

    contract_id: str = Field(min_length=1, max_length=ID_LEN)
    customer_id: str = Field(min_length=1, max_length=ID_LEN)
    item_id: str = Field(min_length=1, max_length=ID_LEN)
    uom: str = Field(min_length=1, max_length=10)
    min_qty: Decimal = Field(Decimal(0), ge=0, lt=STORABLE, max_digits=18, decimal_places=6)
    unit_price: Decimal = Field(ge=0, lt=STORABLE, max_digits=18, decimal_places=6)
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    valid_from: Day
    valid_to: Day
    at: datetime | None = None

    _in_order = field_validator("valid_to")(_not_before_start)


class ConversionIn(BaseModel):
    """A unit-of-measure conversion added or corrected for an item (a master-data fix)."""

    item_id: str = Field(min_length=1, max_length=ID_LEN)
    uom: str = Field(min_length=1, max_length=10)
    base_qty: Decimal = Field(gt=0, lt=STORABLE, max_digits=18, decimal_places=6)
    at: datetime | None = None


class LicenceIn(BaseModel):
    """A customer licence uploaded or renewed."""

    customer_id: str = Field(min_length=1, max_length=ID_LEN)
    licence_type: str = Field(min_length=1, max_length=50)
    licence_id: str = Field(min_length=1, max_length=ID_LEN)
    valid_from: Day
    valid_to: Day
    at: datetime | None = None

    _in_order = field_validator("valid_to")(_not_before_start)


class AllocationIn(BaseModel):
    """One row of a sourcing plan a person chose."""

    line: int = Field(ge=1)
    item_id: str = Field(min_length=1, max_length=100)
    warehouse_id: str = Field(min_length=1, max_length=100)
    quantity: Decimal = Field(gt=0, lt=STORABLE, max_digits=18, decimal_places=6)


class AddressIn(BaseModel):
    """A corrected ship-to address."""

    name: str = Field("", max_length=200)
    line1: str = Field(min_length=1, max_length=200)
    line2: str = Field("", max_length=200)
    city: str = Field(min_length=1, max_length=200)
    state: str = Field(min_length=1, max_length=200)
    postal_code: str = Field(min_length=1, max_length=20)
    country: str = Field("US", max_length=2)


Version = Annotated[int | None, Field(None, ge=0, le=2**31 - 1, description=(
    "The case version the person saw (GET /cases/{id}): if it changed since, 409"))]


class CaseAction(BaseModel):
    """A person's action on a case; a parameter left out defaults to the recommendation's.

    The actor is the signed-in user or token: a body naming an `actor` is refused.
    """

    actor: SkipJsonSchema[None] = Field(None, exclude=True)
    expected_version: Version = None
    action: Action | None = Field(None, description="Required to resolve")
    reason: str = Field("", max_length=2000)
    warehouse_id: str | None = Field(None, max_length=100,
                                     description="ALTERNATE_WAREHOUSE: ship from here")
    allocations: list[AllocationIn] | None = Field(
        None, description="SPLIT_SHIPMENT / SUBSTITUTE_ITEM: the plan")
    prices: dict[int, Annotated[Decimal, Field(ge=0, lt=STORABLE, max_digits=18,
                                               decimal_places=6)]] | None = Field(
        None, description="REPRICE: line → unit price")
    promise_date: Day | None = Field(None, description="REVISE_PROMISE: the new ship date "
                                     "(YYYY-MM-DD)")
    address: AddressIn | None = Field(None, description="CORRECT_ADDRESS: the address")
    ship_via: str | None = Field(None, max_length=50, description="ASSIGN_CARRIER: service")
    item_id: str | None = Field(None, max_length=100, description="MAP_ITEM: the item meant")
    quantities: dict[int, Annotated[Decimal, Field(gt=0, lt=STORABLE, max_digits=18,
                                                   decimal_places=6)]] | None = Field(
        None, description="CHANGE_QUANTITY: line → new quantity, in the line's unit")
    lines: list[Annotated[int, Field(ge=1, le=100000)]] | None = Field(
        None, max_length=1000, description="CANCEL_LINE: the lines to cancel (default: the "
                                           "case's)")

    @field_validator("actor", mode="before")
    @classmethod
    def no_actor(cls, _value: Any) -> None:
        """Who acts is the credential's, never a name the caller sends."""
        raise PydanticCustomError("actor_refused", "not accepted: the actor is the signed-in "
                                  "user or token")

    def params(self) -> dict[str, Any]:
        """The action's parameters that were given."""
        data = self.model_dump(mode="json", exclude_none=True,
                               exclude={"actor", "action", "reason", "expected_version", "rank"})
        return data


async def get_app(request: Request) -> App:
    """The wired ordex App this API serves (async: no thread hop just to read it)."""
    app: App = request.app.state.ordex
    return app


OrdexApp = Annotated[App, Depends(get_app)]


def prefers_async(prefer: Annotated[str | None, Header(
        description="`respond-async`: check the signal and store it now, re-judge the orders it "
                    "concerns in a worker (202)")] = None) -> bool:
    """True when the client asked for an asynchronous answer (RFC 7240 `Prefer`)."""
    tokens = {part.split("=")[0].strip().lower() for part in (prefer or "").replace(";", ",")
              .split(",")}
    return "respond-async" in tokens


Queued = Annotated[bool, Depends(prefers_async)]
QUEUED = {202: {"description": "Checked and stored; a worker re-judges the orders it concerns "
                               "(with `Prefer: respond-async`)"}}


def signalled(app: App, command: Signal, *, queued: bool, answer: str) -> JSONResponse:
    """Handle a signal now (the cases it changed), or check it and queue its re-judging (202)."""
    if queued:
        work = app.bus.handle(QueueSignal(command))
        return JSONResponse({"status": "queued", "work": work}, status_code=202,
                            headers={"Preference-Applied": "respond-async"})
    return JSONResponse({answer: app.bus.handle(command)})


def known_case(app: App, case_id: str) -> dict[str, Any]:
    """The case as it stands, or UnknownCaseError (404)."""
    found = app.queries.case(case_id)
    if found is None:
        raise UnknownCaseError(f"no case {case_id}", field="case_id")
    return found


def actor_of(request: Request, case_id: str, app: OrdexApp, who: CurrentPrincipal) -> str:
    """Who acts on a case: the signed-in user or token, once their roles allow this route's
    action on this case (its queue and, for resolving, its value band; docs/security.md).

    The one place a case route learns its actor: never a name the caller sends.
    """
    key = route_key(request)
    allowed(who, ROUTES[key] if key else Permission.RESOLVE_CASE, known_case(app, case_id))
    return who.actor


Actor = Annotated[str, Depends(actor_of)]


def acted(app: App, case_id: str, command: CaseCommand) -> JSONResponse:
    """Hand a person's action to the bus: the case as it now stands, or 409 if it moved."""
    try:
        app.bus.handle(command)
    except CaseChangedError as exc:
        return JSONResponse({"detail": [{"field": "case_id", "reason": exc.message}],
                             "message": exc.message, "case": app.queries.case(case_id)},
                            status_code=409)
    except ActionNotAllowedError as exc:
        return JSONResponse({"detail": [{"field": "action", "reason": exc.message}],
                             "message": f"action: {exc.message}",
                             "allowed": exc.details.get("allowed", [])}, status_code=422)
    return JSONResponse(app.queries.case(case_id) or {})


def create_app(ordex: App) -> FastAPI:
    """The API and pages over a wired ordex App."""
    api = OrdexAPI(title="ordex", version="0.1.0",
                   description="Order exception control tower: orders in, exception cases "
                   "out. Every 4xx answer is an ErrorBody naming each field and reason.",
                   max_body_size=ordex.settings.max_body_bytes, lifespan=intake_lifespan,
                   dependencies=[Depends(authorize), Depends(check_request)],
                   responses=documented(401, 403, 413, 422), docs_url=None, openapi_url=None)
    api.state.ordex, api.state.intake = ordex, order_intake(ordex)
    api.state.auth = Authenticator.of(ordex)
    errors.install(api)
    install_docs(api)
    sign_in.install(api)

    @api.get("/health", summary="Liveness: answers without a credential")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @api.get("/me", summary="Who the credential is: actor and roles")
    async def me(who: CurrentPrincipal) -> dict[str, Any]:
        return {"actor": who.actor, "kind": who.kind, "roles": list(who.role_names)}
    from ordex.entrypoints.api.casework import router  # imports this module: after it loads
    api.include_router(router)
    from ordex.entrypoints.web.case_page import router as case_page  # imports this module too
    api.include_router(case_page)
    api.include_router(outbox_routes())
    api.include_router(assets.router)
    api.include_router(admin.router)
    api.include_router(work.router)
    api.include_router(dashboards.router)

    @api.post("/orders", status_code=201, summary="Submit one order or a batch",
              description="Idempotent: the `Idempotency-Key` header (per item `KEY#index` in "
              "a batch), else each `order_id`, is bound to the content of the order first "
              "accepted under it. The same order again answers 200 with the first result "
              "(`replayed`); a different order under a used key is refused with 422 naming "
              "`Idempotency-Key` or `order_id`. Identical bytes sent again reuse their raw "
              "payload and quarantine case.",
              responses={200: {"description": "Every order was a resend: the first answers"},
                         **documented(413, 422, 503)})
    async def post_orders(request: Request,
                          idempotency_key: Annotated[str | None, Header(max_length=180)] = None
                          ) -> JSONResponse:
        body = await request.body()
        source = f"api:{request.client.host if request.client else '-'}"
        intake: OrderIntake = request.app.state.intake
        # judged by the committer thread with the requests arriving alongside: never on the loop
        outcomes = await asyncio.wrap_future(intake.submit((body, source, idempotency_key)))
        return orders_answer(body, outcomes)

    @api.get("/orders/{order_id}", summary="An order with its lines, cases and ERP commands",
             responses=documented(404, 413, 422))
    def get_order(order_id: str, app: OrdexApp) -> dict[str, Any]:
        found = app.queries.order(order_id)
        if found is None:
            raise UnknownOrderError(f"no order {order_id}", field="order_id")
        return found

    @api.get("/cases", summary="Cases, most urgent first",
             description="Filters combine (AND); an unknown query parameter is a 422.")
    def list_cases(app: OrdexApp, queue: Queue | None = None,
                   state: Annotated[str, Query(
                       pattern=STATE_FILTER, description="a case state, `active` (every "
                       "state not closed) or `all`")] = "active",
                   code: ExceptionCode | None = None,
                   customer: Annotated[Id | None, Query(description="customer_id")] = None,
                   order: Annotated[Id | None, Query(description="order_id")] = None,
                   limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                   offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0
                   ) -> list[dict[str, Any]]:
        every = state in ("all", "")
        return app.queries.cases(queue=queue.value if queue else None,
                                 state=None if every else state,
                                 code=code.value if code else None, customer_id=customer,
                                 order_id=order, limit=limit, offset=offset)

    @api.get("/cases/{case_id}", summary="A case with its evidence and audit trail",
             responses=documented(404, 413, 422))
    def get_case(case_id: str, app: OrdexApp) -> dict[str, Any]:
        found = app.queries.case(case_id)
        if found is None:
            raise UnknownCaseError(f"no case {case_id}", field="case_id")
        return found

    @api.post("/cases/{case_id}/take", summary="Start working a case",
              responses=documented(404, 409, 413, 422))
    def take_case(case_id: str, body: CaseAction, app: OrdexApp, actor: Actor) -> JSONResponse:
        return acted(app, case_id, TakeCase(case_id, actor, body.expected_version))

    @api.post("/cases/{case_id}/pause", summary="Wait for the customer (the SLA clock stops)",
              responses=documented(403, 404, 409, 413, 422))
    def pause_case(case_id: str, body: CaseAction, app: OrdexApp,
                   actor: Actor) -> JSONResponse:
        return acted(app, case_id, PauseCase(case_id, actor, body.reason))

    @api.post("/cases/{case_id}/resume", summary="Work a paused case again (due times move)",
              responses=documented(403, 404, 409, 413, 422))
    def resume_case(case_id: str, body: CaseAction, app: OrdexApp,
                    actor: Actor) -> JSONResponse:
        return acted(app, case_id, ResumeCase(case_id, actor, body.reason))

    @api.post("/cases/{case_id}/resolve", summary="Close a case with an action, within the "
              "actor's authority", responses=documented(403, 404, 409, 413, 422))
    def resolve_case(case_id: str, body: CaseAction, app: OrdexApp,
                     actor: Actor) -> JSONResponse:
        if body.action is None:
            return JSONResponse({"detail": [{"field": "action", "reason": "required to resolve"}],
                                 "message": "action: required to resolve"}, status_code=422)
        return acted(app, case_id, ResolveCase(case_id, actor, body.action.value, body.reason,
                                               body.params(), body.expected_version))

    @api.post("/events/stock-receipts", summary="Stock arrived at a warehouse",
              responses=QUEUED)
    def stock_receipt(body: StockReceipt, app: OrdexApp, queued: Queued) -> JSONResponse:
        return signalled(app, ReceiveStock(body.item_id, body.warehouse_id, body.quantity,
                                           body.po_id, body.at),
                         queued=queued, answer="auto_resolved")

    @api.post("/events/payments", summary="A customer payment was posted", responses=QUEUED)
    def payment(body: Payment, app: OrdexApp, queued: Queued) -> JSONResponse:
        return signalled(app, PostPayment(body.customer_id, body.amount, body.at),
                         queued=queued, answer="auto_resolved")

    @api.post("/edi", summary="Submit an EDI X12 interchange file (850s); answers per transaction",
              max_body_size=ordex.settings.max_edi_body_bytes)
    async def post_edi(request: Request, app: OrdexApp) -> JSONResponse:
        from ordex.domain.commands import IngestEdiFile
        source = f"api:{request.headers.get('x-filename', 'upload.edi')}"
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:  # bounded memory
            content = False
            async for chunk in request.stream():
                spool.write(chunk)
                content = content or bool(chunk.strip())
            if not content:
                return JSONResponse({"detail": [{"field": "(body)", "reason": "empty file"}],
                                     "message": "(body): empty file"}, status_code=422)
            spool.seek(0)
            report = await run_in_threadpool(app.bus.handle,
                                             IngestEdiFile(source, stream=spool))
        return JSONResponse(report.as_dict())

    @api.get("/edi/documents", summary="Outbound EDI acknowledgments (997, 855), newest first")
    def edi_documents(app: OrdexApp, order_id: Id | None = None,
                      kind: Annotated[str | None, Query(pattern="^(997|855)$")] = None,
                      limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[dict[str, Any]]:
        docs = app.edi.documents(order_id=order_id, kind=kind, limit=limit)
        return [{**d, "created_at": str(d["created_at"])} for d in docs]

    @api.post("/cases/{case_id}/replay", summary="Re-read an INTEGRATION_FAILURE's raw payload",
              responses=documented(404, 409, 413, 422))
    def replay_case(case_id: str, body: CaseAction, app: OrdexApp,
                    actor: Actor) -> dict[str, Any]:
        from ordex.domain.commands import ReplayCase
        result: dict[str, Any] = app.bus.handle(ReplayCase(case_id, actor))
        return result

    @api.post("/events/inbound-po-dates", summary="A supplier re-dated an inbound PO",
              responses=QUEUED)
    def inbound_po_date(body: InboundPODate, app: OrdexApp, queued: Queued) -> JSONResponse:
        return signalled(app, RedateInboundPO(body.po_id, body.due_date, body.at),
                         queued=queued, answer="changed")

    @api.post("/events/price-contracts", summary="A price contract was added or replaced",
              responses=QUEUED)
    def price_contract(body: ContractIn, app: OrdexApp, queued: Queued) -> JSONResponse:
        contract = PriceContract(body.contract_id, body.customer_id, body.item_id,
                                 body.uom.upper(), body.min_qty, body.unit_price,
                                 body.valid_from, body.valid_to, body.currency)
        return signalled(app, ChangePriceContract(contract, body.at), queued=queued,
                         answer="changed")

    @api.post("/events/unit-conversions", summary="A unit conversion was added or corrected",
              responses=QUEUED)
    def unit_conversion(body: ConversionIn, app: OrdexApp, queued: Queued) -> JSONResponse:
        fix = UnitConversion(body.item_id, body.uom.upper(), body.base_qty)
        return signalled(app, FixItemMaster(body.item_id, conversion=fix, at=body.at),
                         queued=queued, answer="changed")

    @api.post("/events/licences", summary="A customer licence was uploaded or renewed",
              responses=QUEUED)
    def licence(body: LicenceIn, app: OrdexApp, queued: Queued) -> JSONResponse:
        held = CustomerLicence(body.customer_id, body.licence_type, body.licence_id,
                               body.valid_from, body.valid_to)
        return signalled(app, UploadLicence(held, body.at), queued=queued, answer="changed")

    @api.get("/kpis", summary="Exception rate, backlog, touchless rate, time to resolve",
             description="With the dashboards' figures of a period (`dashboard`): the local "
             "days `from`..`to` in `tz` (default: the last 7 days up to today, UTC).")
    def kpis(app: OrdexApp, first: dashboards.FromDay = None, to: dashboards.ToDay = None,
             tz: Annotated[str, Query(max_length=64, description="IANA time zone")] = "UTC"
             ) -> dict[str, Any]:
        now = app.clock()
        period = dashboards.period_query(app, first=first, last=to, zone=tz, now=now)
        return app.kpis(now=now, period=period)

    @api.get("/queues", summary="Open and in-progress cases per queue")
    def queues(app: OrdexApp) -> dict[str, dict[str, int]]:
        return app.queries.queue_board()

    @api.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request, app: OrdexApp) -> HTMLResponse:
        now = app.clock()  # one moment for the tiles and every SLA clock on the page
        board = app.queries.queue_board()
        per_queue = {q: app.queries.cases(queue=q, state="active", limit=15) for q in board}
        totals = {q: sum(v.values()) for q, v in board.items()}
        kpis = app.kpis(now=now)
        return sign_in.render(request, "home.html", {
            "board": board, "per_queue": per_queue, "kpis": kpis, "tiles": headline(kpis),
            "now": now, "chart": bar_chart(totals, title="Open cases by queue")})

    return api
