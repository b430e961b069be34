"""Fakes for every port, so unit tests need no database, network or data files."""

from __future__ import annotations

import dataclasses
import hashlib
import io
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, BinaryIO

from ordex.domain.assignment import Absence
from ordex.domain.cases import Case
from ordex.domain.identity import User
from ordex.domain.positions import Position
from ordex.orchestrate.changes import Changes, OutboxMessage
from ordex.orchestrate.edi_acks import Outbound
from ordex.orchestrate.pipeline import Pipeline
from ordex.orchestrate.ports import Delivery
from ordex.orchestrate.session import SessionUnitOfWork
from ordex.orchestrate.stored_files import FileState, StoredFile, UnfinishedFile
from ordex.orchestrate.work import (
    ClaimedMessage,
    ClaimLostError,
    NewWork,
    SendReport,
    WorkItem,
    WorkState,
)
from ordex.sense.edi_partners import TradingPartner
from ordex.sense.identifiers import ItemKeys


class FakePostal:
    """A postal directory over a small dict of ZIP → state."""

    def __init__(self, zips: dict[str, str] | None = None) -> None:
        self.zips = zips or {"60607": "IL", "33602": "FL", "10001": "NY", "94105": "CA"}

    def covers(self, country: str) -> bool:
        return country == "US"

    def state_of(self, country: str, postal_code: str) -> str | None:
        return self.zips.get(postal_code[:5]) if country == "US" else None

    def check(self, country: str, state: str, postal_code: str) -> str | None:
        return None


class FakeStore:
    """A ChangeStore that keeps every saved batch in memory."""

    def __init__(self) -> None:
        self.saved: list[Changes] = []

    def save(self, changes: Changes) -> None:
        self.saved.append(changes)


class FakeErp:
    """An ERP connector that records what it was sent, ignoring resent message ids."""

    def __init__(self) -> None:
        self.received: dict[str, OutboxMessage] = {}

    def send(self, messages: Sequence[OutboxMessage]) -> SendReport | None:
        for m in messages:
            self.received.setdefault(m.message_id, m)
        return None


class FakeOutbox:
    """An outbox in memory."""

    def __init__(self, messages: list[OutboxMessage] | None = None) -> None:
        self.messages = list(messages or [])
        self.sent: dict[str, datetime] = {}

    def pending(self, *, limit: int) -> list[OutboxMessage]:
        return [m for m in self.messages if m.message_id not in self.sent][:limit]

    def mark_sent(self, message_ids: Sequence[str], *, at: datetime) -> None:
        for mid in message_ids:
            self.sent[mid] = at


@dataclasses.dataclass
class FakeWorkRow:
    """One work item as the fake claim store keeps it."""

    item: WorkItem
    state: WorkState = WorkState.QUEUED
    subject: str | None = None


class FakeClaims:
    """A ClaimStore in memory, with the same lease and retry rules as the SQL one."""

    def __init__(self) -> None:
        self.rows: dict[int, FakeWorkRow] = {}
        self.errors: dict[int, list[str]] = {}

    def enqueue(self, items: Sequence[NewWork], *, now: datetime) -> None:
        known = {(r.item.kind, r.item.key) for r in self.rows.values()}
        for new in items:
            if (new.kind, new.key) in known:
                continue
            known.add((new.kind, new.key))
            item_id = len(self.rows) + 1
            self.rows[item_id] = FakeWorkRow(WorkItem(
                id=item_id, kind=new.kind, key=new.key, payload=new.payload, attempts=0,
                not_before=new.not_before or now, claimed_by="", lease_until=now),
                subject=new.subject)

    def claim(self, *, kinds: Collection[str], worker: str, limit: int, lease: timedelta,
              now: datetime) -> list[WorkItem]:
        due = sorted((r for r in self.rows.values() if r.item.kind in kinds
                      and r.item.not_before <= now and (r.state is WorkState.QUEUED or (
                          r.state is WorkState.CLAIMED and r.item.lease_until < now))),
                     key=lambda r: (r.item.not_before, r.item.id))[:limit]
        for r in due:
            lost = r.state is WorkState.CLAIMED
            r.item = dataclasses.replace(
                r.item, claimed_by=worker, lease_until=now + lease,
                attempts=r.item.attempts + lost,
                last_error=f"lease of {r.item.claimed_by} expired" if lost else r.item.last_error)
            r.state = WorkState.CLAIMED
        return [r.item for r in due]

    def complete(self, ids: Collection[int], *, worker: str) -> set[int]:
        done = {i for i in ids if self.rows[i].state is WorkState.CLAIMED
                and self.rows[i].item.claimed_by == worker}
        for i in done:
            self.rows[i].state = WorkState.DONE
        return done

    def fail(self, items: Sequence[WorkItem], *, error: str,
             retry_at: Mapping[int, datetime | None]) -> int:
        moved = 0
        for item in items:
            r = self.rows[item.id]
            if r.state is not WorkState.CLAIMED or r.item.claimed_by != item.claimed_by:
                continue
            again = retry_at.get(item.id)
            r.state = WorkState.QUEUED if again else WorkState.FAILED
            r.item = dataclasses.replace(r.item, attempts=r.item.attempts + 1, last_error=error,
                                         not_before=again or r.item.not_before, claimed_by="")
            self.errors.setdefault(item.id, []).append(error)
            moved += 1
        return moved

    def state(self, item_id: int) -> WorkState:
        return self.rows[item_id].state


class FakeOutboxClaims:
    """OutboxClaims in memory: every message is claimable once due (ordering is the SQL
    store's job, tested on real databases); records what was sent and failed."""

    def __init__(self, messages: Sequence[OutboxMessage]) -> None:
        self.messages = list(messages)
        self.attempts: dict[str, int] = {m.message_id: 0 for m in messages}
        self.due: dict[str, datetime | None] = {m.message_id: None for m in messages}
        self.sent: dict[str, datetime] = {}
        self.errors: list[str] = []
        self.released: list[str] = []
        self.dead: dict[str, Case] = {}

    def claim_outbox(self, *, worker: str, limit: int, lease: timedelta,
                     now: datetime) -> list[ClaimedMessage]:
        return [ClaimedMessage(m, self.attempts[m.message_id]) for m in self.messages
                if m.message_id not in self.sent and m.message_id not in self.dead
                and ((due := self.due[m.message_id]) is None or due <= now)][:limit]

    def mark_sent(self, message_ids: Sequence[str], *, at: datetime) -> None:
        for mid in message_ids:
            self.sent.setdefault(mid, at)

    def mark_failed(self, retry_at: Mapping[str, datetime], *, worker: str,
                    error: str) -> None:
        self.errors.append(error)
        for mid, at in retry_at.items():
            self.attempts[mid] += 1
            self.due[mid] = at

    def release(self, message_ids: Sequence[str], *, worker: str) -> None:
        self.released.extend(message_ids)

    def dead_letter(self, cases: Mapping[str, Case], *, worker: str,
                    at: datetime) -> list[str]:
        for mid, case in cases.items():
            self.attempts[mid] += 1
            self.dead[mid] = case
            self.sent.pop(mid, None)
        return list(cases)


class FlakyErp(FakeErp):
    """An ERP connector that refuses the first `failures` calls, or any call that carries
    one of the `refused` message ids."""

    def __init__(self, *, failures: int = 0, refused: Collection[str] = ()) -> None:
        super().__init__()
        self.failures, self.refused, self.calls = failures, set(refused), 0

    def send(self, messages: Sequence[OutboxMessage]) -> SendReport | None:
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionError(f"ERP unreachable (call {self.calls})")
        if bad := sorted(self.refused & {m.message_id for m in messages}):
            raise ValueError(f"ERP refused {bad[0]}")
        return super().send(messages)
class FakeChannel:
    """A channel over a list of bodies: items in flight until acknowledged, redelivered on demand."""

    name = "fake"

    def __init__(self, bodies: Sequence[bytes] = (), *, fail_receive: int = 0,
                 fail_acknowledge: int = 0, redeliver_when_idle: bool = False) -> None:
        self.waiting = [Delivery(body=b, source="fake", position=f"fake#{n}", key=f"fake:{n}",
                                 at=Position("fake", sequence=f"fake#{n}"))
                        for n, b in enumerate(bodies, start=1)]
        self.in_flight: dict[str, Delivery] = {}
        self.acknowledged: list[Delivery] = []
        self.calls: list[str] = []
        self.fail_receive, self.fail_acknowledge = fail_receive, fail_acknowledge
        self.redeliver_when_idle = redeliver_when_idle

    def receive(self, *, max_items: int, timeout: float) -> list[Delivery]:
        self.calls.append("receive")
        if self.fail_receive:
            self.fail_receive -= 1
            raise ConnectionError("fake channel: receive failed")
        if not self.waiting and self.redeliver_when_idle:
            self.redeliver()
        batch, self.waiting = self.waiting[:max_items], self.waiting[max_items:]
        self.in_flight.update((d.position, d) for d in batch)
        return batch

    def acknowledge(self, deliveries: Sequence[Delivery]) -> None:
        self.calls.append("acknowledge")
        if self.fail_acknowledge:
            self.fail_acknowledge -= 1
            raise ConnectionError("fake channel: acknowledge failed")
        for d in deliveries:
            self.acknowledged.append(self.in_flight.pop(d.position))

    def redeliver(self) -> None:
        """What the broker does after the ack wait: every unacknowledged item comes again."""
        self.waiting = list(self.in_flight.values()) + self.waiting
        self.in_flight.clear()


@dataclasses.dataclass
class FakeFile:
    """One stored file as the fake file store keeps it."""

    body: bytes
    source: str
    channel: str
    profile: dict[str, Any] | None
    state: FileState = FileState.RECEIVED
    progress: list[datetime] = dataclasses.field(default_factory=list)


class FakeFiles:
    """The RawFileStore and FileRecords ports in memory: files, documents, interchanges."""

    def __init__(self) -> None:
        self.stored: dict[str, FakeFile] = {}
        self.documents: dict[str, str] = {}
        self.interchanges: dict[tuple[str, str], str] = {}
        self.partners: list[TradingPartner] = []
        self.cases: set[str] = set()

    def store(self, handle: BinaryIO, *, source: str, channel: str, now: datetime,
              profile: dict[str, Any] | None = None) -> StoredFile:
        body = handle.read()
        sha = hashlib.sha256(body).hexdigest()
        for raw_id, f in self.stored.items():
            if hashlib.sha256(f.body).hexdigest() == sha and f.channel == channel:
                return StoredFile(raw_id, sha, len(body), raw_id,
                                  f.state is FileState.PROCESSED)
        raw_id = f"F{len(self.stored) + 1:04d}"
        self.stored[raw_id] = FakeFile(body, source, channel, profile)
        return StoredFile(raw_id, sha, len(body), None)

    def open(self, raw_id: str) -> BinaryIO:
        return io.BytesIO(self.stored[raw_id].body)

    def meta(self, raw_id: str) -> dict[str, object] | None:
        f = self.stored.get(raw_id)
        return None if f is None else {"source": f.source, "channel": f.channel}

    def state(self, raw_id: str) -> FileState | None:
        f = self.stored.get(raw_id)
        return None if f is None else f.state

    def unfinished(self, *, idle_since: datetime | None = None) -> list[UnfinishedFile]:
        return [UnfinishedFile(r, f.channel, f.source, f.profile)
                for r, f in self.stored.items() if f.state is FileState.RECEIVED
                and (idle_since is None or not f.progress or f.progress[-1] <= idle_since)]

    def touch(self, raw_id: str, *, at: datetime) -> None:
        self.stored[raw_id].progress.append(at)

    def end_batch(self, raw_id: str, *, last: bool, at: datetime) -> None:
        self.touch(raw_id, at=at)
        if last:
            self.stored[raw_id].state = FileState.PROCESSED

    def existing_cases(self, case_ids: Collection[str]) -> set[str]:
        return self.cases & set(case_ids)

    def write_outbound(self, docs: Sequence[Outbound], *, now: datetime) -> list[Outbound]:
        written = []
        for doc in docs:
            body = None if doc.key in self.documents else doc.build(len(self.documents) + 1)
            if body is not None:
                self.documents[doc.key] = body
                written.append(doc)
        return written

    def record_interchanges(self, rows: Mapping[tuple[str, str], str], *, raw_id: str,
                            now: datetime) -> None:
        for key, status in rows.items():
            if self.interchanges.get(key) != "accepted":
                self.interchanges[key] = status

    def open_cases(self, case_ids: Collection[str]) -> list[Case]:
        return []

    def replace_partners(self, partners: Sequence[TradingPartner]) -> None:
        self.partners = list(partners)


class FakeFileLookups:
    """The FileLookups port over a FakeFiles."""

    def __init__(self, files: FakeFiles) -> None:
        self.files = files

    def partners(self) -> dict[tuple[str, str], TradingPartner]:
        return {p.key: p for p in self.files.partners}

    def accepted_before(self, sender: str, control: str) -> str | None:
        return None

    def identifier_keys(self, customers: set[str], values: set[str]) -> ItemKeys:
        return ItemKeys()

    def cases_of_file(self, raw_id: str) -> set[str]:
        return {c for c in self.files.cases if raw_id[:16] in c}

    def failure_attempts(self) -> list[dict[str, Any]]:
        return []


class FakeUnitOfWork(SessionUnitOfWork):
    """The UnitOfWork port in memory: a pipeline over reference data, commits kept in a list.

    Handlers run on it exactly as on the SQL unit of work; `written` is what they committed,
    `entered` how many units of work were opened (each handler call opens one).
    """

    def __init__(self, pipeline: Pipeline, *, files: FakeFiles | None = None) -> None:
        self.written: list[Changes] = []
        self.entered = 0
        self.completed: list[tuple[tuple[int, ...], str]] = []
        """(work ids, worker) of every `complete`, in order."""
        self.files = files or FakeFiles()
        super().__init__(pipeline, sink=self.written.append)

    def complete(self, work_ids: Collection[int], *, worker: str) -> None:
        """Remember the work completed with this unit of work."""
        self.completed.append((tuple(work_ids), worker))

    def __enter__(self) -> FakeUnitOfWork:
        self.entered += 1
        super().__enter__()
        return self

    def commit(self, changes: Changes | None = None) -> None:
        """Commit as the SQL store does: a changed case is one version further."""
        for case in (changes.dirty_cases.values() if changes else ()):
            case.version += 1
        if changes is not None:
            self.files.cases |= set(changes.new_cases)
        super().commit(changes)


class FakeDirectory:
    """The Directory port over a dict of user id → roles (the users table at merge)."""

    def __init__(self, roles: Mapping[str, Collection[str]] | None = None) -> None:
        self.roles = {u: frozenset(r) for u, r in (roles or {}).items()}

    def knows(self, user_id: str) -> bool:
        return user_id in self.roles

    def roles_of(self, user_id: str) -> frozenset[str]:
        return self.roles.get(user_id, frozenset())
class FakeTimers:
    """The TimerStore port over a FakeClaims and a unit of work's cases."""

    def __init__(self, claims: FakeClaims, cases: dict[str, Case]) -> None:
        self.claims, self.seen = claims, cases

    def cases(self, case_ids: Collection[str]) -> dict[str, Case]:
        return {c: self.seen[c] for c in case_ids if c in self.seen}

    def _of(self, case_id: str, *states: WorkState) -> list[FakeWorkRow]:
        return [r for r in self.claims.rows.values()
                if r.item.kind == "timer" and r.subject == case_id and r.state in states]

    def park(self, case_id: str) -> int:
        rows = self._of(case_id, WorkState.QUEUED, WorkState.CLAIMED)
        for r in rows:
            r.state, r.item = WorkState.PARKED, dataclasses.replace(r.item, claimed_by="")
        return len(rows)

    def park_claimed(self, work_ids: Collection[int], *, worker: str) -> None:
        for i in work_ids:
            r = self.claims.rows[i]
            if r.state is WorkState.CLAIMED and r.item.claimed_by == worker:
                r.state, r.item = WorkState.PARKED, dataclasses.replace(r.item, claimed_by="")

    def parked(self, case_id: str) -> dict[int, datetime]:
        return {r.item.id: r.item.not_before for r in self._of(case_id, WorkState.PARKED)}

    def requeue(self, due: Mapping[int, datetime]) -> None:
        for i, at in due.items():
            r = self.claims.rows[i]
            r.state, r.item = WorkState.QUEUED, dataclasses.replace(r.item, not_before=at)


class ClockedUnitOfWork(FakeUnitOfWork):
    """A fake unit of work whose new cases' timers go to a FakeClaims, as the SQL store's do."""

    def __init__(self, pipeline: Pipeline, claims: FakeClaims) -> None:
        super().__init__(pipeline)
        self.claims = claims
        self.timers = FakeTimers(claims, self.cases_seen)  # type: ignore[assignment]

    def complete(self, work_ids: Collection[int], *, worker: str) -> None:
        done = self.claims.complete(work_ids, worker=worker)
        if done != set(work_ids):
            raise ClaimLostError(f"work {sorted(set(work_ids) - done)} was taken over")

    def commit(self, changes: Changes | None = None) -> None:
        if changes is not None:
            opened = min((c.opened_at for c in changes.new_cases.values()), default=None)
            self.claims.enqueue([w for w in changes.timers
                                 if changes.new_cases[w.subject or ""].is_open],
                                now=opened or datetime.min)
        super().commit(changes)


class FakeRoster:
    """The Roster port over a list of users and the cases a unit of work committed; `calls`
    names every query asked, so a test can see the work is done once per batch."""

    HELD = ("assigned", "in_progress", "awaiting_approval", "paused")

    def __init__(self, users: Sequence[User], cases: Mapping[str, Case] | None = None) -> None:
        self.users = {u.user_id: u for u in users}
        self.cases: Mapping[str, Case] = cases if cases is not None else {}
        self.absent: list[Absence] = []
        self.turn: dict[str, str] = {}
        self.calls: list[str] = []
        self.held: list[tuple[tuple[str, ...], tuple[str, ...]]] = []

    def hold(self, *, queues: Collection[str] = (), users: Collection[str] = ()) -> None:
        self.held.append((tuple(queues), tuple(users)))

    def team(self, queues: Collection[str]) -> list[User]:
        self.calls.append("team")
        return [u for u in self.users.values() if u.active and set(queues) & set(u.queues)]

    def user(self, user_id: str) -> User | None:
        return self.users.get(user_id)

    def loads(self, user_ids: Collection[str]) -> dict[str, int]:
        self.calls.append("loads")
        counted: dict[str, int] = {}
        for case in self.cases.values():
            if case.assignee in user_ids and case.state.value in self.HELD:
                counted[case.assignee] = counted.get(case.assignee, 0) + 1
        return counted

    def away(self, user_ids: Collection[str], *, at: datetime) -> set[str]:
        self.calls.append("away")
        return {a.user_id for a in self.absent if a.user_id in user_ids and a.covers(at)}

    def turns(self, queues: Collection[str]) -> dict[str, str]:
        self.calls.append("turns")
        return {q: u for q, u in self.turn.items() if q in queues}

    def save_turns(self, turns: Mapping[str, str], *, at: datetime) -> None:
        self.turn.update(turns)

    def cases_of(self, user_id: str) -> list[tuple[str, str | None]]:
        return [(c.case_id, c.order_id) for c in self.cases.values()
                if c.assignee == user_id and c.state.value in self.HELD]

    def waiting(self, queues: Collection[str], *, limit: int) -> list[tuple[str, str | None]]:
        self.calls.append("waiting")
        found = sorted((c for c in self.cases.values() if c.state.value == "open"
                        and c.assignee is None and c.queue.value in queues),
                       key=lambda c: (-c.priority, c.opened_at, c.case_id))
        return [(c.case_id, c.order_id) for c in found[:max(limit, 0)]]

    def add_absence(self, absence: Absence, *, at: datetime, by: str) -> None:
        self.absent.append(absence)

    def end_absences(self, user_id: str, *, at: datetime) -> int:
        mine = [a for a in self.absent if a.user_id == user_id and a.ends > at]
        self.absent = [a for a in self.absent if a not in mine]
        return len(mine)
class FakeNotifier:
    """A Notifier that records what it sends and fails as its plan says, one step per send:
    None (accept), a SendFailure, or an exception to raise."""

    def __init__(self, plan: Sequence[Any] = ()) -> None:
        self.plan, self.sent = list(plan), []  # type: list[Any], list[Any]

    def send(self, notice: Any) -> Any:
        step = self.plan.pop(0) if self.plan else None
        if isinstance(step, BaseException):
            raise step
        if step is None:
            self.sent.append(notice)
        return step


class FakeNotifications:
    """The NotificationStore port in memory: events routed once, deliveries keyed uniquely."""

    def __init__(self, events: Sequence[Any] = (), subscriptions: Sequence[Any] = (),
                 people: Any = None) -> None:
        from ordex.orchestrate.notify import People

        self.pending = list(events)
        self.subscriptions, self.people = list(subscriptions), people or People()
        self.rows: dict[str, dict[str, Any]] = {}
        self.events = {e.notification_id: e for e in events}

    def route_pending(self, router: Any, *, limit: int, now: datetime) -> int:
        taken, self.pending = self.pending[:limit], self.pending[limit:]
        for d in router(taken, self.subscriptions, self.people, now=now):
            self.rows.setdefault(d.delivery_key, {
                "new": d, "state": "collected" if d.collected else "pending",
                "due_at": d.due_at, "attempts": 0, "claimed_by": None, "error": None})
        return len(taken)

    def claim_deliveries(self, *, worker: str, limit: int, lease: timedelta,
                         now: datetime) -> list[Any]:
        from ordex.orchestrate.notify import ClaimedNotice, Notice

        due = sorted((k for k, r in self.rows.items()
                      if r["state"] == "pending" and r["due_at"] <= now
                      and r["claimed_by"] is None), key=lambda k: (self.rows[k]["due_at"], k))
        found = []
        for key in due[:limit]:
            row, new = self.rows[key], self.rows[key]["new"]
            row["claimed_by"] = worker
            members = tuple(self.events[r["new"].notification_id] for r in self.rows.values()
                            if r["new"].digest_key == key and r["state"] == "collected")
            events = members if new.digest_key == key else (self.events[new.notification_id],)
            found.append(ClaimedNotice(Notice(key, new.event_type, new.target, events,
                                              new.secret_env), row["attempts"]))
        return found

    def mark_sent(self, delivery_key: str, *, worker: str, at: datetime) -> None:
        self.rows[delivery_key].update(state="sent", claimed_by=None)
        for row in self.rows.values():
            if row["new"].digest_key == delivery_key and row["state"] == "collected":
                row["state"] = "sent"

    def mark_failed(self, delivery_key: str, *, worker: str, error: str,
                    retry_at: datetime | None) -> None:
        row = self.rows[delivery_key]
        row.update(attempts=row["attempts"] + 1, error=error, claimed_by=None)
        if retry_at is None:
            row["state"] = "failed"
        else:
            row["due_at"] = retry_at
