"""A unit of work over state kept in memory between commands: one writer replaying a stream.

The simulator hands its orders, receipts, payments and people's actions to the message bus
like every other entry point, and the same handlers run them; only the unit of work differs.
Instead of locking and loading context from the database for every command, the session
holds the simulated distributor's whole working set in one pipeline, answers idempotency and
resends from what it committed, and hands each commit to a sink (the store, in batches).
There is no rollback of memory: handlers check before they change anything, and a command
that fails after changing memory ends the run.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any

from ordex.domain.approvals import Approval
from ordex.domain.cases import Case
from ordex.domain.codes import ExceptionCode
from ordex.domain.errors import UnknownReferenceError
from ordex.domain.model import CustomerLicence, Item, PriceContract, RawPayload, UnitConversion
from ordex.interpret.context import DetectionContext
from ordex.orchestrate.changes import Changes
from ordex.orchestrate.intake import IdempotencyIndex, MemoryIdempotency
from ordex.orchestrate.pipeline import Pipeline
from ordex.orchestrate.ports import Need
from ordex.orchestrate.reevaluate import apply_item_fix
from ordex.orchestrate.work import NewWork


class SessionUnitOfWork:
    """The UnitOfWork port over one pipeline in memory; each commit goes to `sink`."""

    def __init__(self, pipeline: Pipeline, *, sink: Callable[[Changes], None]) -> None:
        self.pipeline, self.sink = pipeline, sink
        self.index = MemoryIdempotency()
        self.raws: dict[str, str] = {}
        self.bodies: dict[str, RawPayload] = {}
        self.failures: dict[str, set[str]] = {}
        self.cases_seen: dict[str, Case] = {}
        self.queued: list[NewWork] = []
        self.committed: list[Changes] = []
        self.reference = MemoryReference(pipeline.ctx)
        self.cases = MemoryCases(self.cases_seen)
        self.timers = MemoryTimers(self.cases_seen)
        self.roster = pipeline.roster
        """Who works the queues (None, as in the simulator: nobody is assigned by strategy)."""

    def __enter__(self) -> SessionUnitOfWork:
        self.committed = []
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc is not None:
            self.pipeline.take_changes()  # what the failed command noted is not written

    def lock(self, need: Need) -> None:
        """One writer: nothing to lock."""

    def hydrate(self, need: Need) -> Pipeline:
        """The pipeline holds everything already."""
        return self.pipeline

    def idempotency(self) -> IdempotencyIndex:
        """Results given so far in this session."""
        return self.index

    def raws_by_hash(self, hashes: Collection[str], *, channel: str) -> dict[str, str]:
        """Raw payloads committed in this session, by hash."""
        return {h: self.raws[h] for h in hashes if h in self.raws}

    def cases_of_raws(self, raw_ids: Collection[str], *, batches: Collection[str]) -> set[str]:
        """Quarantine cases opened for these raw payloads in this session."""
        return {c for r in raw_ids for c in self.failures.get(r, ())}

    def stored_raws(self, raw_ids: Collection[str]) -> dict[str, RawPayload]:
        """Raw payloads committed in this session, by id."""
        return {r: self.bodies[r] for r in raw_ids if r in self.bodies}

    def enqueue(self, work: Collection[NewWork]) -> None:
        """Keep queued work (the session judges inline; nothing claims it)."""
        self.queued.extend(work)

    def complete(self, work_ids: Collection[int], *, worker: str) -> None:
        """Nothing is claimed in a session."""

    def commit(self, changes: Changes | None = None) -> None:
        """Remember what the commit answered, then hand it to the sink."""
        if changes is None:
            return
        for result in changes.results:
            if result.status != "rejected":
                self.index.remember(result)
        for raw in changes.raw_payloads:
            self.raws.setdefault(raw.sha256, raw.raw_id)
            self.bodies[raw.raw_id] = raw
        for case in [*changes.new_cases.values(), *changes.dirty_cases.values()]:
            self.cases_seen[case.case_id] = case
            if case.case_id.startswith("raw-"):
                raw_id = case.case_id[4:].split(":")[0].split("-")[0]
                self.failures.setdefault(raw_id, set()).add(case.case_id)
        self.committed.append(changes)
        self.sink(changes)

    def rollback(self) -> None:
        """Forget what the pipeline noted since the last commit."""
        self.pipeline.take_changes()


class MemoryReference:
    """Reference checks against the context in memory; changes are applied to it."""

    def __init__(self, ctx: DetectionContext) -> None:
        self.ctx = ctx

    def require_known(self, **named: str | None) -> None:
        """Refuse ids the context does not know."""
        known: dict[str, Collection[str]] = {
            "customer_id": self.ctx.customers, "item_id": self.ctx.items,
            "warehouse_id": self.ctx.warehouses}
        for name, value in named.items():
            if value is not None and name in known and value not in known[name]:
                raise UnknownReferenceError(f"{name}: unknown {value}", field=name)

    def require_receipt(self, *, item_id: str, warehouse_id: str, po_id: str | None) -> None:
        """Refuse an unknown item or warehouse."""
        self.require_known(item_id=item_id, warehouse_id=warehouse_id)

    def require_unit(self, *, item_id: str, uom: str) -> None:
        """Units are checked where the context converts them."""

    def base_unit(self, item_id: str) -> str:
        """The item's base unit."""
        return self.ctx.items[item_id].base_uom

    def po_position(self, po_id: str) -> tuple[str, str] | None:
        """Where an inbound PO is due."""
        return next((k for k, pos in self.ctx.inbound.items() for po in pos
                     if po.po_id == po_id), None)

    def set_po_due(self, po_id: str, due: Any) -> None:
        """Re-date the PO in the context (as the database would store it)."""
        self.ctx.redate_inbound(po_id, due)

    def save_contract(self, contract: PriceContract) -> None:
        """Add or replace (by contract id) the contract in the context."""
        key = (contract.customer_id, contract.item_id)
        self.ctx.contracts[key] = [c for c in self.ctx.contracts.get(key, ())
                                   if c.contract_id != contract.contract_id] + [contract]

    def save_item_fix(self, item: Item | None, conversion: UnitConversion | None) -> None:
        """Replace the item and/or the conversion in the context."""
        apply_item_fix(self.ctx, item, conversion)

    def save_licence(self, licence: CustomerLicence) -> None:
        """Add or replace (by licence id) the licence in the context."""
        held = self.ctx.licences.get(licence.customer_id, [])
        self.ctx.licences[licence.customer_id] = [
            lic for lic in held if lic.licence_id != licence.licence_id] + [licence]


class MemoryCases:
    """Cases committed in this session, by id."""

    def __init__(self, seen: dict[str, Case]) -> None:
        self.seen = seen

    def get(self, case_id: str) -> Case | None:
        """The case as last committed."""
        return self.seen.get(case_id)

    def approvals(self, case_id: str) -> list[Approval]:
        """The approvals the case carries in memory."""
        case = self.seen.get(case_id)
        return list(case.approvals) if case else []

    def orders_with_open(self, code: ExceptionCode, **where: Any) -> list[str]:
        """The pipeline holds every open order already: none to load."""
        return []

    def open_orders_of(self, customer_id: str, item_id: str) -> list[str]:
        """The pipeline holds every open order already: none to load."""
        return []

    def orders_with_open_cases_for_item(self, item_id: str) -> list[str]:
        """The pipeline holds every open order already: none to load."""
        return []


class MemoryTimers:
    """The TimerStore port over a session's cases; a session runs no timers, so there are
    none to park (the simulator writes each new case's timers for workers to run later)."""

    def __init__(self, seen: dict[str, Case]) -> None:
        self.seen = seen

    def cases(self, case_ids: Collection[str]) -> dict[str, Case]:
        """Cases committed in this session, by id."""
        return {c: self.seen[c] for c in case_ids if c in self.seen}

    def park(self, case_id: str) -> int:
        """No timer waits in a session."""
        return 0

    def park_claimed(self, work_ids: Collection[int], *, worker: str) -> None:
        """Nothing is claimed in a session."""

    def parked(self, case_id: str) -> dict[int, datetime]:
        """No timer is parked in a session."""
        return {}

    def requeue(self, due: Mapping[int, datetime]) -> None:
        """No timer is parked in a session."""
