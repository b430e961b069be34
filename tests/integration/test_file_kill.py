"""A real `ordex ingest` process killed (SIGKILL) in the middle of an EDI file: running the
same command again leaves every order, 855 and 997 exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from edi_files import large_file
from ordex.adapters.db import tables as t
from ordex.bootstrap import bootstrap
from ordex.bootstrap_files import FileIntake
from ordex.config import Settings
from ordex.sense.edi_partners import load_partners
from ordex.sense.reference import load_reference

ROOT = Path(__file__).resolve().parents[2]
ORDERS, PER_GROUP, BATCH = 1500, 100, 100


def ingest(url: str, path: Path) -> subprocess.Popen[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(path.parent), "ORDEX_BATCH_SIZE": str(BATCH),
           **{k: v for k, v in os.environ.items() if k == "ORDEX_POLICY_FILE"}}
    return subprocess.Popen([sys.executable, "-m", "ordex", "ingest", str(path), "--db", url,
                             "--format", "json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)


def test_ingest_killed_after_its_first_batch_then_run_again_leaves_each_effect_once(
        db_url: str, tmp_path: Path) -> None:
    app = bootstrap(Settings(database_url=db_url))
    app.migrate()
    app.save_reference(load_reference(ROOT / "examples" / "reference"))
    FileIntake(app).load_partners(load_partners(ROOT / "examples" / "reference"))
    path = tmp_path / "big.edi"
    path.write_text(large_file(ORDERS, per_group=PER_GROUP))

    def orders() -> int:
        with app.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(t.orders)).scalar_one()

    first = ingest(db_url, path)
    deadline = time.monotonic() + 60
    while orders() == 0 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=30)
    assert first.returncode == -signal.SIGKILL
    killed_at = orders()
    assert 0 < killed_at < ORDERS, "the kill must land after the first batch, before the end"
    assert [f.channel for f in FileIntake(app).files.unfinished()] == ["edi"]

    second = ingest(db_url, path)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    [report] = json.loads(out)["files"]
    assert report["skipped"][0].startswith("resumed:")
    assert report["summary"]["replayed"] == killed_at
    assert FileIntake(app).files.unfinished() == []
    with app.engine.connect() as conn:
        docs = conn.execute(select(t.edi_outbound.c.kind, t.edi_outbound.c.doc_key,
                                   t.edi_outbound.c.control_number)).all()
        registry = conn.execute(select(t.edi_interchanges.c.status)).scalars().all()
    assert orders() == ORDERS
    assert sorted(d.kind for d in docs).count("855") == ORDERS
    assert sorted(d.kind for d in docs).count("997") == ORDERS // PER_GROUP
    assert len({d.doc_key for d in docs}) == len(docs)
    assert len({d.control_number for d in docs}) == len(docs)
    assert registry == ["accepted"]
    app.engine.dispose()


def run_ordex(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd),
           **{k: v for k, v in os.environ.items() if k == "ORDEX_POLICY_FILE"}}
    return subprocess.run([sys.executable, "-m", "ordex", *args], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=120)


def test_ordex_resume_finishes_an_interrupted_file_and_then_has_nothing_to_do(
        db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ordex.bootstrap_files.edi as edi
    app = bootstrap(Settings(database_url=db_url, batch_size=50))
    app.migrate()
    app.save_reference(load_reference(ROOT / "examples" / "reference"))
    intake = FileIntake(app)
    intake.load_partners(load_partners(ROOT / "examples" / "reference"))
    path = tmp_path / "day.edi"
    path.write_text(large_file(120, per_group=60))
    real = edi.end_batch

    def dies_second(uow: Any, raw_id: str, *, last: bool, at: Any) -> None:
        real(uow, raw_id, last=last, at=at)
        if uow.connection.execute(select(func.count()).select_from(t.orders)).scalar() >= 50:
            raise RuntimeError("killed")  # the second batch: the first one's 50 committed

    monkeypatch.setattr(edi, "end_batch", dies_second)
    with pytest.raises(RuntimeError, match="killed"):
        intake.ingest_edi(path)
    monkeypatch.undo()

    waiting = run_ordex("resume", "--db", db_url, cwd=tmp_path)
    assert waiting.returncode == 0, waiting.stderr
    assert "Resumed 0 file(s): nothing to do" in waiting.stdout
    assert "1 file(s) in progress elsewhere" in waiting.stdout
    run = run_ordex("resume", "--db", db_url, "--idle-minutes", "0", "--format", "json",
                    cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    done = json.loads(run.stdout)
    assert [f["source"] for f in done["files"]] == [str(path)]
    assert done["summary"]["replayed"] == 50 and done["failed"] == [] and done["waiting"] == []
    assert intake.files.unfinished() == []
    assert len(intake.registry.documents(kind="855", limit=500)) == 120
    again = run_ordex("resume", "--db", db_url, "--idle-minutes", "0", cwd=tmp_path)
    assert again.returncode == 0 and "Resumed 0 file(s)" in again.stdout
    assert run_ordex("resume", "--db", db_url, "--idle-minutes", "-1",
                     cwd=tmp_path).returncode == 2
    app.engine.dispose()
