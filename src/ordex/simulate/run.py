"""Run the simulated week through the real pipeline, in time order, and keep ground truth."""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from ordex.domain.cases import Case, CaseState
from ordex.domain.commands import IngestOrders, PostPayment, ReceiveStock, TakeCase
from ordex.orchestrate.bus import MessageBus
from ordex.orchestrate.changes import Changes
from ordex.orchestrate.intake import Outcome
from ordex.orchestrate.session import SessionUnitOfWork
from ordex.simulate import casework
from ordex.simulate.code_simulation import Facts, desks, simulations
from ordex.simulate.ground_truth import WorldIndex, label
from ordex.simulate.mirror import DecisionMirror
from ordex.simulate.orders import Generated, InjectionRates, OrderFactory
from ordex.simulate.people import ROSTERS, Visit, first_touch, parameters, plan_visit
from ordex.simulate.truth import Book, SimOrder
from ordex.simulate.world import World, WorldConfig

CREDIT_SHIFTS = ROSTERS["credit"]
OPENS, OPEN_FOR = timedelta(hours=6), timedelta(hours=14)
"""Orders arrive from 06:00 UTC for 14 hours each simulated day."""


@dataclass
class SimResult:
    """What the run produced: predictions, truth, counts."""

    truth: set[tuple[str, str]] = field(default_factory=set)
    predicted: set[tuple[str, str]] = field(default_factory=set)
    payloads: int = 0
    orders: int = 0
    replays: int = 0
    events: int = 0


class Simulation:
    """Hands orders and the events that resolve them to the message bus, in time order.

    The bus runs the same handlers as for real input, on a session unit of work that keeps
    the distributor in memory (`orchestrate/session.py`); what the handlers commit is written
    through `flush` every `flush_every` orders.
    """

    def __init__(self, *, world: World, cfg: WorldConfig, session: SessionUnitOfWork,
                 bus: Callable[[Callable[[], datetime]], MessageBus],
                 orders_per_day: int, rates: InjectionRates,
                 flush: Callable[[Changes], None], flush_every: int = 2000,
                 until: datetime | None = None) -> None:
        self.world, self.cfg, self.session = world, cfg, session
        self.pipeline = pipeline = session.pipeline
        self.now = datetime.combine(cfg.start, time(0), UTC)
        """The simulated moment: the clock of every command handed to the bus."""
        self.bus = bus(lambda: self.now)
        self.pending = Changes()
        session.sink = self.pending.absorb
        self.orders_per_day, self.write, self.flush_every = orders_per_day, flush, flush_every
        self.rng = random.Random(cfg.seed * 7919 + 1)
        self.people = random.Random(cfg.seed * 7919 + 2)  # its own stream: orders stay put
        self.team = random.Random(cfg.seed * 7919 + 3)  # reviews, approvals, pauses
        s = pipeline.ctx.settings
        self.book = Book(world.ref, s.price_tolerance_abs, s.price_tolerance_pct)
        self.factory = OrderFactory(world, self.book, rates, self.rng)
        self.index = WorldIndex(world.ref)
        self.rates = rates
        self.mirror = DecisionMirror(self.book, terms=world.ref.service_terms,
                                     substitutes=world.ref.substitutes)
        self.enabled = set(s.enabled)
        self.result = SimResult()
        self.heap: list[tuple[datetime, int, str, Any]] = []
        self.seq = 0
        end = datetime.combine(cfg.start + timedelta(days=cfg.days), time(0), UTC)
        self.end = end if until is None else min(end, until)
        """Nothing happens at or after this moment: the end of the period, or now if earlier."""

    def flush(self) -> None:
        """Write what the handlers committed since the last flush."""
        pending, self.pending = self.pending, Changes()
        self.session.sink = self.pending.absorb
        self.mirror.collect(pending)
        self.write(pending)

    def _handle(self, at: datetime, command: object) -> Any:
        """Hand a command to the bus at a simulated moment."""
        self.now = at
        return self.bus.handle(command)

    def _last(self) -> Changes:
        """What the last command committed."""
        last = Changes()
        for changes in self.session.committed:
            last.absorb(changes)
        return last

    def push(self, at: datetime, kind: str, payload: Any) -> bool:
        """Schedule something at a moment (ignored when past the end of the run)."""
        if at < self.end:
            self.seq += 1
            heapq.heappush(self.heap, (at, self.seq, kind, payload))
            return True
        return False

    def run(self, progress: Callable[[int], None] | None = None, *,
            planned: Callable[[int], None] | None = None) -> SimResult:
        """Play the period up to its end and return predictions and truth."""
        scheduled = self._schedule_orders()
        if planned:
            planned(scheduled)
        for po in self.world.ref.inbound_pos:
            arrival = datetime.combine(po.due_date, time(7), UTC)
            self.push(arrival, "receipt", (po.item_id, po.warehouse_id, po.quantity, po.po_id))
        done = 0
        while self.heap:
            at, _seq, kind, payload = heapq.heappop(self.heap)
            getattr(self, f"_on_{kind}")(at, payload)
            if kind == "order":
                done += 1
                if progress and done % 1000 == 0:
                    progress(1000)
                if done % self.flush_every == 0:
                    self.flush()
        self.flush()
        if progress:
            progress(done % 1000)
        return self.result

    def _schedule_orders(self) -> int:
        customers = list(self.world.weight)
        weights = [self.world.weight[c] * (1.5 if c in self.world.tight else 1) for c in customers]
        n = played = 0
        for day in range(self.cfg.days):
            start = datetime.combine(self.cfg.start + timedelta(days=day), time(0), UTC) + OPENS
            picks = self.rng.choices(customers, weights, k=self.orders_per_day)
            offsets = sorted(self.rng.randint(0, int(OPEN_FOR.total_seconds()) - 1)
                             for _ in picks)
            for cid, off in zip(picks, offsets, strict=True):
                n += 1
                played += self.push(start + timedelta(seconds=off), "order",
                                    (f"SO{n:08d}", cid, n))
        return played

    # -- handlers ----------------------------------------------------------------------
    def _on_order(self, at: datetime, payload: tuple[str, str, int]) -> None:
        order_id, cid, seq = payload
        gen = self.factory.make(order_id, cid, at, seq)
        if not gen.broken:
            self._label(gen)
        outcome = self._send(gen.body, at)
        last = self._last()
        self.result.orders += 1
        if gen.broken:
            self.result.truth.add((order_id, "INTEGRATION_FAILURE"))
            if outcome.rejected:
                self.result.predicted.add((order_id, "INTEGRATION_FAILURE"))
                opened = last.new_cases
                self._visit([opened[c] for c in outcome.result["cases"] if c in opened], None)
            return
        if outcome.rejected:  # a valid order the pipeline could not read is a miss
            return
        self.book.accept(gen.order)
        self.mirror.apply(gen.order, last.decisions)
        self._follow_up(gen.order, at)
        if self.rng.random() < self.rates.resend:
            self.push(at + timedelta(minutes=self.rng.randint(1, 90)), "resend", gen.body)

    def _send(self, body: bytes, at: datetime) -> Outcome:
        self.result.payloads += 1
        outcome: Outcome = self._handle(at, IngestOrders(((body, "simulator"),), "api"))[0]
        if not outcome.replayed and not outcome.rejected:
            for case_id in outcome.result["cases"]:
                order_id, code = case_id.rsplit(":", 1)
                self.result.predicted.add((order_id, code))
        return outcome

    def _label(self, gen: Generated) -> None:
        """Ground truth of a generated order, by every enabled code's own rule."""
        order = gen.order
        order.short_lines = self.book.short_lines(order)  # the book allocates around them
        facts = Facts(self.book, self.index, self.pipeline.ctx.settings, gen.injected)
        order.labels = label(order, facts, simulations(), self.enabled)
        self.result.truth.update((order.order_id, code) for code in order.labels)

    def _follow_up(self, order: SimOrder, at: datetime) -> None:
        """Schedule what resolves each exception: a receipt, a payment or a person."""
        rng, hours = self.rng, lambda lo, hi: timedelta(hours=self.rng.uniform(lo, hi))
        restocked = False
        if "INVENTORY_SHORTFALL" in order.labels and rng.random() < 0.7:
            restocked = True  # the planner waits for the stock rather than backordering
            for ln in order.lines:
                if ln.line_no in order.short_lines:
                    qty = ln.quantity * self.book.units(ln.item_id, ln.uom) + rng.randint(0, 50)
                    self.push(at + hours(3, 60), "receipt",
                              (ln.item_id, order.warehouse_id, Decimal(qty), None))
        if "CREDIT_LIMIT_EXCEEDED" in order.labels and rng.random() < 0.85:
            self.push(at + hours(4, 48), "payment", order.customer_id)
        elif "CREDIT_LIMIT_EXCEEDED" in order.labels:  # no payment coming: an analyst reviews
            self.push(CREDIT_SHIFTS.add(at + timedelta(hours=self.team.uniform(2, 30)), 0),
                      "credit_review", order.order_id)
        routed = self.pipeline.work.open_cases.get(order.order_id, {})
        self._visit([routed[c] for c in sorted(routed) if not (
            restocked and routed[c].code.value == "INVENTORY_SHORTFALL")], order)

    def _visit(self, cases: list[Case], order: SimOrder | None) -> None:
        """Plan a person's visit to each case a desk works."""
        for case in cases:
            if case.code.value in desks():
                visit = plan_visit(case, self.people)
                self.push(visit.take, "human", (case, order, visit))
            elif case.queue.value == "credit":  # an analyst looks first; a payment or a review
                self.push(first_touch(case, self.people), "touch", case)  # settles it

    def _on_touch(self, at: datetime, case: Case) -> None:
        if case.is_open and case.state in (CaseState.OPEN, CaseState.ASSIGNED):
            self._handle(at, TakeCase(case.case_id, casework.ANALYST))
            self.result.events += 1

    def _on_resend(self, at: datetime, body: bytes) -> None:
        outcome = self._handle(at, IngestOrders(((body, "simulator-resend"),), "api"))[0]
        self.result.payloads += 1
        self.result.replays += int(outcome.replayed)

    def _on_receipt(self, at: datetime, payload: tuple[str, str, Decimal, str | None]) -> None:
        item_id, wh, qty, po_id = payload
        self.book.receive(item_id, wh, qty, po_id)
        self._handle(at, ReceiveStock(item_id, wh, qty, po_id, at))
        self.result.events += 1

    def _on_payment(self, at: datetime, customer_id: str) -> None:
        book = self.book
        held = sum((o.value for o in book.credit_held[customer_id]), Decimal(0))
        need = book.ar[customer_id] + book.open_value[customer_id] + held - book.limit[customer_id]
        amount = max(need, Decimal(0)) + (book.limit[customer_id] * Decimal("0.1")).quantize(
            Decimal("0.01"))
        book.pay(customer_id, amount)
        self._handle(at, PostPayment(customer_id, amount, at))
        self.result.events += 1

    def _on_human(self, at: datetime, payload: tuple[Case, SimOrder | None, Visit]) -> None:
        case, order, visit = payload
        if not case.is_open:
            return  # closed meanwhile (stock, payment, a cancelled duplicate)
        desk = desks()[case.code.value]
        self._handle(at, TakeCase(case.case_id, desk.actor))
        if visit.done >= self.end:  # still being worked when the run stops
            return
        self.result.events += casework.maybe_pause(case, at, visit.done, desk.actor,
                                                   handle=self._handle, team=self.team)
        taken = casework.resolve_case(
            case, visit.done, actor=desk.actor, fallback=desk.action, team=self.team,
            handle=self._handle, params=lambda action: parameters(
                action, order, addresses=self.factory.address, at=visit.done))
        if order is not None and taken is not None:
            self._follow_person(case, order)
        self.result.events += 1

    def _follow_person(self, case: Case, order: SimOrder) -> None:
        """The book follows a person's action: a sourcing plan ships what it allocated
        (docs/decide.md), a cancelled duplicate frees its stock and credit."""
        if order.order_id in self.pipeline.work.cancelled:
            if not order.cancelled:
                self.book.cancel(order)
            return
        last = self._last()
        decided = last.dirty_cases.get(case.case_id) or last.new_cases.get(case.case_id)
        applied = ((decided.evidence.get("decision") or {}).get("detail") or {}
                   if decided is not None else {})
        if applied.get("allocations"):
            self.mirror.apply_plan(order, applied)
        elif case.code.value == "INVENTORY_SHORTFALL":
            self.book.stop_waiting(order)

    def _on_credit_review(self, at: datetime, order_id: str) -> None:
        case = self.pipeline.work.open_cases.get(order_id, {}).get(
            f"{order_id}:CREDIT_LIMIT_EXCEEDED")
        self.result.events += casework.review_credit(case, at, handle=self._handle,
                                                     push=self.push, team=self.team,
                                                     released=self._released)

    def _on_approval(self, at: datetime, case_id: str) -> None:
        order_id = case_id.rpartition(":")[0]
        case = self.pipeline.work.open_cases.get(order_id, {}).get(case_id)
        self.result.events += casework.sign(case, at, handle=self._handle, push=self.push,
                                            team=self.team, released=self._released)

    def _released(self, case: Case) -> None:
        self.book.release_credit(case.customer_id or "", case.order_id or "")
