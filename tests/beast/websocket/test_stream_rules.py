"""Rules R1, R2, R3 and R7 for every ``websocket.stream`` operation.

Each scenario opens what the operation needs, starts it with a given handler, and makes
its peer do what completes it. R1: never inline (also for an immediate result); R2:
exactly once, also when the transport is closed under a pending operation; R3: a pending
operation is work, nothing is left afterwards; R7: ``bind_executor(strand, h)`` runs the
handler in the strand.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import pytest

import asiolike
from asiolike.beast.core.flat_buffer import flat_buffer
from asiolike.beast.websocket import close_code, stream, stream_base
from asiolike.error import operation_aborted
from tests.support.lifetimes import descriptor, gc_disabled

from .test_stream_support import Rec, open_pair, run, settle, tcp_pair, ws_pair

Starter = Callable[[asiolike.io_context, Any], tuple[Callable[[], object], stream]]


def _handshake(ioc: asiolike.io_context, h: Any) -> tuple[Callable[[], object], stream]:
    client, server, _, _ = ws_pair(ioc)
    client.async_handshake("localhost", "/", h)
    return lambda: server.async_accept(Rec()), client


def _accept(ioc: asiolike.io_context, h: Any) -> tuple[Callable[[], object], stream]:
    client, server, _, _ = ws_pair(ioc)
    server.async_accept(h)
    return lambda: client.async_handshake("localhost", "/", Rec()), server


def _read(ioc: asiolike.io_context, h: Any) -> tuple[Callable[[], object], stream]:
    client, server = open_pair(ioc)
    server.async_read(flat_buffer(), h)
    return lambda: client.async_write(b"x", Rec()), server


def _read_some_dyn(ioc: asiolike.io_context, h: Any) -> tuple[Callable[[], object], stream]:
    client, server = open_pair(ioc)
    server.async_read_some(flat_buffer(), 10, h)
    return lambda: client.async_write(b"x", Rec()), server


def _read_some_view(ioc: asiolike.io_context, h: Any) -> tuple[Callable[[], object], stream]:
    client, server = open_pair(ioc)
    server.async_read_some(bytearray(10), h)
    return lambda: client.async_write(b"x", Rec()), server


def _write(ioc: asiolike.io_context, h: Any) -> tuple[Callable[[], object], stream]:
    client, _ = open_pair(ioc)
    client.async_write(b"hello", h)
    return lambda: None, client


def _write_some(ioc: asiolike.io_context, h: Any) -> tuple[Callable[[], object], stream]:
    client, _ = open_pair(ioc)
    client.async_write_some(True, b"hello", h)
    return lambda: None, client


def _ping(ioc: asiolike.io_context, h: Any) -> tuple[Callable[[], object], stream]:
    client, _ = open_pair(ioc)
    client.async_ping(b"p", h)
    return lambda: None, client


def _pong(ioc: asiolike.io_context, h: Any) -> tuple[Callable[[], object], stream]:
    client, _ = open_pair(ioc)
    client.async_pong(b"p", h)
    return lambda: None, client


def _close(ioc: asiolike.io_context, h: Any) -> tuple[Callable[[], object], stream]:
    client, server = open_pair(ioc)
    client.async_close(close_code.normal, h)
    return lambda: server.async_read(flat_buffer(), Rec()), client


SCENARIOS: dict[str, Starter] = {
    "handshake": _handshake,
    "accept": _accept,
    "read": _read,
    "read_some_dynamic": _read_some_dyn,
    "read_some_buffer": _read_some_view,
    "write": _write,
    "write_some": _write_some,
    "ping": _ping,
    "pong": _pong,
    "close": _close,
}
# Operations that wait for the peer (the others complete on their own, over test streams).
WAITING = ("handshake", "accept", "read", "read_some_dynamic", "read_some_buffer", "close")


@pytest.mark.parametrize("name", SCENARIOS)
def test_r1_r2_r3(ioc: asiolike.io_context, name: str) -> None:
    h = Rec(r1=True)
    complete, _ = SCENARIOS[name](ioc, h)
    h.started()
    if name in WAITING:
        settle(ioc)
        assert ioc.has_outstanding_work()  # R3: the pending operation is work
        assert h.calls == []
    complete()
    run(ioc)
    assert not h.ec  # R1 and R2 checked by ``once``
    assert not ioc.has_outstanding_work()


@pytest.mark.parametrize("name", SCENARIOS)
def test_r7_handler_runs_in_its_strand(ioc: asiolike.io_context, name: str) -> None:
    strand = asiolike.make_strand(ioc)
    h = Rec(check=strand.running_in_this_thread)
    complete, _ = SCENARIOS[name](ioc, asiolike.bind_executor(strand, h))
    complete()
    run(ioc)
    assert not h.ec
    assert h.checked == [True]


@pytest.mark.parametrize("name", WAITING)
def test_r2_transport_closed_under_a_pending_operation(ioc: asiolike.io_context, name: str) -> None:
    h = Rec()
    _, ws = SCENARIOS[name](ioc, h)
    settle(ioc)
    assert h.calls == []
    ws.next_layer().close()
    run(ioc)
    assert h.ec == operation_aborted  # exactly once (``ec`` checks)
    assert not ioc.has_outstanding_work()


@pytest.mark.parametrize("name", ["read", "write", "ping", "close"])
def test_r1_immediate_result_on_a_closed_stream(ioc: asiolike.io_context, name: str) -> None:
    client, server = open_pair(ioc)
    c = Rec()
    server.async_read(flat_buffer(), Rec())
    client.async_close(close_code.normal, c)
    run(ioc)
    h = Rec(r1=True)
    if name == "read":
        client.async_read(flat_buffer(), h)
    elif name == "write":
        client.async_write(b"x", h)
    elif name == "ping":
        client.async_ping(b"", h)
    else:
        client.async_close(close_code.normal, h)
    h.started()
    run(ioc)
    assert h.ec == operation_aborted


def test_pending_read_and_write_both_aborted_once_on_tcp(ioc: asiolike.io_context) -> None:
    csock, ssock = tcp_pair(ioc)
    client, server = stream(csock), stream(ssock)
    h1, h2 = Rec(), Rec()
    server.async_accept(h1)
    client.async_handshake("127.0.0.1", "/", h2)
    run(ioc)
    assert not h1.ec and not h2.ec
    r, w, p = Rec(), Rec(), Rec()
    client.binary(True)
    client.async_read(flat_buffer(), r)
    client.async_write(bytes(32 << 20), w)  # larger than the socket buffers: stays pending
    client.async_ping(b"", p)  # waits for the write
    n = ioc.run_for(0.05)
    assert n >= 0 and w.calls == [] and r.calls == []
    ioc.restart()
    csock.close()
    run(ioc)
    assert r.ec == operation_aborted and w.ec == operation_aborted and p.ec == operation_aborted
    ssock.close()
    assert not ioc.has_outstanding_work()


def test_future_token(ioc: asiolike.io_context) -> None:
    client, server = open_pair(ioc)
    buf = flat_buffer()
    fr = server.async_read(buf, asiolike.use_future)
    fw = client.async_write(b"abc", asiolike.use_future)
    run(ioc)
    assert fw is not None and fr is not None
    assert fw.result(0) == 3 and fr.result(0) == 3
    fc = client.async_close(close_code.normal, asiolike.use_future)
    fr2 = server.async_read(buf, asiolike.use_future)
    run(ioc)
    assert fc is not None and fc.result(0) is None
    assert fr2 is not None
    with pytest.raises(asiolike.system_error):
        fr2.result(0)


def test_every_failure_point_of_a_client_session_surfaces() -> None:
    """Beast's fail loop: the n-th operation of the client's transport fails, for every n."""
    from asiolike import testing
    from asiolike.testing import fail_count, fail_loop

    def body(fc: fail_count) -> Any:
        ioc = asiolike.io_context()
        a = testing.stream(ioc, fc=fc)
        b = testing.connect(a)
        client, server = stream(a), stream(b)
        result: list[Any] = []
        cbuf, sbuf = flat_buffer(), flat_buffer()

        def fail(ec: Any) -> None:
            result.append(ec)
            a.close()

        def on_accept(ec: Any) -> None:
            if not ec:
                server.async_read(sbuf, on_server_read)

        def on_server_read(ec: Any, n: int) -> None:
            if not ec:
                server.async_write(bytes(sbuf.data()), lambda ec, n: None)
                sbuf.consume(n)
                server.async_read(sbuf, on_server_read)

        def on_handshake(ec: Any) -> None:
            if ec:
                return fail(ec)
            client.async_write("echo me", on_write)

        def on_write(ec: Any, n: int) -> None:
            if ec:
                return fail(ec)
            client.async_read(cbuf, on_read)

        def on_read(ec: Any, n: int) -> None:
            if ec:
                return fail(ec)
            assert bytes(cbuf.data()) == b"echo me"
            client.async_close(close_code.normal, on_close)

        def on_close(ec: Any) -> None:
            result.append(ec)
            a.close()

        server.async_accept(on_accept)
        client.async_handshake("localhost", "/", on_handshake)
        ioc.run_for(5)
        assert ioc.stopped()
        ioc.close()
        return result[0]

    assert fail_loop(body) >= 5


# -- R6 without timing: pending from the initiating call until the handler ran ---------------


def _open_tcp_pair(ioc: asiolike.io_context) -> tuple[stream, stream]:
    """An open client/server pair over ``beast.tcp_stream`` on real sockets."""
    from asiolike import beast
    from asiolike.ip import tcp

    c, s = tcp_pair(ioc)
    for sock in (c, s):
        sock.set_option(tcp.no_delay(True))  # no Nagle: what is written is sent now
    client, server = stream(beast.tcp_stream(c)), stream(beast.tcp_stream(s))
    h1, h2 = Rec(), Rec()
    server.async_accept(h1)
    client.async_handshake("localhost", "/", h2)
    run(ioc)
    assert not h1.ec and not h2.ec
    return client, server


# 200 B and 200 KB go to the kernel at once (the write completes inside the initiating
# call and is posted); 4 MiB does not (the write waits for the reader).
_SIZES = [200, 200_000, 4 << 20]


@pytest.mark.parametrize("size", _SIZES)
def test_r6_a_second_write_raises_until_the_first_handler_ran(
    ioc: asiolike.io_context, size: int
) -> None:
    client, server = _open_tcp_pair(ioc)
    events: list[Any] = []

    def on_write(ec: Any, n: int) -> None:
        events.append(("write", ec, n))
        # The handler runs: the write is no longer pending, the next one may start.
        client.async_write(b"after", on_second)

    def on_second(ec: Any, n: int) -> None:
        events.append(("second", ec, n))

    client.async_write(b"x" * size, on_write)
    for start in (
        lambda: client.async_write(b"y", Rec()),
        lambda: client.async_write_some(True, b"y", Rec()),
    ):
        with pytest.raises(RuntimeError, match="a write is already pending"):
            start()
    sbuf = flat_buffer()
    got: list[int] = []

    def on_read(ec: Any, n: int) -> None:
        assert not ec, ec
        got.append(n)
        sbuf.consume(n)
        if len(got) < 2:
            server.async_read(sbuf, on_read)

    server.async_read(sbuf, on_read)
    run(ioc)
    assert [e[0] for e in events] == ["write", "second"]
    assert not events[0][1] and events[0][2] == size
    assert got == [size, 5]


@pytest.mark.parametrize("size", [200, 4 << 20])
def test_r6_a_write_from_another_handler_before_the_first_handler_raises(
    ioc: asiolike.io_context, size: int
) -> None:
    client, server = _open_tcp_pair(ioc)
    refused: list[str] = []

    def probe() -> None:
        # Queued before the write was started, so it runs before the write's handler
        # (which is queued at once for a small write, later for a large one).
        try:
            client.async_write(b"z", Rec())
        except RuntimeError as exc:
            refused.append(str(exc))

    asiolike.post(ioc, probe)
    h = Rec()
    client.async_write(b"x" * size, h)
    sbuf = flat_buffer()
    rh = Rec()
    server.async_read(sbuf, rh)
    run(ioc)
    assert len(refused) == 1 and "start the next one from its handler" in refused[0]
    ec, n = h.once
    assert not ec and n == size
    assert rh.once[1] == size


def test_r6_a_read_that_completed_at_once_is_pending_until_its_handler(
    ioc: asiolike.io_context,
) -> None:
    client, server = _open_tcp_pair(ioc)
    # Two messages in flight before the server reads: its first read takes both frames,
    # so the second read completes at once (inside its initiating call, posted).
    for text in (b"one", b"two"):
        h = Rec()
        client.async_write(text, h)
        run(ioc)
        assert not h.ec
    sbuf = flat_buffer()
    order: list[str] = []

    def first(ec: Any, n: int) -> None:
        assert not ec
        order.append("first")
        server.async_read(sbuf, second)  # allowed: the first read's handler runs
        with pytest.raises(RuntimeError, match="a read is already pending"):
            server.async_read(flat_buffer(), Rec())
        with pytest.raises(RuntimeError, match="a read is already pending"):
            server.async_read_some(bytearray(4), Rec())
        order.append("refused")

    def second(ec: Any, n: int) -> None:
        assert not ec
        order.append("second")
        assert bytes(sbuf.data()) == b"onetwo"

    server.async_read(sbuf, first)
    with pytest.raises(RuntimeError, match="a read is already pending"):
        server.async_read(flat_buffer(), Rec())
    run(ioc)
    assert order == ["first", "refused", "second"]


# -- R10: a session dropped by its last handler is freed, and its socket closed ---------------


class _owner:
    """A session: owns its stream; its handler records the result and starts nothing."""

    def __init__(self, ws: stream, log: list[Any]) -> None:
        self.ws = ws
        self.log = log
        self.buf = flat_buffer()
        self.fd = descriptor(ws.next_layer().socket().native_handle())

    def done(self, *args: Any) -> None:
        self.log.append(args)


@pytest.mark.parametrize(
    "op", ["handshake_accept", "write_read", "write_read_idle_timeout", "ping", "close"]
)
def test_r10_sessions_are_freed_by_reference_counting(ioc: asiolike.io_context, op: str) -> None:
    from asiolike import beast

    log: list[Any] = []
    with gc_disabled():
        if op == "handshake_accept":
            c, s = tcp_pair(ioc)
            a = _owner(stream(beast.tcp_stream(c)), log)
            b = _owner(stream(beast.tcp_stream(s)), log)
            del c, s
            b.ws.async_accept(b.done)
            a.ws.async_handshake("localhost", "/", a.done)
        else:
            client, server = _open_tcp_pair(ioc)
            a, b = _owner(client, log), _owner(server, log)
            del client, server
            if op == "write_read_idle_timeout":
                # Open streams dropped with an idle timeout armed (a timer wait pending):
                # freed at once, and the wait ends (run() returns long before 60 s).
                for x in (a, b):
                    x.ws.set_option(stream_base.timeout(None, 60.0, False))
                del x
            if op.startswith("write_read"):
                a.ws.async_write(b"hi", a.done)
                b.ws.async_read(b.buf, b.done)
            elif op == "ping":
                a.ws.async_ping(b"p", a.done)
            else:
                a.ws.async_close(close_code.normal, a.done)
                b.ws.async_read(b.buf, b.done)
        # The ping's peer starts nothing: the test keeps it (and its socket) alive.
        dropped = [a] if op == "ping" else [a, b]
        refs = [weakref.ref(x) for x in dropped]
        fds = [x.fd for x in dropped]
        del dropped, a
        if op != "ping":
            del b
        run(ioc)
        assert len(log) == len(refs)
        assert [r() for r in refs] == [None] * len(refs)
        assert [fd.closed() for fd in fds] == [True] * len(fds)
