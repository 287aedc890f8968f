"""Python-level calls per round trip: a cost measure that no machine noise moves.

Every path runs client and server in one process over 127.0.0.1 and counts the functions
entered (Python and C, ``sys.setprofile``'s ``call`` and ``c_call`` events). Setup costs
(connecting, handshakes) are taken out by counting a run of ``N`` round trips and one of
``2N`` on fresh connections: the difference divided by ``N`` is the steady-state cost of one
round trip.

Paths:

* ``composed``: as ported Asio code writes it. The client sends with ``net.async_write`` and
  reads the echo with ``net.async_read``; the server reads with ``async_read_some`` and
  answers with ``net.async_write``.
* ``raw``: ``async_write_some`` / ``async_read_some`` on both sides.
* ``coroutine``: the composed path awaited: coroutines started by ``co_spawn``, the client
  awaiting ``net.async_write`` and ``net.async_read``, the server ``async_read_some`` and
  ``net.async_write``, all with ``use_awaitable`` (``bench_coroutines.py``'s TCP echo).
* ``asyncio Protocols``: ``data_received`` + ``transport.write`` (the reference).
* ``asyncio streams``: the same echo as ``coroutine`` written with asyncio's
  ``StreamReader``/``StreamWriter`` (the reference for coroutines).
* ``websocket 64 B``: ``websocket.stream`` over ``beast.tcp_stream`` at both ends.
* ``websocket 64 B, coroutines``: the same echo awaited with ``use_awaitable`` (the
  WebSocket case of ``bench_coroutines.py``).
* ``websockets 64 B``: the ``websockets`` library on asyncio, same echo (the reference).

    python tests/bench/calls.py [--round-trips N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Coroutine
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_coroutines

import asiolike as net
from asiolike import beast
from asiolike.beast import websocket
from asiolike.ip import make_address, tcp

SIZE = 64
MESSAGE = b"x" * SIZE


class _counter:
    """Counts function entries while installed with ``sys.setprofile``."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, frame: Any, event: str, arg: Any) -> None:
        if event == "call" or event == "c_call":
            self.calls += 1


def _counted(run: Callable[[], None]) -> int:
    counter = _counter()
    sys.setprofile(counter)
    try:
        run()
    finally:
        sys.setprofile(None)
    # The setprofile(None) call itself is counted once; it is not part of the path.
    return counter.calls - 1


# -- asiolike TCP -----------------------------------------------------------------------------


def _tcp_pair(ioc: net.io_context) -> tuple[tcp.socket, tcp.socket]:
    acceptor = tcp.acceptor(ioc, tcp.endpoint(make_address("127.0.0.1"), 0))
    client = tcp.socket(ioc)
    client.connect(acceptor.local_endpoint())
    server = acceptor.accept()
    acceptor.close()
    for sock in (client, server):
        sock.set_option(tcp.no_delay(True))
    return client, server


def asiolike_tcp(round_trips: int, composed: bool) -> Callable[[], None]:
    """A prepared ping-pong; the returned function runs it (that part is counted)."""
    ioc = net.io_context()
    client, server = _tcp_pair(ioc)
    sbuf = bytearray(65536)
    sview = memoryview(sbuf)
    cbuf = bytearray(SIZE)
    left = round_trips

    def s_read() -> None:
        server.async_read_some(sview, s_on_read)

    def s_on_read(ec: net.error_code, n: int) -> None:
        if ec:
            server.close()
            return
        if composed:
            net.async_write(server, sview[:n], s_on_write)
        else:
            server.async_write_some(sview[:n], s_on_write)

    def s_on_write(ec: net.error_code, n: int) -> None:
        if not ec:
            s_read()

    def c_send() -> None:
        if composed:
            net.async_write(client, MESSAGE, c_on_write)
        else:
            client.async_write_some(MESSAGE, c_on_write)

    def c_on_write(ec: net.error_code, n: int) -> None:
        assert not ec, ec
        if composed:
            net.async_read(client, cbuf, c_on_read)
        else:
            client.async_read_some(cbuf, c_on_read)

    def c_on_read(ec: net.error_code, n: int) -> None:
        nonlocal left
        assert not ec and n == SIZE, (ec, n)
        left -= 1
        if left:
            c_send()
        else:
            client.close()

    def run() -> None:
        s_read()
        c_send()
        ioc.run()
        assert left == 0

    return run


def _run_coroutines(
    ioc: net.io_context, server: Coroutine[Any, Any, None], client: Coroutine[Any, Any, None]
) -> Callable[[], None]:
    def run() -> None:
        net.co_spawn(ioc, server, net.detached)
        done = net.co_spawn(ioc, client, net.use_future)
        ioc.run()
        done.result(0)

    return run


def asiolike_coroutine_tcp(round_trips: int) -> Callable[[], None]:
    """The TCP echo of ``bench_coroutines.py``: its coroutines, on a connected pair."""
    ioc = net.io_context()
    client, server = _tcp_pair(ioc)

    async def pump() -> None:
        await bench_coroutines.tcp_ping_pong(client, MESSAGE, round_trips)
        client.close()

    return _run_coroutines(ioc, bench_coroutines.tcp_echo_session(server), pump())


# -- asyncio Protocols ------------------------------------------------------------------------


def asyncio_tcp(round_trips: int) -> Callable[[], None]:
    loop = asyncio.new_event_loop()
    finished = loop.create_future()

    class echo(asyncio.Protocol):
        def connection_made(self, transport: Any) -> None:
            self.transport = transport

        def data_received(self, data: bytes) -> None:
            self.transport.write(data)

    class client(asyncio.Protocol):
        def __init__(self) -> None:
            self.left = round_trips
            self.got = 0

        def connection_made(self, transport: Any) -> None:
            self.transport = transport

        def data_received(self, data: bytes) -> None:
            self.got += len(data)
            if self.got < SIZE:
                return
            self.got = 0
            self.left -= 1
            if self.left:
                self.transport.write(MESSAGE)
            else:
                finished.set_result(None)

    async def setup() -> Any:
        server = await loop.create_server(echo, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        transport, _ = await loop.create_connection(client, "127.0.0.1", port)
        return server, transport

    server, transport = loop.run_until_complete(setup())

    def run() -> None:
        transport.write(MESSAGE)
        loop.run_until_complete(finished)
        transport.close()
        server.close()
        loop.run_until_complete(asyncio.sleep(0))
        loop.close()

    return run


def asyncio_streams(round_trips: int) -> Callable[[], None]:
    """The coroutine echo with asyncio's streams (``bench_coroutines.py``'s reference)."""
    loop = asyncio.new_event_loop()

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        writer.close()

    async def setup() -> Any:
        server = await asyncio.start_server(session, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        # Let the server's side of the connection be set up before counting starts.
        for _ in range(10):
            await asyncio.sleep(0)
        return server, reader, writer

    server, reader, writer = loop.run_until_complete(setup())

    async def pump() -> None:
        for _ in range(round_trips):
            writer.write(MESSAGE)
            await writer.drain()
            await reader.readexactly(SIZE)

    def run() -> None:
        loop.run_until_complete(pump())

        async def shutdown() -> None:
            writer.close()
            await writer.wait_closed()
            server.close()
            await server.wait_closed()
            for _ in range(10):  # the server's session sees the end and returns
                await asyncio.sleep(0)

        loop.run_until_complete(shutdown())
        loop.close()

    return run


# -- WebSocket --------------------------------------------------------------------------------


def asiolike_ws(round_trips: int) -> Callable[[], None]:
    ioc = net.io_context()
    csock, ssock = _tcp_pair(ioc)
    cws = websocket.stream(beast.tcp_stream(csock))
    sws = websocket.stream(beast.tcp_stream(ssock))
    for ws in (cws, sws):
        ws.binary(True)
    cbuf = beast.flat_buffer()
    sbuf = beast.flat_buffer()
    left = round_trips
    ready = 0

    def on_ready(ec: net.error_code) -> None:
        nonlocal ready
        assert not ec, ec
        ready += 1

    sws.async_accept(on_ready)
    cws.async_handshake("127.0.0.1", "/", on_ready)
    while ready < 2:
        ioc.run_one()
    ioc.restart()

    def s_read() -> None:
        sws.async_read(sbuf, s_on_read)

    def s_on_read(ec: net.error_code, n: int) -> None:
        if ec:
            return
        sws.async_write(sbuf.data(), s_on_write)

    def s_on_write(ec: net.error_code, n: int) -> None:
        sbuf.consume(sbuf.size())
        if not ec:
            s_read()

    def c_send() -> None:
        cws.async_write(MESSAGE, c_on_write)

    def c_on_write(ec: net.error_code, n: int) -> None:
        assert not ec, ec
        cws.async_read(cbuf, c_on_read)

    def c_on_read(ec: net.error_code, n: int) -> None:
        nonlocal left
        assert not ec and n == SIZE, (ec, n)
        cbuf.consume(n)
        left -= 1
        if left:
            c_send()
        else:
            csock_close()

    def csock_close() -> None:
        beast.get_lowest_layer(cws).close()
        beast.get_lowest_layer(sws).close()

    def run() -> None:
        s_read()
        c_send()
        ioc.run()
        assert left == 0

    return run


def asiolike_coroutine_ws(round_trips: int) -> Callable[[], None]:
    """The WebSocket echo of ``bench_coroutines.py``: its coroutines, after the handshake."""
    ioc = net.io_context()
    csock, ssock = _tcp_pair(ioc)
    cws = websocket.stream(beast.tcp_stream(csock))
    sws = websocket.stream(beast.tcp_stream(ssock))
    cws.async_handshake("127.0.0.1", "/", lambda ec: None)
    sws.async_accept(lambda ec: None)
    ioc.run()
    ioc.restart()
    cws.binary(True)

    async def session() -> None:
        try:
            await bench_coroutines.ws_echo_loop(sws)
        except net.system_error:
            beast.get_lowest_layer(sws).close()

    async def pump() -> None:
        await bench_coroutines.ws_ping_pong(cws, MESSAGE, round_trips)
        beast.get_lowest_layer(cws).close()

    return _run_coroutines(ioc, session(), pump())


def websockets_ws(round_trips: int) -> Callable[[], None]:
    from websockets.asyncio.client import connect
    from websockets.asyncio.server import serve

    loop = asyncio.new_event_loop()

    async def handler(ws: Any) -> None:
        async for message in ws:
            await ws.send(message)

    async def setup() -> Any:
        server = await serve(handler, "127.0.0.1", 0, compression=None)
        port = server.sockets[0].getsockname()[1]
        client = await connect(f"ws://127.0.0.1:{port}/", compression=None)
        return server, client

    server, client = loop.run_until_complete(setup())

    async def pump() -> None:
        for _ in range(round_trips):
            await client.send(MESSAGE)
            await client.recv()

    def run() -> None:
        loop.run_until_complete(pump())

        async def shutdown() -> None:
            await client.close()
            server.close()
            await server.wait_closed()

        loop.run_until_complete(shutdown())
        loop.close()

    return run


PATHS: dict[str, Callable[[int], Callable[[], None]]] = {
    "asiolike TCP, composed (async_write/async_read)": lambda n: asiolike_tcp(n, True),
    "asiolike TCP, raw (write_some/read_some)": lambda n: asiolike_tcp(n, False),
    "asiolike TCP, coroutines (use_awaitable)": asiolike_coroutine_tcp,
    "asyncio Protocols": asyncio_tcp,
    "asyncio streams": asyncio_streams,
    "asiolike WebSocket echo 64 B": asiolike_ws,
    "asiolike WebSocket echo 64 B, coroutines": asiolike_coroutine_ws,
    "websockets on asyncio, echo 64 B": websockets_ws,
}


def per_round_trip(make: Callable[[int], Callable[[], None]], n: int) -> float:
    """Calls per round trip: (calls for 2n - calls for n) / n, each on a fresh setup."""
    small = _counted(make(n))
    large = _counted(make(2 * n))
    return (large - small) / n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--round-trips", type=int, default=2000, metavar="N")
    parser.add_argument("--only", help="run the paths whose name contains this text")
    args = parser.parse_args(argv)
    width = max(len(name) for name in PATHS)
    print(f"{'path':<{width}}  calls per round trip")
    for name, make in PATHS.items():
        if args.only and args.only not in name:
            continue
        try:
            value = per_round_trip(make, args.round_trips)
        except ImportError as exc:
            print(f"{name:<{width}}  skipped ({exc})")
            continue
        print(f"{name:<{width}}  {value:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
