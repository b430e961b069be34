"""An asyncio event loop on a private thread, so blocking callers can use an asyncio client."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from ordex.adapters.broker.errors import BrokerTimeoutError

T = TypeVar("T")


class LoopThread:
    """One event loop running forever on a daemon thread; `run` is safe from any other thread."""

    def __init__(self, *, name: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], *, timeout: float) -> T:
        """Run `coro` on the loop and wait for its result (at most `timeout` seconds)."""
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        # wait, then look: a TimeoutError the coroutine raised is its own, not ours
        if not concurrent.futures.wait([future], timeout).done:
            future.cancel()
            raise BrokerTimeoutError(
                f"the message broker did not answer within {timeout:g} s", timeout=timeout)
        return future.result()

    def close(self) -> None:
        """Stop the loop and its thread."""
        if self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()
