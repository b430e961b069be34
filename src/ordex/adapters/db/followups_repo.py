"""Follow-ups to the customer: an 855 change for EDI orders, an `order.changed` notification row
for the others, each only for the lines whose state differs from what the customer was last
told (customer_line_states), in the unit of work that took the decision.

Every follow-up has a natural key (`855C:{order}:{sequence}`, `order.changed:{order}:{sequence}`)
and the told states move with it in one transaction, so a re-run tells nothing twice
(docs/notifications.md, "order.changed rows"; docs/edi-x12.md, "855 change").
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, or_, select

from ordex.adapters.db import tables as t
from ordex.adapters.db.dialect import insert_ignoring_duplicates
from ordex.adapters.db.outbound_repo import write_outbound
from ordex.domain.customer_view import LineState, OrderChange, to_tell
from ordex.orchestrate.edi_acks import Outbound, ack_855_change

log = logging.getLogger(__name__)
EVENT = "order.changed"
CHUNK = 400


def told_states(conn: Connection, order_ids: Sequence[str]
                ) -> tuple[dict[str, dict[int, LineState]], dict[str, int]]:
    """The last told state of every line of these orders, and each order's last sequence."""
    states: dict[str, dict[int, LineState]] = {}
    sequence: dict[str, int] = {}
    c = t.customer_line_states.c
    ordered = sorted(set(order_ids))
    for i in range(0, len(ordered), CHUNK):
        for r in conn.execute(select(t.customer_line_states).where(
                c.order_id.in_(ordered[i:i + CHUNK]))).mappings():
            states.setdefault(r["order_id"], {})[r["line_no"]] = LineState.from_dict(r["state"])
            sequence[r["order_id"]] = max(sequence.get(r["order_id"], 0), r["sequence"])
    return states, sequence


def write_told(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Replace the told state of these (order, line) rows."""
    if not rows:
        return
    c = t.customer_line_states.c
    conn.execute(delete(t.customer_line_states).where(
        and_(c.order_id == bindparam("b_order"), c.line_no == bindparam("b_line"))),
        [{"b_order": r["order_id"], "b_line": r["line_no"]} for r in rows])
    conn.execute(t.customer_line_states.insert(), list(rows))


def write_order_changes(conn: Connection, changes: Sequence[OrderChange], *,
                        taken_in_edi: set[str], now: datetime) -> None:
    """Tell each customer what the unit of work's decisions changed, once per change.

    A decision on an EDI order taken in by this very unit of work is told by its first 855.
    """
    wanted = [c for c in changes if c.order_id not in taken_in_edi]
    if not wanted:
        return
    groups: dict[str, list[OrderChange]] = {}
    for change in wanted:
        groups.setdefault(change.order_id, []).append(change)
    told, sequence = told_states(conn, list(groups))
    firsts = _first_855s(conn, [o for o, g in groups.items() if g[-1].channel == "edi"])
    rows: list[dict[str, Any]] = []
    notices: list[dict[str, Any]] = []
    docs: list[Outbound] = []
    for order_id, group in groups.items():
        news = to_tell(told.get(order_id, {}), group)
        if not news:
            continue
        seq, last = sequence.get(order_id, 0) + 1, group[-1]
        if last.channel == "edi":
            first = firsts.get(order_id)
            if first is None:  # never acknowledged: there is nothing to follow up
                log.warning("no first 855 for EDI order %s: its change is not sent", order_id)
                continue
            docs.append(ack_855_change(first=first["body"], states=news,
                                       line_numbers=list(last.ordered), order_id=order_id,
                                       partner=first["partner"], raw_id=first["raw_id"],
                                       sequence=seq, now=now,
                                       purpose=first["change_purpose"] or "04"))
        else:
            notices.append(_notice(group, news, seq))
        rows += [{"order_id": order_id, "line_no": n, "state": s.as_dict(), "sequence": seq,
                  "told_at": last.at} for n, s in news.items()]
    write_outbound(conn, docs, now=now)
    insert_ignoring_duplicates(conn, t.notifications, notices)
    write_told(conn, rows)


def _notice(group: list[OrderChange], news: Mapping[int, LineState], seq: int
            ) -> dict[str, Any]:
    last = group[-1]
    payload = {"type": EVENT, "order_id": last.order_id, "customer_id": last.customer_id,
               "channel": last.channel, "sequence": seq, "changed_at": last.at.isoformat(),
               "case_ids": sorted({c.case_id for c in group}),
               "actions": [c.action for c in group],
               "message_ids": [m for c in group for m in c.message_ids],
               "lines": [{"line_no": n, **s.as_dict()} for n, s in news.items()]}
    return {"recipient": last.customer_id, "kind": EVENT, "case_id": last.case_id,
            "payload": payload, "created_at": last.at, "order_id": last.order_id,
            "customer_id": last.customer_id, "dedupe_key": f"{EVENT}:{last.order_id}:{seq}"}


def _first_855s(conn: Connection, order_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The first 855 of each EDI order (body, partner, raw payload), by order id."""
    if not order_ids:
        return {}
    out, tp = t.edi_outbound.c, t.trading_partners.c
    keys = [f"855:{o}" for o in order_ids]
    # the partner's BAK01 for changes, by the ISA sender id the first 855 went back to
    purpose = (select(func.max(tp.change_purpose))
               .where(func.upper(tp.isa_id) == func.upper(out.partner)).scalar_subquery())
    found = {}
    for i in range(0, len(keys), CHUNK):
        for r in conn.execute(select(out.order_id, out.body, out.partner, out.raw_id,
                                     purpose.label("change_purpose")).where(
                or_(out.doc_key.in_(keys[i:i + CHUNK])))).mappings():
            found[r["order_id"]] = dict(r)
    return found
