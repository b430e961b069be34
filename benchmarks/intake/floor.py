"""The floor: the same payloads written raw into the same database, judged by nothing.

Per payload one raw row (bytes, SHA-256), and for a payload that reads as an order one header
row and a row per line, with the raw driver (sqlite3 executemany, psycopg COPY) in transactions
of `BATCH` payloads, into scratch tables of the benchmark's own (dropped afterwards), so the
floor does not depend on ordex's schema. Parsing is `json.loads`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

BATCH = 2000
"""Payloads per transaction (ordex's default `ORDEX_BATCH_SIZE`)."""
TABLES = {
    "bench_floor_raw": "raw_id BIGINT PRIMARY KEY, sha256 TEXT NOT NULL, body {blob} NOT NULL",
    "bench_floor_order": "order_id TEXT, raw_id BIGINT, customer_id TEXT, customer_po TEXT, "
                         "order_date TEXT, ship_date TEXT, warehouse_id TEXT, ship_to TEXT",
    "bench_floor_line": "order_id TEXT, line_no INTEGER, item_id TEXT, quantity NUMERIC, "
                        "uom TEXT, unit_price NUMERIC",
}


def _rows(batch: list[bytes], first: int) -> tuple[list[tuple[Any, ...]], ...]:
    """Raw, header and line rows of a batch of payloads."""
    raws, heads, lines = [], [], []
    for n, body in enumerate(batch, start=first):
        raws.append((n, hashlib.sha256(body).hexdigest(), body))
        try:
            doc = json.loads(body)
            head = (doc["order_id"], n, doc["customer_id"], doc["customer_po"],
                    doc["order_date"], doc["requested_ship_date"], doc["warehouse_id"],
                    json.dumps(doc["ship_to"]))
            rows = [(doc["order_id"], ln["line_no"], ln["item_id"], _number(ln["quantity"]),
                     ln["uom"], _number(ln["unit_price"])) for ln in doc["lines"]]
        except (ValueError, KeyError, TypeError, ArithmeticError):
            continue  # unreadable: stored raw only, as intake would
        heads.append(head)
        lines += rows
    return raws, heads, lines


def _number(value: Any) -> str:
    """A number as exact text; anything else is refused (a payload the floor cannot keep)."""
    return str(Decimal(str(value)))


def _batches(path: Path) -> Iterator[list[bytes]]:
    batch: list[bytes] = []
    with path.open("rb") as handle:
        for line in handle:
            batch.append(line.rstrip(b"\n"))
            if len(batch) == BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


def floor(db_url: str, payloads: Path) -> dict[str, float]:
    """Write every payload of the file raw; orders per second and the seconds it took."""
    writer = _sqlite if db_url.startswith("sqlite") else _postgres
    count, seconds = writer(db_url, payloads)
    return {"orders": count, "seconds": round(seconds, 3),
            "orders_per_second": round(count / seconds, 1)}


def _sqlite(db_url: str, payloads: Path) -> tuple[int, float]:
    conn = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    conn.execute("PRAGMA journal_mode=WAL")
    for name, cols in TABLES.items():
        conn.execute(f"CREATE TABLE {name} ({cols.format(blob='BLOB')})")
    conn.commit()
    count, started = 0, time.perf_counter()
    for batch in _batches(payloads):
        raws, heads, lines = _rows(batch, count)
        with conn:
            conn.executemany("INSERT INTO bench_floor_raw VALUES (?, ?, ?)", raws)
            conn.executemany("INSERT INTO bench_floor_order VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             heads)
            conn.executemany("INSERT INTO bench_floor_line VALUES (?, ?, ?, ?, ?, ?)", lines)
        count += len(batch)
    seconds = time.perf_counter() - started
    for name in TABLES:
        conn.execute(f"DROP TABLE {name}")
    conn.close()
    return count, seconds


def _postgres(db_url: str, payloads: Path) -> tuple[int, float]:
    import psycopg
    with psycopg.connect(db_url) as conn:
        for name, cols in TABLES.items():
            conn.execute(f"CREATE TABLE {name} ({cols.format(blob='BYTEA')})")
        conn.commit()
        count, started = 0, time.perf_counter()
        for batch in _batches(payloads):
            for name, rows in zip(TABLES, _rows(batch, count), strict=True):
                with conn.cursor().copy(f"COPY {name} FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            conn.commit()
            count += len(batch)
        seconds = time.perf_counter() - started
        for name in TABLES:
            conn.execute(f"DROP TABLE {name}")
    return count, seconds
