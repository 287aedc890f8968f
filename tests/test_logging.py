"""Logging: one logger per layer, silent at INFO and above on the happy path, DEBUG detail.

The happy path is an HTTP echo over TCP on 127.0.0.1: a server accepts, reads a request
with ``http.async_read`` and answers with its body; the client writes the raw request and
reads the response. It exercises the io_context, the reactor, the TCP transport and HTTP
I/O.
"""

from __future__ import annotations

import logging
import re

import pytest

import asiolike as net
from asiolike.beast import flat_buffer, http
from asiolike.beast.http._read_op import PREVIEW, preview
from asiolike.error import error_code
from asiolike.ip import make_address, tcp

REQUEST = (
    b"POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 40\r\n\r\n" + b"0123456789" * 4
)


def http_echo() -> tuple[list[str], bytes]:
    """Run the echo; returns the order of events and the body the client got back."""
    ioc = net.io_context()
    acceptor = tcp.acceptor(ioc, tcp.endpoint(make_address("127.0.0.1"), 0))
    client = tcp.socket(ioc)
    events: list[str] = []
    got = http.response()
    server_state: dict[str, object] = {}

    def on_accept(ec: error_code, sock: tcp.socket) -> None:
        assert not ec, ec
        events.append("accepted")
        acceptor.close()
        buf, req = flat_buffer(), http.request()
        server_state.update(sock=sock, buf=buf, req=req)

        def on_read(ec: error_code, n: int) -> None:
            assert not ec, ec
            events.append("server read")
            res = http.response(http.status.ok, 11, req.body)
            res.set("Server", "test")
            res.prepare_payload()
            server_state["res"] = res
            http.async_write(sock, res, on_write)

        def on_write(ec: error_code, n: int) -> None:
            assert not ec, ec
            events.append("server wrote")
            sock.close()

        http.async_read(sock, buf, req, on_read)

    def on_connect(ec: error_code) -> None:
        assert not ec, ec
        net.async_write(client, REQUEST, on_sent)

    def on_sent(ec: error_code, n: int) -> None:
        assert not ec, ec
        http.async_read(client, flat_buffer(), got, on_response)

    def on_response(ec: error_code, n: int) -> None:
        assert not ec, ec
        events.append("client read")
        client.close()

    acceptor.async_accept(on_accept)
    client.async_connect(acceptor.local_endpoint(), on_connect)
    ioc.run_for(5)
    assert ioc.stopped() and not ioc.has_outstanding_work()
    ioc.close()
    body = got.body
    assert isinstance(body, bytes)
    return events, body


def test_happy_path_logs_nothing_at_info_or_above(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="asiolike")
    events, body = http_echo()
    assert events == ["accepted", "server read", "server wrote", "client read"]
    assert body == b"0123456789" * 4
    loud = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert loud == []
    assert caplog.records, "DEBUG was enabled: the layers should have said something"


def test_debug_records_per_layer(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="asiolike")
    http_echo()
    by_logger: dict[str, list[str]] = {}
    for record in caplog.records:
        by_logger.setdefault(record.name, []).append(record.getMessage())
    assert {"asiolike.io_context", "asiolike.reactor", "asiolike.ip.tcp"} <= set(by_logger)
    assert "asiolike.beast.http" in by_logger

    tcp_lines = by_logger["asiolike.ip.tcp"]
    assert any(re.fullmatch(r"socket fd \d+: connecting to 127\.0\.0\.1:\d+", m) for m in tcp_lines)
    assert any(re.fullmatch(r"socket fd \d+: accepted", m) for m in tcp_lines)
    assert any(
        re.fullmatch(r"acceptor fd \d+: closing, 0 pending operations aborted", m)
        for m in tcp_lines
    )
    assert any(re.fullmatch(r"fd \d+: registered", m) for m in by_logger["asiolike.reactor"])
    assert any(
        re.fullmatch(r"<io_context stopped queued=0 work=0>: closed, 0 queued handlers dropped", m)
        for m in by_logger["asiolike.io_context"]
    )

    http_lines = by_logger["asiolike.beast.http"]
    # The server's read: the request cut to its first PREVIEW bytes.
    cut = repr(REQUEST[:PREVIEW]) + "..."
    assert any(re.fullmatch(rf"read \d+ bytes {re.escape(cut)}, ec=success", m) for m in http_lines)
    assert f"async_read: POST /echo HTTP/1.1, {len(REQUEST)} bytes parsed, ec=success" in http_lines
    response_lines = [m for m in http_lines if m.startswith("async_read: HTTP/1.1 200 OK, ")]
    assert len(response_lines) == 1
    writes = [m for m in http_lines if m.startswith("writing ")]
    assert len(writes) == 1
    assert writes[0].endswith(" " + repr(b"HTTP/1.1 200 OK\r\nServer: test\r\nC") + "...")
    assert any(re.fullmatch(r"async_write: \d+ bytes written, ec=success", m) for m in http_lines)


def test_nothing_recorded_when_debug_is_off(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="asiolike")
    http_echo()
    assert [r for r in caplog.records if r.name.startswith("asiolike")] == []


def test_preview_cuts_payloads() -> None:
    assert preview(b"abc") == "b'abc'"
    assert preview(b"x" * PREVIEW) == repr(b"x" * PREVIEW)
    assert preview(b"y" * (PREVIEW + 1)) == repr(b"y" * PREVIEW) + "..."
    assert preview(memoryview(bytearray(b"\x00\xff"))) == "b'\\x00\\xff'"
    assert PREVIEW == 32


def test_websocket_frames_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    import io

    from asiolike._demo import run_demo

    caplog.set_level(logging.DEBUG, logger="asiolike")
    assert run_demo(2, out=io.StringIO()) == 0
    lines = [r.getMessage() for r in caplog.records if r.name == "asiolike.beast.websocket"]
    assert [r for r in caplog.records if r.levelno >= logging.INFO] == []
    assert any(line.startswith("send ") and "the HTTP handshake" in line for line in lines)
    # A text frame from the client: opcode 1, one frame, payload cut to a preview.
    assert any("first frame opcode=1 fin=True" in line for line in lines)
    assert any(line.startswith("read control event") and "Ping" in line for line in lines)
    assert any(line == "read done: 0 bytes, ec=closed" for line in lines), lines[-5:]
