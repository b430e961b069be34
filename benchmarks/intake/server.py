"""`ordex serve` in its own process, for the HTTP runs; its peak memory read when it stops."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks.intake.databases import ORDEX, ordex


@dataclass
class Server:
    """A running server: where it answers, and (once stopped) its peak resident memory."""

    url: str
    pid: int
    peak_rss_mb: float = 0.0


def headers(token: str | None) -> dict[str, str]:
    """Headers every benchmark request sends: a bearer token when one is configured."""
    return {"Authorization": f"Bearer {token}"} if token else {}


def serve_env() -> dict[str, str]:
    """The server's environment: ours, with a random secret key when none is set."""
    return {**os.environ, "ORDEX_SECRET_KEY": os.environ.get("ORDEX_SECRET_KEY")
            or secrets.token_urlsafe(32)}


def bench_token(db_url: str) -> str:
    """A fresh API token on the database that may post orders and read (ingest + viewer)."""
    made = ordex("token", "create", "--name", f"bench-{secrets.token_hex(4)}", "--scope",
                 "ingest", "--scope", "viewer", "--db", db_url)
    return made.stdout.strip()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_ready(url: str, proc: subprocess.Popen[bytes], token: str | None, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace").strip()[-1000:]
            raise RuntimeError(f"ordex serve exited with {proc.returncode}: {tail}")
        try:
            if httpx.get(f"{url}/queues", headers=headers(token), timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("ordex serve did not answer within 60 s")


def peak_rss_mb(pid: int) -> float:
    """The process's high-water resident set (VmHWM), in MiB; 0 when unreadable."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@contextmanager
def serving(db_url: str, token: str | None, log: Path) -> Iterator[Server]:
    """Start `ordex serve` on the database (its output to `log`); stop it afterwards."""
    port = _free_port()
    with log.open("ab") as sink:
        proc = subprocess.Popen([*ORDEX, "serve", "--db", db_url, "--host", "127.0.0.1",
                                 "--port", str(port)], stdout=sink, stderr=subprocess.STDOUT,
                                env=serve_env())
    server = Server(f"http://127.0.0.1:{port}", proc.pid)
    try:
        _wait_ready(server.url, proc, token, log)
        yield server
    finally:
        server.peak_rss_mb = peak_rss_mb(proc.pid)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
