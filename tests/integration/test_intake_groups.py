"""IngestOrderGroup on a real database: each sender answered exactly as if it had come alone."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from ordex.adapters.db import tables as t
from ordex.bootstrap import App, bootstrap
from ordex.config import Settings
from ordex.domain.commands import IngestOrderGroup
from ordex.orchestrate.intake import Outcome
from ordex.sense.reference import load_reference

ROOT = Path(__file__).resolve().parents[2]
ORDERS = (ROOT / "examples" / "orders.ndjson").read_text().splitlines()
NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
Item = tuple[bytes, str, str | None]


def _app(url: str) -> App:
    ordex = bootstrap(Settings(database_url=url), clock=lambda: NOW)
    ordex.migrate()
    ordex.save_reference(load_reference(ROOT / "examples" / "reference"))
    return ordex


@pytest.fixture
def grouped(db_url: str) -> Iterator[App]:
    ordex = _app(db_url)
    yield ordex
    ordex.engine.dispose()


@pytest.fixture
def alone(tmp_path: Path) -> Iterator[App]:
    """A second database where the same items come one request at a time."""
    ordex = _app(f"sqlite:///{tmp_path / 'alone.db'}")
    yield ordex
    ordex.engine.dispose()


def changed(line: str, **fields: Any) -> bytes:
    doc = json.loads(line)
    doc.update(fields)
    return json.dumps(doc).encode()


def other_quantity(line: str) -> bytes:
    doc = json.loads(line)
    doc["lines"][0]["quantity"] = 7
    return json.dumps(doc).encode()


MIXED: list[Item] = [
    (ORDERS[0].encode(), "api:a", None),
    (ORDERS[1].encode(), "api:b", None),
    (ORDERS[0].encode(), "api:c", None),                 # the same bytes again: a resend
    (b'{"order_id": "EX-9", "lines": [', "api:d", None),  # does not decode
    (changed(ORDERS[2], lines=[]), "api:e", None),        # decodes, fails validation
    (other_quantity(ORDERS[0]), "api:f", None),          # a used order id, another order
    (ORDERS[2].encode(), "api:g", "K-1"),
    (changed(ORDERS[3], order_id="EX-2001"), "api:h", "K-1"),  # a used key, another order
    (ORDERS[1].encode(), "api:i", "K-2"),                # a resend binds K-2 to EX-1002
    (changed(ORDERS[3], order_id="EX-2002"), "api:j", "K-2"),  # so K-2 is used already
    (("[" + ORDERS[3] + "," + changed(ORDERS[0], order_id="EX-2003").decode() + "]").encode(),
     "api:k", "B-1"),
    (b'{"order_id": "EX-9", "lines": [', "api:l", None),  # the same unreadable bytes again
]


def group(app: App, items: list[Item]) -> list[list[Outcome]]:
    answers: list[list[Outcome]] = app.bus.handle(IngestOrderGroup(tuple(items), "api"))
    return answers


def normalised(answers: list[list[Outcome]]) -> str:
    """The answers with raw payload ids named by first appearance (they are random)."""
    text = json.dumps([[{**o.result, "replayed": o.replayed} for o in a] for a in answers])
    names: dict[str, str] = {}
    return re.sub(r"[0-9a-f]{32}", lambda m: names.setdefault(m[0], f"RAW{len(names)}"), text)


def state(app: App) -> dict[str, Any]:
    with app.engine.connect() as conn:
        def count(table: t.Table) -> int:
            return conn.execute(select(func.count()).select_from(table)).scalar_one()
        codes = conn.execute(select(t.cases.c.code, func.count()).group_by(t.cases.c.code))
        keys = conn.execute(select(t.intake_results.c.idempotency_key,
                                   t.intake_results.c.order_id))
        return {"orders": count(t.orders), "lines": count(t.order_lines),
                "raws": count(t.raw_payloads), "cases": dict(codes.all()),
                "results": sorted(keys.all())}


def test_a_group_answers_each_item_exactly_as_one_request_at_a_time(
        grouped: App, alone: App) -> None:
    together = group(grouped, MIXED)
    one_by_one = [group(alone, [item])[0] for item in MIXED]
    assert normalised(together) == normalised(one_by_one)
    assert state(grouped) == state(alone)


def test_the_same_order_twice_in_a_group_is_one_order_and_a_resend(grouped: App) -> None:
    first, second = group(grouped, [(ORDERS[1].encode(), "api:a", None),
                                    (ORDERS[1].encode(), "api:b", None)])
    assert [o.replayed for o in first + second] == [False, True]
    assert second[0].result == first[0].result
    assert state(grouped)["orders"] == 1


def test_a_key_used_twice_in_a_group_with_another_order_is_refused_naming_the_key(
        grouped: App) -> None:
    first, second = group(grouped, [(ORDERS[0].encode(), "api:a", "K-7"),
                                    (ORDERS[2].encode(), "api:b", "K-7")])
    assert first[0].result["status"] == "accepted"
    assert second[0].rejected
    assert second[0].result["errors"][0]["field"] == "Idempotency-Key"
    assert state(grouped)["orders"] == 1


def test_a_malformed_payload_in_a_group_leaves_its_neighbours_answers_as_they_were(
        grouped: App, alone: App) -> None:
    clean = [(ORDERS[i].encode(), f"api:{i}", None) for i in range(3)]
    bad = (b"\xff\xfe not json", "api:x", None)
    mixed = group(grouped, [clean[0], bad, clean[1], clean[2]])
    without = group(alone, clean)
    assert normalised([mixed[0], *mixed[2:]]) == normalised(without)
    assert mixed[1][0].rejected and "UTF-8" in mixed[1][0].result["errors"][0]["reason"]
