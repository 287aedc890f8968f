"""Shared tools for the ``websocket.stream`` tests (no tests here).

* :class:`Rec`: a completion handler checking R1 (never inline) and R2 (exactly once);
* :func:`run`: run an io_context to completion, bounded, and restart it for the next step;
* :func:`ws_pair` / :func:`open_pair`: our client and server over connected test streams;
* :func:`tcp_pair`: two connected ``tcp.socket`` on 127.0.0.1;
* :func:`frame`: hand-made frames for feeding crafted input;
* :class:`AsyncioThread`: a private asyncio loop in a thread, for the ``websockets`` peer.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket
import threading
from collections.abc import Coroutine
from typing import Any

import asiolike
from asiolike import testing
from asiolike.beast.websocket import stream
from asiolike.beast.websocket._frame import build_header
from asiolike.beast.websocket._mask import mask
from asiolike.ip import make_address, tcp

__all__ = ["Rec", "run", "settle", "ws_pair", "open_pair", "tcp_pair", "frame", "AsyncioThread"]

BOUND = 5.0


class Rec:
    """Records handler calls; ``once`` asserts R2 (and R1) and gives the arguments.

    R1 is checked for a recorder made with ``Rec(r1=True)``: call :meth:`started` right
    after the initiating call returns; a call before that is an inline invocation.
    """

    def __init__(self, check: Any = None, *, r1: bool = False) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.returned = not r1
        self.inline = False
        self.check = check
        self.checked: list[Any] = []

    def __call__(self, *args: Any) -> None:
        if not self.returned:
            self.inline = True
        if self.check is not None:
            self.checked.append(self.check())
        self.calls.append(args)

    def started(self) -> Rec:
        self.returned = True
        return self

    @property
    def once(self) -> tuple[Any, ...]:
        assert not self.inline, "handler invoked from inside the initiating call (R1)"
        assert len(self.calls) == 1, f"handler called {len(self.calls)} times (R2)"
        return self.calls[0]

    @property
    def ec(self) -> Any:
        return self.once[0]


def run(ioc: asiolike.io_context, bound: float = BOUND) -> int:
    """Run until no work is left (failing past ``bound``), then restart for the next step."""
    n = ioc.run_for(bound)
    assert ioc.stopped(), f"io_context still busy after run_for({bound}): {ioc!r}"
    ioc.restart()
    return n


def settle(ioc: asiolike.io_context) -> int:
    """Run ready handlers until none is left (operations may stay pending); in-memory only."""
    total = 0
    while True:
        n = ioc.poll()
        if not n:
            if ioc.stopped():
                ioc.restart()
            return total
        total += n


def ws_pair(ioc: asiolike.io_context) -> tuple[stream, stream, testing.stream, testing.stream]:
    """Client and server WebSocket streams over connected test streams (not open yet)."""
    a = testing.stream(ioc)
    b = testing.connect(a)
    return stream(a), stream(b), a, b


def open_pair(ioc: asiolike.io_context) -> tuple[stream, stream]:
    """An open client/server pair over test streams (handshake done)."""
    client, server, _, _ = ws_pair(ioc)
    h1, h2 = Rec(), Rec()
    server.async_accept(h1)
    client.async_handshake("localhost", "/", h2)
    run(ioc)
    assert not h1.ec and not h2.ec
    return client, server


def tcp_pair(ioc: asiolike.io_context) -> tuple[tcp.socket, tcp.socket]:
    """Two connected sockets on 127.0.0.1 (client, server), both with ``ioc``."""
    acc = tcp.acceptor(ioc, tcp.endpoint(make_address("127.0.0.1"), 0))
    port = acc.local_endpoint().port()
    client = tcp.socket(ioc)
    client.connect(tcp.endpoint(make_address("127.0.0.1"), port))
    server = acc.accept()
    acc.close()
    return client, server


def raw_server() -> tuple[socket.socket, int]:
    """A plain listening socket on 127.0.0.1 for hand-crafted peers."""
    srv = socket.create_server(("127.0.0.1", 0))
    return srv, srv.getsockname()[1]


def frame(
    op: int,
    payload: bytes = b"",
    *,
    fin: bool = True,
    masked: bool = False,
    rsv1: bool = False,
    length: int | None = None,
) -> bytes:
    """One frame; ``masked`` as a client sends; ``length`` overrides the announced size."""
    n = len(payload) if length is None else length
    if masked:
        key = b"\x01\x02\x03\x04"
        return build_header(fin, op, n, key, rsv1) + mask(payload, key)
    return build_header(fin, op, n, b"", rsv1) + payload


class AsyncioThread:
    """An asyncio loop running in its own thread; ``call(coro)`` runs a coroutine on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def submit(self, coro: Coroutine[Any, Any, Any]) -> concurrent.futures.Future[Any]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def call(self, coro: Coroutine[Any, Any, Any], timeout: float = BOUND) -> Any:
        return self.submit(coro).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(BOUND)
        self.loop.close()
