"""SQLite's write lock held too long by another writer: the unit of work is run again."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from ordex.adapters.db import tables as t
from ordex.bootstrap import bootstrap
from ordex.config import Settings
from ordex.domain.errors import WorkConflictError
from ordex.orchestrate.bus import MessageBus


def _impatient(app: Any) -> None:
    """Wait 50 ms for the write lock instead of 10 s (the test's patience, not ordex's)."""
    event.listen(app.engine, "connect",
                 lambda conn, _record: conn.execute("PRAGMA busy_timeout=50"))


def _count_orders(uow: Any, _command: object) -> int:
    with uow:
        return len(uow.execute(select(t.orders.c.order_id)).all())


def test_a_unit_of_work_that_cannot_get_the_write_lock_is_a_conflict_not_a_crash(
        tmp_path: Path) -> None:
    app = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'busy.db'}"))
    app.migrate()
    app.engine.dispose()  # connections made from now on are impatient
    _impatient(app)
    blocker = sqlite3.connect(tmp_path / "busy.db", isolation_level=None,
                              check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(WorkConflictError, match="database is locked"):
            _count_orders(app.uow(), None)
    finally:
        blocker.execute("ROLLBACK")
    bus = MessageBus(uow=app.uow, handlers={str: lambda cmd, uow: _count_orders(uow, cmd)})
    blocker.execute("BEGIN IMMEDIATE")
    threading.Timer(0.2, lambda: blocker.execute("ROLLBACK")).start()
    started = time.monotonic()
    assert bus.handle("count") == 0  # run again until the other writer let go
    assert time.monotonic() - started >= 0.15
    app.engine.dispose()
