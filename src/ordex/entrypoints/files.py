"""Order files on disk: JSON (one object, an array, or {"orders": [...]}) or NDJSON."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ordex.bootstrap import offline_pipeline
from ordex.config import Settings
from ordex.domain.errors import InvalidPayloadError, ParseError
from ordex.orchestrate.intake import MemoryIdempotency, ingest
from ordex.sense.orders import decode_json
from ordex.sense.reference import load_reference

NDJSON = {".ndjson", ".jsonl"}


def payloads(path: Path) -> Iterator[tuple[bytes, str]]:
    """The payloads of a file with their source: one per NDJSON line, else the whole file."""
    if path.suffix.lower() not in NDJSON:
        yield path.read_bytes(), str(path)
        return
    with path.open("rb") as handle:
        for n, line in enumerate(handle, start=1):
            if line.strip():
                yield line.rstrip(b"\r\n"), f"{path}:{n}"


def payload_batches(paths: list[Path], *, size: int) -> Iterator[list[tuple[bytes, str]]]:
    """Payloads of several files in batches (one unit of work each)."""
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise ParseError(f"no such file: {', '.join(missing)}", files=missing)
    batch: list[tuple[bytes, str]] = []
    for path in paths:
        for item in payloads(path):
            batch.append(item)
            if len(batch) >= size:
                yield batch
                batch = []
    if batch:
        yield batch


def check_orders(orders_file: Path, reference: Path) -> list[dict[str, Any]]:
    """Detection over a file of orders against reference CSVs, nothing stored."""
    if not orders_file.is_file():
        raise ParseError(f"no such file: {orders_file}", file=str(orders_file))
    pipeline = offline_pipeline(Settings(), load_reference(reference))
    index = MemoryIdempotency()
    report: list[dict[str, Any]] = []
    for body, source in payloads(orders_file):
        if orders_file.suffix.lower() not in NDJSON:
            try:
                decode_json(body)
            except InvalidPayloadError as exc:
                raise ParseError(f"{orders_file}: {exc.message}") from None
        for outcome in ingest(pipeline, index, body, source=source, channel="file",
                              now=pipeline_clock(), on_accept=index.remember):
            cases = pipeline.take_changes().new_cases.values()
            report.append({
                "order_id": outcome.result["order_id"], "source": source,
                "status": "duplicate_of_earlier" if outcome.replayed else outcome.result["status"],
                "findings": [{"code": c.code.value, "severity": c.severity.value,
                              "lines": list(c.lines), "reason": c.reason,
                              "evidence": c.evidence} for c in cases]})
    return report


def pipeline_clock() -> Any:
    """Now, for the offline check."""
    from ordex.bootstrap import utcnow
    return utcnow()
