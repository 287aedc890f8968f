"""UDP benchmarks: asiolike against asyncio and uvloop, same run, paired ratios.

Echo of 64-byte datagrams over 127.0.0.1, client and server in one process: the server
is Asio's ``async_udp_echo_server`` loop (``async_receive_from``, then ``async_send_to``
to the sender, then the next receive); the client keeps a window of 1 or 16 datagrams in
flight, sending one more for each echo. asyncio and uvloop use ``DatagramProtocol``
(``datagram_received`` + ``transport.sendto``), their fastest API. The rate is echoes
(round trips) per second.

    python tests/bench/bench_udp.py [--rounds N] [--only NAME]
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _harness import main

import asiolike as net

ECHOES = 40_000
SIZE = 64
# A lost datagram would stall a window forever: the run is bounded and checked.
BOUND = 120.0


def _new_loop(kind: str) -> asyncio.AbstractEventLoop:
    if kind == "uvloop":
        import uvloop

        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def echo_asiolike(window: int) -> float:
    from asiolike.ip import udp

    ioc = net.io_context()
    server = udp.socket(ioc, udp.endpoint("127.0.0.1", 0))
    client = udp.socket(ioc, udp.endpoint("127.0.0.1", 0))
    server_ep = server.local_endpoint()
    data = bytearray(1024)
    view = memoryview(data)
    message = b"x" * SIZE
    reply = bytearray(1024)
    sent = received = 0

    def do_receive() -> None:
        server.async_receive_from(data, on_receive)

    def on_receive(ec: net.error_code, n: int, sender: Any) -> None:
        if not ec and n > 0:
            server.async_send_to(view[:n], sender, on_echoed)
        elif ec != net.error.operation_aborted:
            do_receive()

    def on_echoed(ec: net.error_code, n: int) -> None:
        do_receive()

    def send() -> None:
        nonlocal sent
        sent += 1
        client.async_send_to(message, server_ep, on_sent)

    def on_sent(ec: net.error_code, n: int) -> None:
        assert not ec, ec

    def on_reply(ec: net.error_code, n: int, sender: Any) -> None:
        nonlocal received
        assert not ec and n == SIZE, ec
        received += 1
        if received == ECHOES:
            server.close()
            return
        if sent < ECHOES:
            send()
        client.async_receive_from(reply, on_reply)

    do_receive()
    client.async_receive_from(reply, on_reply)
    # run(), as an application calls it; a watchdog stops it if a datagram was lost.
    watchdog = threading.Timer(BOUND, ioc.stop)
    watchdog.start()
    start = time.perf_counter()
    for _ in range(window):
        send()
    ioc.run()
    elapsed = time.perf_counter() - start
    watchdog.cancel()
    assert received == ECHOES, f"{received} of {ECHOES} echoes (a datagram was lost)"
    client.close()
    return ECHOES / elapsed


def echo_loop(kind: str, window: int) -> float:
    loop = _new_loop(kind)

    class server_protocol(asyncio.DatagramProtocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport: Any = transport

        def datagram_received(self, data: bytes, addr: Any) -> None:
            self.transport.sendto(data, addr)

    finished: asyncio.Future[None] = loop.create_future()

    class client_protocol(asyncio.DatagramProtocol):
        def __init__(self) -> None:
            self.sent = 0
            self.received = 0
            self.message = b"x" * SIZE

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport: Any = transport

        def send(self) -> None:
            self.sent += 1
            self.transport.sendto(self.message)

        def datagram_received(self, data: bytes, addr: Any) -> None:
            assert len(data) == SIZE
            self.received += 1
            if self.received == ECHOES:
                finished.set_result(None)
            elif self.sent < ECHOES:
                self.send()

    async def run() -> float:
        server_t, _ = await loop.create_datagram_endpoint(
            server_protocol, local_addr=("127.0.0.1", 0)
        )
        address = server_t.get_extra_info("sockname")
        client_t, client = await loop.create_datagram_endpoint(client_protocol, remote_addr=address)
        start = time.perf_counter()
        for _ in range(window):
            client.send()
        await asyncio.wait_for(finished, BOUND)
        elapsed = time.perf_counter() - start
        client_t.close()
        server_t.close()
        return ECHOES / elapsed

    rate = loop.run_until_complete(run())
    loop.close()
    return rate


def _impls(window: int) -> dict[str, Callable[[], float]]:
    return {
        "asiolike": lambda: echo_asiolike(window),
        "asyncio": lambda: echo_loop("asyncio", window),
        "uvloop": lambda: echo_loop("uvloop", window),
    }


CASES: dict[str, dict[str, Callable[[], float]]] = {
    f"udp echo {SIZE} B, window {w}": _impls(w) for w in (1, 16)
}

if __name__ == "__main__":
    main(CASES, os.path.abspath(__file__))
