"""Outbound control numbers and natural keys on a real database: unique across processes,
kept by a re-run, never reused after the migration that introduced them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from edi_files import interchange, purchase_order
from ordex.adapters.db import tables as t
from ordex.adapters.db.dialect import make_engine
from ordex.adapters.db.migrate import alembic_config, upgrade
from ordex.adapters.db.outbound_repo import Outbound, next_controls, write_outbound
from ordex.bootstrap import App, bootstrap
from ordex.bootstrap_files import FileIntake
from ordex.config import Settings
from ordex.sense.edi_partners import load_partners
from ordex.sense.reference import load_reference

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


def new_app(url: str) -> App:
    return bootstrap(Settings(database_url=url, batch_size=5), clock=lambda: NOW)


@pytest.fixture
def two_apps(db_url: str) -> Iterator[tuple[App, App]]:
    """Two wirings of ordex on one database, each with its own engine (two processes)."""
    first, second = new_app(db_url), new_app(db_url)
    first.migrate()
    first.save_reference(load_reference(ROOT / "examples" / "reference"))
    FileIntake(first).load_partners(load_partners(ROOT / "examples" / "reference"))
    yield first, second
    first.engine.dispose()
    second.engine.dispose()


def draw(app: App, k: int) -> range:
    with app.uow() as uow:
        first = next_controls(uow.connection, k)
        uow.commit()
    return range(first, first + k)


def test_control_numbers_drawn_at_once_by_two_engines_never_overlap(
        two_apps: tuple[App, App]) -> None:
    drawn: list[range] = []

    def work(app: App, sizes: list[int]) -> None:
        drawn.extend(draw(app, k) for k in sizes)

    threads = [threading.Thread(target=work, args=(app, [1, 3, 2] * 10)) for app in two_apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    numbers = sorted(n for r in drawn for n in r)
    assert numbers == list(range(1, 121))  # 60 draws, 120 numbers, none twice, none lost


def test_a_rolled_back_draw_hands_out_nothing(two_apps: tuple[App, App]) -> None:
    app = two_apps[0]
    with app.uow() as uow:
        assert next_controls(uow.connection, 5) == 1
        uow.rollback()
    assert draw(app, 1) == range(1, 2)


def test_two_apps_ingesting_files_at_once_send_every_document_under_its_own_number(
        two_apps: tuple[App, App], tmp_path: Path) -> None:
    files = []
    for n, app in enumerate(two_apps):
        sets = [purchase_order(100 * n + k, control=f"{k:04d}", item="BOLT-M8", quantity="1")
                for k in range(1, 13)]
        path = tmp_path / f"f{n}.edi"
        path.write_text(interchange(400 + n, [(1, sets[:6]), (2, sets[6:])]))
        files.append((app, path))
    threads = [threading.Thread(target=FileIntake(app).ingest_edi, args=(path,))
               for app, path in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with two_apps[0].engine.connect() as conn:
        docs = conn.execute(select(t.edi_outbound.c.kind, t.edi_outbound.c.control_number,
                                   t.edi_outbound.c.body)).all()
    assert sorted(d.kind for d in docs) == ["855"] * 24 + ["997"] * 4
    assert sorted(d.control_number for d in docs) == list(range(1, 29))
    assert sorted(int(d.body.split("*")[13]) for d in docs) == list(range(1, 29))


def test_a_document_written_again_under_its_key_keeps_its_first_number_and_body(
        two_apps: tuple[App, App]) -> None:
    app = two_apps[0]
    doc = Outbound("997:r:1:1:1", "997", "ACMEIND", None, "r", lambda n: f"first {n}")
    again = Outbound("997:r:1:1:1", "997", "ACMEIND", None, "r", lambda n: f"second {n}")
    for attempt, expected in ((doc, [doc]), (again, [])):
        with app.uow() as uow:
            assert write_outbound(uow.connection, [attempt, attempt], now=NOW) == expected
            uow.commit()
    [row] = FileIntake(app).registry.documents()
    assert (row["body"], row["control_number"], row["doc_key"]) == ("first 1", 1, doc.key)
    assert draw(app, 1) == range(2, 3)  # the re-run drew no number


def test_an_emptied_database_numbers_on_after_the_highest_number_stored(
        two_apps: tuple[App, App]) -> None:
    app = two_apps[0]
    draw(app, 7)
    with app.engine.begin() as conn:
        conn.execute(t.edi_counters.delete())
        conn.execute(t.edi_outbound.insert(), [{
            "kind": "997", "partner": "P", "created_at": NOW, "body": "x", "control_number": 7}])
    assert draw(app, 1) == range(8, 9)


ISA_42 = ("ISA*00*          *00*          *ZZ*ORDEX          *ZZ*ACMEIND        *261123*0900*"
          "U*00401*000000042*0*P*>~GS*FA*ORDEX*ACMEIND*20261123*0900*42*X*004010~")


def test_migration_0009_marks_older_files_processed_and_numbers_on_after_the_isa13_sent(
        db_url: str) -> None:
    engine, cfg = make_engine(db_url), alembic_config()
    upgrade(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO raw_payloads (raw_id, source, channel, received_at, "
                          "sha256, body, size, chunks) VALUES ('old', 'a.edi', 'edi', :at, "
                          "'h', :body, 1, 0)"), {"at": NOW, "body": b"x"})
        conn.execute(text("INSERT INTO edi_outbound (kind, partner, created_at, body) VALUES "
                          "(:kind, 'ACMEIND', :at, :body)"),
                     [{"kind": "997", "at": NOW, "body": ISA_42},
                      {"kind": "855", "at": NOW, "body": ISA_42.replace("042", "017")}])
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(select(t.raw_payloads.c.state)).scalar_one() == "processed"
        assert conn.execute(select(t.edi_counters.c.value)).scalar_one() == 42
        ours = {"raw_payloads", "edi_outbound", "edi_counters"}
        drift = compare_metadata(MigrationContext.configure(conn, opts={
            "include_object": lambda obj, name, kind, *_: (
                name in ours if kind == "table" else obj.table.name in ours)}), t.metadata)
    assert drift == [], "migration 0009 and tables.py disagree"
    with engine.begin() as conn:
        assert next_controls(conn, 1) == 43
    engine.dispose()
