"""Order files on disk: JSON (one object, an array, or {"orders": [...]}) or NDJSON."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ordex.adapters.files import NdjsonFileChannel
from ordex.bootstrap import offline_pipeline
from ordex.config import Settings
from ordex.domain.commands import IngestCsvFile, IngestEdiFile, IngestOrders, QueueOrders
from ordex.domain.errors import InvalidPayloadError, ParseError
from ordex.domain.positions import Position
from ordex.orchestrate.batching import Batching
from ordex.orchestrate.intake import MemoryIdempotency, ingest
from ordex.orchestrate.ports import Delivery
from ordex.orchestrate.report import report_of
from ordex.sense.orders import decode_json
from ordex.sense.reference import load_reference

NDJSON = {".ndjson", ".jsonl"}
READ_AHEAD = 1000
"""NDJSON lines read from a file at a time (units of work are cut by `batch_size`)."""


def payloads(path: Path) -> Iterator[tuple[bytes, str]]:
    """The payloads of a file with their source: one per NDJSON line, else the whole file."""
    for d in deliveries(path):
        yield d.body, d.position


def deliveries(path: Path) -> Iterator[Delivery]:
    """A JSON file as one delivery, an NDJSON file's lines through its channel.

    The position (`FILE:LINE`) is the source stored with each raw payload. A file keeps no
    record of what was read, so each read is acknowledged at once: a run cut short is run
    again, and idempotency answers what was committed before.
    """
    if path.suffix.lower() not in NDJSON:
        yield Delivery(path.read_bytes(), str(path), str(path), at=Position(str(path)))
        return
    with NdjsonFileChannel(path) as channel:
        while batch := channel.receive(max_items=READ_AHEAD, timeout=0):
            channel.acknowledge(batch)
            yield from batch


def missing_files(paths: list[Path]) -> str | None:
    """What is wrong with paths that are not readable files (None when all are)."""
    folders = [str(p) for p in paths if p.is_dir()]
    missing = [str(p) for p in paths if not p.is_file() and not p.is_dir()]
    parts = ([f"no such file: {', '.join(missing)}"] if missing else []) + (
        [f"a folder, not a file: {', '.join(folders)}"] if folders else [])
    return "; ".join(parts) or None


def payload_batches(paths: list[Path], *, size: int) -> Iterator[list[Delivery]]:
    """Deliveries of several files in batches of `size` (one unit of work each)."""
    problem = missing_files(paths)
    if problem:
        raise ParseError(problem, files=[str(p) for p in paths if not p.is_file()])
    yield from Batching(size).batches(d for path in paths for d in deliveries(path))


EDI = {".edi", ".x12", ".850", ".txt"}


def is_edi(path: Path) -> bool:
    """EDI by suffix, or by content: the first non-blank bytes are ISA."""
    if path.suffix.lower() in EDI - {".txt"}:
        return True
    with path.open("rb") as handle:
        head = handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"ISA")


def ingest_paths(app: Any, paths: list[Path], *, profile: Path | None,
                 progress: Any) -> Iterator[dict[str, Any]]:
    """Ingest files of any supported kind; yields one report per file (or batch of JSON)."""
    from ordex.sense.csv_orders import CsvProfile, profile_json
    problem = missing_files(paths)
    if problem:
        raise ParseError(problem, files=[str(p) for p in paths if not p.is_file()])
    plain = []
    for path in paths:
        if is_edi(path):
            rep = app.bus.handle(IngestEdiFile(str(path), path=path, progress=progress))
        elif path.suffix.lower() in {".csv", ".tsv"}:
            chosen = profile_json(CsvProfile.load(profile)) if profile else None
            rep = app.bus.handle(IngestCsvFile(str(path), chosen, path=path,
                                               progress=progress))
        else:
            plain.append(path)
            continue
        yield rep.as_dict()
    for batch in payload_batches(plain, size=app.settings.batch_size) if plain else []:
        outcomes = app.bus.handle(IngestOrders(tuple((d.body, d.position) for d in batch),
                                               channel="file",
                                               positions=tuple(d.place for d in batch)))
        progress(len(outcomes))
        yield report_of(outcomes, source=", ".join(sorted({d.source for d in batch})),
                        channel="file").as_dict()


def queue_paths(app: Any, paths: list[Path], *, progress: Any) -> dict[str, Any]:
    """Store JSON/NDJSON payloads raw and queue them for workers, a batch per work item."""
    refused = [str(p) for p in paths if is_edi(p) or p.suffix.lower() in {".csv", ".tsv"}]
    if refused:
        raise ParseError(f"only JSON and NDJSON files can be queued: {', '.join(refused)}",
                         files=refused)
    queued = batches = 0
    for batch in payload_batches(paths, size=app.settings.batch_size):
        queued += app.bus.handle(QueueOrders(tuple((d.body, d.position, None) for d in batch),
                                             "file"))
        batches += 1
        progress(len(batch))
    return {"queued": queued, "work_items": batches, "files": [str(p) for p in paths]}


def check_orders(orders_file: Path, reference: Path) -> list[dict[str, Any]]:
    """Detection over a file of orders against reference CSVs, nothing stored."""
    problem = missing_files([orders_file])
    if problem:
        raise ParseError(problem, file=str(orders_file))
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
