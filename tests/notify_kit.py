"""Real local servers for the notification tests: aiosmtpd as a process writing a Maildir,
and tests/webhook_server.py."""

from __future__ import annotations

import mailbox
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from pathlib import Path
from typing import Any

import httpx

WEBHOOK = Path(__file__).with_name("webhook_server.py")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpServer:
    """A running aiosmtpd process and the Maildir it writes every received message to."""

    def __init__(self, port: int, maildir: Path) -> None:
        self.port, self.maildir = port, maildir

    def messages(self) -> list[Message]:
        box = mailbox.Maildir(self.maildir, create=False)
        return sorted((box[k] for k in box.iterkeys()), key=lambda m: m["Message-ID"] or "")


def self_signed(tmp: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made with the openssl command."""
    cert, key = tmp / "smtp-cert.pem", tmp / "smtp-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@contextmanager
def smtp_server(tmp: Path, port: int | None = None,
                tls: tuple[Path, Path] | None = None) -> Iterator[SmtpServer]:
    """aiosmtpd on a free loopback port (or `port`), storing mail in a Maildir under tmp;
    with `tls` (certificate, key) it offers STARTTLS and refuses mail before it."""
    port = port or free_port()
    maildir = tmp / f"maildir-{port}"
    mailbox.Maildir(maildir, create=True)
    starttls = ["--tlscert", str(tls[0]), "--tlskey", str(tls[1])] if tls else []
    process = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l",
                                f"127.0.0.1:{port}", *starttls, "-c",
                                "aiosmtpd.handlers.Mailbox", str(maildir)])
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, "the SMTP server died at start"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the SMTP server did not start"
                time.sleep(0.05)
        yield SmtpServer(port, maildir)
    finally:
        process.kill()
        process.wait(timeout=10)


class WebhookServer:
    """A running webhook_server.py: its URL, its plans and its own record."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"

    def plan(self, **steps: list[str]) -> None:
        httpx.post(f"{self.url}/_plan", json=steps, timeout=5).raise_for_status()

    def record(self) -> dict[str, Any]:
        answer = httpx.get(f"{self.url}/_record", timeout=5)
        answer.raise_for_status()
        return answer.json()  # type: ignore[no-any-return]


@contextmanager
def webhook_server(tmp: Path, secret: str) -> Iterator[WebhookServer]:
    """The receiver on a free loopback port, checking signatures with `secret`."""
    port_file = tmp / f"hook-port-{time.monotonic_ns()}"
    process = subprocess.Popen([sys.executable, str(WEBHOOK), str(port_file), secret])
    try:
        deadline = time.monotonic() + 20
        while not port_file.exists():
            assert process.poll() is None, "the webhook server died at start"
            assert time.monotonic() < deadline, "the webhook server did not start"
            time.sleep(0.02)
        yield WebhookServer(int(port_file.read_text()))
    finally:
        process.kill()
        process.wait(timeout=10)
