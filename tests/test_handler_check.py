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
from asiolike.detail.handler_check import EC_BYTES
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
