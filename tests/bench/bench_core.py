"""Core benchmarks: asiolike against asyncio and uvloop, same run, paired ratios.

Cases: no-op posts (a batch, and a chain where each handler posts the next), 100 000 timers,
TCP ping-pong over 127.0.0.1 (64 B and 16 KiB messages, 1 and 50 connections) and a 64 MiB
bulk transfer. asyncio and uvloop use the Protocol API (their fastest); asiolike uses
``async_read_some``/``async_write`` as ported Asio code would.

    python tests/bench/bench_core.py [--rounds N] [--only NAME]
"""

from __future__ import annotations

import asyncio
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

POSTS = 200_000
TIMERS = 100_000
ROUND_TRIPS = 20_000
BULK = 64 * 1024 * 1024


def _new_loop(kind: str) -> asyncio.AbstractEventLoop:
    if kind == "uvloop":
        import uvloop

        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def _noop() -> None:
    pass


# -- posts ------------------------------------------------------------------------------------


def posts_batch_asiolike() -> float:
    ioc = net.io_context()
    post = net.post
    start = time.perf_counter()
    for _ in range(POSTS):
        post(ioc, _noop)
    ioc.run()
    return POSTS / (time.perf_counter() - start)


def posts_batch_loop(kind: str) -> float:
    loop = _new_loop(kind)
    call_soon = loop.call_soon
    start = time.perf_counter()
    for _ in range(POSTS):
        call_soon(_noop)
    call_soon(loop.stop)
    loop.run_forever()
    elapsed = time.perf_counter() - start
    loop.close()
    return POSTS / elapsed


def posts_chain_asiolike() -> float:
    ioc = net.io_context()
    count = 0

    def step() -> None:
        nonlocal count
        count += 1
        if count < POSTS:
            net.post(ioc, step)

    start = time.perf_counter()
    net.post(ioc, step)
    ioc.run()
    return POSTS / (time.perf_counter() - start)


def posts_chain_loop(kind: str) -> float:
    loop = _new_loop(kind)
    count = 0

    def step() -> None:
        nonlocal count
        count += 1
        if count < POSTS:
            loop.call_soon(step)
        else:
            loop.stop()

    start = time.perf_counter()
    loop.call_soon(step)
    loop.run_forever()
    elapsed = time.perf_counter() - start
    loop.close()
    return POSTS / elapsed


# -- timers -----------------------------------------------------------------------------------


def _delays() -> list[float]:
    rng = random.Random(7)
    # Deadlines spread over 10 ms: random order in the heap, little idle time in the result.
    return [rng.uniform(0.0, 0.01) for _ in range(TIMERS)]


def timers_asiolike() -> float:
    ioc = net.io_context()
    delays = _delays()
    fired = 0

    def on_timer(ec: net.error_code) -> None:
        nonlocal fired
        fired += 1

    start = time.perf_counter()
    timers = []
    for delay in delays:
        timer = net.steady_timer(ioc, delay)
        timer.async_wait(on_timer)
        timers.append(timer)
    ioc.run()
    assert fired == TIMERS
    return TIMERS / (time.perf_counter() - start)


def timers_loop(kind: str) -> float:
    loop = _new_loop(kind)
    delays = _delays()
    fired = 0

    def on_timer() -> None:
        nonlocal fired
        fired += 1
        if fired == TIMERS:
            loop.stop()

    start = time.perf_counter()
    call_later = loop.call_later
    for delay in delays:
        call_later(delay, on_timer)
    loop.run_forever()
    elapsed = time.perf_counter() - start
    loop.close()
    return TIMERS / elapsed


# -- TCP ping-pong ----------------------------------------------------------------------------


def pingpong_asiolike(size: int, conns: int, raw: bool = False) -> float:
    """Composed (``async_write``/``async_read``, as ported Asio code writes it), or ``raw``
    (``async_write_some``/``async_read_some``: 64 B always goes in one piece here)."""
    from asiolike.ip import make_address, tcp

    ioc = net.io_context()
    acceptor = tcp.acceptor(ioc, tcp.endpoint(make_address("127.0.0.1"), 0))
    endpoint = acceptor.local_endpoint()
    per_conn = ROUND_TRIPS // conns
    message = b"x" * size
    done = 0
    keep: list[Any] = []

    class server_session:
        def __init__(self, sock: Any) -> None:
            self.sock = sock
            self.buf = bytearray(65536)
            self.view = memoryview(self.buf)

        def start(self) -> None:
            self.sock.async_read_some(self.view, self.on_read)

        def on_read(self, ec: net.error_code, n: int) -> None:
            if ec:
                self.sock.close()
                return
            if raw:
                self.sock.async_write_some(self.view[:n], self.on_write)
            else:
                net.async_write(self.sock, self.view[:n], self.on_write)

        def on_write(self, ec: net.error_code, n: int) -> None:
            if not ec:
                self.sock.async_read_some(self.view, self.on_read)

    def on_accept(ec: net.error_code, sock: Any) -> None:
        if ec:
            return
        sock.set_option(tcp.no_delay(True))
        session = server_session(sock)
        keep.append(session)
        session.start()
        if len(keep) < conns:
            acceptor.async_accept(on_accept)
        else:
            acceptor.close()

    class client_session:
        def __init__(self) -> None:
            self.sock = tcp.socket(ioc)
            self.buf = bytearray(size)
            self.left = per_conn

        def start(self) -> None:
            self.sock.async_connect(endpoint, self.on_connect)

        def on_connect(self, ec: net.error_code) -> None:
            assert not ec, ec
            self.sock.set_option(tcp.no_delay(True))
            self.send()

        def send(self) -> None:
            if raw:
                self.sock.async_write_some(message, self.on_write)
            else:
                net.async_write(self.sock, message, self.on_write)

        def on_write(self, ec: net.error_code, n: int) -> None:
            assert not ec, ec
            if raw:
                self.sock.async_read_some(self.buf, self.on_read)
            else:
                net.async_read(self.sock, self.buf, self.on_read)

        def on_read(self, ec: net.error_code, n: int) -> None:
            nonlocal done
            assert not ec, ec
            self.left -= 1
            if self.left:
                self.send()
            else:
                done += 1
                self.sock.close()

    acceptor.async_accept(on_accept)
    clients = [client_session() for _ in range(conns)]
    start = time.perf_counter()
    for client in clients:
        client.start()
    ioc.run()
    elapsed = time.perf_counter() - start
    assert done == conns
    return per_conn * conns / elapsed


def pingpong_loop(kind: str, size: int, conns: int) -> float:
    loop = _new_loop(kind)
    per_conn = ROUND_TRIPS // conns
    message = b"x" * size
    finished = loop.create_future()
    state = {"done": 0}

    class echo(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport: Any = transport

        def data_received(self, data: bytes) -> None:
            self.transport.write(data)

    class client(asyncio.Protocol):
        def __init__(self) -> None:
            self.left = per_conn
            self.got = 0

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport: Any = transport
            transport.write(message)  # type: ignore[attr-defined]

        def data_received(self, data: bytes) -> None:
            self.got += len(data)
            if self.got < size:
                return
            self.got = 0
            self.left -= 1
            if self.left:
                self.transport.write(message)
            else:
                self.transport.close()
                state["done"] += 1
                if state["done"] == conns:
                    finished.set_result(None)

    async def run() -> float:
        server = await loop.create_server(echo, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        start = time.perf_counter()
        await asyncio.gather(
            *(loop.create_connection(client, "127.0.0.1", port) for _ in range(conns))
        )
        await finished
        elapsed = time.perf_counter() - start
        server.close()
        return elapsed

    elapsed = loop.run_until_complete(run())
    loop.close()
    return per_conn * conns / elapsed


# -- bulk -------------------------------------------------------------------------------------


def bulk_asiolike() -> float:
    from asiolike.ip import make_address, tcp

    ioc = net.io_context()
    acceptor = tcp.acceptor(ioc, tcp.endpoint(make_address("127.0.0.1"), 0))
    payload = b"\x00" * BULK
    received = 0
    buf = memoryview(bytearray(256 * 1024))
    holder: list[Any] = []

    def on_read(ec: net.error_code, n: int) -> None:
        nonlocal received
        received += n
        if ec:
            holder[0].close()
            return
        holder[0].async_read_some(buf, on_read)

    def on_accept(ec: net.error_code, sock: Any) -> None:
        assert not ec, ec
        holder.append(sock)
        acceptor.close()
        sock.async_read_some(buf, on_read)

    client = tcp.socket(ioc)

    def on_write(ec: net.error_code, n: int) -> None:
        assert not ec, ec
        client.close()

    def on_connect(ec: net.error_code) -> None:
        assert not ec, ec
        net.async_write(client, payload, on_write)

    acceptor.async_accept(on_accept)
    start = time.perf_counter()
    client.async_connect(acceptor.local_endpoint(), on_connect)
    ioc.run()
    elapsed = time.perf_counter() - start
    assert received == BULK, received
    return BULK / elapsed


def bulk_loop(kind: str) -> float:
    loop = _new_loop(kind)
    payload = b"\x00" * BULK
    finished = loop.create_future()

    class sink(asyncio.Protocol):
        received = 0

        def data_received(self, data: bytes) -> None:
            self.received += len(data)

        def eof_received(self) -> bool:
            finished.set_result(self.received)
            return False

    async def run() -> float:
        server = await loop.create_server(sink, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        start = time.perf_counter()
        transport, _ = await loop.create_connection(asyncio.Protocol, "127.0.0.1", port)
        transport.write(payload)
        transport.write_eof()  # type: ignore[attr-defined]
        received = await finished
        elapsed = time.perf_counter() - start
        assert received == BULK
        transport.close()
        server.close()
        return elapsed

    elapsed = loop.run_until_complete(run())
    loop.close()
    return BULK / elapsed


def _impls(
    ours: Callable[[], float], theirs: Callable[[str], float]
) -> dict[str, Callable[[], float]]:
    return {
        "asiolike": ours,
        "asyncio": lambda: theirs("asyncio"),
        "uvloop": lambda: theirs("uvloop"),
    }


CASES: dict[str, dict[str, Callable[[], float]]] = {
    "posts (batch)": _impls(posts_batch_asiolike, posts_batch_loop),
    "posts (chained)": _impls(posts_chain_asiolike, posts_chain_loop),
    "timers (100 000)": _impls(timers_asiolike, timers_loop),
}
for _size, _conns in ((64, 1), (64, 50), (16384, 1), (16384, 50)):
    CASES[f"ping-pong {_size} B x{_conns}"] = _impls(
        lambda s=_size, c=_conns: pingpong_asiolike(s, c),
        lambda kind, s=_size, c=_conns: pingpong_loop(kind, s, c),
    )
CASES["ping-pong 64 B x1, raw read_some/write_some"] = _impls(
    lambda: pingpong_asiolike(64, 1, raw=True), lambda kind: pingpong_loop(kind, 64, 1)
)
CASES["bulk 64 MiB"] = _impls(bulk_asiolike, bulk_loop)

if __name__ == "__main__":
    main(CASES, os.path.abspath(__file__))
