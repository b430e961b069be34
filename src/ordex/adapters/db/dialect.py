"""Everything that differs between SQLite and PostgreSQL lives here, and only here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    Date,
    Engine,
    Float,
    Integer,
    Table,
    case,
    cast,
    create_engine,
    event,
    extract,
    func,
    literal,
    text,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, make_url

from ordex.domain.errors import ConfigurationError


def normalize_url(url: str) -> str:
    """The URL SQLAlchemy needs: plain postgresql:// (or postgres://) means psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    if "://" not in url:
        return f"sqlite:///{url}"
    return url


def make_engine(url: str) -> Engine:
    """An engine tuned for the backend: WAL for SQLite, pre-ping for PostgreSQL."""
    try:
        parsed = make_url(normalize_url(url))
    except Exception as exc:  # SQLAlchemy raises ArgumentError subclasses; say it plainly
        raise ConfigurationError(f"database URL {url!r} is not valid: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(parsed, pool_pre_ping=True)
    raise ConfigurationError(f"unsupported database {parsed.get_backend_name()!r}: "
                             "use sqlite:///FILE or postgresql://USER@HOST/DB")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
    # the driver's own transaction handling begins late (at the first write) and so lets
    # another writer in between a unit of work's reads and its writes: ordex begins itself
    dbapi_conn.isolation_level = None


WRITE = {"ordex_write": True}
"""Execution options of a connection that will write: on SQLite it takes the write lock first."""


def _sqlite_begin(conn: Connection) -> None:
    """BEGIN IMMEDIATE for a unit of work (one writer at a time), plain BEGIN for reads."""
    immediate = conn.get_execution_options().get("ordex_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def insert_ignoring_duplicates(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows, silently skipping any whose primary key already exists."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(postgresql.insert(table).on_conflict_do_nothing(), rows)
    else:
        conn.execute(sqlite.insert(table).on_conflict_do_nothing(), rows)


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds the write lock from its first statement on.

    On SQLite `BEGIN IMMEDIATE`: a deferred transaction that reads and then writes fails at
    once with SQLITE_BUSY when another writer committed in between (the busy timeout does not
    apply there); an immediate one waits its turn. PostgreSQL locks rows, so a plain BEGIN.
    """
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        yield conn


def wipe(conn: Connection, tables: list[Table]) -> None:
    """Empty the tables (tests and re-simulation)."""
    if conn.dialect.name == "postgresql":
        names = ", ".join(t.name for t in tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))
    else:
        for table in tables:
            conn.execute(table.delete())


def hours_between(conn: Connection, start: Any, end: Any) -> Any:
    """`end − start` in hours, as a SQL expression (SQLite keeps times as text)."""
    if conn.dialect.name == "postgresql":
        return type_coerce(extract("epoch", end - start) / 3600.0, Float)
    return type_coerce((func.julianday(end) - func.julianday(start)) * 24.0, Float)


def local_day_index(conn: Connection, moment: Any, *, zone: str, first: Any,
                    starts: tuple[Any, ...]) -> Any:
    """Which local day (0 = `first`) a UTC moment falls on, as a SQL expression.

    PostgreSQL converts with its own time-zone database; SQLite has none, so the moment is
    compared with the UTC start of every day (`starts`, computed with zoneinfo), which keeps
    days of 23 or 25 hours right.
    """
    if conn.dialect.name == "postgresql":
        local = cast(func.timezone(zone, moment), Date)
        return type_coerce(local - cast(literal(first), Date), Integer)
    return case(*[(moment < start, i - 1) for i, start in enumerate(starts) if i],
                else_=len(starts) - 1)
