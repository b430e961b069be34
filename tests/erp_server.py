"""A real HTTP ERP for the connector's tests, run as its own process, that fails on purpose.

`python tests/erp_server.py PORT_FILE [--token T] [--oauth SECRET --token-lifetime S]`
listens on a free loopback port (written to PORT_FILE) and serves:

- `POST|PATCH /api/orders/<order>/<what>`: a command. With a key it has applied before it
  answers 409 (already applied); otherwise it follows the order's plan (`POST /_plan`), one
  step per request: `ok` (apply, 201), `500`, `422` (not applied), `429:N` (Retry-After N),
  `sleep:S` (apply, then answer S seconds later: slow, or a client timeout), `drop` (apply,
  then close the socket without answering). A request without `Idempotency-Key` is a 400.
- `POST /oauth/token`: client credentials (with --oauth); `POST /_revoke` forgets tokens.
- `GET /_record`: its own record: per key how often it was applied and requested, in order.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

LOCK = threading.Lock()
STATE: dict[str, Any] = {"applied": {}, "requests": {}, "order": [], "plans": {},
                         "tokens": set(), "issued": 0, "bodies": {}}
OPTIONS: dict[str, Any] = {"token": None, "oauth": None, "lifetime": 3600}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms stall

    def log_message(self, *args: object) -> None:  # quiet
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

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:
        if self.path == "/_record":
            with LOCK:
                self._answer(200, {k: STATE[k] for k in ("applied", "requests", "order",
                                                         "issued", "bodies")})
        else:
            self._answer(404, {"error": "no such route"})

    def do_PATCH(self) -> None:
        self.do_POST()

    def do_POST(self) -> None:
        body = self._body()
        if self.path == "/_plan":
            with LOCK:
                STATE["plans"].update(json.loads(body))
            return self._answer(200, {"ok": True})
        if self.path == "/_revoke":
            with LOCK:
                STATE["tokens"].clear()
            return self._answer(200, {"ok": True})
        if self.path == "/oauth/token":
            return self._token(body)
        if not self.path.startswith("/api/orders/"):
            return self._answer(404, {"error": "no such route"})
        if not self._authorised():
            return self._answer(401, {"error": "unauthorised"})
        self._command(self.path.split("/")[3], body)

    def _authorised(self) -> bool:
        given = self.headers.get("Authorization", "")
        if OPTIONS["token"]:
            return given == f"Bearer {OPTIONS['token']}"
        if OPTIONS["oauth"]:
            with LOCK:
                return given.removeprefix("Bearer ") in STATE["tokens"]
        return True

    def _token(self, body: bytes) -> None:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if (form.get("grant_type") != "client_credentials"
                or form.get("client_secret") != OPTIONS["oauth"]):
            return self._answer(401, {"error": "invalid_client"})
        with LOCK:
            STATE["issued"] += 1
            token = f"tok-{STATE['issued']}"
            STATE["tokens"].add(token)
        self._answer(200, {"access_token": token, "token_type": "Bearer",
                           "expires_in": OPTIONS["lifetime"]})

    def _command(self, order: str, body: bytes) -> None:
        key = self.headers.get("Idempotency-Key")
        if not key:
            return self._answer(400, {"error": "Idempotency-Key is required"})
        with LOCK:
            STATE["requests"][key] = STATE["requests"].get(key, 0) + 1
            if key in STATE["applied"]:
                return self._answer(409, {"error": "already applied", "key": key})
            plan = STATE["plans"].get(order) or []
            step = plan.pop(0) if plan else "ok"
        if step == "500":
            return self._answer(500, {"error": "internal error"})
        if step == "422":
            return self._answer(422, {"error": "line 9 does not exist"})
        if step.startswith("429:"):
            return self._answer(429, {"error": "slow down"}, {"Retry-After": step[4:]})
        self._apply(key, order, body)
        if step.startswith("sleep:"):  # applied at once, answered late (or never in time)
            time.sleep(float(step[6:]))
        if step == "drop":  # applied, but the answer never leaves
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._answer(201, {"applied": key})

    def _apply(self, key: str, order: str, body: bytes) -> None:
        with LOCK:
            STATE["applied"][key] = STATE["applied"].get(key, 0) + 1
            STATE["order"].append([order, key])
            STATE["bodies"][key] = {"path": self.path, "body": json.loads(body or b"null")}


class Quiet(ThreadingHTTPServer):
    """A client that gave up (its timeout) before the answer is no error worth a traceback."""

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


def main(argv: list[str]) -> None:
    port_file, args = argv[0], argv[1:]
    while args:
        flag, value, args = args[0], args[1], args[2:]
        OPTIONS[{"--token": "token", "--oauth": "oauth",
                 "--token-lifetime": "lifetime"}[flag]] = (
            float(value) if flag == "--token-lifetime" else value)
    server = Quiet(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    import os
    os.replace(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
