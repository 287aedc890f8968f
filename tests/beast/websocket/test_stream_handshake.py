"""``websocket.stream`` client handshake against server replies crafted on a raw socket."""

from __future__ import annotations

import base64
import hashlib
import socket
import threading
from collections.abc import Callable, Iterator

import pytest

import asiolike
from asiolike.beast import http
from asiolike.beast.core.flat_buffer import flat_buffer
from asiolike.beast.websocket import condition, error, permessage_deflate, stream, stream_base
from asiolike.error import system_error
from asiolike.ip import make_address, tcp

from .test_stream_support import Rec, frame, raw_server, run

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def accept_of(key: str) -> str:
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def recv_request(conn: socket.socket) -> tuple[bytes, dict[str, str]]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        assert chunk, "the client closed before sending its request"
        data += chunk
    head = data.split(b"\r\n\r\n")[0].decode()
    fields = {}
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    return data, fields


class Peer:
    """A client ``websocket.stream`` over TCP, connected to a raw server socket."""

    def __init__(self, ioc: asiolike.io_context) -> None:
        self.srv, port = raw_server()
        self.sock = tcp.socket(ioc)
        self.sock.connect(tcp.endpoint(make_address("127.0.0.1"), port))
        self.conn, _ = self.srv.accept()
        self.conn.settimeout(5)
        self.ws = stream(self.sock)
        self.ioc = ioc

    def handshake(
        self, reply: Callable[[str], bytes] | None, res: http.response | None = None
    ) -> tuple[Rec, bytes]:
        """Start the handshake, answer it with ``reply(key)`` (None: say nothing), run."""
        h = Rec(r1=True)
        if res is None:
            self.ws.async_handshake("localhost", "/chat", h)
        else:
            self.ws.async_handshake(res, "localhost", "/chat", h)
        h.started()
        self.ioc.poll()
        request, fields = recv_request(self.conn)
        if reply is not None:
            self.conn.sendall(reply(fields["sec-websocket-key"]))
        return h, request

    def close(self) -> None:
        self.conn.close()
        self.srv.close()
        self.sock.close()


@pytest.fixture
def peer(ioc: asiolike.io_context) -> Iterator[Peer]:
    p = Peer(ioc)
    try:
        yield p
    finally:
        p.close()


def good(key: str, extra: str = "") -> bytes:
    return (
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Accept: {accept_of(key)}\r\n{extra}\r\n"
    ).encode()


REFUSALS: list[tuple[str, Callable[[str], bytes], object]] = [
    (
        "status 200",
        lambda k: b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nno",
        error.upgrade_declined,
    ),
    (
        "status 400",
        lambda k: b"HTTP/1.1 400 Bad\r\nContent-Length: 0\r\n\r\n",
        error.upgrade_declined,
    ),
    ("http/1.0", lambda k: good(k).replace(b"HTTP/1.1", b"HTTP/1.0"), error.bad_http_version),
    (
        "no connection",
        lambda k: good(k).replace(b"Connection: Upgrade\r\n", b""),
        error.no_connection,
    ),
    (
        "wrong connection",
        lambda k: good(k).replace(b"Connection: Upgrade", b"Connection: close"),
        error.no_connection_upgrade,
    ),
    ("no upgrade", lambda k: good(k).replace(b"Upgrade: websocket\r\n", b""), error.no_upgrade),
    (
        "wrong upgrade",
        lambda k: good(k).replace(b"Upgrade: websocket", b"Upgrade: h2c"),
        error.no_upgrade_websocket,
    ),
    (
        "no accept",
        lambda k: good(k).split(b"Sec-WebSocket-Accept")[0] + b"\r\n",
        error.no_sec_accept,
    ),
    (
        "wrong accept",
        lambda k: good(k).replace(accept_of(k).encode(), accept_of("x" * 24).encode()),
        error.bad_sec_accept,
    ),
    (
        "unoffered extension",
        lambda k: good(k, "Sec-WebSocket-Extensions: permessage-deflate\r\n"),
        error.bad_extension,
    ),
    (
        "unoffered subprotocol",
        lambda k: good(k, "Sec-WebSocket-Protocol: chat\r\n"),
        error.bad_subprotocol,
    ),
]


@pytest.mark.parametrize(("name", "reply", "expected"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_every_refusal_code(
    peer: Peer, ioc: asiolike.io_context, name: str, reply: Callable[[str], bytes], expected: object
) -> None:
    res = http.response()
    res.set("X-Stale", "1")
    h, _ = peer.handshake(reply, res)
    run(ioc)
    assert h.ec == expected
    assert h.ec == condition.handshake_failed
    assert not peer.ws.is_open()
    assert "X-Stale" not in res  # the response read replaced the object's content
    if name == "status 200":
        assert res.result_int() == 200 and res.body == b"no"
    else:
        assert res.result_int() in (101, 400)


def test_success_fills_the_response_and_sends_beasts_request(
    peer: Peer, ioc: asiolike.io_context
) -> None:
    res = http.response()
    h, request = peer.handshake(lambda k: good(k, "X-Server: raw\r\n"), res)
    run(ioc)
    assert not h.ec and peer.ws.is_open()
    assert res.result_int() == 101 and res["X-Server"] == "raw"
    lines = request.decode().split("\r\n")
    assert lines[0] == "GET /chat HTTP/1.1"
    fields = dict(line.split(": ", 1) for line in lines[1:] if line)
    assert fields["Host"] == "localhost"
    assert fields["Upgrade"] == "websocket"
    assert fields["Connection"] == "upgrade"
    assert fields["Sec-WebSocket-Version"] == "13"
    assert len(base64.b64decode(fields["Sec-WebSocket-Key"])) == 16
    assert fields["User-Agent"].startswith("asiolike/")
    assert "Sec-WebSocket-Extensions" not in fields


def test_decorator_and_offered_subprotocol(peer: Peer, ioc: asiolike.io_context) -> None:
    def decorate(req: http.request) -> None:
        req.set("Sec-WebSocket-Protocol", "chat, superchat")
        req.set(http.field.user_agent, "mine")

    peer.ws.set_option(stream_base.decorator(decorate))
    peer.ws.set_option(permessage_deflate(client_enable=True))
    h, request = peer.handshake(lambda k: good(k, "Sec-WebSocket-Protocol: chat\r\n"))
    run(ioc)
    assert not h.ec
    assert b"\r\nSec-WebSocket-Protocol: chat, superchat\r\n" in request
    assert b"\r\nUser-Agent: mine\r\n" in request
    assert b"\r\nSec-WebSocket-Extensions: permessage-deflate" in request


def test_frames_right_after_the_response(peer: Peer, ioc: asiolike.io_context) -> None:
    h, _ = peer.handshake(lambda k: good(k) + frame(1, b"first") + frame(2, b"second"))
    run(ioc)
    assert not h.ec
    buf = flat_buffer()
    for expected in (b"first", b"second"):
        r = Rec()
        peer.ws.async_read(buf, r)
        run(ioc)
        assert r.once[1] == len(expected) and bytes(buf.data()) == expected
        buf.consume(buf.size())


def test_server_closing_without_answer(peer: Peer, ioc: asiolike.io_context) -> None:
    h, _ = peer.handshake(None)
    peer.conn.close()
    run(ioc)
    assert h.ec == http.error.end_of_stream


def test_server_closing_mid_response(peer: Peer, ioc: asiolike.io_context) -> None:
    h, _ = peer.handshake(lambda k: good(k)[:40])
    peer.conn.close()
    run(ioc)
    assert h.ec == http.error.partial_message


def test_oversized_response_header(peer: Peer, ioc: asiolike.io_context) -> None:
    h, _ = peer.handshake(lambda k: good(k, "X-Big: " + "a" * 9000 + "\r\n"))
    run(ioc)
    assert h.ec == http.error.header_limit


def test_malformed_response(peer: Peer, ioc: asiolike.io_context) -> None:
    garbage = b"HTTP/1.1 1x1 Nope\r\n\r\n"
    expected = http.response_parser().put(garbage)[1]
    assert expected and expected != http.error.need_more
    h, _ = peer.handshake(lambda k: garbage)
    run(ioc)
    assert h.ec == expected


@pytest.mark.parametrize(
    ("host", "target", "exc"),
    [
        ("localhost", "", ValueError),
        ("", "/", ValueError),
        ("local host", "/", ValueError),
        ("localhost", "/a b", ValueError),
        ("localhost\r\nX-Evil: 1", "/", ValueError),
        ("localhost", "/\r\nX-Evil: 1", ValueError),
        ("localhost", b"/", TypeError),
    ],
)
def test_bad_arguments_raise_at_once(
    ioc: asiolike.io_context, host: object, target: object, exc: type[Exception]
) -> None:
    from asiolike import testing

    ws = stream(testing.stream(ioc))
    with pytest.raises(exc):
        ws.async_handshake(host, target, Rec())
    with pytest.raises(exc):
        ws.handshake(host, target)
    assert not ioc.has_outstanding_work()
    with pytest.raises(TypeError, match=r"http\.response"):
        ws.async_handshake("not a response", "h", "/", Rec())


def test_second_handshake_raises(peer: Peer, ioc: asiolike.io_context) -> None:
    h = Rec()
    peer.ws.async_handshake("localhost", "/", h)
    with pytest.raises(RuntimeError, match="already in progress"):
        peer.ws.async_handshake("localhost", "/", Rec())
    _request, fields = recv_request(peer.conn)
    peer.conn.sendall(good(fields["sec-websocket-key"]))
    run(ioc)
    assert not h.ec
    with pytest.raises(RuntimeError, match="already open"):
        peer.ws.async_handshake("localhost", "/", Rec())


def test_sync_handshake(peer: Peer) -> None:
    def server() -> None:
        _, fields = recv_request(peer.conn)
        peer.conn.sendall(good(fields["sec-websocket-key"]) + frame(1, b"hi"))

    t = threading.Thread(target=server)
    t.start()
    res = http.response()
    peer.ws.handshake(res, "localhost", "/")
    t.join(5)
    assert res.result_int() == 101 and peer.ws.is_open()
    buf = flat_buffer()
    assert peer.ws.read(buf) == 2 and bytes(buf.data()) == b"hi"


def test_sync_handshake_refused(peer: Peer) -> None:
    def server() -> None:
        recv_request(peer.conn)
        peer.conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")

    t = threading.Thread(target=server)
    t.start()
    with pytest.raises(system_error) as info:
        peer.ws.handshake("localhost", "/")
    t.join(5)
    assert info.value.code == error.upgrade_declined
