"""A real Tryton server for the tests: a template database built once, a trytond per session.

The template (trytond-admin activating sale, sale_credit_limit, purchase and stock with their
dependencies, then tests/tryton_template.py through proteus) is built once per machine and
kept in the temporary folder under a name that hashes the Tryton versions and the template
script, so a later run reuses it; building takes about 30 s of CPU. Each session copies it
and starts `trytond` on a free loopback port with a queue worker configured (and none
running), so confirming a sale queues its processing instead of doing it: the gate ordex holds.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Any

from live_server import free_port
from ordex.adapters.erp_tryton import TrytonRpc
from ordex.adapters.erp_tryton.rpc import TrytonUserWarning

BIN = Path(sys.executable).parent
MODULES = ("sale", "sale_credit_limit", "purchase", "stock")
SCRIPT = Path(__file__).with_name("tryton_template.py")
PASSWORD = "admin"
DATABASE = "ordex"
"""The Tryton database the session's server serves."""


def _cache_root() -> Path:
    shm = Path("/dev/shm")  # SQLite writes a Tryton install's thousands of rows faster here
    return shm if shm.is_dir() and os.access(shm, os.W_OK) else Path(tempfile.gettempdir())


def _fingerprint() -> str:
    versions = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions()
                      if d.metadata["Name"].lower().replace("_", "-").startswith("trytond"))
    text = "\n".join([*versions, *MODULES, SCRIPT.read_text()])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _config(folder: Path, *, port: int | None = None) -> Path:
    lines = ["[database]", "uri = sqlite://", f"path = {folder}"]
    if port is not None:
        lines += ["[web]", f"listen = 127.0.0.1:{port}", "[queue]", "worker = True"]
    conf = folder / ("trytond.conf" if port is None else "server.conf")
    conf.write_text("\n".join(lines) + "\n")
    return conf


def template() -> Path:
    """The template database file, built now unless a build of the same versions exists."""
    folder = _cache_root() / f"ordex-tryton-{_fingerprint()}"
    folder.mkdir(exist_ok=True)
    done = folder / "template.sqlite"
    with open(folder / "lock", "w") as lock:  # one builder at a time (xdist workers)
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            _build(folder)
    return done


def _build(folder: Path) -> None:
    conf = _config(folder)
    db = folder / "building.sqlite"
    db.unlink(missing_ok=True)
    db.touch()
    (folder / "password").write_text(PASSWORD)
    env = {**os.environ, "TRYTONPASSFILE": str(folder / "password")}
    admin = [str(BIN / "trytond-admin"), "-c", str(conf), "-d", "building", "--all",
             "--email", "admin@example.com", "--activate-dependencies", "-u", *MODULES]
    for cmd in (admin, [sys.executable, str(SCRIPT), str(conf), "building"]):
        run = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
        if run.returncode:
            raise RuntimeError(f"building the Tryton template failed: {' '.join(cmd)}\n"
                               f"{run.stdout[-2000:]}\n{run.stderr[-4000:]}")
    db.rename(folder / "template.sqlite")


@contextlib.contextmanager
def tryton_server(folder: Path, *, database: str = "ordex") -> Iterator[str]:
    """A trytond on loopback serving a fresh copy of the template; yields its URL."""
    shutil.copyfile(template(), folder / f"{database}.sqlite")
    port = free_port()
    conf = _config(folder, port=port)
    log = open(folder / "trytond.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen([str(BIN / "trytond"), "-c", str(conf), "-d", database],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, database, proc, folder)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _wait_ready(url: str, database: str, proc: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"trytond exited: {(folder / 'trytond.log').read_text()[-3000:]}")
        try:
            rpc = TrytonRpc(url, database, user="admin", password=PASSWORD, timeout=5)
            rpc.login()
            return
        except Exception:  # not listening yet, or the pool still loading
            time.sleep(0.3)
    raise RuntimeError("trytond did not answer within 90 s")


class TrytonDesk:
    """What a Tryton user does in the tests, over JSON-RPC: sales, their state and notes."""

    def __init__(self, rpc: TrytonRpc) -> None:
        self.rpc = rpc
        self._ids: dict[tuple[str, str], int] = {}

    def id_of(self, model: str, code: str) -> int:
        key = (model, code)
        if key not in self._ids:
            self._ids[key] = self.rpc.model(model, "search", [("code", "=", code)], 0, 1, None)[0]
        return self._ids[key]

    def sell(self, customer: str, lines: list[tuple[str, int, str]], *,
             reference: str, ship_in_days: int = 7) -> dict[str, Any]:
        """Create, quote and confirm a sale (accepting Tryton's warnings, as a user may)."""
        party = self.id_of("party.party", customer)
        address = self.rpc.model("party.party", "read", [party], ["addresses"])[0]["addresses"][0]
        sale_id = self.rpc.model("sale.sale", "create", [{
            "party": party, "reference": reference, "invoice_address": address,
            "shipment_address": address, "sale_date": date.today(),
            "shipping_date": date.today() + timedelta(days=ship_in_days),
            "lines": [["create", [{"type": "line", "product": self.id_of("product.product", p),
                                   "quantity": q, "unit": 1, "unit_price": Decimal(price)}
                                  for p, q, price in lines]]]}])[0]
        self.rpc.model("sale.sale", "quote", [sale_id])
        warnings = []
        while True:
            try:
                self.rpc.model("sale.sale", "confirm", [sale_id])
                break
            except TrytonUserWarning as warning:
                warnings.append(warning.message)
                self.rpc.model("res.user.warning", "skip", warning.name, False)
        return {**self.sale(sale_id), "warnings": warnings}

    def sale(self, sale_id: int) -> dict[str, Any]:
        row: dict[str, Any] = self.rpc.model(
            "sale.sale", "read", [sale_id], ["number", "state", "shipments", "shipment_state",
                                             "shipping_date", "warehouse"])[0]
        return row

    def notes(self, sale_id: int) -> list[str]:
        return [n["message"] for n in self.rpc.model(
            "ir.note", "search_read", [("resource", "=", f"sale.sale,{sale_id}")], 0, None,
            [("id", "ASC")], ["message"])]

    def lines(self, sale_id: int) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.rpc.model(
            "sale.line", "search_read", [("sale", "=", sale_id)], 0, None, [("id", "ASC")],
            ["quantity", "unit_price", "product.code"])
        return rows

