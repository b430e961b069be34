"""The composition root: the one place that builds adapters and the bus, and owns the clock."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy import Connection, Engine

from ordex.adapters.db import tables as t
from ordex.adapters.db.dialect import make_engine, wipe
from ordex.adapters.db.file_records import SqlFileLookups
from ordex.adapters.db.files_repo import FileStore
from ordex.adapters.db.migrate import upgrade
from ordex.adapters.db.outbound_repo import OutboundDocuments
from ordex.adapters.db.policy_repo import policy_in_force
from ordex.adapters.db.queries import DbIdempotency, Queries
from ordex.adapters.db.reference_cache import ReferenceCache
from ordex.adapters.db.reference_repo import save_reference
from ordex.adapters.db.store import SqlChangeStore
from ordex.adapters.db.uow import SqlUnitOfWork
from ordex.adapters.erp_sandbox import SandboxErp, SqlOutbox
from ordex.adapters.postal import ZipcodesDirectory
from ordex.config import Settings
from ordex.decide.from_policy import decider_for, routing_policy
from ordex.decide.policy import Policy
from ordex.decide.rules import PolicyDocument
from ordex.domain import commands as c
from ordex.domain.events import ErpCommandsQueued
from ordex.domain.reference import ReferenceData
from ordex.interpret.build import context_from_reference
from ordex.interpret.registry import detectors_for
from ordex.learn.kpis import compute_kpis
from ordex.orchestrate.bus import Handler, MessageBus
from ordex.orchestrate.handlers import (
    cases,
    files_csv,
    files_edi,
    files_resume,
    intake,
    replay,
    signals,
)
from ordex.orchestrate.handlers.files_common import FileTools
from ordex.orchestrate.outbox import dispatch
from ordex.orchestrate.pipeline import Pipeline
from ordex.orchestrate.session import SessionUnitOfWork
from ordex.orchestrate.work import WorkItem, WorkKind
from ordex.orchestrate.workset import WorkSet

HANDLERS: dict[type, Callable[..., Any]] = {
    c.IngestOrders: intake.ingest_orders, c.QueueOrders: intake.queue_orders,
    c.JudgeQueued: intake.judge_queued, c.ReceiveStock: signals.receive_stock,
    c.PostPayment: signals.post_payment, c.RedateInboundPO: signals.redate_inbound_po,
    c.ChangePriceContract: signals.change_price_contract,
    c.FixItemMaster: signals.fix_item_master, c.UploadLicence: signals.upload_licence,
    c.TakeCase: cases.take_case, c.ResolveCase: cases.resolve_case,
    c.IngestEdiFile: files_edi.ingest_edi_file, c.IngestCsvFile: files_csv.ingest_csv_file,
    c.ReplayCase: replay.replay_case, c.RetryDue: replay.retry_due,
    c.ResumeUnfinished: files_resume.resume_unfinished,
    c.LoadTradingPartners: replay.load_trading_partners,
    c.IngestOrderGroup: intake.ingest_order_group,
}
"""Every command and its one handler; each handler takes the command, a unit of work, `now`,
and by name what else it needs of bootstrap (`tools`: the file handlers' adapters)."""


def utcnow() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


def offline_pipeline(settings: Settings, ref: ReferenceData) -> Pipeline:
    """A pipeline over reference data only, with no database (`ordex check`)."""
    detection = settings.detection()
    ctx = context_from_reference(ref, settings=detection, postal=ZipcodesDirectory())
    return Pipeline(ctx=ctx, detectors=detectors_for(detection.enabled), policy=Policy(),
                    stamp_arrival=False)


@dataclass
class App:
    """ordex wired: its database, the bus its entry points hand commands to, its reads."""

    settings: Settings
    clock: Callable[[], datetime]
    engine: Engine
    bus: MessageBus
    queries: Queries
    idempotency: DbIdempotency
    store: SqlChangeStore
    outbox: SqlOutbox
    erp: SandboxErp
    new_pipeline: Callable[..., Pipeline]
    uow: Callable[[], SqlUnitOfWork]
    """A fresh unit of work."""
    files: FileStore
    """The raw file store (stored files and their processing state)."""
    edi: OutboundDocuments
    """Reads of the outbound EDI documents."""
    reference_cache: ReferenceCache
    """The process's static reference data, shared by its units of work."""
    postal: ZipcodesDirectory
    """The postal directory every pipeline of the process checks addresses against."""

    def warm_up(self) -> int:
        """Load now what the first orders would otherwise load: the postal index and every
        customer's and item's static reference data (`ordex serve` does it in a thread)."""
        self.postal.warm()
        return self.reference_cache.prime(self.engine)

    def migrate(self) -> None:
        """Bring the database schema up to date."""
        upgrade(self.engine)

    def wipe(self) -> None:
        """Empty every table (a fresh simulation)."""
        with self.engine.begin() as conn:
            wipe(conn, [x for x in t.metadata.sorted_tables if x is not t.policies])

    def save_reference(self, ref: ReferenceData) -> None:
        """Replace the reference data."""
        save_reference(self.engine, ref)

    def deliver_outbox(self) -> int:
        """Send every pending ERP command (what a worker does; idempotent by message id)."""
        return dispatch(self.outbox, self.erp, now=self.clock())

    def kpis(self, *, now: datetime | None = None) -> dict[str, Any]:
        """The KPI report as of `now` (default: the application's clock)."""
        at = (now or self.clock()).astimezone(UTC)
        return compute_kpis(self.queries.kpi_facts(now=at))


def bootstrap(settings: Settings, *, clock: Callable[[], datetime] = utcnow,
              deliver_inline: bool = True) -> App:
    """Build ordex: adapters, the pipeline factory, the handlers with their unit of work.

    `deliver_inline`: ERP commands are delivered as soon as a command committed them (a
    one-shot CLI command); `ordex serve` and `ordex worker` deliver from a worker instead.
    """
    engine = make_engine(settings.database_url)
    postal, detection = ZipcodesDirectory(), settings.detection()
    detectors = detectors_for(detection.enabled)

    def new_pipeline(ref: ReferenceData, *, document: PolicyDocument | None = None,
                     conn: Connection | None = None, **kwargs: Any) -> Pipeline:
        ctx = context_from_reference(ref, settings=detection, postal=postal)
        doc = document or policy_in_force(conn or engine, settings, at=clock())
        return Pipeline(ctx=ctx, detectors=detectors, policy=routing_policy(doc),
                        decider=decider_for(doc, ref), **kwargs)

    def pipeline_for(ref: ReferenceData, work: WorkSet, conn: Connection) -> Pipeline:
        return new_pipeline(ref, work=work, conn=conn)

    reference_cache = ReferenceCache()  # one per process: docs/scaling.md, "Reference cache"

    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine, pipeline_for=pipeline_for, detection=detection,
                             clock=clock, reference_cache=reference_cache)

    files = FileStore(engine)
    tools = FileTools(files, SqlFileLookups(engine), settings.batch_size, clock)
    bus = MessageBus(uow=uow, handlers=_handlers(clock, tools=tools))
    app = App(settings, clock, engine, bus, Queries(engine), DbIdempotency(engine),
              SqlChangeStore(engine), SqlOutbox(engine), SandboxErp(engine), new_pipeline, uow,
              files, OutboundDocuments(engine), reference_cache, postal)
    if deliver_inline:
        bus.subscribe(ErpCommandsQueued, partial(_deliver, app))
    return app


def _handlers(clock: Callable[[], datetime], **deps: Any) -> dict[type, Handler]:
    """Every handler whose dependencies are at hand, given them and `now` from this clock."""
    def wired(handler: Callable[..., Any]) -> Handler | None:
        named = [p for p in list(inspect.signature(handler).parameters)[2:] if p != "now"]
        if not set(named) <= set(deps):
            return None  # e.g. the file handlers, on a session bus without a file store
        given = {k: deps[k] for k in named}
        return lambda command, unit: handler(command, unit, now=clock(), **given)
    return {k: h for k, h in ((k, wired(h)) for k, h in HANDLERS.items()) if h is not None}


def session_bus(session: SessionUnitOfWork, *, clock: Callable[[], datetime]) -> MessageBus:
    """The bus over one session unit of work (the simulator: one writer, state in memory)."""
    return MessageBus(uow=lambda: session, handlers=_handlers(clock))


def _deliver(app: App, _fact: ErpCommandsQueued) -> None:
    app.deliver_outbox()


def worker_handlers(app: App) -> dict[str, Callable[[list[WorkItem]], None]]:
    """What a worker does with each kind of claimed work: hand it to the bus as a command."""
    def judge(items: list[WorkItem]) -> None:
        group: list[WorkItem] = []
        for item in items:  # one unit of work per `batch_size` payloads, never more
            group.append(item)
            if sum(len(i.payload["raws"]) for i in group) >= app.settings.batch_size:
                _judge(app, group)
                group = []
        if group:
            _judge(app, group)
    return {WorkKind.INTAKE.value: judge}


def _judge(app: App, items: list[WorkItem]) -> None:
    raws = tuple((str(r), k) for item in items for r, k in item.payload["raws"])
    app.bus.handle(c.JudgeQueued(tuple(i.id for i in items), raws, items[0].claimed_by))
