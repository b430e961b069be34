"""File handlers' SQL: records on a unit of work's connection, lookups between units of work."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, or_, select, update

from ordex.adapters.db import tables as t
from ordex.adapters.db.dialect import insert_ignoring_duplicates
from ordex.adapters.db.files_repo import existing_cases, move_file, touch_file
from ordex.adapters.db.outbound_repo import write_outbound
from ordex.adapters.db.state_repo import OPEN_STATES, case_from_row, utc
from ordex.domain.cases import Case
from ordex.orchestrate.edi_acks import Outbound
from ordex.orchestrate.stored_files import FileState
from ordex.sense.edi_partners import TradingPartner
from ordex.sense.identifiers import ItemKeys, gtin14

CHUNK = 900  # values per IN list: under SQLite's bound-parameter limit


class SqlFileRecords:
    """The FileRecords port on one unit of work's connection (nothing here commits)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def end_batch(self, raw_id: str, *, last: bool, at: datetime) -> None:
        """Record a batch's progress on its file; the last batch marks the file processed."""
        if last:
            move_file(self.conn, raw_id, FileState.PROCESSED, at=at)
        else:
            touch_file(self.conn, raw_id, at=at)

    def existing_cases(self, case_ids: Collection[str]) -> set[str]:
        """Those of these case ids that are stored."""
        return existing_cases(self.conn, case_ids)

    def write_outbound(self, docs: Sequence[Outbound], *, now: datetime) -> list[Outbound]:
        """Write the documents whose natural key is new, numbered from the counter."""
        return write_outbound(self.conn, docs, now=now)

    def record_interchanges(self, rows: Mapping[tuple[str, str], str], *, raw_id: str,
                            now: datetime) -> None:
        """Record interchanges with their status; a corrected resend updates a rejection."""
        keys = [{"sender": s, "control_number": c, "raw_id": raw_id, "status": st,
                 "received_at": now} for (s, c), st in rows.items()]
        insert_ignoring_duplicates(self.conn, t.edi_interchanges, keys)
        if keys:  # one executemany: an accepted interchange is never downgraded
            x = t.edi_interchanges
            self.conn.execute(update(x).where(
                x.c.sender == bindparam("b_sender"),
                x.c.control_number == bindparam("b_control"),
                x.c.status != "accepted").values(
                raw_id=raw_id, status=bindparam("b_status"), received_at=now),
                [{"b_sender": k["sender"], "b_control": k["control_number"],
                  "b_status": k["status"]} for k in keys])

    def open_cases(self, case_ids: Collection[str]) -> list[Case]:
        """Those of these cases that are open or in progress."""
        rows = self.conn.execute(select(t.cases).where(
            t.cases.c.case_id.in_(sorted(case_ids)), t.cases.c.state.in_(OPEN_STATES)))
        return [case_from_row(r) for r in rows.mappings()]

    def replace_partners(self, partners: Sequence[TradingPartner]) -> None:
        """Replace every trading partner."""
        self.conn.execute(t.trading_partners.delete())
        if partners:
            self.conn.execute(t.trading_partners.insert(), [
                {k: getattr(p, k) for k in p.__slots__} for p in partners])


class SqlFileLookups:
    """The FileLookups port: each read on a short connection of its own."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def partners(self) -> dict[tuple[str, str], TradingPartner]:
        """Every partner by its ISA sender key."""
        with self.engine.connect() as conn:
            found = [TradingPartner(**dict(r)) for r in
                     conn.execute(select(t.trading_partners)).mappings()]
        return {p.key: p for p in found}

    def accepted_before(self, sender: str, control: str) -> str | None:
        """The raw payload that was accepted under this sender and control number, if any."""
        x = t.edi_interchanges
        with self.engine.connect() as conn:
            return conn.execute(select(x.c.raw_id).where(
                x.c.sender == sender, x.c.control_number == control,
                x.c.status == "accepted")).scalar()

    def identifier_keys(self, customers: set[str], values: set[str]) -> ItemKeys:
        """Cross-references, GTINs and manufacturer parts the batch's identifiers name."""
        if not values:
            return ItemKeys()
        with self.engine.connect() as conn:
            return _identifier_keys(conn, customers, values)

    def cases_of_file(self, raw_id: str) -> set[str]:
        """Ids of the cases whose id names the stored file."""
        with self.engine.connect() as conn:
            return {r[0] for r in conn.execute(select(t.cases.c.case_id).where(
                t.cases.c.case_id.like(f"%{raw_id[:16]}%")))}

    def failure_attempts(self) -> list[dict[str, Any]]:
        """Open failure cases with their raw payload, opening time, attempts and last attempt."""
        c, a = t.cases, t.audit_log
        tries = (select(a.c.case_id, func.count().label("n"), func.max(a.c.at).label("last"))
                 .where(a.c.action.in_(("retry", "escalate"))).group_by(a.c.case_id)
                 .subquery())
        query = (select(c.c.case_id, c.c.evidence, c.c.opened_at, tries.c.n, tries.c.last)
                 .outerjoin(tries, tries.c.case_id == c.c.case_id)
                 .where(c.c.code == "INTEGRATION_FAILURE", c.c.state == "open"))
        with self.engine.connect() as conn:
            return [{**r, "opened_at": utc(r["opened_at"]), "last": utc(r["last"])}
                    for r in conn.execute(query).mappings()]


def _identifier_keys(conn: Connection, customers: set[str], values: set[str]) -> ItemKeys:
    """One query per 900 values, never per line."""
    x, i = t.item_cross_references, t.items
    gtins = sorted({g for v in values if (g := gtin14(v))})
    ordered = sorted(values)
    refs: dict[tuple[str, str, str], str] = {}
    found: list[Any] = []
    for n in range(0, max(len(ordered), len(gtins)), CHUNK):
        part, codes = ordered[n:n + CHUNK], gtins[n:n + CHUNK]
        if customers and part:
            refs.update(((r.customer_id, r.qualifier or "", r.buyer_part), r.item_id)
                        for r in conn.execute(select(x).where(
                            x.c.customer_id.in_(sorted(customers)),
                            x.c.buyer_part.in_(part))))
        found += conn.execute(select(i.c.item_id, i.c.gtin, i.c.mfr_part).where(
            or_(i.c.gtin.in_(codes), i.c.mfr_part.in_(part)))).all()
    return ItemKeys(cross_refs=refs,
                    gtins={r.gtin: r.item_id for r in found if r.gtin in gtins},
                    mfr_parts={r.mfr_part: r.item_id for r in found
                               if r.mfr_part and r.mfr_part in values})
