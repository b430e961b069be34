"""A tiny Chrome DevTools Protocol client over `--remote-debugging-pipe` (no websocket, no
driver download): enough to open a page, type into a form, submit it and read the DOM."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any


class Browser:
    """Headless Chromium driven through file descriptors 3 (commands) and 4 (answers)."""

    def __init__(self, chromium: str, flags: list[str], profile: Path) -> None:
        to_chrome, self._send = os.pipe()
        self._recv, from_chrome = os.pipe()
        # the shell moves our pipe ends to the descriptors Chromium reads and writes
        script = f'exec "$@" 3<&{to_chrome} 4>&{from_chrome}'
        self.proc = subprocess.Popen(
            ["bash", "-c", script, "bash", chromium, *flags, "--remote-debugging-pipe",
             f"--user-data-dir={profile}", "about:blank"],
            pass_fds=(to_chrome, from_chrome), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        os.close(to_chrome)
        os.close(from_chrome)
        self._buffer, self._next, self.session = b"", 0, ""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target,
                                 flatten=True)["sessionId"]
        self.call("Page.enable")

    def _message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self._recv, 65536)
            if not chunk:
                raise RuntimeError("Chromium closed its pipe")
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        message: dict[str, Any] = json.loads(raw)
        return message

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command and wait for its answer (events in between are dropped)."""
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            message["sessionId"] = self.session
        os.write(self._send, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 60
        while True:
            answer = self._message(deadline)
            if answer.get("id") == self._next:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result

    def js(self, expression: str) -> Any:
        """Evaluate JavaScript in the page; its value."""
        found = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                          awaitPromise=True)
        return found.get("result", {}).get("value")

    def open(self, url: str) -> str:
        """Go to a URL and wait until its document has loaded; the page's address."""
        self.call("Page.navigate", url=url)
        return self.settle()

    def settle(self) -> str:
        """Wait until the current navigation's document is complete; its address."""
        deadline = time.monotonic() + 30
        time.sleep(0.2)
        while time.monotonic() < deadline:
            if self.js("document.readyState") == "complete":
                return str(self.js("location.href"))
            time.sleep(0.1)
        raise TimeoutError("the page did not load")

    def close(self) -> None:
        """Stop the browser."""
        self.proc.terminate()
        self.proc.wait(timeout=30)
        os.close(self._send)
        os.close(self._recv)
