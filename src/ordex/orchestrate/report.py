"""The one report every channel answers with: per item its position and outcome, and totals.

HTTP (`POST /orders`, `POST /edi`), `ordex ingest` of every file kind, `ordex resume` and the
broker consumer all build their answer here (docs/formats.md, "The intake report").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ordex.domain.positions import Position
from ordex.orchestrate.intake import Outcome

STATUSES = ("accepted", "held", "auto_resolved", "cancelled", "rejected")
"""What became of an order at intake (docs/formats.md, intake rule 8), counted in totals."""
KEEP_RESULTS = 10_000
"""Per-item entries a report keeps (totals are always complete): bounded memory."""
COMMON = ("position", "order_id", "status", "replayed", "cases", "errors")
"""The fields every item entry has, whatever its channel; others (raw_id, notes…) follow."""


def item(result: Mapping[str, Any], position: Position | None, *,
         replayed: bool | None = None) -> dict[str, Any]:
    """One item's entry: where it sat, the order id, its status, case ids and errors."""
    errors = list(result.get("errors") or ())
    if not errors and result.get("reason") and result.get("status") == "rejected":
        errors = [{"field": "(envelope)", "reason": str(result["reason"])}]
    entry: dict[str, Any] = {
        "position": position.as_dict() if position is not None else None,
        "order_id": result.get("order_id"),
        "status": result["status"],
        "replayed": bool(result.get("replayed") if replayed is None else replayed),
        "cases": list(result.get("cases") or ()),
        "errors": errors,
    }
    entry.update((k, v) for k, v in result.items() if k not in COMMON)
    return entry


def totals(entries: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Items, one count per status (zeros included) and resends (counted only as replayed)."""
    counts = dict.fromkeys(("items", *STATUSES, "replayed"), 0)
    for e in entries:
        count(counts, e)
    return counts


def count(counts: dict[str, int], entry: Mapping[str, Any]) -> None:
    """Count one item entry into totals."""
    key = "replayed" if entry.get("replayed") else str(entry["status"])
    counts["items"] = counts.get("items", 0) + 1
    counts[key] = counts.get(key, 0) + 1


@dataclass
class IntakeReport:
    """What one file, body or batch of messages produced: complete totals, first items."""

    source: str
    raw_id: str | None
    channel: str = ""
    results: list[dict[str, Any]] = field(default_factory=list)
    """Item entries in the order read (the first KEEP_RESULTS of them)."""
    acknowledgments: list[dict[str, Any]] = field(default_factory=list)
    """Documents sent back (EDI 997, 855, TA1)."""
    skipped: list[str] = field(default_factory=list)
    """What was not read again or was only noted (resent interchanges, filler bytes)."""
    counts: dict[str, int] = field(default_factory=lambda: totals(()))
    acks: dict[str, int] = field(default_factory=dict)
    failed_cases: set[str] = field(default_factory=set)

    def add(self, result: Mapping[str, Any], position: Position | None, *,
            replayed: bool | None = None) -> dict[str, Any]:
        """Count an item's outcome and keep its entry while under the cap."""
        entry = item(result, position, replayed=replayed)
        count(self.counts, entry)
        if entry["status"] == "rejected":
            self.failed_cases.update(entry["cases"])
        if len(self.results) < KEEP_RESULTS:
            self.results.append(entry)
        return entry

    def acknowledge(self, doc: dict[str, Any]) -> None:
        """Count an outbound document and keep its summary while under the cap."""
        self.acks[f"ack_{doc['kind']}"] = self.acks.get(f"ack_{doc['kind']}", 0) + 1
        if len(self.acknowledgments) < KEEP_RESULTS:
            self.acknowledgments.append(doc)

    def totals(self) -> dict[str, int]:
        """Items, and one count per outcome."""
        return dict(self.counts)

    def summary(self) -> dict[str, int]:
        """The outcomes met and the documents sent (the `summary` reports kept before totals)."""
        met = {k: n for k, n in self.counts.items() if n and k != "items"}
        return {**met, **self.acks}

    def merge(self, other: IntakeReport) -> None:
        """Add another report of the same channel (a later batch) to this one."""
        for k, n in other.counts.items():
            self.counts[k] = self.counts.get(k, 0) + n
        for k, n in other.acks.items():
            self.acks[k] = self.acks.get(k, 0) + n
        self.results.extend(other.results[:max(0, KEEP_RESULTS - len(self.results))])
        self.acknowledgments.extend(other.acknowledgments)
        self.skipped.extend(other.skipped)
        self.failed_cases |= other.failed_cases

    def as_dict(self) -> dict[str, Any]:
        """The report as every channel answers it."""
        return {"channel": self.channel, "source": self.source, "raw_id": self.raw_id,
                "totals": self.totals(), "results": self.results, "summary": self.summary(),
                "skipped": self.skipped, "acknowledgments": self.acknowledgments}


def report_of(outcomes: Iterable[Outcome], *, source: str, channel: str,
              raw_id: str | None = None) -> IntakeReport:
    """The report of judged payloads (a body, NDJSON lines, broker messages)."""
    report = IntakeReport(source, raw_id, channel)
    for o in outcomes:
        report.add(o.result, o.position, replayed=o.replayed)
    return report
