"""A fresh database per run, its reference data loaded through `ordex load-reference`."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ORDEX = [sys.executable, "-m", "ordex"]
"""The `ordex` command, run by the interpreter of this environment."""


def ordex(*args: str, capture: bool = True) -> subprocess.CompletedProcess[str]:
    """Run one `ordex` command to its end; a failure stops the benchmark with its message."""
    done = subprocess.run([*ORDEX, *args], capture_output=capture, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"ordex {args[0]} failed ({done.returncode}): "
                           f"{(done.stderr or '').strip()[-2000:]}")
    return done


@contextmanager
def sqlite_database(folder: Path, name: str) -> Iterator[str]:
    """A new SQLite file in the run's folder, removed afterwards."""
    path = folder / f"{name}.db"
    yield f"sqlite:///{path}"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@contextmanager
def postgres_database(admin_url: str, name: str) -> Iterator[str]:
    """A new database on the server, dropped afterwards (even when the run fails)."""
    import psycopg
    db = f"ordex_bench_{name}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{db}"
    finally:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def postgres_problem(admin_url: str) -> str | None:
    """None when the server answers, else why not."""
    try:
        import psycopg
        with psycopg.connect(admin_url, connect_timeout=3):
            return None
    except Exception as exc:  # any failure means no PostgreSQL figures, said in the report
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}"


def load_reference(db_url: str, folder: Path) -> None:
    """Migrate the database and load the reference folder, as a user does."""
    ordex("load-reference", str(folder), "--db", db_url)
