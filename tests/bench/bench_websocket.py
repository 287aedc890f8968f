"""WebSocket benchmarks: asiolike against the ``websockets`` library, same run, paired ratios.

Cases, all over 127.0.0.1, client and server in one process and one event loop each:

* handshakes: connect, opening handshake, closing handshake, repeat (full cycles/s);
* echo 64 B and 64 KiB, over 1 and 50 connections: each connection sends a message and
  waits for its echo, again and again (echoed messages/s, counted once every connection
  is open, so the handshakes are not part of it);
* echo 64 KiB with permessage-deflate on both sides, with the zlib settings ``websockets``
  uses by default (12-bit windows both ways, level 6, memLevel 5) on our side too: Beast's
  defaults (15-bit windows, level 8) would compare zlib levels, not implementations.

asiolike is used as a ported Beast session would be: ``websocket.stream`` over
``beast.tcp_stream``, ``async_write`` then ``async_read`` into a ``beast.flat_buffer`` on
the client, ``async_read`` then ``async_write`` of the buffer's data on the server.

Same frames on the wire: ``websockets`` sends a message as one frame, while Beast (and
asiolike) by default cut outgoing messages into 4 KiB frames (``auto_fragment``,
``write_buffer_bytes``). The 64 KiB cases therefore run asiolike with
``auto_fragment(False)``, as a Beast user tuning for large messages would, so that both
sides do the same protocol work; "echo 64 KiB x50, 4 KiB frames" keeps Beast's default
on our side (16 frames a message each way) against the same ``websockets`` run, to show
what the fragmenting costs.
``websockets`` uses its asyncio API (``websockets.asyncio.server.serve``,
``websockets.asyncio.client.connect``, ``await ws.send(m); await ws.recv()``) on the
asyncio and on the uvloop event loop. permessage-deflate is off on both sides
(``compression=None``) except in the deflate case. Messages are binary.

    python tests/bench/bench_websocket.py [--rounds N] [--only NAME]
"""

from __future__ import annotations

import asyncio
import functools
import os
import random
import sys
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _harness import main

import asiolike as net
from asiolike import beast
from asiolike.beast import websocket
from asiolike.ip import make_address, tcp

HANDSHAKES = 2000
# Echoed messages per trial, by message size (split evenly over the connections).
MESSAGES = {64: 20_000, 65536: 2_000}
DEFLATE_MESSAGES = 400


def _deflate_option(server: bool) -> websocket.permessage_deflate:
    # What websockets' serve() and connect() negotiate by default, see the module.
    return websocket.permessage_deflate(
        server_enable=server,
        client_enable=not server,
        server_max_window_bits=12,
        client_max_window_bits=12,
        comp_level=6,
        mem_level=5,
    )


def _payload(size: int, compressible: bool) -> bytes:
    if not compressible:
        return os.urandom(size)
    # Text-like data (words from a small vocabulary): compresses about 3:1, as chat or
    # JSON traffic might, so that deflate does real work on both sides.
    rng = random.Random(11)
    words = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9)))
        for _ in range(2000)
    ]
    out = bytearray()
    while len(out) < size:
        out += rng.choice(words).encode() + b" "
    return bytes(out[:size])


def _new_loop(kind: str) -> asyncio.AbstractEventLoop:
    if kind == "uvloop":
        import uvloop

        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


# -- asiolike -----------------------------------------------------------------------------------


class _server_session:
    """Beast's async echo session: accept, then read a message and write it back."""

    def __init__(self, sock: tcp.socket, deflate: bool, fragment: bool) -> None:
        sock.set_option(tcp.no_delay(True))
        self.ws = websocket.stream(beast.tcp_stream(sock))
        self.ws.auto_fragment(fragment)
        if deflate:
            self.ws.set_option(_deflate_option(True))
        self.buffer = beast.flat_buffer()

    def run(self) -> None:
        self.ws.async_accept(self.on_accept)

    def on_accept(self, ec: net.error_code) -> None:
        assert not ec, ec
        self.do_read()

    def do_read(self) -> None:
        self.ws.async_read(self.buffer, self.on_read)

    def on_read(self, ec: net.error_code, n: int) -> None:
        if ec == websocket.error.closed:
            return
        assert not ec, ec
        self.ws.text(self.ws.got_text())
        self.ws.async_write(self.buffer.data(), self.on_write)

    def on_write(self, ec: net.error_code, n: int) -> None:
        assert not ec, ec
        self.buffer.consume(self.buffer.size())
        self.do_read()


class _listener:
    def __init__(self, ioc: net.io_context, deflate: bool, fragment: bool = True) -> None:
        self.acceptor = tcp.acceptor(ioc, tcp.endpoint(make_address("127.0.0.1"), 0))
        self.deflate = deflate
        self.fragment = fragment
        self.acceptor.async_accept(self.on_accept)

    def port(self) -> int:
        return int(self.acceptor.local_endpoint().port())

    def on_accept(self, ec: net.error_code, sock: tcp.socket) -> None:
        if ec:
            return  # closed at the end of the trial
        _server_session(sock, self.deflate, self.fragment).run()
        self.acceptor.async_accept(self.on_accept)


def handshakes_asiolike() -> float:
    ioc = net.io_context()
    lst = _listener(ioc, False)
    endpoint = tcp.endpoint(make_address("127.0.0.1"), lst.port())
    host = f"127.0.0.1:{lst.port()}"
    left = HANDSHAKES

    class client:
        def start(self) -> None:
            self.ws = websocket.stream(beast.tcp_stream(ioc))
            beast.get_lowest_layer(self.ws).async_connect(endpoint, self.on_connect)

        def on_connect(self, ec: net.error_code) -> None:
            assert not ec, ec
            self.ws.async_handshake(host, "/", self.on_handshake)

        def on_handshake(self, ec: net.error_code) -> None:
            assert not ec, ec
            self.ws.async_close(websocket.close_code.normal, self.on_close)

        def on_close(self, ec: net.error_code) -> None:
            nonlocal left
            assert not ec, ec
            left -= 1
            if left:
                self.start()
            else:
                lst.acceptor.close()

    start = time.perf_counter()
    client().start()
    ioc.run()
    elapsed = time.perf_counter() - start
    assert left == 0
    return HANDSHAKES / elapsed


def echo_asiolike(size: int, conns: int, deflate: bool = False, fragment: bool = True) -> float:
    ioc = net.io_context()
    lst = _listener(ioc, deflate, fragment)
    endpoint = tcp.endpoint(make_address("127.0.0.1"), lst.port())
    host = f"127.0.0.1:{lst.port()}"
    total = DEFLATE_MESSAGES if deflate else MESSAGES[size]
    per_conn = total // conns
    message = _payload(size, deflate)
    clients: list[Any] = []
    opened = 0
    finished = 0
    times = [0.0, 0.0]

    class client:
        def __init__(self) -> None:
            self.ws = websocket.stream(beast.tcp_stream(ioc))
            self.ws.auto_fragment(fragment)
            if deflate:
                self.ws.set_option(_deflate_option(False))
            self.buffer = beast.flat_buffer()
            self.left = per_conn

        def start(self) -> None:
            beast.get_lowest_layer(self.ws).async_connect(endpoint, self.on_connect)

        def on_connect(self, ec: net.error_code) -> None:
            assert not ec, ec
            beast.get_lowest_layer(self.ws).socket().set_option(tcp.no_delay(True))
            self.ws.async_handshake(host, "/", self.on_handshake)

        def on_handshake(self, ec: net.error_code) -> None:
            nonlocal opened
            assert not ec, ec
            self.ws.binary(True)
            opened += 1
            if opened == conns:
                lst.acceptor.close()
                times[0] = time.perf_counter()
                for c in clients:
                    c.do_write()

        def do_write(self) -> None:
            self.ws.async_write(message, self.on_write)

        def on_write(self, ec: net.error_code, n: int) -> None:
            assert not ec, ec
            self.ws.async_read(self.buffer, self.on_read)

        def on_read(self, ec: net.error_code, n: int) -> None:
            nonlocal finished
            assert not ec and n == size, (ec, n)
            self.buffer.consume(self.buffer.size())
            self.left -= 1
            if self.left:
                self.do_write()
                return
            finished += 1
            if finished == conns:
                times[1] = time.perf_counter()
            self.ws.async_close(websocket.close_code.normal, self.on_close)

        def on_close(self, ec: net.error_code) -> None:
            assert not ec, ec

    for _ in range(conns):
        clients.append(client())
    for c in clients:
        c.start()
    ioc.run()
    assert finished == conns
    return per_conn * conns / (times[1] - times[0])


# -- websockets -----------------------------------------------------------------------------------


def handshakes_websockets(kind: str) -> float:
    from websockets.asyncio.client import connect
    from websockets.asyncio.server import serve

    async def handler(ws: Any) -> None:
        await ws.wait_closed()

    async def run() -> float:
        async with serve(handler, "127.0.0.1", 0, compression=None) as server:
            port = server.sockets[0].getsockname()[1]
            uri = f"ws://127.0.0.1:{port}/"
            start = time.perf_counter()
            for _ in range(HANDSHAKES):
                async with connect(uri, compression=None):
                    pass
            return HANDSHAKES / (time.perf_counter() - start)

    loop = _new_loop(kind)
    try:
        return loop.run_until_complete(run())
    finally:
        loop.close()


def echo_websockets(kind: str, size: int, conns: int, deflate: bool = False) -> float:
    from websockets.asyncio.client import connect
    from websockets.asyncio.server import serve

    compression = "deflate" if deflate else None
    total = DEFLATE_MESSAGES if deflate else MESSAGES[size]
    per_conn = total // conns
    message = _payload(size, deflate)

    async def handler(ws: Any) -> None:
        async for msg in ws:
            await ws.send(msg)

    async def pump(ws: Any) -> None:
        send = ws.send
        recv = ws.recv
        for _ in range(per_conn):
            await send(message)
            echo = await recv()
            assert len(echo) == size

    async def run() -> float:
        async with serve(handler, "127.0.0.1", 0, compression=compression) as server:
            port = server.sockets[0].getsockname()[1]
            uri = f"ws://127.0.0.1:{port}/"
            clients = await asyncio.gather(
                *(connect(uri, compression=compression) for _ in range(conns))
            )
            start = time.perf_counter()
            await asyncio.gather(*(pump(ws) for ws in clients))
            elapsed = time.perf_counter() - start
            await asyncio.gather(*(ws.close() for ws in clients))
            return per_conn * conns / elapsed

    loop = _new_loop(kind)
    try:
        return loop.run_until_complete(run())
    finally:
        loop.close()


def _echo_websockets_as(kind: str, *, size: int, conns: int, deflate: bool = False) -> float:
    return echo_websockets(kind, size, conns, deflate)


def _impls(
    ours: Callable[[], float], theirs: Callable[[str], float]
) -> dict[str, Callable[[], float]]:
    return {
        "asiolike": ours,
        "websockets/asyncio": lambda: theirs("asyncio"),
        "websockets/uvloop": lambda: theirs("uvloop"),
    }


CASES: dict[str, dict[str, Callable[[], float]]] = {
    "handshakes": _impls(handshakes_asiolike, handshakes_websockets),
}
for _size, _conns in ((64, 1), (64, 50), (65536, 1), (65536, 50)):
    _label = "64 B" if _size == 64 else "64 KiB"
    CASES[f"echo {_label} x{_conns}"] = _impls(
        # One frame a message, as websockets sends them (see the module's docstring).
        functools.partial(echo_asiolike, _size, _conns, fragment=_size == 64),
        functools.partial(_echo_websockets_as, size=_size, conns=_conns),
    )
CASES["echo 64 KiB x50, 4 KiB frames"] = _impls(
    functools.partial(echo_asiolike, 65536, 50),
    functools.partial(_echo_websockets_as, size=65536, conns=50),
)
CASES["echo 64 KiB deflate x1"] = _impls(
    functools.partial(echo_asiolike, 65536, 1, True, fragment=False),
    functools.partial(_echo_websockets_as, size=65536, conns=1, deflate=True),
)

if __name__ == "__main__":
    main(CASES, os.path.abspath(__file__))
