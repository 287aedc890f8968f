"""A handler with the wrong number of parameters fails when the operation starts.

Asio rejects such a handler at compile time; asiolike raises ``TypeError`` from the
initiating call, naming the signature expected and the handler, and starts nothing: the
I/O object stays usable and a correct handler works right after. Every shape of handler is
covered (function, bound method, lambda, callable object, ``functools.partial``, the
binders), and so is what must still be accepted (defaults, ``*args``, built-ins).
"""

from __future__ import annotations

import functools
import gc
import io
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import asiolike as net
from asiolike import beast
from asiolike.beast import http, websocket
from asiolike.detail.handler_check import EC, EC_BYTES
from asiolike.ip import make_address, tcp, udp

LOOPBACK = make_address("127.0.0.1")


def one(ec: Any) -> None:
    pass


def two(ec: Any, n: Any) -> None:
    pass


class _session:
    def on_one(self, ec: Any) -> None:
        pass

    def on_two(self, ec: Any, n: Any) -> None:
        pass

    def on_two_or_three(self, ec: Any, n: Any, extra: Any = None) -> None:
        pass

    def on_any(self, *args: Any) -> None:
        pass


class _callable_one:
    def __call__(self, ec: Any) -> None:
        pass


@pytest.fixture
def pair(ioc: net.io_context) -> Iterator[tuple[tcp.socket, tcp.socket]]:
    acceptor = tcp.acceptor(ioc, tcp.endpoint(LOOPBACK, 0))
    client = tcp.socket(ioc)
    client.connect(acceptor.local_endpoint())
    server = acceptor.accept()
    acceptor.close()
    yield client, server
    client.close()
    server.close()


WRONG_FOR_TWO: dict[str, Callable[[], Any]] = {
    "function": lambda: one,
    "bound method": lambda: _session().on_one,
    "lambda": lambda: lambda ec: None,
    "callable object": lambda: _callable_one(),
    "partial": lambda: functools.partial(two, 1, 2),
    "bind_executor": lambda: net.bind_executor(net.io_context(), one),
    "bind_cancellation_slot": lambda: net.bind_cancellation_slot(
        net.cancellation_signal().slot(), _session().on_one
    ),
}


@pytest.mark.parametrize("shape", list(WRONG_FOR_TWO))
def test_a_read_handler_of_the_wrong_shape_fails_at_initiation(
    shape: str, ioc: net.io_context, pair: tuple[tcp.socket, tcp.socket]
) -> None:
    client, server = pair
    with pytest.raises(TypeError) as info:
        server.async_read_some(bytearray(8), WRONG_FOR_TWO[shape]())
    message = str(info.value)
    assert "async_read_some" in message
    assert "handler(ec, bytes_transferred)" in message
    # Nothing started: no work, and a correct handler reads the data right after.
    assert ioc.poll() == 0
    got: list[Any] = []
    server.async_read_some(bytearray(8), lambda ec, n: got.append((ec, n)))
    client.write_some(b"abc")
    ioc.restart()
    ioc.run_for(5.0)
    assert got == [(net.error.success, 3)]


ACCEPTED_FOR_TWO: dict[str, Callable[[], Any]] = {
    "function": lambda: two,
    "bound method": lambda: _session().on_two,
    "a default for a third": lambda: _session().on_two_or_three,
    "*args": lambda: _session().on_any,
    "lambda": lambda: lambda ec, n: None,
    "partial": lambda: functools.partial(_session().on_two_or_three),
    "partial taking the first": lambda: functools.partial(lambda x, ec, n: None, 1),
    "bind_executor": lambda: net.bind_executor(net.io_context(), two),
}


@pytest.mark.parametrize("shape", list(ACCEPTED_FOR_TWO))
def test_a_read_handler_of_the_right_shape_is_accepted(
    shape: str, ioc: net.io_context, pair: tuple[tcp.socket, tcp.socket]
) -> None:
    server = pair[1]
    server.async_read_some(bytearray(8), ACCEPTED_FOR_TWO[shape]())
    server.cancel()
    ioc.run_for(5.0)


def test_the_message_names_the_operation_the_handler_and_where_it_is(
    ioc: net.io_context, pair: tuple[tcp.socket, tcp.socket]
) -> None:
    client = pair[0]
    with pytest.raises(TypeError) as info:
        net.async_write(client, b"x", _session().on_one)
    message = str(info.value)
    assert message.startswith("async_write: the completion handler must take "), message
    assert "_session.on_one() takes 1" in message
    assert __file__ in message


@pytest.mark.parametrize(
    "start",
    [
        pytest.param(lambda ioc, h: net.steady_timer(ioc, 1.0).async_wait(h), id="timer"),
        pytest.param(
            lambda ioc, h: tcp.acceptor(ioc, tcp.endpoint(LOOPBACK, 0)).async_accept(
                tcp.socket(ioc), h
            ),
            id="accept into a socket",
        ),
        pytest.param(
            lambda ioc, h: tcp.socket(ioc).async_connect(tcp.endpoint(LOOPBACK, 9), h),
            id="connect",
        ),
    ],
)
def test_operations_with_an_ec_only_handler_check_it_too(
    start: Callable[[net.io_context, Any], None], ioc: net.io_context
) -> None:
    with pytest.raises(TypeError, match=r"handler\(ec\)"):
        start(ioc, two)


def test_the_other_signatures(ioc: net.io_context) -> None:
    sock = udp.socket(ioc, udp.endpoint(LOOPBACK, 0))
    try:
        with pytest.raises(TypeError, match=r"handler\(ec, bytes_transferred, sender_endpoint\)"):
            sock.async_receive_from(bytearray(8), two)
        with pytest.raises(TypeError, match=r"handler\(ec, bytes_transferred, sender_endpoint\)"):
            sock.async_receive_from(bytearray(8), net.bind_executor(ioc, two))
        with pytest.raises(TypeError, match=r"handler\(ec, results\)"):
            tcp.resolver(ioc).async_resolve("127.0.0.1", "80", one)
        with pytest.raises(TypeError, match=r"handler\(ec, endpoint\)"):
            net.async_connect(tcp.socket(ioc), [tcp.endpoint(LOOPBACK, 9)], one)
        acceptor = tcp.acceptor(ioc, tcp.endpoint(LOOPBACK, 0))
        with pytest.raises(TypeError, match=r"handler\(ec, peer\)"):
            acceptor.async_accept(one)  # the move-accept: (ec, socket)
        acceptor.close()
    finally:
        sock.close()
    assert ioc.poll() == 0


def test_beast_operations_check_their_handler(ioc: net.io_context) -> None:
    ws = websocket.stream(beast.tcp_stream(ioc))
    with pytest.raises(TypeError, match=r"async_handshake: .*handler\(ec\)"):
        ws.async_handshake("localhost", "/", two)
    with pytest.raises(TypeError, match=r"handler\(ec, bytes_transferred\)"):
        http.async_read(beast.tcp_stream(ioc), beast.flat_buffer(), http.request(), one)


def test_tracked_handlers_are_checked_too() -> None:
    tracked = net.io_context(handler_tracking=io.StringIO())
    with pytest.raises(TypeError, match=r"handler\(ec\)"):
        net.steady_timer(tracked, 1.0).async_wait(two)


def test_the_check_keeps_nothing_of_the_user(ioc: net.io_context) -> None:
    # A closure (which may hold a session) is remembered by its code object only, and a
    # bound method by its class's function: after the handler ran, the session is freed.
    class session:
        def on_wait(self, ec: Any) -> None:
            pass

    def make_closure(owner: session) -> Callable[[Any], None]:
        def closure(ec: Any) -> None:
            owner.on_wait(ec)

        return closure

    s = session()
    ref = weakref.ref(s)
    gc.disable()
    try:
        timer = net.steady_timer(ioc, 0.0)
        timer.async_wait(s.on_wait)
        timer.async_wait(make_closure(s))
        del s
        ioc.run_for(5.0)
        del timer
        assert ref() is None
    finally:
        gc.enable()


def test_a_verified_function_costs_no_call() -> None:
    # The hot path's test: a verified bound method's function is in the set.
    EC_BYTES.check(_session().on_two)
    assert _session.on_two in EC_BYTES.verified


class _hashes_in_python:
    """A callable object that cannot be hashed (as a dataclass with ``eq``)."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, ec: Any, n: Any) -> None:
        self.calls += 1


def test_a_handler_object_is_never_hashed(pair: tuple[tcp.socket, tcp.socket]) -> None:
    # The cache keys a callable object by its class: an unhashable one is a handler as good
    # as any (it used to raise "unhashable type" from the initiating call).
    client, server = pair
    handler = _hashes_in_python()
    client.async_write_some(b"x", handler)
    client.async_write_some(b"y", handler)
    client.get_executor().context().run_for(5.0)
    assert handler.calls == 2
    assert _hashes_in_python in EC_BYTES.verified


def test_a_function_made_per_operation_is_not_kept(ioc: net.io_context) -> None:
    # A lambda or nested function closing over nothing is still one new object per
    # operation, and its defaults may hold a session: only its code object is cached, so
    # the cache does not grow with every operation and the session is freed.
    class session:
        pass

    def start(timer: net.steady_timer, owner: session) -> None:
        timer.async_wait(lambda ec, owner=owner: None)

    s = session()
    ref = weakref.ref(s)
    gc.disable()
    try:
        timer = net.steady_timer(ioc, 0.0)
        start(timer, s)
        size = len(EC.verified)
        for _ in range(20):
            start(timer, s)
        assert len(EC.verified) == size
        del s
        ioc.run_for(5.0)
        del timer
        assert ref() is None
    finally:
        gc.enable()


def test_a_local_class_is_not_kept(ioc: net.io_context) -> None:
    # Its instances are checked through its __call__'s code; the class itself (which may
    # be made per session, and would then pile up) is not cached.
    def make_class() -> type:
        class local_handler:
            def __call__(self, ec: Any) -> None:
                pass

        return local_handler

    cls = make_class()
    timer = net.steady_timer(ioc, 0.0)
    timer.async_wait(cls())
    ioc.run_for(5.0)
    ref = weakref.ref(cls)
    del cls
    gc.collect()  # a class is a cycle (its __mro__, its methods' __class__ cells)
    assert ref() is None


class _with_super(_session):
    def on_two(self, ec: Any, n: Any) -> None:
        super().on_two(ec, n)  # a closure over __class__ only: still the module's


def test_a_method_using_super_is_keyed_by_itself() -> None:
    EC_BYTES.check(_with_super().on_two)
    assert _with_super.on_two in EC_BYTES.verified


def test_python_O_skips_the_check_as_it_skips_assert() -> None:
    # The check is what Asio does at compile time; a program that wants its last few
    # hundred instructions per operation back runs with -O, which removes it as it removes
    # assert statements. A wrong handler then fails where Python would call it: in run().
    import subprocess
    import sys

    script = (
        "import asiolike as net\n"
        "ioc = net.io_context()\n"
        "net.steady_timer(ioc, 0.0).async_wait(lambda: None)\n"
        "print('started')\n"
        "try:\n"
        "    ioc.run_for(5.0)\n"
        "except TypeError as exc:\n"
        "    print('in run:', exc)\n"
    )
    checked = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert "started" not in checked.stdout
    assert "must take handler(ec)" in checked.stderr, checked
    unchecked = subprocess.run(
        [sys.executable, "-O", "-c", script], capture_output=True, text=True, timeout=60
    )
    assert unchecked.stdout.startswith("started\nin run:"), unchecked
