"""How `ordex cases` prints a listing: a table that never cuts ids, or one block per case."""

from __future__ import annotations

from typing import Any

from rich.table import Column, Table
from rich.text import Text

from ordex.entrypoints.cli_support import out

CASE_STATES = ("open", "in_progress", "paused", "resolved", "auto_resolved", "cancelled",
               "active", "all")
"""What `--state` accepts: a case state, active (open + in_progress + paused) or all."""


def print_cases(listing: dict[str, Any]) -> None:
    """The cases, then the totals by state on one line."""
    rows, totals = listing["cases"], listing["totals"]
    widest = max((len(r["case_id"]) for r in rows), default=4)
    if out.width >= widest + TABLE_NEEDS:
        _case_table(rows, widest)
    else:  # too narrow for the table: one block per case, ids whole on their own line
        for r in rows:
            out.print(Text(r["case_id"], style="bold"), soft_wrap=True)  # ids are not markup
            out.print(f"  {r['queue']} · priority {r['priority']} · {r['state']} · SLA due "
                      f"{_due(r)} · {r['reason'][:160]}", highlight=False, markup=False)
    out.print(f"{len(rows):,} shown · totals: " + " · ".join(
        f"{state} {n:,}" for state, n in totals.items()) + f" · all {sum(totals.values()):,}",
        highlight=False, soft_wrap=True)


TABLE_NEEDS = 100
"""Columns the case table needs besides the case id; narrower terminals get blocks."""


def _due(row: dict[str, Any]) -> str:
    return (row["sla_due_at"] or "")[:16].replace("T", " ")


def _case_table(rows: list[dict[str, Any]], widest: int) -> None:
    fixed = {"no_wrap": True}  # ids, queues, states and times are never cut or wrapped
    table = Table(Column("case", min_width=widest, **fixed), Column("queue", **fixed),
                  Column("prio", justify="right", **fixed), Column("state", **fixed),
                  Column("SLA due (UTC)", **fixed), Column("score parts", overflow="fold"),
                  Column("reason", ratio=1, overflow="fold"))
    for r in rows:
        parts = (r.get("evidence") or {}).get("priority_parts") or {}
        table.add_row(r["case_id"], r["queue"], str(r["priority"]), r["state"], _due(r),
                      " ".join(f"{k} {v:g}" for k, v in parts.items() if v), r["reason"][:160])
    out.print(table)
