"""``websocket.stream`` over real sockets on 127.0.0.1: our client with our server, bad peers."""

from __future__ import annotations

import os
import socket
import struct
import threading
from typing import Any

import asiolike
from asiolike.beast.core.flat_buffer import flat_buffer
from asiolike.beast.core.tcp_stream import tcp_stream
from asiolike.beast.websocket import close_code, condition, error, stream
from asiolike.error import eof
from asiolike.ip import make_address, tcp

from .test_stream_support import Rec, frame, raw_server, run, tcp_pair

UPGRADE = (
    b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


def _open_tcp(ioc: asiolike.io_context, wrap: Any = None) -> tuple[stream, stream]:
    csock, ssock = tcp_pair(ioc)
    if wrap is not None:
        csock, ssock = wrap(csock), wrap(ssock)
    client, server = stream(csock), stream(ssock)
    h1, h2 = Rec(), Rec()
    server.async_accept(h1)
    client.async_handshake("127.0.0.1", "/", h2)
    run(ioc)
    assert not h1.ec and not h2.ec
    return client, server


def test_messages_and_close_over_tcp(ioc: asiolike.io_context) -> None:
    client, server = _open_tcp(ioc)
    payload = os.urandom(3 << 20)
    client.binary(True)
    buf = flat_buffer()
    w, r = Rec(), Rec()
    client.async_write(payload, w)
    server.async_read(buf, r)
    run(ioc)
    assert w.once[1] == len(payload) and r.once[1] == len(payload)
    assert bytes(buf.data()) == payload
    c, r2 = Rec(), Rec()
    client.async_close(close_code.normal, c)
    server.async_read(buf, r2)
    run(ioc)
    assert not c.ec and r2.ec == error.closed


def test_over_beast_tcp_stream(ioc: asiolike.io_context) -> None:
    client, server = _open_tcp(ioc, tcp_stream)
    buf = flat_buffer()
    w, r = Rec(), Rec()
    client.async_write("over tcp_stream", w)
    server.async_read(buf, r)
    run(ioc)
    assert bytes(buf.data()) == b"over tcp_stream"
    c, r2 = Rec(), Rec()
    server.async_close(close_code.going_away, c)
    client.async_read(buf, r2)
    run(ioc)
    assert not c.ec and r2.ec == error.closed
    assert not client.next_layer().socket().is_open()


def test_garbage_on_one_connection_does_not_disturb_another(ioc: asiolike.io_context) -> None:
    good_client, good_server = _open_tcp(ioc)
    srv, port = raw_server()
    raw = socket.create_connection(("127.0.0.1", port))
    accepted, _ = srv.accept()
    srv.close()
    sock = tcp.socket(ioc)
    sock.assign(tcp.v4(), accepted)
    bad = stream(sock)
    raw.sendall(UPGRADE)
    a = Rec()
    bad.async_accept(a)
    run(ioc)
    assert not a.ec
    assert raw.recv(4096).startswith(b"HTTP/1.1 101 ")
    rb, rg, wg = Rec(), Rec(), Rec()
    bad.async_read(flat_buffer(), rb)
    good_server.async_read(flat_buffer(), rg)
    raw.sendall(os.urandom(64) + b"\x8f\x80")  # random bytes, then a reserved opcode
    raw.shutdown(socket.SHUT_WR)  # lets the server's teardown see our end of file
    good_client.async_write("still fine", wg)
    run(ioc)
    assert rb.ec == condition.protocol_violation or rb.ec == error.message_too_big
    assert rg.once[1] == 10 and not wg.ec
    answer = raw.recv(4096)
    assert answer[:2] == b"\x88\x02"  # the server failed the connection with a close frame
    assert struct.unpack("!H", answer[2:4])[0] in (1002, 1009)
    assert raw.recv(4096) == b""  # then closed its side
    raw.close()
    assert not sock.is_open()
    good_client.next_layer().close()
    good_server.next_layer().close()


def test_peer_vanishing_mid_frame_over_tcp(ioc: asiolike.io_context) -> None:
    from .test_stream_handshake import good, recv_request

    srv, port = raw_server()
    csock = tcp.socket(ioc)
    csock.connect(tcp.endpoint(make_address("127.0.0.1"), port))
    raw, _ = srv.accept()
    srv.close()
    client = stream(csock)
    h = Rec()
    client.async_handshake("127.0.0.1", "/", h)
    ioc.poll()
    _, fields = recv_request(raw)
    raw.sendall(good(fields["sec-websocket-key"]) + frame(2, b"0123456789")[:6])
    while not h.calls:
        ioc.run_one_for(5)
    assert not h.ec
    r = Rec()
    client.async_read(flat_buffer(), r)
    raw.close()
    run(ioc)
    assert r.ec == eof
    assert not client.is_open()
    csock.close()


def test_sync_client_with_async_server(ioc: asiolike.io_context) -> None:
    acc = tcp.acceptor(ioc, tcp.endpoint(make_address("127.0.0.1"), 0))
    port = acc.local_endpoint().port()
    results: list[Any] = []

    def on_read(ws: stream, buf: Any, ec: Any, n: int) -> None:
        if ec:
            results.append(ec)
            return
        ws.text(ws.got_text())
        data = bytes(buf.data())
        buf.consume(n)
        ws.async_write(data, lambda ec, n: ws.async_read(buf, lambda e, k: on_read(ws, buf, e, k)))

    def on_accept(ec: Any, sock: Any) -> None:
        ws = stream(sock)
        buf = flat_buffer()
        ws.async_accept(lambda ec: ws.async_read(buf, lambda e, k: on_read(ws, buf, e, k)))

    acc.async_accept(on_accept)
    done: list[Any] = []

    def client() -> None:
        cioc = asiolike.io_context()
        sock = tcp.socket(cioc)
        sock.connect(tcp.endpoint(make_address("127.0.0.1"), port))
        ws = stream(sock)
        ws.handshake("127.0.0.1", "/")
        ws.write("sync hello")
        buf = flat_buffer()
        n = ws.read(buf)
        ws.ping(b"x")
        ws.write_some(False, b"ab")
        ws.write_some(True, b"cd")
        buf2 = bytearray(10)
        k = ws.read_some(buf2)
        ws.close(close_code.normal)
        done.append((n, bytes(buf.data()), bytes(buf2[:k]), ws.reason().code))
        cioc.close()

    t = threading.Thread(target=client)
    t.start()
    while t.is_alive():
        ioc.run_for(0.02)
        ioc.restart()
    t.join()
    acc.close()
    run(ioc)
    assert done == [(10, b"sync hello", b"abcd", 1000)]
    assert results == [error.closed]


def test_fragmented_messages_through_small_socket_buffers(ioc: asiolike.io_context) -> None:
    # 4 KiB fragments (Beast's default) of messages up to 256 KiB go out in one gathering
    # send; with small kernel buffers the kernel takes part of them and the rest follows.
    client, server = _open_tcp(ioc, tcp_stream)
    for ws in (client, server):
        sock = ws.next_layer().socket()
        sock.set_option(asiolike.socket_base.send_buffer_size(4096))
    client.binary(True)
    server.binary(True)
    for size in (5000, 65536, 200_000):
        payload = os.urandom(size)
        for writer, reader in ((client, server), (server, client)):
            buf = flat_buffer()
            w, r = Rec(), Rec()
            writer.async_write(payload, w)
            reader.async_read(buf, r)
            run(ioc)
            assert w.once == (asiolike.error.success, size) and r.once[1] == size
            assert bytes(buf.data()) == payload and reader.is_message_done()
