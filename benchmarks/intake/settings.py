"""The benchmark's sizes and targets, read once from `BENCH_*` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


@dataclass(frozen=True)
class BenchSettings:
    """Everything a run can be told; each field is one `BENCH_<NAME>` variable."""

    orders: int = 10_000
    """Orders in the pre-generated files of each batch run."""
    seed: int = 42
    customers: int = 2000
    items: int = 5000
    """Size of the simulated distributor (the simulator's defaults)."""
    shards: int = 4
    """Customer partitions of the files: N workers take every N-th shard (N must divide it)."""
    workers: tuple[int, ...] = (1, 2, 4)
    """PostgreSQL worker counts (SQLite always runs one process)."""
    databases: tuple[str, ...] = ("sqlite", "postgresql")
    intake: str = "ingest"
    """How the files reach cases: `ingest` (N ordex ingest) or `worker` (queue + N ordex worker)."""
    rate: float = 200.0
    """Orders per second the paced feeder offers in the latency run."""
    latency_seconds: float = 20.0
    drain_seconds: float = 15.0
    """How long the latency run waits for answers after the last order is sent."""
    load_seconds: float = 15.0
    """Length of each API load phase (readers alone, posters alone, both)."""
    clients: int = 8
    readers: int = 2
    max_post_rate: float = 300.0
    """Sizes the pool of API orders: the most orders/s posters are expected to reach."""
    postgres_url: str = ADMIN_URL
    """A server where the run may create and drop its own database."""
    token: str | None = None
    """Sent as `Authorization: Bearer TOKEN` on every HTTP request when set."""
    results: Path = ROOT / "benchmarks" / "results"

    @classmethod
    def from_env(cls) -> BenchSettings:
        """The defaults, overridden by whatever `BENCH_*` variable is set."""
        env, d = os.environ, cls()
        return cls(
            orders=_int("BENCH_ORDERS", d.orders), seed=_int("BENCH_SEED", d.seed),
            customers=_int("BENCH_CUSTOMERS", d.customers), items=_int("BENCH_ITEMS", d.items),
            shards=_int("BENCH_SHARDS", d.shards),
            workers=_ints(env.get("BENCH_WORKERS"), d.workers),
            databases=_names(env.get("BENCH_DATABASES"), d.databases),
            intake=env.get("BENCH_INTAKE", d.intake),
            rate=_float("BENCH_RATE", d.rate),
            latency_seconds=_float("BENCH_LATENCY_SECONDS", d.latency_seconds),
            drain_seconds=_float("BENCH_DRAIN_SECONDS", d.drain_seconds),
            load_seconds=_float("BENCH_LOAD_SECONDS", d.load_seconds),
            clients=_int("BENCH_CLIENTS", d.clients), readers=_int("BENCH_READERS", d.readers),
            max_post_rate=_float("BENCH_MAX_POST_RATE", d.max_post_rate),
            postgres_url=env.get("BENCH_POSTGRES_URL")
            or env.get("ORDEX_TEST_POSTGRES_URL", d.postgres_url),
            token=env.get("BENCH_TOKEN") or None,
            results=Path(env.get("BENCH_RESULTS", d.results)))

    @property
    def api_orders(self) -> int:
        """Orders to pre-generate for the HTTP runs of one database (never resent)."""
        return int(self.rate * self.latency_seconds
                   + 2 * self.load_seconds * self.max_post_rate) + self.clients


def _ints(text: str | None, default: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split(",")) if text else default


def _names(text: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.split(",") if x.strip()) if text else default
