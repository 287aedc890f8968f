"""TLS benchmarks: asiolike's ``ssl.stream`` against asyncio's TLS (and uvloop's), same run.

Cases, all over 127.0.0.1 with TLS 1.3 and an EC P-256 certificate made for the run:

* bulk: the client sends 64 MiB, the server reads it (bytes per second);
* handshakes: 300 connections one after another, each connect + handshake on both sides +
  close (handshakes per second; both ends' cryptography is in the same process, as the
  asyncio case's);
* ping-pong: 64 B and 16 KiB echoed 5000 times on one connection (round trips per second).

asyncio and uvloop use ``create_server``/``create_connection`` with ``ssl=`` and the
Protocol API (their fastest); asiolike uses ``ssl.stream`` over ``tcp.socket`` with
``async_read_some``/``async_write`` as ported Asio code would.

    python tests/bench/bench_tls.py [--rounds N] [--only NAME]
"""

from __future__ import annotations

import asyncio
import functools
import os
import ssl as std_ssl
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(_HERE, "..", ".."))
sys.path.insert(0, _HERE)

from _harness import main  # noqa: E402

import asiolike as net  # noqa: E402
from asiolike import ssl  # noqa: E402
from asiolike.ip import make_address, tcp  # noqa: E402
from tests.ssl.pki import TestPKI, make_test_pki  # noqa: E402

BULK = 64 * 1024 * 1024
HANDSHAKES = 300
ROUND_TRIPS = 5000


def _pki() -> TestPKI:
    return make_test_pki(tempfile.mkdtemp(prefix="asiolike-bench-tls-"))


def _std_contexts(pki: TestPKI) -> tuple[std_ssl.SSLContext, std_ssl.SSLContext]:
    server = std_ssl.SSLContext(std_ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(pki.server_cert, pki.server_key)
    client = std_ssl.SSLContext(std_ssl.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(pki.ca)
    return server, client


def _our_contexts(pki: TestPKI) -> tuple[ssl.context, ssl.context]:
    server = ssl.context(ssl.context.tls_server)
    server.use_certificate_chain_file(pki.server_cert)
    server.use_private_key_file(pki.server_key, ssl.context.pem)
    client = ssl.context(ssl.context.tls_client)
    client.set_verify_mode(ssl.verify_peer)
    client.load_verify_file(pki.ca)
    return server, client


def _new_loop(kind: str) -> asyncio.AbstractEventLoop:
    if kind == "uvloop":
        import uvloop

        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


# -- asiolike: a listening server and a connected client --------------------------------------


class _pair:
    """Accept one connection and connect to it; both TLS streams shaken hands, then ``ready``."""

    def __init__(
        self,
        ioc: net.io_context,
        acceptor: tcp.acceptor,
        sctx: ssl.context,
        cctx: ssl.context,
        ready: Callable[[ssl.stream, ssl.stream], None],
    ) -> None:
        self.ready = ready
        self.sctx = sctx
        self.client = ssl.stream(tcp.socket(ioc), cctx)
        self.client.set_verify_callback(ssl.host_name_verification("localhost"))
        self.server: ssl.stream | None = None
        self.pending = 2
        acceptor.async_accept(self.on_accept)
        self.client.next_layer().async_connect(acceptor.local_endpoint(), self.on_connect)

    def on_accept(self, ec: net.error_code, sock: tcp.socket) -> None:
        assert not ec, ec
        sock.set_option(tcp.no_delay(True))
        self.server = ssl.stream(sock, self.sctx)
        self.server.async_handshake(ssl.stream_base.server, self.on_handshake)

    def on_connect(self, ec: net.error_code) -> None:
        assert not ec, ec
        self.client.next_layer().set_option(tcp.no_delay(True))
        self.client.async_handshake(ssl.stream_base.client, self.on_handshake)

    def on_handshake(self, ec: net.error_code) -> None:
        assert not ec, ec
        self.pending -= 1
        if not self.pending:
            assert self.server is not None
            self.ready(self.client, self.server)


def _acceptor(ioc: net.io_context) -> tcp.acceptor:
    return tcp.acceptor(ioc, tcp.endpoint(make_address("127.0.0.1"), 0))


# -- bulk -------------------------------------------------------------------------------------


def bulk_asiolike() -> float:
    sctx, cctx = _our_contexts(_pki())
    ioc = net.io_context()
    acceptor = _acceptor(ioc)
    payload = b"\x00" * BULK
    buf = memoryview(bytearray(256 * 1024))
    state = {"received": 0, "start": 0.0, "end": 0.0}

    def ready(client: ssl.stream, server: ssl.stream) -> None:
        acceptor.close()
        state["start"] = time.perf_counter()

        def on_read(ec: net.error_code, n: int) -> None:
            state["received"] += n
            if ec or state["received"] >= BULK:
                state["end"] = time.perf_counter()
                client.lowest_layer().close()
                server.lowest_layer().close()
                return
            server.async_read_some(buf, on_read)

        def on_write(ec: net.error_code, n: int) -> None:
            assert not ec, ec

        server.async_read_some(buf, on_read)
        net.async_write(client, payload, on_write)

    _pair(ioc, acceptor, sctx, cctx, ready)
    ioc.run()
    assert state["received"] == BULK, state
    return BULK / (state["end"] - state["start"])


def bulk_loop(kind: str) -> float:
    sctx, cctx = _std_contexts(_pki())
    loop = _new_loop(kind)
    payload = b"\x00" * BULK
    done = loop.create_future()
    connected = loop.create_future()

    class sink(asyncio.Protocol):
        received = 0

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            connected.set_result(None)

        def data_received(self, data: bytes) -> None:
            self.received += len(data)
            if self.received >= BULK and not done.done():
                done.set_result(time.perf_counter())

    async def run() -> float:
        server = await loop.create_server(sink, "127.0.0.1", 0, ssl=sctx)
        port = server.sockets[0].getsockname()[1]
        transport, _ = await loop.create_connection(
            asyncio.Protocol, "127.0.0.1", port, ssl=cctx, server_hostname="localhost"
        )
        await connected
        start = time.perf_counter()
        transport.write(payload)
        end: float = await done
        transport.close()
        server.close()
        return end - start

    elapsed = loop.run_until_complete(run())
    loop.close()
    return BULK / elapsed


# -- handshakes -------------------------------------------------------------------------------


def handshakes_asiolike() -> float:
    sctx, cctx = _our_contexts(_pki())
    ioc = net.io_context()
    acceptor = _acceptor(ioc)
    count = 0

    def ready(client: ssl.stream, server: ssl.stream) -> None:
        nonlocal count
        client.lowest_layer().close()
        server.lowest_layer().close()
        count += 1
        if count < HANDSHAKES:
            _pair(ioc, acceptor, sctx, cctx, ready)
        else:
            acceptor.close()

    start = time.perf_counter()
    _pair(ioc, acceptor, sctx, cctx, ready)
    ioc.run()
    elapsed = time.perf_counter() - start
    assert count == HANDSHAKES
    return HANDSHAKES / elapsed


def handshakes_loop(kind: str) -> float:
    sctx, cctx = _std_contexts(_pki())
    loop = _new_loop(kind)
    made: list[asyncio.Future[None]] = []

    class server_side(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            # connection_made runs once the TLS handshake completed.
            made.pop().set_result(None)
            transport.abort()  # type: ignore[attr-defined]

    async def run() -> float:
        server = await loop.create_server(server_side, "127.0.0.1", 0, ssl=sctx)
        port = server.sockets[0].getsockname()[1]
        start = time.perf_counter()
        for _ in range(HANDSHAKES):
            accepted = loop.create_future()
            made.append(accepted)
            transport, _ = await loop.create_connection(
                asyncio.Protocol, "127.0.0.1", port, ssl=cctx, server_hostname="localhost"
            )
            await accepted
            transport.abort()
        elapsed = time.perf_counter() - start
        server.close()
        return elapsed

    elapsed = loop.run_until_complete(run())
    loop.close()
    return HANDSHAKES / elapsed


# -- ping-pong --------------------------------------------------------------------------------


def pingpong_asiolike(size: int) -> float:
    sctx, cctx = _our_contexts(_pki())
    ioc = net.io_context()
    acceptor = _acceptor(ioc)
    message = b"x" * size
    state = {"left": ROUND_TRIPS, "start": 0.0, "end": 0.0}

    def ready(client: ssl.stream, server: ssl.stream) -> None:
        acceptor.close()
        sbuf = bytearray(65536)
        cbuf = bytearray(size)

        def on_server_read(ec: net.error_code, n: int) -> None:
            if ec:
                server.lowest_layer().close()
                return
            net.async_write(server, memoryview(sbuf)[:n], on_server_write)

        def on_server_write(ec: net.error_code, n: int) -> None:
            assert not ec, ec
            server.async_read_some(sbuf, on_server_read)

        def on_client_write(ec: net.error_code, n: int) -> None:
            assert not ec, ec
            net.async_read(client, cbuf, on_client_read)

        def on_client_read(ec: net.error_code, n: int) -> None:
            assert not ec, ec
            state["left"] -= 1
            if state["left"]:
                net.async_write(client, message, on_client_write)
            else:
                state["end"] = time.perf_counter()
                client.lowest_layer().close()

        server.async_read_some(sbuf, on_server_read)
        state["start"] = time.perf_counter()
        net.async_write(client, message, on_client_write)

    _pair(ioc, acceptor, sctx, cctx, ready)
    ioc.run()
    assert state["left"] == 0
    return ROUND_TRIPS / (state["end"] - state["start"])


def pingpong_loop(kind: str, size: int) -> float:
    sctx, cctx = _std_contexts(_pki())
    loop = _new_loop(kind)
    message = b"x" * size
    finished = loop.create_future()

    class echo(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport: Any = transport

        def data_received(self, data: bytes) -> None:
            self.transport.write(data)

    class client(asyncio.Protocol):
        def __init__(self) -> None:
            self.left = ROUND_TRIPS
            self.got = 0

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport: Any = transport

        def data_received(self, data: bytes) -> None:
            self.got += len(data)
            if self.got < size:
                return
            self.got = 0
            self.left -= 1
            if self.left:
                self.transport.write(message)
            else:
                finished.set_result(time.perf_counter())

    async def run() -> float:
        server = await loop.create_server(echo, "127.0.0.1", 0, ssl=sctx)
        port = server.sockets[0].getsockname()[1]
        transport, _ = await loop.create_connection(
            client, "127.0.0.1", port, ssl=cctx, server_hostname="localhost"
        )
        start = time.perf_counter()
        transport.write(message)
        end: float = await finished
        transport.close()
        server.close()
        return end - start

    elapsed = loop.run_until_complete(run())
    loop.close()
    return ROUND_TRIPS / elapsed


def _pingpong_loop_of(size: int, kind: str) -> float:
    return pingpong_loop(kind, size)


def _impls(
    ours: Callable[[], float], theirs: Callable[[str], float]
) -> dict[str, Callable[[], float]]:
    return {
        "asiolike": ours,
        "asyncio": lambda: theirs("asyncio"),
        "uvloop": lambda: theirs("uvloop"),
    }


CASES: dict[str, dict[str, Callable[[], float]]] = {
    "TLS bulk 64 MiB (B/s)": _impls(bulk_asiolike, bulk_loop),
    f"TLS handshakes x{HANDSHAKES} (/s)": _impls(handshakes_asiolike, handshakes_loop),
}
for _size in (64, 16384):
    CASES[f"TLS ping-pong {_size} B (/s)"] = _impls(
        functools.partial(pingpong_asiolike, _size),
        functools.partial(_pingpong_loop_of, _size),
    )

if __name__ == "__main__":
    main(CASES, os.path.abspath(__file__), default_rounds=3)
