"""The real local HTTP ERP (tests/erp_server.py) as a process, and mapping files for it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml

SERVER = Path(__file__).with_name("erp_server.py")


class ErpServer:
    """A running erp_server.py: its URL, its plans and its own record."""

    def __init__(self, process: subprocess.Popen[bytes], port: int) -> None:
        self.process, self.port = process, port
        self.url = f"http://127.0.0.1:{port}"

    def plan(self, **steps: list[str]) -> None:
        httpx.post(f"{self.url}/_plan", json=steps, timeout=5).raise_for_status()

    def revoke(self) -> None:
        httpx.post(f"{self.url}/_revoke", timeout=5).raise_for_status()

    def record(self) -> dict[str, Any]:
        answer = httpx.get(f"{self.url}/_record", timeout=5)
        answer.raise_for_status()
        return answer.json()  # type: ignore[no-any-return]


@contextmanager
def erp_server(tmp: Path, *args: str) -> Iterator[ErpServer]:
    """Start the server on a free loopback port; stop it on the way out."""
    port_file = tmp / f"erp-port-{time.monotonic_ns()}"
    process = subprocess.Popen([sys.executable, str(SERVER), str(port_file), *args])
    try:
        deadline = time.monotonic() + 20
        while not port_file.exists():
            assert process.poll() is None, "the ERP server died at start"
            assert time.monotonic() < deadline, "the ERP server did not start"
            time.sleep(0.02)
        yield ErpServer(process, int(port_file.read_text()))
    finally:
        process.kill()
        process.wait(timeout=10)


NEW_KINDS = ("ChangeWarehouse", "SplitLine", "ChangeQuantity", "ChangePrice", "SubstituteItem",
             "CancelLine", "UpdateShipTo", "ChangeShipVia", "AddNote")
"""Kinds added with the commands of each decision; their endpoint path is the kind in lower
case, and the payload sends the whole command."""


def endpoint(what: str, method: str = "POST", *, whole: bool = False) -> dict[str, Any]:
    return {"method": method, "path": "/orders/{{ command.order_id | urlencode }}/" + what,
            "payload": {"kind": "{{ kind }}", "lines": "{{ command.lines | default([]) }}",
                        "reason": "{{ command.reason }}", "case": "{{ command.case_id }}",
                        **({"command": "{{ command }}"} if whole else {})}}


def mapping_data(url: str, *, timeout: float = 2.0, auth: dict[str, Any] | None = None
                 ) -> dict[str, Any]:
    return {"version": 1, "base_url": f"{url}/api", "timeout_seconds": timeout,
            "auth": auth or {"type": "none"},
            "commands": {"HoldLines": endpoint("holds"), "ReleaseLines": endpoint("releases"),
                         "CancelOrder": endpoint("cancellation"),
                         "ApplyDecision": endpoint("decisions"),
                         "RevisePromise": endpoint("promise", "PATCH"),
                         **{kind: endpoint(kind.lower(), whole=True) for kind in NEW_KINDS}}}


def write_mapping(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def dumps(data: object) -> str:
    return json.dumps(data, sort_keys=True)
