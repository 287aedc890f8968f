"""Helpers of the TLS tests: closing what a test made, running handshakes, recording calls."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any

import asiolike
from asiolike import ssl

__all__ = ["AsyncioThread", "Calls", "Closer", "Handshaken", "handshake_pair"]


class Closer:
    """Collects objects with ``close()`` to close at teardown (errors ignored)."""

    def __init__(self) -> None:
        self.objects: list[Any] = []

    def __call__(self, obj: Any) -> Any:
        self.objects.append(obj)
        return obj

    def close_all(self) -> None:
        for obj in reversed(self.objects):
            try:
                obj.close()
            except OSError:
                pass
        self.objects.clear()


class Handshaken:
    """A client and a server ``ssl.stream`` whose handshakes completed."""

    def __init__(self, client: ssl.stream, server: ssl.stream) -> None:
        self.client = client
        self.server = server


def handshake_pair(
    ioc: asiolike.io_context,
    client: ssl.stream,
    server: ssl.stream,
    timeout: float = 5.0,
) -> tuple[asiolike.error_code, asiolike.error_code]:
    """Run both handshakes to completion; returns ``(client_ec, server_ec)``."""
    results: dict[str, asiolike.error_code] = {}
    client.async_handshake(ssl.stream_base.client, lambda ec: results.__setitem__("c", ec))
    server.async_handshake(ssl.stream_base.server, lambda ec: results.__setitem__("s", ec))
    ioc.run_for(timeout)
    ioc.restart()
    assert set(results) == {"c", "s"}, f"a handshake did not complete: {results}"
    return results["c"], results["s"]


class Calls:
    """A handler that records every call's arguments (to check "exactly once")."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def __call__(self, *args: Any) -> None:
        self.calls.append(args)

    def once(self) -> tuple[Any, ...]:
        """The arguments of the one call; fails unless there was exactly one."""
        assert len(self.calls) == 1, f"expected one call, got {self.calls}"
        return self.calls[0]


class AsyncioThread:
    """An asyncio loop in its own thread (the peer nobody here wrote runs there)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def submit(self, coro: Coroutine[Any, Any, Any]) -> concurrent.futures.Future[Any]:
        """Run ``coro`` on the loop; its future."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def call(self, coro: Coroutine[Any, Any, Any], timeout: float = 10.0) -> Any:
        """Run ``coro`` on the loop and wait for its result."""
        return self.submit(coro).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
