"""``websocket.stream`` server handshake: Beast's request checks and the 400/426 answers."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import asiolike
from asiolike import testing
from asiolike.beast import http
from asiolike.beast.core.flat_buffer import flat_buffer
from asiolike.beast.websocket import (
    condition,
    error,
    is_upgrade,
    permessage_deflate,
    stream,
    stream_base,
)
from asiolike.error import system_error

from .test_stream_support import Rec, frame, run

KEY = "dGhlIHNhbXBsZSBub25jZQ=="
ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="  # RFC 6455's example
FIELDS = [
    ("Host", "server.example.com"),
    ("Upgrade", "websocket"),
    ("Connection", "Upgrade"),
    ("Sec-WebSocket-Key", KEY),
    ("Sec-WebSocket-Version", "13"),
]


def request(
    *, line: str = "GET /chat HTTP/1.1", drop: str = "", change: tuple[str, str] | None = None
) -> bytes:
    out = [line]
    for name, value in FIELDS:
        if name == drop:
            continue
        if change is not None and name == change[0]:
            value = change[1]
        out.append(f"{name}: {value}")
    return ("\r\n".join(out) + "\r\n\r\n").encode()


def parse_response(data: bytes) -> http.response:
    p = http.response_parser()
    p.eager(True)
    used, ec = p.put(data)
    assert not ec and p.is_done(), ec
    assert used == len(data)
    return p.release()


def server_over_memory(ioc: asiolike.io_context) -> tuple[stream, testing.stream]:
    raw = testing.stream(ioc)
    peer = testing.connect(raw)
    return stream(peer), raw


REFUSED: list[tuple[str, bytes, Any, int]] = [
    ("http/1.0", request(line="GET /chat HTTP/1.0"), error.bad_http_version, 400),
    ("post", request(line="POST /chat HTTP/1.1"), error.bad_method, 400),
    ("no host", request(drop="Host"), error.no_host, 400),
    ("no connection", request(drop="Connection"), error.no_connection, 400),
    (
        "no upgrade token",
        request(change=("Connection", "keep-alive")),
        error.no_connection_upgrade,
        400,
    ),
    ("no upgrade", request(drop="Upgrade"), error.no_upgrade, 400),
    ("upgrade h2c", request(change=("Upgrade", "h2c")), error.no_upgrade_websocket, 400),
    ("no key", request(drop="Sec-WebSocket-Key"), error.no_sec_key, 400),
    ("bad key", request(change=("Sec-WebSocket-Key", "short")), error.bad_sec_key, 400),
    ("no version", request(drop="Sec-WebSocket-Version"), error.no_sec_version, 400),
    ("version 8", request(change=("Sec-WebSocket-Version", "8")), error.bad_sec_version, 426),
]


@pytest.mark.parametrize(
    ("name", "req", "expected", "status"), REFUSED, ids=[r[0] for r in REFUSED]
)
def test_refusals_are_answered_before_the_handler(
    ioc: asiolike.io_context, name: str, req: bytes, expected: Any, status: int
) -> None:
    ws, raw = server_over_memory(ioc)
    raw.write_some(req)
    h = Rec(check=raw.bytes, r1=True)
    ws.async_accept(h)
    h.started()
    run(ioc)
    assert h.ec == expected and h.ec == condition.handshake_failed
    res = parse_response(h.checked[0])  # already written when the handler ran
    assert res.result_int() == status
    assert res.body == expected.message().encode()
    assert res.version() == (10 if name == "http/1.0" else 11)
    if status == 426:
        assert res["Sec-WebSocket-Version"] == "13"
    assert not ws.is_open()


def test_success_answers_101(ioc: asiolike.io_context) -> None:
    ws, raw = server_over_memory(ioc)
    raw.write_some(request())
    h = Rec()
    ws.async_accept(h)
    run(ioc)
    assert not h.ec and ws.is_open()
    res = parse_response(raw.bytes())
    assert res.result_int() == 101
    assert res["Sec-WebSocket-Accept"] == ACCEPT
    assert res["Upgrade"] == "websocket" and res["Connection"] == "upgrade"
    assert res["Server"].startswith("asiolike/")
    assert "Sec-WebSocket-Extensions" not in res


def test_decorator_sees_101_and_400(ioc: asiolike.io_context) -> None:
    seen: list[int] = []

    def decorate(res: http.response) -> None:
        seen.append(res.result_int())
        res.set(http.field.server, "mine")

    for req, status in ((request(), 101), (request(drop="Host"), 400)):
        ws, raw = server_over_memory(ioc)
        seen.clear()
        ws.set_option(stream_base.decorator(decorate))
        raw.write_some(req)
        ws.async_accept(Rec())
        run(ioc)
        assert seen == [status]
        assert parse_response(raw.bytes())["Server"] == "mine"


def test_accept_with_octets_already_read(ioc: asiolike.io_context) -> None:
    data = request() + frame(1, b"hello", masked=True)
    for given in (data, bytearray(data), memoryview(data)):
        ws, raw = server_over_memory(ioc)
        h = Rec()
        ws.async_accept(given[:20], h)
        raw.write_some(bytes(given[20:]))
        run(ioc)
        assert not h.ec
        buf = flat_buffer()
        r = Rec()
        ws.async_read(buf, r)
        run(ioc)
        assert bytes(buf.data()) == b"hello"


def test_accept_consumes_a_dynamic_buffer(ioc: asiolike.io_context) -> None:
    ws, _raw = server_over_memory(ioc)
    dyn = flat_buffer()
    data = request()
    view = dyn.prepare(len(data))
    view[:] = data
    del view
    dyn.commit(len(data))
    h = Rec()
    ws.async_accept(dyn, h)
    assert dyn.size() == 0
    run(ioc)
    assert not h.ec and ws.is_open()


def test_accept_a_parsed_request(ioc: asiolike.io_context) -> None:
    p = http.request_parser()
    p.put(request())
    req = p.release()
    assert is_upgrade(req)
    ws, raw = server_over_memory(ioc)
    h = Rec(r1=True)
    ws.async_accept(req, h)
    h.started()
    run(ioc)
    assert not h.ec
    assert parse_response(raw.bytes())["Sec-WebSocket-Accept"] == ACCEPT
    plain = http.request(http.verb.get, "/", 11)
    assert not is_upgrade(plain)


def test_permessage_deflate_negotiation(ioc: asiolike.io_context) -> None:
    ws, raw = server_over_memory(ioc)
    ws.set_option(permessage_deflate(server_enable=True))
    raw.write_some(
        request().replace(
            b"\r\n\r\n",
            b"\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n",
        )
    )
    h = Rec()
    ws.async_accept(h)
    run(ioc)
    assert not h.ec
    assert parse_response(raw.bytes())["Sec-WebSocket-Extensions"].startswith("permessage-deflate")
    assert ws.get_option(permessage_deflate).server_enable


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            request().replace(b"\r\n\r\n", b"\r\nContent-Length: 3\r\n\r\nabc"),
            http.error.unexpected_body,
        ),
        (
            request().replace(b"\r\n\r\n", b"\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n"),
            http.error.header_limit,
        ),
        (b"", http.error.end_of_stream),
        (request()[:30], http.error.partial_message),
    ],
    ids=["body", "header_limit", "end_of_stream", "partial"],
)
def test_http_errors_pass_through(ioc: asiolike.io_context, data: bytes, expected: Any) -> None:
    ws, raw = server_over_memory(ioc)
    if data:
        raw.write_some(data)
    raw.close()
    h = Rec()
    ws.async_accept(h)
    run(ioc)
    assert h.ec == expected


def test_accept_argument_errors(ioc: asiolike.io_context) -> None:
    ws, raw = server_over_memory(ioc)
    with pytest.raises(TypeError):
        ws.async_accept(42, Rec())
    with pytest.raises(TypeError):
        ws.async_accept()
    with pytest.raises(TypeError, match="completion handler"):
        ws.async_accept(b"", "nope")
    h = Rec()
    ws.async_accept(h)
    with pytest.raises(RuntimeError, match="already in progress"):
        ws.async_accept(Rec())
    raw.write_some(request())
    run(ioc)
    assert not h.ec


def test_sync_accept() -> None:
    ioc = asiolike.io_context()
    ws, raw = server_over_memory(ioc)
    raw.write_some(request())
    ws.accept()
    assert ws.is_open()
    assert parse_response(raw.bytes())["Sec-WebSocket-Accept"] == ACCEPT
    ws2, raw2 = server_over_memory(ioc)
    raw2.write_some(request(drop="Sec-WebSocket-Key"))
    with pytest.raises(system_error) as info:
        ws2.accept()
    assert info.value.code == error.no_sec_key
    assert parse_response(raw2.bytes()).result_int() == 400

    ws3, raw3 = server_over_memory(ioc)

    def late() -> None:
        raw3.write_some(request())

    t = threading.Timer(0.05, late)
    t.start()
    ws3.accept(b"")
    t.join()
    assert ws3.is_open()
    ioc.close()
