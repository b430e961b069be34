"""The composition root: the one place that builds adapters and the bus, and owns the clock."""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Connection, Engine

from ordex.adapters.db import dead_letters
from ordex.adapters.db import tables as t
from ordex.adapters.db.dashboard_queries import DashboardQueries
from ordex.adapters.db.dialect import make_engine, wipe
from ordex.adapters.db.file_records import SqlFileLookups
from ordex.adapters.db.files_repo import FileStore
from ordex.adapters.db.identity_repo import SqlIdentity
from ordex.adapters.db.migrate import upgrade
from ordex.adapters.db.notifications_repo import delivery_stats
from ordex.adapters.db.outbound_repo import OutboundDocuments
from ordex.adapters.db.outbox_stats import outbox_stats
from ordex.adapters.db.policy_repo import policy_in_force
from ordex.adapters.db.queries import DbIdempotency, Queries
from ordex.adapters.db.reference_cache import ReferenceCache
from ordex.adapters.db.reference_repo import save_reference
from ordex.adapters.db.store import SqlChangeStore
from ordex.adapters.db.uow import SqlUnitOfWork
from ordex.adapters.directory import MappingDirectory, UsersDirectory
from ordex.adapters.erp_sandbox import SandboxErp, SqlOutbox
from ordex.adapters.erp_tryton import TrytonErp, TrytonRpc
from ordex.adapters.notify.channels import ChannelNotifier
from ordex.adapters.notify.smtp import SmtpConfig, SmtpNotifier
from ordex.adapters.notify.webhook import WebhookNotifier
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
from ordex.learn.dashboards import Period, compute_dashboard
from ordex.learn.kpis import compute_kpis
from ordex.orchestrate.batching import Batching
from ordex.orchestrate.bus import Handler, MessageBus
from ordex.orchestrate.handlers import (
    cases,
    files_csv,
    files_edi,
    files_resume,
    intake,
    people,
    replay,
    signals,
    timers,
)
from ordex.orchestrate.handlers.files_common import FileTools
from ordex.orchestrate.outbox import deliver
from ordex.orchestrate.pipeline import Pipeline
from ordex.orchestrate.ports import ErpConnector, Notifier
from ordex.orchestrate.retry import RetryPolicy
from ordex.orchestrate.session import SessionUnitOfWork
from ordex.orchestrate.work import WorkItem, WorkKind
from ordex.orchestrate.worker import WRITER_TURN
from ordex.orchestrate.workset import WorkSet

HANDLERS: dict[type, Callable[..., Any]] = {
    c.IngestOrders: intake.ingest_orders, c.QueueOrders: intake.queue_orders,
    c.JudgeQueued: intake.judge_queued, c.ReceiveStock: signals.handle_signal,
    c.PostPayment: signals.handle_signal, c.RedateInboundPO: signals.handle_signal,
    c.ChangePriceContract: signals.handle_signal,
    c.FixItemMaster: signals.handle_signal, c.UploadLicence: signals.handle_signal,
    c.QueueSignal: signals.queue_signal, c.ReevaluateQueued: signals.reevaluate_queued,
    c.TakeCase: cases.take_case, c.ResolveCase: cases.resolve_case,
    c.AssignCase: cases.assign_case, c.CommentCase: cases.comment_case,
    c.AttachToCase: cases.attach_to_case, c.AcceptRecommendation: cases.accept_recommendation,
    c.ChooseAlternative: cases.choose_alternative,
    c.OverrideRecommendation: cases.override_recommendation,
    c.RequestApproval: cases.request_approval, c.ApproveCase: cases.approve_case,
    c.RejectCase: cases.reject_case, c.CancelCase: cases.cancel_case,
    c.ReopenCase: cases.reopen_case,
    c.IngestEdiFile: files_edi.ingest_edi_file, c.IngestCsvFile: files_csv.ingest_csv_file,
    c.ReplayCase: replay.replay_case, c.RetryDue: replay.retry_due,
    c.ResumeUnfinished: files_resume.resume_unfinished,
    c.LoadTradingPartners: replay.load_trading_partners,
    c.IngestOrderGroup: intake.ingest_order_group,
    c.PauseCase: timers.pause_case, c.ResumeCase: timers.resume_case,
    c.FireTimers: timers.fire_timers,
    c.MarkAway: people.mark_away, c.MarkBack: people.mark_back,
    c.HandOverCases: people.hand_over_cases,
}
"""Every command and its one handler; each handler takes the command, a unit of work, `now`,
and by name what else it needs of bootstrap (`tools`: the file handlers' adapters;
`directory`: users and their roles, for authority and approvals)."""

KEPT_BY_WIPE = (t.policies, t.users, t.api_tokens)
"""What a fresh simulation keeps: activated policies, users and tokens."""


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
    erp: ErpConnector
    """Where ERP commands go: the sandbox, HTTP/JSON or Tryton (ORDEX_ERP_CONNECTOR)."""
    new_pipeline: Callable[..., Pipeline]
    uow: Callable[[], SqlUnitOfWork]
    """A fresh unit of work."""
    files: FileStore
    """The raw file store (stored files and their processing state)."""
    edi: OutboundDocuments
    """Reads of the outbound EDI documents."""
    identity: SqlIdentity
    """Users and API tokens (docs/security.md)."""
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
            wipe(conn, [x for x in t.metadata.sorted_tables if x not in KEPT_BY_WIPE])

    def save_reference(self, ref: ReferenceData) -> None:
        """Replace the reference data."""
        save_reference(self.engine, ref)

    def deliver_outbox(self) -> int:
        """Deliver every due ERP command now, as a worker does (claims, retries, dead
        letters); a failed one waits for its retry time, so this returns once nothing is due."""
        worker, policy, sent = f"inline:{os.getpid()}", outbox_policy(self.settings), 0
        while n := deliver(self.outbox, self.erp, worker=worker, now=self.clock(),
                           limit=5000, policy=policy):
            sent += n
        return sent

    def outbox_stats(self) -> dict[str, Any]:
        """Counts per state, the oldest pending message, delivery rate and lag (docs/erp.md)."""
        return outbox_stats(self.engine, now=self.clock())

    def notification_stats(self) -> dict[str, Any]:
        """Notifications per state; deliveries per event type and state (docs/notifications.md)."""
        return delivery_stats(self.engine)

    def replay_outbox(self, ident: str, *, actor: str) -> dict[str, Any]:
        """Put a dead letter (by message id or its case id) back to pending; resolve its case."""
        return dead_letters.replay(self.engine, ident, actor=actor, at=self.clock())

    def kpis(self, *, now: datetime | None = None,
             period: Period | None = None) -> dict[str, Any]:
        """The KPI report as of `now` (default: the application's clock), with the
        dashboards' figures of `period` when one is given (docs/kpis.md)."""
        at = (now or self.clock()).astimezone(UTC)
        report = compute_kpis(self.queries.kpi_facts(now=at))
        if period is not None:
            facts = DashboardQueries(self.engine).dashboard_facts(period=period, now=at)
            report["dashboard"] = compute_dashboard(facts, period)
        return report


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
    tools = FileTools(files, SqlFileLookups(engine), Batching(settings.batch_size), clock)
    identity = SqlIdentity(engine)
    directory = UsersDirectory(identity)
    bus = MessageBus(uow=uow, handlers=_handlers(clock, tools=tools, directory=directory))
    app = App(settings, clock, engine, bus, Queries(engine), DbIdempotency(engine),
              SqlChangeStore(engine), SqlOutbox(engine), erp_connector(settings, engine),
              new_pipeline, uow, files, OutboundDocuments(engine), identity, reference_cache,
              postal)
    if deliver_inline:
        bus.subscribe(ErpCommandsQueued, partial(_deliver, app))
    return app


def erp_connector(settings: Settings, engine: Engine) -> ErpConnector:
    """The ERP connector of this deployment: the sandbox table, HTTP/JSON by mapping, or
    Tryton (no connection is opened before the first command)."""
    if settings.erp_connector == "tryton":
        return TrytonErp(tryton_rpc(settings), prefix=settings.tryton_order_prefix)
    if settings.erp_connector == "http" and settings.erp_mapping_file is not None:
        from ordex.adapters.erp_http import HttpErp, load_mapping
        return HttpErp(load_mapping(settings.erp_mapping_file), env=os.environ)
    return SandboxErp(engine)


def tryton_rpc(settings: Settings) -> TrytonRpc:
    """A Tryton JSON-RPC session as configured (it logs in on its first call)."""
    return TrytonRpc(settings.tryton_url, settings.tryton_database, user=settings.tryton_user,
                     password=settings.tryton_password, timeout=settings.tryton_timeout_seconds)


def outbox_policy(settings: Settings) -> RetryPolicy:
    """Backoff with full jitter and the attempts before a message is a dead letter."""
    return RetryPolicy(base=timedelta(seconds=settings.outbox_retry_base_seconds),
                       cap=timedelta(seconds=settings.outbox_retry_cap_seconds),
                       max_attempts=settings.outbox_max_attempts, jitter="full")


def notify_policy(settings: Settings) -> RetryPolicy:
    """Backoff with full jitter and the attempts before a notice's delivery fails for good."""
    return RetryPolicy(base=timedelta(seconds=settings.notify_retry_base_seconds),
                       cap=timedelta(seconds=settings.notify_retry_cap_seconds),
                       max_attempts=settings.notify_max_attempts, jitter="full")


def notifier(settings: Settings, *, clock: Callable[[], datetime] = utcnow,
             env: Mapping[str, str] | None = None) -> Notifier:
    """E-mail through the configured SMTP server and signed CloudEvents webhooks."""
    email = SmtpNotifier(SmtpConfig(
        settings.notify_smtp_host, settings.notify_smtp_port, settings.notify_smtp_starttls,
        settings.notify_smtp_user, settings.notify_smtp_password, settings.notify_from,
        settings.notify_smtp_timeout_seconds)) if settings.notify_smtp_host else None
    webhook = WebhookNotifier(source=settings.notify_source,
                              env=os.environ if env is None else env,
                              default_secret=settings.notify_webhook_secret,
                              timeout=settings.notify_webhook_timeout_seconds, clock=clock)
    return ChannelNotifier(email=email, webhook=webhook)


def _handlers(clock: Callable[[], datetime], **deps: Any) -> dict[type, Handler]:
    """Every handler whose dependencies are at hand, given them and `now` from this clock."""
    def wired(handler: Callable[..., Any]) -> Handler | None:
        named = [p for p in list(inspect.signature(handler).parameters)[2:] if p != "now"]
        if not set(named) <= set(deps):
            return None  # e.g. the file handlers, on a session bus without a file store
        given = {k: deps[k] for k in named}
        return lambda command, unit: handler(command, unit, now=clock(), **given)
    return {k: h for k, h in ((k, wired(h)) for k, h in HANDLERS.items()) if h is not None}


def session_bus(session: SessionUnitOfWork, *, clock: Callable[[], datetime],
                team: Mapping[str, Sequence[str]] | None = None) -> MessageBus:
    """The bus over one session unit of work (the simulator: one writer, state in memory);
    `team` is who works there with which roles (user id → roles)."""
    directory = MappingDirectory(team or {})
    return MessageBus(uow=lambda: session, handlers=_handlers(clock, directory=directory))


def _deliver(app: App, _fact: ErpCommandsQueued) -> None:
    app.deliver_outbox()


def worker_handlers(app: App) -> dict[str, Callable[[list[WorkItem]], None]]:
    """What a worker does with each kind of claimed work: hand it to the bus as a command."""
    def judge(items: list[WorkItem]) -> None:
        batching = Batching(app.settings.batch_size)  # by payloads, as every channel
        for group in batching.batches(items, weight=lambda i: len(i.payload["raws"])):
            _judge(app, group)

    def reevaluate(items: list[WorkItem]) -> None:
        for item in items:  # one unit of work each: a signal's orders are locked together
            app.bus.handle(c.ReevaluateQueued(item.id, item.payload, item.claimed_by))

    def fire(items: list[WorkItem]) -> None:
        app.bus.handle(c.FireTimers(tuple((i.id, i.not_before, i.payload) for i in items),
                                    items[0].claimed_by))
    return {WorkKind.INTAKE.value: judge, WorkKind.REEVALUATE.value: reevaluate,
            WorkKind.TIMER.value: fire}


def _judge(app: App, items: list[WorkItem]) -> None:
    if app.engine.dialect.name == "sqlite":  # one writer at a time: due timers go first
        WRITER_TURN.let_urgent_pass()
    raws = tuple((str(r), k) for item in items for r, k in item.payload["raws"])
    app.bus.handle(c.JudgeQueued(tuple(i.id for i in items), raws, items[0].claimed_by))
