"""Coroutine benchmarks: asiolike coroutines against asyncio and websockets, same run, paired.

Cases:

* TCP echo over 127.0.0.1 (64 B, 1 and 50 connections; 16 KiB, 1 connection): server and
  clients are asiolike coroutines (``await sock.async_read_some(..., net.use_awaitable)``,
  ``await net.async_write(...)``) against asyncio streams (``StreamReader``/``StreamWriter``,
  what asyncio code awaits) and asyncio Protocols (its fastest, callbacks);
* WebSocket echo (64 B, 1 connection): Beast-style coroutine server and client over
  ``websocket.stream`` against the ``websockets`` library on asyncio.

    python tests/bench/bench_coroutines.py [--rounds N] [--only NAME]
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _harness import main
from bench_core import ROUND_TRIPS, pingpong_loop
from bench_websocket import MESSAGES, echo_websockets

import asiolike as net
from asiolike import beast
from asiolike.beast import websocket
from asiolike.ip import make_address, tcp

LOCAL = make_address("127.0.0.1")
use_awaitable = net.use_awaitable
async_write = net.async_write
async_read = net.async_read


# -- the asiolike coroutines (calls.py counts the same ones) ------------------------------------


async def tcp_echo_session(sock: Any) -> None:
    """The server's side of the TCP echo: read some, write it all back, until an error."""
    view = memoryview(bytearray(65536))
    read_some = sock.async_read_some
    try:
        while True:
            n = await read_some(view, use_awaitable)
            await async_write(sock, view[:n], use_awaitable)
    except net.system_error:
        sock.close()


async def tcp_ping_pong(sock: Any, message: bytes, round_trips: int) -> None:
    """The client's side of the TCP echo: write a message, read its echo, ``round_trips`` times."""
    buf = bytearray(len(message))
    for _ in range(round_trips):
        await async_write(sock, message, use_awaitable)
        await async_read(sock, buf, use_awaitable)


async def ws_echo_loop(ws: Any) -> None:
    """The server's side of the WebSocket echo: until the connection ends (raises)."""
    buffer = beast.flat_buffer()
    while True:
        await ws.async_read(buffer, use_awaitable)
        ws.text(ws.got_text())
        await ws.async_write(buffer.data(), use_awaitable)
        buffer.consume(buffer.size())


async def ws_ping_pong(ws: Any, message: bytes, round_trips: int) -> None:
    """The client's side of the WebSocket echo."""
    buffer = beast.flat_buffer()
    for _ in range(round_trips):
        await ws.async_write(message, use_awaitable)
        await ws.async_read(buffer, use_awaitable)
        buffer.consume(buffer.size())


# -- TCP echo -----------------------------------------------------------------------------------


def echo_asiolike(size: int, conns: int) -> float:
    ioc = net.io_context()
    acceptor = tcp.acceptor(ioc, tcp.endpoint(LOCAL, 0))
    endpoint = acceptor.local_endpoint()
    per_conn = ROUND_TRIPS // conns
    message = b"x" * size

    async def listen() -> None:
        for _ in range(conns):
            sock = await acceptor.async_accept(use_awaitable)
            sock.set_option(tcp.no_delay(True))
            net.co_spawn(ioc, tcp_echo_session(sock), net.detached)
        acceptor.close()

    async def client() -> None:
        sock = tcp.socket(ioc)
        await sock.async_connect(endpoint, use_awaitable)
        sock.set_option(tcp.no_delay(True))
        await tcp_ping_pong(sock, message, per_conn)
        sock.close()

    net.co_spawn(ioc, listen(), net.detached)
    futures = [net.co_spawn(ioc, client(), net.use_future) for _ in range(conns)]
    start = time.perf_counter()
    ioc.run()
    elapsed = time.perf_counter() - start
    for f in futures:
        f.result(0)
    return per_conn * conns / elapsed


def echo_streams(size: int, conns: int) -> float:
    loop = asyncio.new_event_loop()
    per_conn = ROUND_TRIPS // conns
    message = b"x" * size

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        writer.close()

    async def client(port: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(per_conn):
            writer.write(message)
            await writer.drain()
            await reader.readexactly(size)
        writer.close()

    async def run() -> float:
        server = await asyncio.start_server(session, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        start = time.perf_counter()
        await asyncio.gather(*(client(port) for _ in range(conns)))
        elapsed = time.perf_counter() - start
        server.close()
        return elapsed

    elapsed = loop.run_until_complete(run())
    loop.close()
    return per_conn * conns / elapsed


# -- WebSocket echo -----------------------------------------------------------------------------


def ws_echo_asiolike(size: int, conns: int) -> float:
    ioc = net.io_context()
    acceptor = tcp.acceptor(ioc, tcp.endpoint(LOCAL, 0))
    port = acceptor.local_endpoint().port()
    per_conn = MESSAGES[size] // conns
    message = b"x" * size
    times: list[float] = []

    async def session(sock: Any) -> None:
        sock.set_option(tcp.no_delay(True))
        ws = websocket.stream(beast.tcp_stream(sock))
        await ws.async_accept(use_awaitable)
        try:
            await ws_echo_loop(ws)
        except net.system_error as e:
            assert e.code == websocket.error.closed, e

    async def listen() -> None:
        for _ in range(conns):
            sock = await acceptor.async_accept(use_awaitable)
            net.co_spawn(ioc, session(sock), net.detached)
        acceptor.close()

    async def client() -> None:
        ws = websocket.stream(beast.tcp_stream(ioc))
        await beast.get_lowest_layer(ws).async_connect(tcp.endpoint(LOCAL, port), use_awaitable)
        beast.get_lowest_layer(ws).socket().set_option(tcp.no_delay(True))
        await ws.async_handshake(f"127.0.0.1:{port}", "/", use_awaitable)
        ws.binary(True)
        if not times:
            times.append(time.perf_counter())
        await ws_ping_pong(ws, message, per_conn)
        times.append(time.perf_counter())
        await ws.async_close(websocket.close_code.normal, use_awaitable)

    net.co_spawn(ioc, listen(), net.detached)
    futures = [net.co_spawn(ioc, client(), net.use_future) for _ in range(conns)]
    ioc.run()
    for f in futures:
        f.result(0)
    return per_conn * conns / (times[-1] - times[0])


CASES: dict[str, dict[str, Callable[[], float]]] = {
    f"tcp echo {label}": {
        "asiolike": lambda s=size, c=conns: echo_asiolike(s, c),  # type: ignore[misc]
        "asyncio streams": lambda s=size, c=conns: echo_streams(s, c),  # type: ignore[misc]
        "asyncio protocols": lambda s=size, c=conns: pingpong_loop("asyncio", s, c),  # type: ignore[misc]
    }
    for label, size, conns in (("64 B x1", 64, 1), ("64 B x50", 64, 50), ("16 KiB x1", 16384, 1))
}
CASES["websocket echo 64 B x1"] = {
    "asiolike": lambda: ws_echo_asiolike(64, 1),
    "websockets/asyncio": lambda: echo_websockets("asyncio", 64, 1),
}

if __name__ == "__main__":
    main(CASES, os.path.abspath(__file__))
