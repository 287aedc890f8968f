"""The rules every asynchronous operation keeps, checked over every initiating function.

One parametrised test per rule runs over :data:`SCENARIOS`, which starts each initiating
function of each I/O object (the core's sockets, acceptor, resolver, timers, signals and
executors; the algorithms; ``beast.tcp_stream``; ``ssl.stream``; HTTP and WebSocket I/O)
with a given handler, and returns the peer's part that makes it complete. For each one, with
a plain function, a callable object and a handler bound to a strand:

* R1: the handler is never invoked before the initiating function returns;
* R2: it is invoked exactly once;
* R3: the pending operation (or its queued completion) counts as outstanding work, and no
  work is left once the handler ran;
* R7: a handler bound to a strand runs inside that strand;
* a plain function and a callable object get the same outcome (the fast path decided once
  per I/O object changes nothing a user can see);
* with handler tracking on, the initiation writes a creation line (``*id|object.operation``).

Everything runs over real sockets on 127.0.0.1 (or the in-memory test stream where the
scenario is about the algorithms above a stream), bounded by ``run_for``.
"""

from __future__ import annotations

import io
import os
import re
import signal
import tempfile
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import asiolike as net
from asiolike import beast, local, posix, ssl, testing
from asiolike.beast import http, websocket
from asiolike.ip import make_address, tcp, udp
from tests.ssl.pki import TestPKI, make_test_pki
from tests.support.lifetimes import gc_disabled

BOUND = 5.0
LOOPBACK = make_address("127.0.0.1")

Handler = Callable[..., object]
# A scenario starts its operation with the handler, keeping what must stay alive in
# ``keep`` (closed after the test), and returns the peer's action that completes it.
Scenario = Callable[[net.io_context, list[Any], Handler], Callable[[], object]]


# -- what the scenarios share -------------------------------------------------------------


def _tcp_pair(ioc: net.io_context, keep: list[Any]) -> tuple[tcp.socket, tcp.socket]:
    acceptor = tcp.acceptor(ioc, tcp.endpoint(LOOPBACK, 0))
    client = tcp.socket(ioc)
    client.connect(acceptor.local_endpoint())
    server = acceptor.accept()
    acceptor.close()
    keep += [client, server]
    return client, server


def _nothing() -> None:
    pass


def _settle(ioc: net.io_context) -> None:
    """Run the setup's own handlers (handshakes...) to completion before the tested call."""
    ioc.run_for(BOUND)
    assert ioc.stopped(), f"setup did not finish: {ioc!r}"
    ioc.restart()


def _ignore(*args: Any) -> None:
    pass


# -- executors ------------------------------------------------------------------------------


def _post(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    net.post(ioc, h)
    return _nothing


def _dispatch(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    net.dispatch(ioc.get_executor(), h)
    return _nothing


def _defer(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    net.defer(ioc, h)
    return _nothing


# -- timers and signals ---------------------------------------------------------------------


def _timer_wait(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    timer = net.steady_timer(ioc, 0.001)
    keep.append(timer)
    timer.async_wait(h)
    return _nothing


def _timer_cancelled(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    timer = net.steady_timer(ioc, 60.0)
    keep.append(timer)
    timer.async_wait(h)
    return timer.cancel


# Every signal_set a scenario opens (weakly: the R10 test drops its set, which must then
# be freed and closed), so that one a failing test left open is still closed afterwards.
_SIGNAL_SETS: list[weakref.ref[net.signal_set]] = []


def _signal_wait(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    signals = net.signal_set(ioc, signal.SIGUSR1)
    keep.append(signals)
    _SIGNAL_SETS.append(weakref.ref(signals))
    signals.async_wait(h)
    return lambda: signal.raise_signal(signal.SIGUSR1)


# -- sockets, acceptor, resolver ------------------------------------------------------------


def _connect(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    acceptor = tcp.acceptor(ioc, tcp.endpoint(LOOPBACK, 0))
    sock = tcp.socket(ioc)
    keep += [acceptor, sock]
    sock.async_connect(acceptor.local_endpoint(), h)
    return _nothing


def _read_some(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    client, server = _tcp_pair(ioc, keep)
    server.async_read_some(bytearray(16), h)
    return lambda: client.write_some(b"hello")


def _write_some(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    client, _ = _tcp_pair(ioc, keep)
    client.async_write_some(b"hello", h)
    return _nothing


def _receive_flags(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    client, server = _tcp_pair(ioc, keep)
    server.async_receive(bytearray(16), net.socket_base.message_peek, h)
    return lambda: client.write_some(b"hello")


def _send_flags(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    client, _ = _tcp_pair(ioc, keep)
    client.async_send(b"hello", net.socket_base.message_do_not_route, h)
    return _nothing


def _socket_wait(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    client, server = _tcp_pair(ioc, keep)
    server.async_wait(tcp.socket.wait_read, h)
    return lambda: client.write_some(b"x")


def _read_zero(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    _, server = _tcp_pair(ioc, keep)
    server.async_read_some(bytearray(), h)
    return _nothing


def _read_closed(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    sock = tcp.socket(ioc)
    sock.async_read_some(bytearray(4), h)
    return _nothing


def _accept_new(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    acceptor = tcp.acceptor(ioc, tcp.endpoint(LOOPBACK, 0))
    client = tcp.socket(ioc)
    keep += [acceptor, client]
    acceptor.async_accept(h)
    return lambda: client.connect(acceptor.local_endpoint())


def _accept_into(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    acceptor = tcp.acceptor(ioc, tcp.endpoint(LOOPBACK, 0))
    client, peer = tcp.socket(ioc), tcp.socket(ioc)
    keep += [acceptor, client, peer]
    acceptor.async_accept(peer, h)
    return lambda: client.connect(acceptor.local_endpoint())


def _resolve(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    resolver = tcp.resolver(ioc)
    keep.append(resolver)
    resolver.async_resolve("127.0.0.1", "80", h)
    return _nothing


def _resolve_name(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    resolver = tcp.resolver(ioc)
    keep.append(resolver)
    resolver.async_resolve("localhost", "80", h)
    return _nothing


# -- datagram sockets, POSIX descriptors, the wall-clock timer ------------------------------


def _udp_pair(ioc: net.io_context, keep: list[Any]) -> tuple[udp.socket, udp.socket]:
    a = udp.socket(ioc, udp.endpoint(LOOPBACK, 0))
    b = udp.socket(ioc, udp.endpoint(LOOPBACK, 0))
    keep += [a, b]
    return a, b


def _udp_send_to(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    a, b = _udp_pair(ioc, keep)
    a.async_send_to(b"data", b.local_endpoint(), h)
    return _nothing


def _udp_receive_from(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    a, b = _udp_pair(ioc, keep)
    b.async_receive_from(bytearray(8), h)
    to = b.local_endpoint()
    return lambda: a.send_to(b"data", to)


def _udp_send(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    a, b = _udp_pair(ioc, keep)
    a.connect(b.local_endpoint())
    a.async_send(b"data", h)
    return _nothing


def _udp_receive(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    a, b = _udp_pair(ioc, keep)
    b.connect(a.local_endpoint())
    b.async_receive(bytearray(8), h)
    to = b.local_endpoint()
    return lambda: a.send_to(b"data", to)


def _udp_connect(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    a, b = _udp_pair(ioc, keep)
    a.async_connect(b.local_endpoint(), h)
    return _nothing


def _udp_wait(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    a, b = _udp_pair(ioc, keep)
    b.async_wait(net.socket_base.wait_read, h)
    to = b.local_endpoint()
    return lambda: a.send_to(b"data", to)


def _local_datagram(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    a, b = local.datagram_protocol.socket(ioc), local.datagram_protocol.socket(ioc)
    local.connect_pair(a, b)
    keep += [a, b]
    b.async_receive(bytearray(8), h)
    return lambda: a.send(b"data")


def _pipe(ioc: net.io_context, keep: list[Any]) -> tuple[posix.stream_descriptor, ...]:
    r, w = os.pipe()
    ends = posix.stream_descriptor(ioc, r), posix.stream_descriptor(ioc, w)
    keep += ends
    return ends


def _descriptor_read(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    reader, writer = _pipe(ioc, keep)
    reader.async_read_some(bytearray(8), h)
    return lambda: writer.write_some(b"data")


def _descriptor_write(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    _, writer = _pipe(ioc, keep)
    writer.async_write_some(b"data", h)
    return _nothing


def _descriptor_wait(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    reader, writer = _pipe(ioc, keep)
    reader.async_wait(posix.wait_read, h)
    return lambda: writer.write_some(b"data")


def _system_timer_wait(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    timer = net.system_timer(ioc, 0.001)
    keep.append(timer)
    timer.async_wait(h)
    return _nothing


# -- algorithms -----------------------------------------------------------------------------


def _async_read(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    client, server = _tcp_pair(ioc, keep)
    net.async_read(server, bytearray(5), h)
    return lambda: client.write_some(b"hello")


def _async_write(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    client, _ = _tcp_pair(ioc, keep)
    net.async_write(client, b"hello", h)
    return _nothing


def _async_read_until(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    client, server = _tcp_pair(ioc, keep)
    net.async_read_until(server, net.dynamic_buffer(bytearray()), b"\n", h)
    return lambda: client.write_some(b"line\n")


def _async_connect(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    acceptor = tcp.acceptor(ioc, tcp.endpoint(LOOPBACK, 0))
    sock = tcp.socket(ioc)
    keep += [acceptor, sock]
    net.async_connect(sock, [acceptor.local_endpoint()], h)
    return _nothing


def _test_stream_read(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    a = testing.stream(ioc)
    b = testing.connect(a)
    keep += [a, b]
    a.async_read_some(bytearray(8), h)
    return lambda: b.write_some(b"data")


# -- beast.tcp_stream -----------------------------------------------------------------------


def _tcp_stream_read(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    client, server = _tcp_pair(ioc, keep)
    stream = beast.tcp_stream(server)
    stream.expires_after(BOUND)
    stream.async_read_some(bytearray(8), h)
    return lambda: client.write_some(b"data")


def _tcp_stream_write(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    client, _ = _tcp_pair(ioc, keep)
    stream = beast.tcp_stream(client)
    stream.async_write_some(b"data", h)
    return _nothing


def _tcp_stream_connect(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    acceptor = tcp.acceptor(ioc, tcp.endpoint(LOOPBACK, 0))
    stream = beast.tcp_stream(ioc)
    keep += [acceptor, stream.socket()]
    stream.expires_after(BOUND)
    stream.async_connect(acceptor.local_endpoint(), h)
    return _nothing


# -- ssl.stream -----------------------------------------------------------------------------

_PKI: list[TestPKI] = []


def _tls_contexts() -> tuple[ssl.context, ssl.context]:
    pki = _PKI[0]
    server_ctx = ssl.context(ssl.context.tls_server)
    server_ctx.use_certificate_chain_file(pki.server_cert)
    server_ctx.use_private_key_file(pki.server_key, ssl.context.pem)
    client_ctx = ssl.context(ssl.context.tls_client)
    client_ctx.set_verify_mode(ssl.verify_peer)
    client_ctx.load_verify_file(pki.ca)
    return client_ctx, server_ctx


def _tls_pair(ioc: net.io_context, keep: list[Any]) -> tuple[ssl.stream, ssl.stream]:
    client_sock, server_sock = _tcp_pair(ioc, keep)
    client_ctx, server_ctx = _tls_contexts()
    client = ssl.stream(client_sock, client_ctx)
    client.set_verify_callback(ssl.host_name_verification("localhost"))
    return client, ssl.stream(server_sock, server_ctx)


def _tls_handshake(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    client, server = _tls_pair(ioc, keep)
    client.async_handshake(ssl.stream_base.client, h)
    return lambda: server.async_handshake(ssl.stream_base.server, _ignore)


def _tls_open(ioc: net.io_context, keep: list[Any]) -> tuple[ssl.stream, ssl.stream]:
    client, server = _tls_pair(ioc, keep)
    client.async_handshake(ssl.stream_base.client, _ignore)
    server.async_handshake(ssl.stream_base.server, _ignore)
    _settle(ioc)
    return client, server


def _tls_read(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    client, server = _tls_open(ioc, keep)
    server.async_read_some(bytearray(16), h)
    return lambda: client.async_write_some(b"hello", _ignore)


def _tls_write(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    client, server = _tls_open(ioc, keep)
    client.async_write_some(b"hello", h)
    return lambda: server.async_read_some(bytearray(16), _ignore)


# -- HTTP -----------------------------------------------------------------------------------


def _http_read(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    client, server = _tcp_pair(ioc, keep)
    http.async_read(server, beast.flat_buffer(), http.request(), h)
    return lambda: client.write_some(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")


def _http_write(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    client, _ = _tcp_pair(ioc, keep)
    req = http.request(http.verb.get, "/", 11)
    req.set(http.field.host, "x")
    http.async_write(client, req, h)
    return _nothing


def _http_write_generator(
    ioc: net.io_context, keep: list[Any], h: Handler
) -> Callable[[], object]:
    client, _ = _tcp_pair(ioc, keep)
    res = http.response(http.status.ok, 11, b"hello")
    res.prepare_payload()
    beast.async_write(client, http.message_generator(res), h)
    return _nothing


def _http_write_file_body(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    # A file_body over a plain socket: the body goes out with os.sendfile.
    client, server = _tcp_pair(ioc, keep)
    fd, path = tempfile.mkstemp()
    os.write(fd, b"x" * 300_000)  # more than a socket buffer: sendfile waits for room
    os.close(fd)
    res = http.response[http.file_body](http.status.ok, 11)
    res.body.open(path, beast.file_mode.scan)
    os.unlink(path)
    res.prepare_payload()
    http.async_write(client, res, h)

    return _reader(server, len(b"HTTP/1.1 200 OK\r\nContent-Length: 300000\r\n\r\n") + 300_000)


class _reader:
    """Reads ``left`` bytes from ``stream`` (no closure cycle: R10 runs without the GC)."""

    def __init__(self, stream: Any, left: int) -> None:
        self.stream = stream
        self.left = left
        self.sink = bytearray(1 << 16)

    def __call__(self) -> None:
        self.stream.async_read_some(self.sink, self.on_read)

    def on_read(self, ec: net.error_code, n: int) -> None:
        self.left -= n
        if not ec and self.left > 0:
            self()


def _http_write_header(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    client, _ = _tcp_pair(ioc, keep)
    res = http.response(http.status.ok, 11, b"hello")
    res.prepare_payload()
    http.async_write_header(client, http.serializer(res), h)
    return _nothing


def _detect_ssl(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    client, server = _tcp_pair(ioc, keep)
    beast.async_detect_ssl(server, beast.flat_buffer(), h)
    return lambda: client.write_some(b"GET / HTTP/1.1\r\n\r\n")


def _tls_handshake_buffered(
    ioc: net.io_context, keep: list[Any], h: Handler
) -> Callable[[], object]:
    # The server has read the ClientHello already (as after detect_ssl) and starts from it.
    client_sock, server_sock = _tcp_pair(ioc, keep)
    client_ctx, server_ctx = _tls_contexts()
    client = ssl.stream(client_sock, client_ctx)
    client.set_verify_callback(ssl.host_name_verification("localhost"))
    server = ssl.stream(server_sock, server_ctx)
    client.async_handshake(ssl.stream_base.client, _ignore)
    ioc.poll()
    hello = bytearray(4096)
    n = server_sock.read_some(hello)
    server.async_handshake(ssl.stream_base.server, memoryview(hello)[:n], h)
    return _nothing


# -- WebSocket ------------------------------------------------------------------------------


def _ws_pair(ioc: net.io_context, keep: list[Any]) -> tuple[Any, Any]:
    client_sock, server_sock = _tcp_pair(ioc, keep)
    return websocket.stream(beast.tcp_stream(client_sock)), websocket.stream(
        beast.tcp_stream(server_sock)
    )


def _ws_open(ioc: net.io_context, keep: list[Any]) -> tuple[Any, Any]:
    client, server = _ws_pair(ioc, keep)
    server.async_accept(_ignore)
    client.async_handshake("127.0.0.1", "/", _ignore)
    _settle(ioc)
    return client, server


def _ws_handshake(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    client, server = _ws_pair(ioc, keep)
    client.async_handshake("127.0.0.1", "/", h)
    return lambda: server.async_accept(_ignore)


def _ws_accept(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    client, server = _ws_pair(ioc, keep)
    server.async_accept(h)
    return lambda: client.async_handshake("127.0.0.1", "/", _ignore)


def _ws_read(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    client, server = _ws_open(ioc, keep)
    server.async_read(beast.flat_buffer(), h)
    return lambda: client.async_write(b"hello", _ignore)


def _ws_write(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    client, server = _ws_open(ioc, keep)
    client.async_write(b"hello", h)
    return lambda: server.async_read(beast.flat_buffer(), _ignore)


def _ws_ping(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    client, server = _ws_open(ioc, keep)
    client.async_ping(b"p", h)
    return lambda: server.async_read(beast.flat_buffer(), _ignore)


def _ws_close(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    client, server = _ws_open(ioc, keep)
    client.async_close(websocket.close_code.normal, h)
    return lambda: server.async_read(beast.flat_buffer(), _ignore)


def _ws_pong(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    client, _ = _ws_open(ioc, keep)
    client.async_pong(b"p", h)
    return _nothing


def _ws_read_some(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    client, server = _ws_open(ioc, keep)
    server.async_read_some(bytearray(16), h)
    return lambda: client.async_write(b"hello", _ignore)


def _ws_write_some(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    client, server = _ws_open(ioc, keep)
    client.async_write_some(True, b"hello", h)
    return lambda: server.async_read(beast.flat_buffer(), _ignore)


def _tls_shutdown(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    client, server = _tls_open(ioc, keep)
    client.async_shutdown(h)
    return lambda: server.async_shutdown(_ignore)


def _tcp_stream_read_plain(
    ioc: net.io_context, keep: list[Any], h: Handler
) -> Callable[[], object]:
    client, server = _tcp_pair(ioc, keep)
    beast.tcp_stream(server).async_read_some(bytearray(8), h)
    return lambda: client.write_some(b"data")


def _accept_on_executor(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    acceptor = tcp.acceptor(ioc, tcp.endpoint(LOOPBACK, 0))
    client = tcp.socket(ioc)
    keep += [acceptor, client]
    acceptor.async_accept(net.make_strand(ioc), h)
    return lambda: client.connect(acceptor.local_endpoint())


def _resolve_reverse(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    resolver = tcp.resolver(ioc)
    keep.append(resolver)
    resolver.async_resolve(tcp.endpoint(LOOPBACK, 80), h)
    return _nothing


async def _coroutine_body() -> int:
    return 42


def _co_spawn(ioc: net.io_context, keep: list[Any], h: Handler) -> Callable[[], object]:
    net.co_spawn(ioc, _coroutine_body(), h)
    return _nothing


# How a tracking line names an ssl.stream (its class name, or its Asio-style label).
_SSL = r"(ssl[._])?stream"

# name -> (the object and the operation named by its tracking line, the scenario)
SCENARIOS: dict[str, tuple[str, str, Scenario]] = {
    "post": ("io_context", "post", _post),
    "dispatch": ("io_context", "dispatch", _dispatch),
    "defer": ("io_context", "defer", _defer),
    "steady_timer.async_wait": ("steady_timer", "async_wait", _timer_wait),
    "steady_timer.async_wait cancelled": ("steady_timer", "async_wait", _timer_cancelled),
    "signal_set.async_wait": ("signal_set", "async_wait", _signal_wait),
    "socket.async_connect": ("socket", "async_connect", _connect),
    "socket.async_read_some": ("socket", "async_read_some", _read_some),
    "socket.async_read_some 0 bytes": ("socket", "async_read_some", _read_zero),
    "socket.async_read_some closed": ("socket", "async_read_some", _read_closed),
    "socket.async_write_some": ("socket", "async_write_some", _write_some),
    "socket.async_receive flags": ("socket", "async_receive", _receive_flags),
    "socket.async_send flags": ("socket", "async_send", _send_flags),
    "socket.async_wait": ("socket", "async_wait", _socket_wait),
    "acceptor.async_accept": ("acceptor", "async_accept", _accept_new),
    "acceptor.async_accept peer": ("acceptor", "async_accept", _accept_into),
    "resolver.async_resolve numeric": ("resolver", "async_resolve", _resolve),
    "resolver.async_resolve name": ("resolver", "async_resolve", _resolve_name),
    "async_read": ("socket", "async_read", _async_read),
    "async_write": ("socket", "async_write", _async_write),
    "async_read_until": ("socket", "async_read_until", _async_read_until),
    "async_connect range": ("socket", "async_connect", _async_connect),
    "testing.stream.async_read_some": ("(testing_)?stream", "async_read_some", _test_stream_read),
    "tcp_stream.async_read_some deadline": ("tcp_stream", "async_read_some", _tcp_stream_read),
    # Without a deadline the stream hands the operation to its socket, whose line names it.
    "tcp_stream.async_write_some": ("(tcp_stream|socket)", "async_write_some", _tcp_stream_write),
    "tcp_stream.async_connect deadline": ("tcp_stream", "async_connect", _tcp_stream_connect),
    "ssl.stream.async_handshake": (_SSL, "async_handshake", _tls_handshake),
    "ssl.stream.async_read_some": (_SSL, "async_read_some", _tls_read),
    "ssl.stream.async_write_some": (_SSL, "async_write_some", _tls_write),
    "http.async_read": ("socket", "async_read", _http_read),
    "http.async_write": ("socket", "async_write", _http_write),
    "http.async_write file_body": ("socket", "async_write", _http_write_file_body),
    "http.async_write_header": ("socket", "async_write_header", _http_write_header),
    "beast.async_write message_generator": ("socket", "async_write", _http_write_generator),
    "beast.async_detect_ssl": ("socket", "async_detect_ssl", _detect_ssl),
    "ssl.stream.async_handshake buffered": (_SSL, "async_handshake", _tls_handshake_buffered),
    "websocket.async_handshake": ("websocket_stream", "async_handshake", _ws_handshake),
    "websocket.async_accept": ("websocket_stream", "async_accept", _ws_accept),
    "websocket.async_read": ("websocket_stream", "async_read", _ws_read),
    "websocket.async_write": ("websocket_stream", "async_write", _ws_write),
    "websocket.async_ping": ("websocket_stream", "async_ping", _ws_ping),
    "websocket.async_close": ("websocket_stream", "async_close", _ws_close),
    "udp.socket.async_send_to": ("socket", "async_send_to", _udp_send_to),
    "udp.socket.async_receive_from": ("socket", "async_receive_from", _udp_receive_from),
    "udp.socket.async_send": ("socket", "async_send", _udp_send),
    "udp.socket.async_receive": ("socket", "async_receive", _udp_receive),
    "udp.socket.async_connect": ("socket", "async_connect", _udp_connect),
    "udp.socket.async_wait": ("socket", "async_wait", _udp_wait),
    "local datagram socket.async_receive": ("socket", "async_receive", _local_datagram),
    "stream_descriptor.async_read_some": ("descriptor", "async_read_some", _descriptor_read),
    "stream_descriptor.async_write_some": ("descriptor", "async_write_some", _descriptor_write),
    "stream_descriptor.async_wait": ("descriptor", "async_wait", _descriptor_wait),
    "system_timer.async_wait": ("system_timer", "async_wait", _system_timer_wait),
    "websocket.async_pong": ("websocket_stream", "async_pong", _ws_pong),
    "websocket.async_read_some": ("websocket_stream", "async_read_some", _ws_read_some),
    "websocket.async_write_some": ("websocket_stream", "async_write_some", _ws_write_some),
    "ssl.stream.async_shutdown": (_SSL, "async_shutdown", _tls_shutdown),
    "tcp_stream.async_read_some": (
        "(tcp_stream|socket)",
        "async_read_some",
        _tcp_stream_read_plain,
    ),
    "acceptor.async_accept executor": ("acceptor", "async_accept", _accept_on_executor),
    "resolver.async_resolve endpoint": ("resolver", "async_resolve", _resolve_reverse),
    # The spawn posts its first step (never inside co_spawn, R1): that is its creation line.
    "co_spawn": ("io_context", "post", _co_spawn),
}
# Executor functions take a handler of no arguments; every operation's starts with an ec.
# co_spawn's handler is Asio's (exception_ptr, value): no error_code either.
_NO_EC = {"post", "dispatch", "defer", "co_spawn"}


@pytest.fixture(scope="module", autouse=True)
def _pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    _PKI.append(make_test_pki(str(tmp_path_factory.mktemp("conformance-pki"))))
    try:
        yield
    finally:
        _PKI.clear()


class _recorder:
    """A callable object recording its calls, and whether the caller had returned (R1)."""

    def __init__(self, strand: net.strand | None = None) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.returned = False
        self.inline = False
        self.in_strand: list[bool] = []
        self._strand = strand

    def __call__(self, *args: Any) -> None:
        if not self.returned:
            self.inline = True
        if self._strand is not None:
            self.in_strand.append(self._strand.running_in_this_thread())
        self.calls.append(args)


def _as_handler(kind: str, rec: _recorder, strand: net.strand) -> Handler:
    if kind == "callable object":
        return rec
    if kind == "function":

        def handler(*args: Any) -> None:
            rec(*args)

        return handler
    return net.bind_executor(strand, lambda *args: rec(*args))


def _close_all(keep: list[Any]) -> None:
    for obj in reversed(keep):
        close = getattr(obj, "close", None)
        if close is not None:
            try:
                close()
            except OSError:
                pass


def _outcome(args: tuple[Any, ...], name: str) -> tuple[Any, ...]:
    """What a user sees of a completion: the error code and the types of the values."""
    if name in _NO_EC:
        return args
    return (args[0], *(type(a).__name__ for a in args[1:]))


def _run_scenario(
    name: str, kind: str, ioc: net.io_context
) -> tuple[_recorder, tuple[Any, ...]]:
    _, _, scenario = SCENARIOS[name]
    keep: list[Any] = []
    strand = net.make_strand(ioc)
    rec = _recorder(strand if kind == "bound to a strand" else None)
    try:
        peer = scenario(ioc, keep, _as_handler(kind, rec, strand))
        rec.returned = True
        assert not rec.inline and not rec.calls, f"{name}: handler invoked inline (R1)"
        assert ioc.has_outstanding_work(), f"{name}: the pending operation is not work (R3)"
        peer()
        ioc.run_for(BOUND)
        assert ioc.stopped(), f"{name}: still busy after run_for({BOUND}): {ioc!r}"
        assert len(rec.calls) == 1, f"{name}: handler called {len(rec.calls)} times (R2)"
        ioc.restart()
        assert ioc.poll() == 0 and len(rec.calls) == 1, f"{name}: a second invocation (R2)"
        assert not ioc.has_outstanding_work(), f"{name}: work left after completion (R3)"
        return rec, _outcome(rec.calls[0], name)
    finally:
        _close_all(keep)
        _SIGNAL_SETS.clear()
        ioc.restart()
        ioc.poll()


@pytest.mark.parametrize("kind", ["function", "callable object", "bound to a strand"])
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_r1_r2_r3_r7(name: str, kind: str, ioc: net.io_context) -> None:
    rec, outcome = _run_scenario(name, kind, ioc)
    if name not in _NO_EC:
        assert isinstance(outcome[0], net.error_code), f"{name}: errors are error_code (R5)"
    if kind == "bound to a strand":
        assert rec.in_strand == [True], f"{name}: the strand-bound handler ran outside it (R7)"


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_a_function_and_a_callable_object_see_the_same_outcome(name: str) -> None:
    outcomes = []
    for kind in ("function", "callable object"):
        with net.io_context() as ioc:
            outcomes.append(_run_scenario(name, kind, ioc)[1])
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_tracking_writes_a_creation_line(name: str) -> None:
    obj, operation, _ = SCENARIOS[name]
    out = io.StringIO()
    with net.io_context(handler_tracking=out) as ioc:
        _run_scenario(name, "function", ioc)
    lines = out.getvalue().splitlines()
    # The object that initiated it, not only an inner operation of a lower layer.
    creation = re.compile(rf"\|0\*\d+\|{obj}@0x[0-9a-f]+\.{re.escape(operation)}$")
    assert any(creation.search(line) for line in lines), "\n".join(lines[:20])


# -- R10: nothing of the user's is held once a handler has run ---------------------------------


def _open_fds() -> set[int]:
    return {int(fd) for fd in os.listdir("/proc/self/fd")}


class _session:
    """What a Beast session is: it owns its I/O objects, and its methods are the handlers."""

    def __init__(self) -> None:
        self.keep: list[Any] = []
        self.calls = 0

    def on_done(self, *args: Any) -> None:
        self.calls += 1


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_r10_a_session_dropped_by_its_last_handler_is_freed_at_once(name: str) -> None:
    # With the cyclic GC off, reference counting alone must free the session once its last
    # handler ran and started nothing new (and so close the sockets it owned), as a Beast
    # session goes with its last shared_ptr.
    _, _, scenario = SCENARIOS[name]
    try:
        with gc_disabled(), net.io_context() as ioc:
            before = _open_fds()  # the context's own poller and waker included
            s = _session()
            peer = scenario(ioc, s.keep, s.on_done)
            peer()
            del peer
            ioc.run_for(BOUND)
            assert ioc.stopped() and s.calls == 1, (ioc, s.calls)
            ref = weakref.ref(s)
            del s
            assert ref() is None, f"{name}: something still holds the session after its handler"
            leaked = _open_fds() - before
            assert not leaked, f"{name}: descriptors of the freed session still open: {leaked}"
    finally:
        while _SIGNAL_SETS:
            left = _SIGNAL_SETS.pop()()
            if left is not None:
                left.close()
