"""Shared fixtures: a SQLite file and a throw-away PostgreSQL database per test session."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # fakes.py and builders.py

ADMIN_URL = os.environ.get("ORDEX_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
ROOT = Path(__file__).resolve().parents[1]
RECOMMEND_ONLY = ROOT / "policies" / "recommend-only.yaml"
DEFAULT_POLICY_MODULES = {"test_simulation.py", "test_decide.py"}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests of intake, holds and events see cases stay open (recommend-only policy); the
    simulator's and decide's tests run the shipped default policy, auto-resolution included."""
    if item.path.name in DEFAULT_POLICY_MODULES:
        os.environ.pop("ORDEX_POLICY_FILE", None)
    else:
        os.environ["ORDEX_POLICY_FILE"] = str(RECOMMEND_ONLY)


def _postgres_reachable() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        import psycopg
        with psycopg.connect(ADMIN_URL.replace("+psycopg", ""), connect_timeout=3):
            return None
    except Exception as exc:  # any failure means: no server to test against
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}"


_PG_PROBLEM = _postgres_reachable()


def pytest_report_header(config: pytest.Config) -> str:
    if _PG_PROBLEM is None:
        return f"PostgreSQL: reachable at {ADMIN_URL} — PostgreSQL tests will run"
    return f"PostgreSQL: NOT reachable ({_PG_PROBLEM}) — PostgreSQL tests will be SKIPPED"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _PG_PROBLEM is not None:
        terminalreporter.write_line(
            f"NOTE: PostgreSQL tests were skipped: no server at {ADMIN_URL} ({_PG_PROBLEM}).",
            yellow=True)


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    if _PG_PROBLEM is not None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL must be reachable in CI: {_PG_PROBLEM}")
        pytest.skip(f"PostgreSQL not reachable: {_PG_PROBLEM}")
    return ADMIN_URL


@pytest.fixture(scope="session")
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    import psycopg
    name = f"ordex_test_{uuid.uuid4().hex[:10]}"
    admin = postgres_admin_url.replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated-on-demand database URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ordex.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    from ordex.adapters.db import tables as t
    from ordex.adapters.db.dialect import make_engine, wipe
    from ordex.adapters.db.migrate import upgrade
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        wipe(conn, list(t.metadata.sorted_tables))
    engine.dispose()
    yield url


@pytest.fixture(scope="session")
def tryton_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real trytond for the session, on a copy of the template (tests/tryton_kit.py)."""
    from tryton_kit import DATABASE, tryton_server
    with tryton_server(tmp_path_factory.mktemp("tryton"), database=DATABASE) as url:
        yield url
