"""The audit trail on a real database: sealed as written, checked, exported, tamper named."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, select, text
from typer.testing import CliRunner

from ordex.adapters.db import tables as t
from ordex.adapters.db.audit_repo import history, verify
from ordex.adapters.db.dialect import make_engine, write_transaction
from ordex.adapters.db.migrate import alembic_config, upgrade
from ordex.adapters.db.store import SqlChangeStore
from ordex.domain.cases import AuditEntry
from ordex.entrypoints.cli import cli
from ordex.orchestrate.changes import Changes

NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)


def entry(stream: str, i: int, reason: str = "") -> AuditEntry:
    return AuditEntry(stream, NOW + timedelta(seconds=i), f"user-{i % 3}", "note", "open",
                      "open", reason or f"note {i}")


def migrated(url: str) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    return engine


def write(engine: Engine, *entries: AuditEntry) -> None:
    SqlChangeStore(engine).save(Changes(audit=list(entries)))


def test_entries_written_in_several_batches_form_one_intact_chain_per_stream(db_url: str) -> None:
    engine = migrated(db_url)
    write(engine, entry("A:X", 0), entry("B:X", 1), entry("A:X", 2))
    write(engine, entry("A:X", 3), entry("policy", 4))
    result = verify(engine)
    assert result.broken is None
    assert (result.streams, result.entries) == (3, 5)
    a = history(engine, "A:X")
    assert [e["seq"] for e in a] == [1, 2, 3]
    assert [e["reason"] for e in a] == ["note 0", "note 2", "note 3"]
    assert a[1]["prev_hash"] == a[0]["hash"] and a[2]["prev_hash"] == a[1]["hash"]
    assert len(result.anchor) == 64
    write(engine, entry("B:X", 5))
    assert verify(engine).anchor != result.anchor  # a new entry moves the anchor
    engine.dispose()


def test_a_changed_entry_is_named_by_id_and_a_cut_end_by_the_stored_head(db_url: str) -> None:
    engine = migrated(db_url)
    write(engine, *[entry("A:X", i) for i in range(4)], entry("B:X", 9))
    with engine.begin() as conn:
        target = conn.execute(select(t.audit_log.c.entry_id).where(
            t.audit_log.c.case_id == "A:X", t.audit_log.c.seq == 2)).scalar_one()
        conn.execute(t.audit_log.update().where(t.audit_log.c.entry_id == target)
                     .values(reason="released by the manager"))
    broken = verify(engine).broken
    assert broken is not None and (broken.stream, broken.entry_id) == ("A:X", target)
    with engine.begin() as conn:
        conn.execute(t.audit_log.delete().where(t.audit_log.c.case_id == "A:X",
                                                t.audit_log.c.seq >= 2))
    broken = verify(engine).broken
    assert broken is not None and broken.stream == "A:X" and "end" in broken.problem
    with engine.begin() as conn:
        conn.execute(t.audit_log.delete().where(t.audit_log.c.case_id == "A:X"))
    broken = verify(engine).broken  # the whole stream gone: its head remains
    assert broken is not None and broken.stream == "A:X" and "no entry" in broken.problem
    engine.dispose()


def test_concurrent_writers_on_one_stream_never_fork_it(db_url: str) -> None:
    """Eight threads append to one stream and to their own at once: one chain, no gap."""
    engine = migrated(db_url)
    write(engine, entry("SHARED:X", 0))
    barrier, errors = threading.Barrier(8), []

    def append(worker: int) -> None:
        barrier.wait()
        for n in range(10):
            try:
                with write_transaction(engine) as conn:
                    from ordex.adapters.db.audit_repo import append_audit
                    append_audit(conn, [entry("SHARED:X", 100 * worker + n),
                                        entry(f"OWN{worker}:X", n)])
            except Exception as exc:
                errors.append(exc)

    threads = [threading.Thread(target=append, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = verify(engine)
    assert result.broken is None
    assert [e["seq"] for e in history(engine, "SHARED:X")] == list(range(1, 82))
    engine.dispose()


def test_the_migration_seals_entries_written_before_it(db_url: str) -> None:
    engine, cfg = make_engine(db_url), alembic_config()
    upgrade(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0009")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_log (case_id, at, actor, action, from_state, "
                          "to_state, reason) VALUES (:c, :at, 'ordex', 'open', NULL, 'open', "
                          ":r)"), [{"c": "OLD:X", "at": NOW, "r": "first"},
                                   {"c": "OLD:Y", "at": NOW, "r": "other"},
                                   {"c": "OLD:X", "at": NOW + timedelta(hours=1), "r": "second"}])
    upgrade(engine)
    write(engine, entry("OLD:X", 7))
    result = verify(engine)
    assert result.broken is None and result.entries == 4
    assert [e["reason"] for e in history(engine, "OLD:X")] == ["first", "second", "note 7"]
    with engine.connect() as conn:
        ours = {"audit_log", "audit_heads"}
        drift = compare_metadata(MigrationContext.configure(conn, opts={
            "include_object": lambda obj, name, kind, *_: (
                name in ours if kind == "table" else obj.table.name in ours)}), t.metadata)
    assert drift == [], "migration 0012 and tables.py disagree"
    engine.dispose()


def test_the_cli_verifies_exits_one_on_a_break_and_exports_escaped_csv(db_url: str) -> None:
    engine = migrated(db_url)
    write(engine, entry("SO9:PRICE_MISMATCH", 0, "=HYPERLINK(\"http://evil\")"),
          entry("SO9:PRICE_MISMATCH", 1))
    runner = CliRunner()
    ok = runner.invoke(cli, ["audit", "verify", "--db", db_url, "--format", "json"])
    assert ok.exit_code == 0, ok.output
    report = json.loads(ok.stdout)
    assert report["ok"] is True and report["entries"] == 2 and report["broken"] is None
    exported = runner.invoke(cli, ["audit", "export", "SO9:PRICE_MISMATCH", "--db", db_url,
                                   "--as", "csv"])
    assert exported.exit_code == 0, exported.output
    lines = exported.stdout.strip().splitlines()
    assert len(lines) == 3 and "'=HYPERLINK" in lines[1]
    as_json = runner.invoke(cli, ["audit", "export", "SO9:PRICE_MISMATCH", "--db", db_url])
    assert [e["seq"] for e in json.loads(as_json.stdout)["entries"]] == [1, 2]
    missing = runner.invoke(cli, ["audit", "export", "SO9:NOPE", "--db", db_url])
    assert missing.exit_code == 2 and "no audit history" in missing.output
    with engine.begin() as conn:
        conn.execute(t.audit_log.update().where(t.audit_log.c.seq == 2).values(actor="x"))
    bad = runner.invoke(cli, ["audit", "verify", "--db", db_url])
    assert bad.exit_code == 1
    assert "SO9:PRICE_MISMATCH" in bad.output and "seq 2" in bad.output
    engine.dispose()


def test_user_and_token_changes_and_token_use_are_in_the_trail(db_url: str) -> None:
    from ordex.adapters.db.identity_repo import SqlIdentity
    from ordex.domain.identity import User
    engine = migrated(db_url)
    identity = SqlIdentity(engine)
    identity.add_user(User("ann", "Ann", "ann@example.com", ("credit_analyst",)), password=None,
                      now=NOW, by="admin")
    identity.set_active("ann", False, now=NOW, by="admin")
    identity.create_token("acme-edi", ("ingest",), expires_at=None, now=NOW, by="admin")
    identity.token_used("acme-edi", now=NOW + timedelta(minutes=1))
    people = history(engine, "people")
    assert [(e["actor"], e["action"]) for e in people] == [("admin", "UserAdded"),
                                                          ("admin", "UserDisabled")]
    assert "roles=['credit_analyst']" in people[0]["reason"]
    tokens = history(engine, "tokens")
    assert [(e["actor"], e["action"]) for e in tokens] == [("admin", "TokenCreated"),
                                                          ("acme-edi", "TokenUsed")]
    assert all("odx_" not in e["reason"] for e in tokens)  # never the secret
    assert verify(engine).broken is None
    engine.dispose()
