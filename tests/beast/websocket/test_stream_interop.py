"""Interoperability with the ``websockets`` library, in both roles, over 127.0.0.1.

``websockets`` runs its asyncio server or client in a thread with its own event loop; our
side runs in the test's io_context. The peers speak a tiny script: every message is echoed
with its type, except ``cmd:`` messages (close with a code and reason, ping, send a
fragmented message).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

import asiolike
from asiolike.beast import http
from asiolike.beast.core.flat_buffer import flat_buffer
from asiolike.beast.websocket import (
    close_code,
    close_reason,
    error,
    frame_type,
    permessage_deflate,
    stream,
)
from asiolike.ip import make_address, tcp

from .test_stream_support import AsyncioThread, Rec, run

websockets = pytest.importorskip("websockets")
from websockets.asyncio.client import connect as ws_connect  # noqa: E402
from websockets.asyncio.server import serve as ws_serve  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402

BIG = os.urandom(1 << 20)
LIMIT = 4 << 20


@pytest.fixture
def loop() -> Iterator[AsyncioThread]:
    t = AsyncioThread()
    try:
        yield t
    finally:
        t.close()


# -- our client, their server ----------------------------------------------------------------


async def _script(ws: Any, log: list[Any]) -> None:
    try:
        async for msg in ws:
            if isinstance(msg, str) and msg.startswith("cmd:"):
                _, what, *rest = msg.split(":")
                if what == "close":
                    await ws.close(int(rest[0]), rest[1])
                elif what == "ping":
                    waiter = await ws.ping(rest[0].encode())
                    await waiter
                    await ws.send("ponged")
                elif what == "frag":
                    await ws.send([b"ab", b"cd", b"ef"])
            else:
                await ws.send(msg)
    except ConnectionClosed:
        pass
    log.append((ws.close_code, ws.close_reason))


class TheirServer:
    def __init__(self, loop: AsyncioThread, compression: str | None) -> None:
        self.loop = loop
        self.log: list[Any] = []

        async def start() -> Any:
            return await ws_serve(
                lambda ws: _script(ws, self.log),
                "127.0.0.1",
                0,
                compression=compression,
                max_size=LIMIT,
            )

        self.server = loop.call(start())
        self.port = self.server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        async def stop() -> None:
            self.server.close()
            await self.server.wait_closed()

        self.loop.call(stop())


def _our_client(ioc: asiolike.io_context, port: int, deflate: bool = False) -> tuple[stream, Any]:
    sock = tcp.socket(ioc)
    sock.connect(tcp.endpoint(make_address("127.0.0.1"), port))
    ws = stream(sock)
    if deflate:
        ws.set_option(permessage_deflate(client_enable=True))
    res = http.response()
    h = Rec()
    ws.async_handshake(res, f"127.0.0.1:{port}", "/", h)
    run(ioc)
    assert not h.ec, h.ec
    return ws, res


def _roundtrip(ioc: asiolike.io_context, ws: stream, data: Any, binary: bool) -> tuple[bytes, bool]:
    ws.binary(binary)
    buf = flat_buffer()
    w, r = Rec(), Rec()
    ws.async_write(data, w)
    ws.async_read(buf, r)
    run(ioc)
    assert not w.ec and not r.ec, (w.ec, r.ec)
    return bytes(buf.data()), ws.got_text()


@pytest.mark.parametrize("deflate", [False, True], ids=["plain", "deflate"])
def test_our_client_with_their_server(
    ioc: asiolike.io_context, loop: AsyncioThread, deflate: bool
) -> None:
    srv = TheirServer(loop, "deflate" if deflate else None)
    try:
        ws, res = _our_client(ioc, srv.port, deflate)
        assert ("permessage-deflate" in res["Sec-WebSocket-Extensions"]) == deflate
        assert _roundtrip(ioc, ws, "héllo", False) == ("héllo".encode(), True)
        assert _roundtrip(ioc, ws, b"\x00\x01\xfe", True) == (b"\x00\x01\xfe", False)
        assert _roundtrip(ioc, ws, BIG, True) == (BIG, False)
        text = "compressible " * 80000
        assert _roundtrip(ioc, ws, text, False) == (text.encode(), True)
        # Our fragmented message arrives whole.
        ws.binary(True)
        for fin, piece in ((False, b"12"), (False, b"34"), (True, b"56")):
            h = Rec()
            ws.async_write_some(fin, piece, h)
            run(ioc)
            assert not h.ec
        buf = flat_buffer()
        r = Rec()
        ws.async_read(buf, r)
        run(ioc)
        assert bytes(buf.data()) == b"123456"
        # Their fragmented message arrives whole.
        assert _roundtrip(ioc, ws, "cmd:frag", False) == (b"abcdef", False)
        # Their ping is answered by our pending read; our ping is answered by them.
        seen: list[Any] = []
        ws.control_callback(lambda kind, payload: seen.append((kind, payload)))
        assert _roundtrip(ioc, ws, "cmd:ping:theirs", False) == (b"ponged", True)
        assert seen == [(frame_type.ping, b"theirs")]
        p, r = Rec(), Rec()
        ws.async_ping(b"ours", p)
        ws.async_write("after ping", Rec())
        ws.async_read(flat_buffer(), r)
        run(ioc)
        assert not p.ec and not r.ec
        assert seen[1:] == [(frame_type.pong, b"ours")]
        c = Rec()
        ws.async_close(close_reason(4000, "client done"), c)
        run(ioc)
        assert not c.ec
        assert ws.reason() == close_reason(4000, "client done")
    finally:
        srv.stop()
    assert srv.log == [(4000, "client done")]


@pytest.mark.parametrize(("code", "reason"), [(1000, ""), (1001, "going"), (4000, "server done")])
def test_their_server_closes(
    ioc: asiolike.io_context, loop: AsyncioThread, code: int, reason: str
) -> None:
    srv = TheirServer(loop, None)
    try:
        ws, _ = _our_client(ioc, srv.port)
        w, r = Rec(), Rec()
        ws.async_write(f"cmd:close:{code}:{reason}", w)
        ws.async_read(flat_buffer(), r)
        run(ioc)
        assert r.ec == error.closed
        assert ws.reason() == close_reason(code, reason)
        assert not ws.next_layer().is_open()
    finally:
        srv.stop()
    assert srv.log == [(code, "")]  # what they received: our echo carries the code only


@pytest.mark.parametrize("code", [close_code.normal, close_code.going_away])
def test_our_client_closes_with_code(
    ioc: asiolike.io_context, loop: AsyncioThread, code: close_code
) -> None:
    srv = TheirServer(loop, None)
    try:
        ws, _ = _our_client(ioc, srv.port)
        c = Rec()
        ws.async_close(code, c)
        run(ioc)
        assert not c.ec
    finally:
        srv.stop()
    assert srv.log == [(int(code), "")]


# -- their client, our server ----------------------------------------------------------------


class OurServer:
    """Accepts connections and runs the echo script for each."""

    def __init__(self, ioc: asiolike.io_context, deflate: bool) -> None:
        self.acc = tcp.acceptor(ioc, tcp.endpoint(make_address("127.0.0.1"), 0))
        self.port = self.acc.local_endpoint().port()
        self.deflate = deflate
        self.results: list[Any] = []
        self.acc.async_accept(self.on_accept)

    def on_accept(self, ec: Any, sock: Any = None) -> None:
        if ec:
            return
        _Session(self, sock)
        self.acc.async_accept(self.on_accept)


class _Session:
    def __init__(self, server: OurServer, sock: Any) -> None:
        self.server = server
        self.ws = stream(sock)
        if server.deflate:
            self.ws.set_option(permessage_deflate(server_enable=True))
        self.ws.read_message_max(LIMIT)
        self.buf = flat_buffer()
        self.pong = False
        self.ws.control_callback(self.on_control)
        self.ws.async_accept(self.on_accept)

    def on_control(self, kind: frame_type, payload: bytes) -> None:
        if kind == frame_type.pong and payload == b"ours":
            self.ws.text(True)
            self.ws.async_write("ponged", lambda ec, n: None)

    def on_accept(self, ec: Any) -> None:
        assert not ec, ec
        self.ws.async_read(self.buf, self.on_read)

    def on_read(self, ec: Any, n: int) -> None:
        if ec:
            self.server.results.append((ec, self.ws.reason()))
            return
        data = bytes(self.buf.data())
        self.buf.consume(n)
        if self.ws.got_text() and data.startswith(b"cmd:"):
            _, what, *rest = data.decode().split(":")
            if what == "close":
                self.ws.async_close(close_reason(int(rest[0]), rest[1]), self.on_close)
            elif what == "ping":
                self.ws.async_ping(b"ours", lambda ec: None)
            elif what == "frag":
                self.ws.binary(True)
                self.ws.async_write_some(
                    False,
                    b"ab",
                    lambda ec, n: self.ws.async_write_some(True, b"cd", lambda ec, n: None),
                )
        else:
            self.ws.text(self.ws.got_text())
            self.ws.async_write(data, lambda ec, n: None)
        if what_is_close(data):
            return
        self.ws.async_read(self.buf, self.on_read)

    def on_close(self, ec: Any) -> None:
        self.server.results.append(("closed by us", ec))


def what_is_close(data: bytes) -> bool:
    return data.startswith(b"cmd:close:")


def _drive(ioc: asiolike.io_context, fut: Any, srv: OurServer) -> Any:
    import time

    deadline = time.monotonic() + 10
    while not fut.done() and time.monotonic() < deadline:
        ioc.run_for(0.02)
        ioc.restart()
    srv.acc.close()
    run(ioc)
    return fut.result(0)


@pytest.mark.parametrize("deflate", [False, True], ids=["plain", "deflate"])
def test_their_client_with_our_server(
    ioc: asiolike.io_context, loop: AsyncioThread, deflate: bool
) -> None:
    srv = OurServer(ioc, deflate)

    async def client() -> Any:
        out: list[Any] = []
        async with ws_connect(
            f"ws://127.0.0.1:{srv.port}/",
            compression="deflate" if deflate else None,
            max_size=LIMIT,
        ) as c:
            assert c.response is not None
            out.append(c.response.headers.get("Sec-WebSocket-Extensions", ""))
            for msg in ("héllo", b"\x00\xff", BIG, "compressible " * 80000):
                await c.send(msg)
                out.append(await c.recv() == msg)
            await c.send([b"12", b"34", b"56"])
            out.append(await c.recv())
            await c.send("cmd:frag")
            out.append(await c.recv())
            pong = await c.ping(b"theirs")
            await pong
            await c.send("cmd:ping:x")
            out.append(await c.recv())
            await c.close(4000, "client done")
            out.append((c.close_code, c.close_reason))
        return out

    out = _drive(ioc, loop.submit(client()), srv)
    assert ("permessage-deflate" in out[0]) == deflate
    assert out[1:5] == [True] * 4
    assert out[5:8] == [b"123456", b"abcd", "ponged"]
    assert out[8] == (4000, "")  # our echo: the code only
    assert srv.results == [(error.closed, close_reason(4000, "client done"))]


@pytest.mark.parametrize(("code", "reason"), [(1000, ""), (1001, "going"), (4000, "server done")])
def test_our_server_closes(
    ioc: asiolike.io_context, loop: AsyncioThread, code: int, reason: str
) -> None:
    srv = OurServer(ioc, False)

    async def client() -> Any:
        async with ws_connect(f"ws://127.0.0.1:{srv.port}/", compression=None) as c:
            await c.send(f"cmd:close:{code}:{reason}")
            try:
                await c.recv()
            except ConnectionClosed as exc:
                return exc.rcvd.code if exc.rcvd else None, exc.rcvd.reason if exc.rcvd else None
        return None

    got = _drive(ioc, loop.submit(client()), srv)
    assert got == (code, reason)
    assert srv.results == [("closed by us", asiolike.error.success)]
