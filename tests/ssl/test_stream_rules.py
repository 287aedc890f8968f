"""Tests for asiolike/ssl/stream.py: the rules every operation keeps, misuse, and the
synchronous API.

R1 (never inline, also for results known at once), R2 (exactly once, also when a close
races the completion or an operation waits for a lock), R3 (pending operations are
work), R6 (misuse raises at once with a message that says what to do) and R7 (handlers
run on their associated executor), for the handshake, reads, writes and the shutdown.
"""

from __future__ import annotations

import socket
import ssl as std_ssl
import threading
import weakref
from collections.abc import Callable
from typing import Any

import pytest

import asiolike
from asiolike import error, ssl, testing
from asiolike.ip import tcp
from tests.ssl.pairs import Calls, Closer, Handshaken, handshake_pair
from tests.ssl.pki import TestPKI
from tests.support.lifetimes import descriptor, gc_disabled

MemPair = Callable[[], tuple[testing.stream, testing.stream]]
TcpPair = Callable[[], tuple[tcp.socket, tcp.socket]]


def _run(ioc: asiolike.io_context, timeout: float = 5.0) -> None:
    ioc.run_for(timeout)
    assert ioc.stopped(), f"work left after run_for({timeout}): {ioc!r}"
    ioc.restart()


# -- the synchronous API ----------------------------------------------------------------------


def test_sync_client_against_a_stdlib_tls_server(
    ioc: asiolike.io_context, closer: Closer, client_ctx: ssl.context, pki: TestPKI
) -> None:
    sctx = std_ssl.SSLContext(std_ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(pki.server_cert, pki.server_key)
    listener = closer(socket.create_server(("127.0.0.1", 0)))
    port = listener.getsockname()[1]
    errors: list[BaseException] = []

    def serve() -> None:
        try:
            conn, _ = listener.accept()
            with sctx.wrap_socket(conn, server_side=True) as tls:
                data = b""
                while not data.endswith(b"\n"):
                    data += tls.recv(100)
                tls.sendall(data.upper())
                tls.unwrap()  # answers our close_notify
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        sock = closer(tcp.socket(ioc))
        sock.connect(tcp.endpoint("127.0.0.1", port))
        client = ssl.stream(sock, client_ctx)
        client.set_verify_callback(ssl.host_name_verification("localhost"))
        client.handshake(ssl.stream_base.client)
        assert asiolike.write(client, b"hello\n") == 6
        buf = bytearray(6)
        assert asiolike.read(client, buf) == 6 and buf == b"HELLO\n"
        client.shutdown()
        with pytest.raises(asiolike.system_error) as info:
            client.read_some(buf)
        assert info.value.code == error.eof
    finally:
        thread.join(5)
    assert not errors


def test_sync_handshake_failure_raises_system_error(
    ioc: asiolike.io_context, tcp_pair: TcpPair, client_ctx: ssl.context, server_ctx: ssl.context
) -> None:
    a, b = tcp_pair()
    server = ssl.stream(b, server_ctx)
    sec = Calls()
    server.async_handshake(ssl.stream_base.server, sec)
    results: list[BaseException] = []

    def client_side() -> None:
        client = ssl.stream(a, client_ctx)
        client.set_verify_callback(ssl.host_name_verification("wrong.example"))
        try:
            client.handshake(ssl.stream_base.client)
        except asiolike.system_error as exc:
            results.append(exc)

    thread = threading.Thread(target=client_side)
    thread.start()
    _run(ioc)
    thread.join(5)
    (exc,) = results
    assert isinstance(exc, asiolike.system_error)
    assert exc.code.name() == "certificate_verify_failed"
    assert "Hostname mismatch" in str(exc)
    assert sec.once()[0]


# -- misuse (R6) ------------------------------------------------------------------------------


def test_misuse_raises_at_once(
    ioc: asiolike.io_context, tls_mem: Handshaken, mem_pair: MemPair, client_ctx: ssl.context
) -> None:
    client = tls_mem.client
    client.async_read_some(bytearray(1), Calls())
    with pytest.raises(RuntimeError, match="another async_read_some is pending"):
        client.async_read_some(bytearray(1), Calls())
    with pytest.raises(TypeError, match="read-only"):
        client.async_read_some(b"abc", Calls())
    with pytest.raises(TypeError, match="writable buffer"):
        client.async_read_some("text", Calls())
    with pytest.raises(TypeError, match="bytes-like"):
        client.async_write_some("text", Calls())
    with pytest.raises(RuntimeError, match="handshake has already started"):
        client.set_server_name("localhost")
    with pytest.raises(RuntimeError, match="already started a client handshake"):
        client.async_handshake(ssl.stream_base.server, Calls())
    with pytest.raises(TypeError, match="completion handler"):
        client.async_shutdown(42)
    fresh = ssl.stream(mem_pair()[0], client_ctx)
    with pytest.raises(RuntimeError, match="call async_handshake"):
        fresh.async_read_some(bytearray(1), Calls())
    with pytest.raises(RuntimeError, match="call async_handshake"):
        fresh.async_write_some(b"x", Calls())
    with pytest.raises(RuntimeError, match="call async_handshake"):
        fresh.async_shutdown(Calls())
    with pytest.raises(ValueError, match=r"client or ssl\.stream_base\.server"):
        fresh.async_handshake(2, Calls())
    with pytest.raises(TypeError, match="host_name_verification"):
        fresh.set_verify_callback(lambda preverified, ctx: True)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-empty host name"):
        fresh.set_server_name("")
    with pytest.raises(ValueError, match="unknown verify mode"):
        fresh.set_verify_mode(8)
    fresh.set_server_name("a.example")
    fresh.set_verify_callback(ssl.host_name_verification("b.example"))
    with pytest.raises(ValueError, match="differ"):
        fresh.async_handshake(ssl.stream_base.client, Calls())
    with pytest.raises(TypeError, match="next_layer must be a stream"):
        ssl.stream(42, client_ctx)
    with pytest.raises(TypeError, match="ctx must be"):
        ssl.stream(mem_pair()[0], 42)  # type: ignore[arg-type]
    client.next_layer().close()
    _run(ioc)


def test_a_checking_context_needs_a_server_name(
    ioc: asiolike.io_context, mem_pair: MemPair, pki: TestPKI
) -> None:
    native = std_ssl.create_default_context(cafile=pki.ca)
    s = ssl.stream(mem_pair()[0], native)  # an ssl.SSLContext is wrapped
    with pytest.raises(ValueError, match="set_server_name"):
        s.async_handshake(ssl.stream_base.client, Calls())


def test_a_client_context_cannot_serve(
    ioc: asiolike.io_context, mem_pair: MemPair, client_ctx: ssl.context
) -> None:
    s = ssl.stream(mem_pair()[1], client_ctx)
    with pytest.raises(RuntimeError, match="server handshake with this context"):
        s.async_handshake(ssl.stream_base.server, Calls())


def test_an_io_context_makes_a_tcp_socket(
    ioc: asiolike.io_context, client_ctx: ssl.context
) -> None:
    s = ssl.stream(ioc, client_ctx)
    assert isinstance(s.next_layer(), tcp.socket)
    assert s.get_executor() is ioc.get_executor()
    assert not s.next_layer().is_open()


# -- R1, R2, R3, R7 for every operation -------------------------------------------------------

_OPS = ("handshake", "read", "write", "shutdown")


def _start(op: str, pair: Handshaken, handler: Any) -> None:
    if op == "handshake":
        pair.client.async_handshake(ssl.stream_base.client, handler)  # done: completes at once
    elif op == "read":
        pair.server.write_some(b"data")  # data waiting: still never inline
        pair.client.async_read_some(bytearray(10), handler)
    elif op == "write":
        pair.client.async_write_some(b"data", handler)
    else:
        pair.server.async_shutdown(Calls())
        pair.client.async_shutdown(handler)


@pytest.mark.parametrize("op", _OPS)
def test_r1_never_inline(ioc: asiolike.io_context, tls_mem: Handshaken, op: str) -> None:
    returned = False
    seen: list[bool] = []

    def handler(*args: Any) -> None:
        seen.append(returned)

    _start(op, tls_mem, handler)
    returned = True
    _run(ioc)
    assert seen == [True]


@pytest.mark.parametrize("op", ["read", "write"])
def test_r1_empty_buffers_complete_through_the_queue(
    ioc: asiolike.io_context, tls_mem: Handshaken, op: str
) -> None:
    returned = False
    seen: list[tuple[bool, Any]] = []

    def handler(ec: asiolike.error_code, n: int) -> None:
        seen.append((returned, (ec, n)))

    if op == "read":
        tls_mem.client.async_read_some(bytearray(), handler)
    else:
        tls_mem.client.async_write_some(b"", handler)
    returned = True
    _run(ioc)
    assert seen == [(True, (error.success, 0))]


@pytest.mark.parametrize("op", ["handshake", "read", "write", "shutdown"])
def test_r1_error_at_once_is_posted(
    ioc: asiolike.io_context, tcp_pair: TcpPair, client_ctx: ssl.context, op: str
) -> None:
    # The next layer is closed: the first next-layer operation fails at once.
    a, _b = tcp_pair()
    s = ssl.stream(a, client_ctx)
    if op != "handshake":
        s.async_handshake(ssl.stream_base.client, Calls())  # starts the engine
    a.close()
    _run(ioc)
    returned = False
    seen: list[tuple[bool, Any]] = []

    def handler(*args: Any) -> None:
        seen.append((returned, args[0]))

    if op == "handshake":
        s.async_handshake(ssl.stream_base.client, handler)
    elif op == "read":
        s.async_read_some(bytearray(4), handler)
    elif op == "write":
        s.async_write_some(b"x", handler)
    else:
        s.async_shutdown(handler)
    returned = True
    _run(ioc)
    assert len(seen) == 1 and seen[0][0] is True
    assert seen[0][1]  # an error (bad_descriptor, or the handshake's earlier failure)


@pytest.mark.parametrize("op", ["handshake", "read", "shutdown"])
def test_r2_exactly_once_when_close_races_completion(
    ioc: asiolike.io_context,
    mem_pair: MemPair,
    client_ctx: ssl.context,
    server_ctx: ssl.context,
    op: str,
) -> None:
    a, b = mem_pair()
    client, server = ssl.stream(a, client_ctx), ssl.stream(b, server_ctx)
    if op != "handshake":
        assert handshake_pair(ioc, client, server) == (error.success, error.success)
    h = Calls()
    if op == "handshake":
        server.async_handshake(ssl.stream_base.server, Calls())
        client.async_handshake(ssl.stream_base.client, h)
    elif op == "read":
        client.async_read_some(bytearray(10), h)
        server.write_some(b"data")  # the read's completion is queued...
    else:
        client.async_shutdown(h)
        server.async_shutdown(Calls())
    a.close()  # ... and the close races it in the same loop iteration
    _run(ioc)
    assert len(h.calls) == 1


def test_r2_write_pending_on_tcp_and_close(ioc: asiolike.io_context, tls_tcp: Handshaken) -> None:
    # The peer does not read: the write waits in the reactor until the close.
    h = Calls()
    asiolike.async_write(tls_tcp.client, bytes(32 * 1024 * 1024), h)
    ioc.poll()
    assert h.calls == []
    tls_tcp.client.lowest_layer().close()
    _run(ioc)
    ec, _n = h.once()
    assert ec == error.operation_aborted


def test_r2_a_parked_operation_when_the_transport_closes(
    ioc: asiolike.io_context, tls_tcp: Handshaken
) -> None:
    rd, sd = Calls(), Calls()
    tls_tcp.client.async_read_some(bytearray(10), rd)  # holds the read lock
    tls_tcp.client.async_shutdown(sd)  # sends close_notify, then waits for the read lock
    ioc.poll()
    ioc.restart()
    assert rd.calls == [] and sd.calls == []
    tls_tcp.client.lowest_layer().close()
    _run(ioc)
    assert rd.once() == (error.operation_aborted, 0)
    assert sd.once() == (error.bad_descriptor,)  # resumed, it found the socket closed


def test_r3_pending_operations_keep_run_busy(ioc: asiolike.io_context, tls_mem: Handshaken) -> None:
    h = Calls()
    tls_mem.client.async_read_some(bytearray(10), h)
    assert ioc.run_for(0.05) >= 0
    assert h.calls == [] and not ioc.stopped()
    assert ioc.has_outstanding_work()
    tls_mem.server.async_write_some(b"ping", Calls())
    _run(ioc)
    assert h.once() == (error.success, 4)
    assert not ioc.has_outstanding_work()


@pytest.mark.parametrize("op", _OPS)
def test_r7_handlers_run_in_their_strand(
    ioc: asiolike.io_context,
    mem_pair: MemPair,
    client_ctx: ssl.context,
    server_ctx: ssl.context,
    op: str,
) -> None:
    strand = asiolike.make_strand(ioc)
    a, b = mem_pair()
    client, server = ssl.stream(a, client_ctx), ssl.stream(b, server_ctx)
    inside: list[bool] = []

    def handler(*args: Any) -> None:
        inside.append(strand.running_in_this_thread())

    bound = asiolike.bind_executor(strand, handler)
    if op == "handshake":
        server.async_handshake(ssl.stream_base.server, Calls())
        client.async_handshake(ssl.stream_base.client, bound)
    else:
        assert handshake_pair(ioc, client, server) == (error.success, error.success)
        if op == "read":
            client.async_read_some(bytearray(10), bound)
            server.async_write_some(b"data", Calls())
        elif op == "write":
            client.async_write_some(b"data", bound)
        else:
            server.async_shutdown(Calls())
            client.async_shutdown(bound)
    _run(ioc)
    assert inside == [True]


def test_use_future(ioc: asiolike.io_context, tls_mem: Handshaken) -> None:
    fut = tls_mem.client.async_write_some(b"abc", asiolike.use_future)
    assert fut is not None
    _run(ioc)
    assert fut.result(0) == 3


def test_repr(tls_mem: Handshaken) -> None:
    assert repr(tls_mem.client).startswith("<asiolike.ssl.stream TLSv1.3 over ")


# -- R6 without timing: pending from the initiating call until the handler ran ---------------


def _probe(start: Callable[[], object], refused: list[str]) -> Callable[[], None]:
    """A handler that tries ``start`` and records the refusal (a handler must not raise)."""

    def probe() -> None:
        try:
            start()
        except RuntimeError as exc:
            refused.append(str(exc))

    return probe


@pytest.mark.parametrize("op", ["read", "write"])
def test_r6_an_operation_completed_at_once_is_pending_until_its_handler(
    ioc: asiolike.io_context, tls_tcp: Handshaken, op: str
) -> None:
    # An empty buffer completes inside the initiating call (queued, R1): still pending.
    client = tls_tcp.client
    order: list[str] = []

    def start(h: Any) -> None:
        if op == "read":
            client.async_read_some(bytearray(), h)
        else:
            client.async_write_some(b"", h)

    def first(ec: asiolike.error_code, n: int) -> None:
        order.append("first")
        start(lambda ec, n: order.append("second"))  # allowed: the first handler runs

    start(first)
    with pytest.raises(RuntimeError, match=f"another async_{op}_some is pending"):
        start(Calls())
    _run(ioc)
    assert order == ["first", "second"]


@pytest.mark.parametrize("size", [100, 4 << 20])
def test_r6_a_second_write_raises_whatever_the_size(
    ioc: asiolike.io_context, tls_tcp: Handshaken, size: int
) -> None:
    client, server = tls_tcp.client, tls_tcp.server
    refused: list[str] = []
    asiolike.post(ioc, _probe(lambda: client.async_write_some(b"z", Calls()), refused))
    written: list[int] = []

    def on_write(ec: asiolike.error_code, n: int) -> None:
        assert not ec, ec
        written.append(n)
        if sum(written) < size:
            client.async_write_some(memoryview(data)[sum(written) :], on_write)

    data = b"w" * size
    client.async_write_some(data, on_write)
    with pytest.raises(RuntimeError, match="another async_write_some is pending"):
        client.async_write_some(b"x", Calls())
    got = bytearray()
    rbuf = bytearray(65536)

    def on_read(ec: asiolike.error_code, n: int) -> None:
        assert not ec, ec
        got.extend(rbuf[:n])
        if len(got) < size:
            server.async_read_some(rbuf, on_read)

    server.async_read_some(rbuf, on_read)
    with pytest.raises(RuntimeError, match="another async_read_some is pending"):
        server.async_read_some(bytearray(4), Calls())
    _run(ioc, 20)
    assert len(refused) == 1 and "from the handler of the previous one" in refused[0]
    assert len(got) == size and sum(written) == size


def test_r6_a_read_from_another_handler_before_the_first_handler_raises(
    ioc: asiolike.io_context, tls_tcp: Handshaken
) -> None:
    client, server = tls_tcp.client, tls_tcp.server
    refused: list[str] = []
    asiolike.post(ioc, _probe(lambda: server.async_read_some(bytearray(4), Calls()), refused))
    rh, wh = Calls(), Calls()
    server.async_read_some(bytearray(8), rh)
    client.async_write_some(b"hello", wh)
    _run(ioc)
    assert len(refused) == 1
    assert rh.once() == (error.success, 5)


# -- defect 3: the fast path tracks handlers --------------------------------------------------


def test_plain_function_handlers_are_tracked(
    mem_pair: MemPair, client_ctx: ssl.context, server_ctx: ssl.context
) -> None:
    import io
    import re

    out = io.StringIO()
    tracked = asiolike.io_context(handler_tracking=out)
    a = testing.stream(tracked)
    b = testing.connect(a)
    client = ssl.stream(a, client_ctx)
    client.set_verify_callback(ssl.host_name_verification("localhost"))
    server = ssl.stream(b, server_ctx)
    cec, sec = handshake_pair(tracked, client, server)
    assert not cec and not sec
    out.seek(0)
    out.truncate()
    seen: list[tuple[Any, int]] = []

    def on_io(ec: asiolike.error_code, n: int) -> None:  # a plain function: the fast path
        seen.append((ec, n))

    client.async_write_some(b"hi", on_io)
    server.async_read_some(bytearray(8), on_io)
    tracked.run_for(5)
    assert seen == [(error.success, 2), (error.success, 2)]
    lines = [line.split("|", 2)[2] for line in out.getvalue().splitlines()]
    created = [line for line in lines if re.fullmatch(r"0\*\d+\|.*", line)]
    assert f"ssl_stream@{id(client):#x}.async_write_some" in [c.split("|")[1] for c in created]
    assert f"ssl_stream@{id(server):#x}.async_read_some" in [c.split("|")[1] for c in created]
    a.close()
    b.close()
    tracked.close()


# -- R10: a session dropped by its last handler is freed, and its socket closed ---------------


class _owner:
    """A session: owns its TLS stream; its handler records the result and starts nothing."""

    def __init__(self, s: ssl.stream, log: list[Any]) -> None:
        self.stream = s
        self.log = log
        self.fd = descriptor(s.next_layer().native_handle())

    def done(self, *args: Any) -> None:
        self.log.append(args)


@pytest.mark.parametrize("op", ["handshake", "write_read"])
def test_r10_tls_sessions_are_freed_by_reference_counting(
    ioc: asiolike.io_context, client_ctx: ssl.context, server_ctx: ssl.context, op: str
) -> None:
    log: list[Any] = []
    with gc_disabled():
        acceptor = tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0))
        c = tcp.socket(ioc)
        c.connect(acceptor.local_endpoint())
        s = acceptor.accept()
        acceptor.close()
        a = _owner(ssl.stream(c, client_ctx), log)
        a.stream.set_verify_callback(ssl.host_name_verification("localhost"))
        b = _owner(ssl.stream(s, server_ctx), log)
        del c, s
        if op == "handshake":
            a.stream.async_handshake(ssl.stream_base.client, a.done)
            b.stream.async_handshake(ssl.stream_base.server, b.done)
        else:
            cec, sec = handshake_pair(ioc, a.stream, b.stream)
            assert not cec and not sec
            a.stream.async_write_some(b"hello", a.done)
            b.stream.async_read_some(bytearray(16), b.done)
        refs = [weakref.ref(a), weakref.ref(b)]
        fds = [a.fd, b.fd]
        del a, b
        _run(ioc)
        assert len(log) == 2 and not any(args[0] for args in log), log
        assert [r() for r in refs] == [None, None]
        assert [fd.closed() for fd in fds] == [True, True]
