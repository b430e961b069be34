"""A real HTTP webhook receiver for the notification tests, run as its own process.

`python tests/webhook_server.py PORT_FILE SECRET` listens on a free loopback port (written to
PORT_FILE). `POST /hook/<name>` receives a CloudEvent: it checks the `Ordex-Signature` header
over timestamp + body with SECRET (a bad one is a 401), parses the structured event with the
CloudEvents SDK, then follows the plan for `<name>` (`POST /_plan`, one step per request):
`ok` (accept, 200), `500`, `410`, `429:N` (Retry-After N), `drop` (accept, then close the
socket without answering). `GET /_record` is its own record: per event id, how often it was
accepted and requested, the events themselves, and the signatures it refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cloudevents.core.bindings.http import HTTPMessage, from_structured_event

LOCK = threading.Lock()
STATE: dict[str, Any] = {"accepted": {}, "requests": {}, "events": {}, "bad_signatures": 0,
                         "plans": {}}
SECRET = b""


def signed(header: str, body: bytes) -> bool:
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    mac = hmac.new(SECRET, parts.get("t", "").encode() + b"." + body, hashlib.sha256)
    return "t" in parts and hmac.compare_digest(mac.hexdigest(), parts.get("v1", ""))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms stall

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        with LOCK:
            self._answer(200, {k: v for k, v in STATE.items() if k != "plans"})

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/_plan":
            with LOCK:
                STATE["plans"].update(json.loads(body))
            return self._answer(200, {"ok": True})
        if not signed(self.headers.get("Ordex-Signature", ""), body):
            with LOCK:
                STATE["bad_signatures"] += 1
            return self._answer(401, {"error": "bad signature"})
        event = from_structured_event(HTTPMessage(headers=dict(self.headers.items()),
                                                  body=body))
        name, ident = self.path.rsplit("/", 1)[-1], event.get_id()
        with LOCK:
            STATE["requests"][ident] = STATE["requests"].get(ident, 0) + 1
            plan = STATE["plans"].get(name, [])
            step = plan.pop(0) if plan else "ok"
            if step in ("ok", "drop"):
                STATE["accepted"][ident] = STATE["accepted"].get(ident, 0) + 1
                STATE["events"][ident] = {**event.get_attributes(), "time": str(
                    event.get_time()), "data": event.get_data()}
        if step == "drop":
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return None
        if step.startswith("429:"):
            return self._answer(429, {"error": "slow down"}, {"Retry-After": step[4:]})
        if step != "ok":
            return self._answer(int(step), {"error": f"planned {step}"})
        return self._answer(200, {"ok": True})


def main() -> None:
    global SECRET
    port_file, SECRET = sys.argv[1], sys.argv[2].encode()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    import os
    os.replace(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
