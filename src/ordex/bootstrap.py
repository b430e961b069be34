"""The composition root: the one place that wires adapters into the stages and owns the clock."""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from collections.abc import Callable, Collection, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from ordex.adapters.db import tables as t
from ordex.adapters.db.dialect import make_engine, wipe
from ordex.adapters.db.files_repo import cases_of_raws, raw_ids_by_hash
from ordex.adapters.db.known_repo import require_known, require_receipt
from ordex.adapters.db.migrate import upgrade
from ordex.adapters.db.queries import DbIdempotency, Queries
from ordex.adapters.db.reference_repo import load_reference, save_reference
from ordex.adapters.db.state_repo import (
    case_from_row,
    load_credit_state,
    load_duplicate_candidates,
    load_holders,
    load_orders_into,
    load_recent_orders,
    open_case_orders,
)
from ordex.adapters.db.store import SqlChangeStore
from ordex.adapters.erp_sandbox import SandboxErp, SqlOutbox
from ordex.adapters.postal import ZipcodesDirectory
from ordex.bootstrap_decide import (
    decide_summary,
    decider_for,
    policy_in_force,
    routing_policy,
)
from ordex.config import Settings
from ordex.decide.policy import Policy
from ordex.decide.rules import PolicyDocument
from ordex.domain.cases import Case, CaseState
from ordex.domain.codes import ExceptionCode
from ordex.domain.errors import (
    IllegalTransitionError,
    InvalidPayloadError,
    SimulationInFutureError,
    UnknownCaseError,
)
from ordex.domain.events import PaymentPosted, StockReceived
from ordex.domain.reference import ReferenceData
from ordex.interpret.build import context_from_reference
from ordex.interpret.recent import DupProbes, probes_for
from ordex.interpret.registry import detectors_for
from ordex.learn.detection import detection_report
from ordex.learn.kpis import compute_kpis
from ordex.orchestrate.intake import IdempotencyIndex, Outcome, UnitIndex, ingest
from ordex.orchestrate.outbox import dispatch
from ordex.orchestrate.pipeline import Pipeline
from ordex.orchestrate.workset import WorkSet
from ordex.sense.orders import decode_json, split_orders
from ordex.sense.safe_text import refused_reason, storable
from ordex.simulate.orders import InjectionRates
from ordex.simulate.run import OPENS, Simulation
from ordex.simulate.world import WorldConfig, build_world


def utcnow() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


def peek_docs(bodies: Iterable[bytes]) -> list[dict[str, Any]]:
    """The order objects of payloads that decode (a peek to know what context to load)."""
    docs: list[dict[str, Any]] = []
    for body in bodies:
        try:
            data = decode_json(body)
        except InvalidPayloadError:  # intake itself reports why it does not read
            continue
        found = data if isinstance(data, list) else data.get("orders", [data]) if isinstance(
            data, dict) else []
        docs.extend(d for d in found if isinstance(d, dict))
    return docs


def is_batch(body: bytes) -> bool:
    """Whether a payload holds a list of orders (its items' cases are `raw-ID-INDEX`)."""
    try:
        return split_orders(decode_json(body))[1]
    except InvalidPayloadError:
        return False


def peek_keys(bodies: Iterable[bytes]) -> tuple[set[str], set[str], date | None]:
    """Customers, items and the earliest order date named in payloads (to load their context)."""
    customers: set[str] = set()
    items: set[str] = set()
    earliest: date | None = None
    for doc in peek_docs(bodies):
        customers.add(str(doc.get("customer_id", "")))
        items.update(str(ln.get("item_id", "")) for ln in doc.get("lines", []) or []
                     if isinstance(ln, dict))
        try:
            day = date.fromisoformat(str(doc.get("order_date")))
        except ValueError:
            continue
        earliest = day if earliest is None or day < earliest else earliest
    return customers, items, earliest


def offline_pipeline(settings: Settings, ref: ReferenceData) -> Pipeline:
    """A pipeline over reference data only, with no database (`ordex check`)."""
    detection = settings.detection()
    ctx = context_from_reference(ref, settings=detection, postal=ZipcodesDirectory())
    return Pipeline(ctx=ctx, detectors=detectors_for(detection.enabled), policy=Policy(),
                    stamp_arrival=False)


class App:
    """ordex wired to its database, ERP connector and postal directory."""

    def __init__(self, settings: Settings, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.settings, self.clock = settings, clock
        self.engine = make_engine(settings.database_url)
        self.store = SqlChangeStore(self.engine)
        self.outbox, self.erp = SqlOutbox(self.engine), SandboxErp(self.engine)
        self.queries, self.idempotency = Queries(self.engine), DbIdempotency(self.engine)
        self.postal = ZipcodesDirectory()
        self.detection = settings.detection()
        self.detectors = detectors_for(self.detection.enabled)
        self.policy = Policy()
        self._lock = threading.Lock()  # one writer per process; workers scale out later

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

    def commit(self, pipeline: Pipeline) -> None:
        """Write the pipeline's changes in one transaction, then deliver the outbox."""
        self.store.save(pipeline.take_changes())
        dispatch(self.outbox, self.erp, now=self.clock())

    def new_pipeline(self, ref: ReferenceData, *, document: PolicyDocument | None = None,
                     **kwargs: Any) -> Pipeline:
        """A pipeline over reference data held in memory, deciding under the policy in force."""
        ctx = context_from_reference(ref, settings=self.detection, postal=self.postal)
        doc = document or policy_in_force(self.engine, self.settings, at=self.clock())
        return Pipeline(ctx=ctx, detectors=self.detectors, policy=routing_policy(doc),
                        decider=decider_for(doc, ref), **kwargs)

    def _hydrated(self, *, customers: Collection[str] = (), items: Collection[str] = (),
                  order_ids: Collection[str] = (), since: date | None = None,
                  probes: DupProbes | None = None) -> Pipeline:
        """A pipeline loaded with exactly the context this batch of work needs.

        Text that cannot be stored never reaches a query (on PostgreSQL a NUL or a lone
        surrogate fails the statement): the orders carrying it are refused at intake anyway.
        """
        customers, items, order_ids = storable(customers), storable(items), storable(order_ids)
        if probes is not None:
            probes = DupProbes(frozenset(storable(probes.po_keys)), frozenset(
                ln for ln in probes.lines if not refused_reason(ln[0] + ln[2])))
        work = WorkSet()
        with self.engine.connect() as conn:
            load_orders_into(conn, work, order_ids)
            customers = set(customers) | {o.customer_id for o in work.orders.values()}
            items = set(items) | {ln.item_id for o in work.orders.values() for ln in o.lines}
            ref = load_reference(conn, customers=customers, items=items)
            pipeline = self.new_pipeline(ref, work=work)
            load_credit_state(conn, pipeline.ctx, customers)
            load_holders(conn, pipeline.ctx, items)
            if since is not None and probes is not None:
                hours = timedelta(hours=self.detection.duplicate_lines_window_hours)
                load_duplicate_candidates(
                    conn, pipeline.ctx, customers, probes,
                    po_since=since - timedelta(days=self.detection.duplicate_po_window_days),
                    lines_since=self.clock() - hours)
            elif since is not None:
                window = max(self.detection.duplicate_po_window_days, 2)
                load_recent_orders(conn, pipeline.ctx, customers, since - timedelta(days=window))
        return pipeline

    # -- handlers ------------------------------------------------------------------------
    def ingest(self, bodies: list[tuple[bytes, str]], *, channel: str,
               key: str | None = None, index: IdempotencyIndex | None = None) -> list[Outcome]:
        """Store and process payloads (body, source) in one unit of work."""
        now = self.clock()
        customers, items, earliest = peek_keys(b for b, _ in bodies)
        with self._lock:
            since = earliest or now.date()
            probes = probes_for(peek_docs(b for b, _ in bodies))
            pipeline = self._hydrated(customers=customers, items=items, since=since,
                                      probes=probes)
            outcomes = self.ingest_unit(pipeline, bodies, channel=channel, key=key,
                                        index=index, now=now)
            self.commit(pipeline)
        return outcomes

    def ingest_unit(self, pipeline: Pipeline, bodies: list[tuple[bytes, str]], *, channel: str,
                    now: datetime, key: str | None = None,
                    index: IdempotencyIndex | None = None) -> list[Outcome]:
        """Judge payloads in one unit of work: a payload or order seen before is answered."""
        shas = {hashlib.sha256(b).hexdigest(): b for b, _ in bodies}
        with self.engine.connect() as conn:
            raws = raw_ids_by_hash(conn, shas, channel=channel)
            batches = [r for sha, r in raws.items() if is_batch(shas[sha])]
            pipeline.known_cases |= cases_of_raws(conn, raws.values(), batches=batches)
        unit = UnitIndex(index or self.idempotency)
        docs = peek_docs(b for b, _ in bodies)
        ids = {d["order_id"] for d in docs
               if isinstance(d.get("order_id"), str) and not refused_reason(d["order_id"])}
        unit.prefetch(ids | ({key} | {f"{key}#{i}" for i in range(len(docs))} if key else set()))
        outcomes: list[Outcome] = []
        for body, source in bodies:
            outcomes.extend(ingest(pipeline, unit, body, source=source, channel=channel,
                                   now=now, key=key, on_accept=unit.remember, raws=raws))
        return outcomes

    def stock_received(self, event: StockReceived) -> list[str]:
        """Apply a stock receipt and auto-resolve the shortfalls it covers."""
        code = ExceptionCode.INVENTORY_SHORTFALL
        with self._lock:
            with self.engine.connect() as conn:
                require_receipt(conn, item_id=event.item_id, warehouse_id=event.warehouse_id,
                                po_id=event.po_id)
                ids = open_case_orders(conn, code, item_id=event.item_id,
                                       warehouse_id=event.warehouse_id)
            pipeline = self._hydrated(items={event.item_id}, order_ids=ids)
            closed = pipeline.on_stock_received(event, now=event.at)
            self.commit(pipeline)
        return closed

    def payment_posted(self, event: PaymentPosted) -> list[str]:
        """Apply a payment and release the credit holds it clears."""
        with self._lock:
            with self.engine.connect() as conn:
                require_known(conn, customer_id=event.customer_id)
                ids = open_case_orders(conn, ExceptionCode.CREDIT_LIMIT_EXCEEDED,
                                       customer_id=event.customer_id)
            pipeline = self._hydrated(customers={event.customer_id}, order_ids=ids)
            closed = pipeline.on_payment(event, now=event.at)
            self.commit(pipeline)
        return closed

    def act(self, case_id: str, *, action: str, actor: str, reason: str,
            params: dict[str, Any] | None = None) -> dict[str, Any]:
        """A person takes or resolves a case; returns the case as it now stands."""
        now = self.clock()
        with self._lock:
            found = self.queries.case(case_id)
            if found is None:
                raise UnknownCaseError(f"no case {case_id}", case_id=case_id)
            pipeline = self._hydrated(order_ids=[found["order_id"]] if found["order_id"] else [])
            case = self._case_in(pipeline, case_id, found)
            if action == "take":
                pipeline.take(case, actor=actor, now=now)
            else:
                pipeline.resolve(case, actor=actor, action=action, reason=reason, now=now,
                                 params=params)
            self.commit(pipeline)
        return self.queries.case(case_id) or {}

    def _case_in(self, pipeline: Pipeline, case_id: str, found: dict[str, Any]) -> Case:
        case = pipeline.work.open_cases.get(found["order_id"] or "", {}).get(case_id)
        if case is None and found["order_id"] is None and found["state"] in open_states():
            with self.engine.connect() as conn:
                row = conn.execute(select(t.cases).where(t.cases.c.case_id == case_id))
                case = case_from_row(row.mappings().one())
        if case is None:
            raise IllegalTransitionError(f"case {case_id} is {found['state']} and cannot change",
                                         case_id=case_id, state=found["state"])
        return case

    def kpis(self, *, now: datetime | None = None) -> dict[str, Any]:
        """The KPI report as of `now` (default: the application's clock)."""
        at = (now or self.clock()).astimezone(UTC)
        return compute_kpis(self.queries.kpi_facts(now=at))

    def default_start(self, days: int) -> date:
        """First day of the `days` days ending today (yesterday before today's first orders)."""
        today = (self.clock().astimezone(UTC) - OPENS).date()
        return today - timedelta(days=days - 1)

    def _played_until(self, cfg: WorldConfig) -> datetime:
        """The end of the simulated period, or now if earlier: nothing is played after now."""
        end = datetime.combine(cfg.start + timedelta(days=cfg.days), datetime.min.time(), UTC)
        until = min(end, self.clock().astimezone(UTC))
        if until <= datetime.combine(cfg.start, datetime.min.time(), UTC):
            raise SimulationInFutureError(f"the simulated period starts {cfg.start}, after now",
                                          start=cfg.start.isoformat())
        return until

    def simulate(self, cfg: WorldConfig, *, orders_per_day: int, rates: InjectionRates,
                 progress: Callable[[int], None] | None = None,
                 planned: Callable[[int], None] | None = None) -> dict[str, Any]:
        """Build a fresh distributor, play its period up to now through the pipeline, report."""
        started, until = time.perf_counter(), self._played_until(cfg)
        self.wipe()
        world = build_world(cfg, self.postal.zip_codes())
        self.save_reference(world.ref)
        counter = itertools.count(1)
        pipeline = self.new_pipeline(world.ref, new_id=lambda: f"M{next(counter):010d}")
        sim = Simulation(world=world, cfg=cfg, pipeline=pipeline, orders_per_day=orders_per_day,
                         rates=rates, flush=lambda: self.commit(pipeline),
                         flush_every=self.settings.batch_size, until=until)
        pipeline_started = time.perf_counter()
        result = sim.run(progress, planned=planned)
        pipeline_seconds = time.perf_counter() - pipeline_started
        with self.engine.begin() as conn:
            rows = [{"order_id": o, "code": c} for o, c in sorted(result.truth)]
            for i in range(0, len(rows), 5000):
                conn.execute(t.ground_truth.insert(), rows[i:i + 5000])
        elapsed = time.perf_counter() - started
        return {
            "seed": cfg.seed, "start": cfg.start.isoformat(), "days": cfg.days,
            "as_of": until.isoformat(),
            "warehouses": cfg.warehouses, "customers": cfg.customers, "items": cfg.items,
            "orders": result.orders, "payloads": result.payloads, "resends_replayed":
            result.replays, "events": result.events,
            "detection": detection_report(result.predicted, result.truth),
            "kpis": (kpis := self.kpis(now=until)),
            **decide_summary(kpis, sim),
            "run": {"seconds": round(elapsed, 2),
                    "orders_per_second": round(result.orders / elapsed, 1) if elapsed else None,
                    "pipeline_seconds": round(pipeline_seconds, 2),
                    "pipeline_orders_per_second": round(result.orders / pipeline_seconds, 1)
                    if pipeline_seconds else None,
                    **sim.mirror.timings()},
        }


def open_states() -> tuple[str, ...]:
    """States in which a case still needs work."""
    return (CaseState.OPEN.value, CaseState.IN_PROGRESS.value)
