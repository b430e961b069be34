"""Every channel answers the same orders with one report shape, naming where a bad one sat:
HTTP JSON (`POST /orders`), NDJSON and CSV files and EDI X12 (`ordex ingest`), and the
broker consumer on the real local NATS JetStream server."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from auth_kit import signed
from files_kit import Files
from nats_support import MakeBroker, _publish
from ordex.adapters.broker import JetStreamChannel
from ordex.adapters.db import tables as t
from ordex.bootstrap import App, bootstrap
from ordex.config import Settings
from ordex.entrypoints.api.app import create_app
from ordex.entrypoints.files import ingest_paths
from ordex.orchestrate.consume import consume, judging
from ordex.orchestrate.report import COMMON, STATUSES, IntakeReport
from ordex.sense.csv_orders import DEFAULT_PROFILE
from ordex.sense.edi_partners import load_partners
from ordex.sense.reference import load_reference

ROOT = Path(__file__).resolve().parents[2]
GOOD = json.loads((ROOT / "examples" / "orders.ndjson").read_text().splitlines()[0])
BAD = {**GOOD, "order_id": "EX-BAD",
       "lines": [{**GOOD["lines"][0], "quantity": "ten"}, *GOOD["lines"][1:]]}
EDI = ROOT / "examples" / "edi" / "acme-850.edi"
TOTAL_KEYS = {"items", *STATUSES, "replayed"}
NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
"""The example orders' moment (they ask for shipment on 2026-11-24)."""
Run = Callable[[App, Path, MakeBroker], dict[str, Any]]


def _http(app: App, _tmp: Path, _broker: MakeBroker) -> dict[str, Any]:
    with signed(create_app(app), role="integration") as http:  # an ingest token
        answer = http.post("/orders", content=json.dumps([GOOD, BAD]))
    assert answer.status_code == 422
    body: dict[str, Any] = answer.json()
    assert body["detail"][0]["field"] == "[1].lines.0.quantity"  # the documented error body
    return body


def _files(app: App, path: Path) -> dict[str, Any]:
    [report] = ingest_paths(app, [path], profile=None, progress=lambda _n: None)
    return report


def _ndjson(app: App, tmp: Path, _broker: MakeBroker) -> dict[str, Any]:
    path = tmp / "orders.ndjson"
    path.write_text(f"{json.dumps(GOOD)}\n\n{json.dumps(BAD)}\n")
    return _files(app, path)


def _csv_rows(order: dict[str, Any]) -> list[list[str]]:
    rows = []
    for line in order["lines"]:
        values = {**order, **{f"ship_to.{k}": v for k, v in order["ship_to"].items()}, **line}
        rows.append([str(values.get(field, "")) for field in DEFAULT_PROFILE.columns])
    return rows


def _csv_file(tmp: Path) -> Path:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerows([list(DEFAULT_PROFILE.columns.values()), *_csv_rows(GOOD),
                      *_csv_rows(BAD)])
    path = tmp / "orders.csv"
    path.write_text(text.getvalue())
    return path


def _csv(app: App, tmp: Path, _broker: MakeBroker) -> dict[str, Any]:
    return _files(app, _csv_file(tmp))


def _broker(app: App, _tmp: Path, make_broker: MakeBroker) -> dict[str, Any]:
    config = make_broker(ack_wait=5.0)
    _publish(config, [json.dumps(GOOD).encode(), json.dumps(BAD).encode()], ["m-1", "m-2"])
    report = IntakeReport(f"nats:{config.subject}", None, "broker")
    with JetStreamChannel(config) as channel:
        done = consume(channel, judging(app.bus.handle, report), max_items=50, timeout=1.0,
                       stop=threading.Event(), drain=True)
        assert done.acknowledged == 2 and channel.held == 0  # acknowledged once committed
    return report.as_dict()


def _edi(app: App, tmp: Path, _broker: MakeBroker) -> dict[str, Any]:
    Files(app).load_partners(load_partners(ROOT / "examples" / "reference"))
    path = tmp / "acme.edi"
    path.write_bytes(EDI.read_bytes())
    return _files(app, path)


CHANNELS: dict[str, Run] = {"http": _http, "ndjson": _ndjson, "csv": _csv,
                            "broker": _broker, "edi": _edi}
BAD_AT: dict[str, dict[str, Any]] = {
    "http": {"index": 1},
    "ndjson": {"line": 3},
    "csv": {"rows": [4, 5]},
    "broker": {},  # its stream sequence, checked below
    "edi": {"interchange": "000000101", "group": "101", "transaction": "0002",
            "segment": 16},
}


def _app(url: str) -> App:
    app = bootstrap(Settings(database_url=url), clock=lambda: NOW)
    app.migrate()
    app.save_reference(load_reference(ROOT / "examples" / "reference"))
    return app


@pytest.mark.parametrize("channel", list(CHANNELS))
def test_every_channel_answers_one_report_shape_naming_where_the_bad_order_sat(
        channel: str, db_url: str, tmp_path: Path, make_broker: MakeBroker) -> None:
    app = _app(db_url)
    try:
        report = CHANNELS[channel](app, tmp_path, make_broker)
    finally:
        app.engine.dispose()
    assert set(report["totals"]) >= TOTAL_KEYS
    assert report["totals"]["items"] == len(report["results"]) == 2
    assert report["totals"]["rejected"] == 1
    good, bad = report["results"]
    for entry in (good, bad):
        assert tuple(entry)[:len(COMMON)] == COMMON
        assert isinstance(entry["cases"], list) and isinstance(entry["errors"], list)
    assert good["status"] in ("accepted", "held") and good["errors"] == []
    assert good["order_id"] in ("EX-1001", "ACMEIND-4500077001")
    assert bad["status"] == "rejected" and bad["cases"]
    assert all(e["field"] and e["reason"] for e in bad["errors"]) and bad["errors"]
    assert "quantity" in bad["errors"][0]["field"] or bad["errors"][0]["field"] == "PO102"
    place = bad["position"]
    assert {k: place[k] for k in BAD_AT[channel]} == BAD_AT[channel]
    assert place["label"] and place["source"]
    if channel == "broker":
        assert place["sequence"].endswith("#2") and good["position"]["sequence"].endswith("#1")


def test_the_same_orders_get_the_same_answers_on_every_json_channel(
        tmp_path: Path, make_broker: MakeBroker) -> None:
    answers = {}
    for name in ("http", "ndjson", "csv", "broker"):
        folder = tmp_path / name
        folder.mkdir()
        app = _app(f"sqlite:///{folder / 'ordex.db'}")
        try:
            answers[name] = CHANNELS[name](app, folder, make_broker)
        finally:
            app.engine.dispose()

    def same(entry: dict[str, Any]) -> dict[str, Any]:
        return {k: entry[k] for k in ("order_id", "status", "replayed", "cases", "errors",
                                      "held_lines", "whole_order_held", "content_sha256")}
    goods = {name: same(a["results"][0]) for name, a in answers.items()}
    assert all(g == goods["http"] for g in goods.values()), goods
    assert {name: a["totals"]["rejected"] for name, a in answers.items()} == dict.fromkeys(
        answers, 1)
    assert len({json.dumps(a["totals"], sort_keys=True) for a in answers.values()}) == 1


def test_ordex_ingest_prints_the_report_of_each_file_and_the_totals(
        db_url: str, tmp_path: Path) -> None:
    app = _app(db_url)
    app.engine.dispose()
    ndjson, csv_file = tmp_path / "o.ndjson", _csv_file(tmp_path)
    ndjson.write_text(f"{json.dumps(GOOD)}\n{json.dumps(BAD)}\n")
    run = subprocess.run([sys.executable, "-m", "ordex", "ingest", str(ndjson), str(csv_file),
                          "--db", db_url, "--format", "json"], capture_output=True,
                         text=True, timeout=300, env={**os.environ})
    assert run.returncode == 0, run.stderr[-2000:]
    out = json.loads(run.stdout)
    assert out["totals"]["items"] == 4 and out["totals"]["rejected"] == 2
    assert out["totals"]["replayed"] == 1  # EX-1001 again in the CSV file
    assert [f["channel"] for f in out["files"]] == ["csv", "file"]
    labels = [r["position"]["label"] for r in out["results"]]
    assert labels == [f"{csv_file} rows 2-3", f"{csv_file} rows 4-5", f"{ndjson} line 1",
                      f"{ndjson} line 2"]
    text = subprocess.run([sys.executable, "-m", "ordex", "ingest", str(ndjson), "--db", db_url],
                          capture_output=True, text=True, timeout=300, env={**os.environ})
    assert text.returncode == 0, text.stderr[-2000:]
    assert text.stdout.startswith("Ingested 2 orders: ")  # the good one replayed, the bad again
    assert f"rejected at {ndjson} line 2: lines.0.quantity: " in text.stdout


def test_ordex_consume_judge_prints_the_report_and_leaves_nothing_queued(
        make_broker: MakeBroker, tmp_path: Path) -> None:
    config = make_broker(ack_wait=5.0)
    url = f"sqlite:///{tmp_path / 'broker.db'}"
    _app(url).engine.dispose()
    _publish(config, [json.dumps(GOOD).encode(), json.dumps(BAD).encode(),
                      json.dumps(GOOD).encode()], ["m-1", "m-2", "m-3"])
    env = {**os.environ, "ORDEX_BROKER_URL": config.url, "ORDEX_BROKER_STREAM": config.stream,
           "ORDEX_BROKER_SUBJECT": config.subject, "ORDEX_BROKER_CONSUMER": config.consumer}
    run = subprocess.run([sys.executable, "-m", "ordex", "consume", "--judge", "--drain",
                          "--batch", "2", "--db", url, "--format", "json"],
                         capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    out = json.loads(run.stdout)
    assert (out["acknowledged"], out["batches"], out["channel"]) == (3, 2, "broker")
    assert out["totals"]["items"] == 3 and out["totals"]["rejected"] == 1
    assert out["totals"]["replayed"] == 1  # the same order under another message id
    assert [r["position"]["sequence"] for r in out["results"]] == [
        f"{config.stream}#{n}" for n in (1, 2, 3)]
    assert out["results"][1]["errors"][0]["field"] == "lines.0.quantity"
    app = bootstrap(Settings(database_url=url))
    try:
        assert app.queries.order("EX-1001") is not None
        with app.engine.connect() as conn:
            queued = conn.execute(select(func.count()).select_from(t.work_items).where(
                t.work_items.c.kind == "intake")).scalar_one()  # SLA timers are work too
        assert queued == 0  # judged here, not queued for a worker
    finally:
        app.engine.dispose()
