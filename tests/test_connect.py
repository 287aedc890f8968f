"""Tests for asiolike.connect: range async_connect / connect with real sockets on 127.0.0.1.

Refused endpoints are ports bound by a socket that does not listen (the kernel answers
with a reset at once); the good endpoint is a listening ``tcp.acceptor``.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from asiolike import bind_executor, io_context, make_strand, post, use_future
from asiolike.connect import async_connect, connect
from asiolike.error import (
    connection_refused,
    error_code,
    not_found,
    operation_aborted,
    success,
    system_error,
)
from asiolike.ip import basic_resolver_entry, basic_resolver_results, tcp

Outcome = list[tuple[error_code, Any]]


def recorder(outcome: Outcome) -> Callable[[error_code, Any], None]:
    def handler(ec: error_code, endpoint: Any) -> None:
        outcome.append((ec, endpoint))

    return handler


@pytest.fixture
def refused() -> Iterator[list[tcp.endpoint]]:
    """Three 127.0.0.1 endpoints that refuse connections (bound, not listening)."""
    holders = []
    for _ in range(3):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        holders.append(s)
    try:
        yield [tcp.endpoint("127.0.0.1", s.getsockname()[1]) for s in holders]
    finally:
        for s in holders:
            s.close()


@pytest.fixture
def listening(ioc: io_context) -> Iterator[tuple[tcp.acceptor, tcp.endpoint]]:
    acceptor = tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0))
    try:
        yield acceptor, tcp.endpoint("127.0.0.1", acceptor.local_endpoint().port())
    finally:
        acceptor.close()


def run_connect(
    ioc: io_context, sock: tcp.socket, endpoints: Any, cond: Any = None
) -> tuple[error_code, Any]:
    outcome: Outcome = []
    if cond is None:
        async_connect(sock, endpoints, recorder(outcome))
    else:
        async_connect(sock, endpoints, cond, recorder(outcome))
    assert outcome == []  # R1
    ioc.run_for(5)
    assert len(outcome) == 1  # R2
    assert not ioc.has_outstanding_work()  # R3
    ioc.restart()
    return outcome[0]


def test_the_first_endpoints_refuse_the_last_one_connects(
    ioc: io_context, refused: list[tcp.endpoint], listening: tuple[tcp.acceptor, tcp.endpoint]
) -> None:
    acceptor, good = listening
    sock = tcp.socket(ioc)
    assert run_connect(ioc, sock, [*refused, good]) == (success, good)
    assert sock.is_open()
    assert sock.remote_endpoint() == good
    peer = acceptor.accept()
    assert peer.remote_endpoint() == sock.local_endpoint()
    peer.close()
    sock.close()


def test_the_first_success_wins(
    ioc: io_context, refused: list[tcp.endpoint], listening: tuple[tcp.acceptor, tcp.endpoint]
) -> None:
    _, good = listening
    sock = tcp.socket(ioc)
    sock.open(tcp.v4())  # an open socket is closed and reopened
    assert run_connect(ioc, sock, [good, *refused]) == (success, good)
    sock.close()


def test_all_refused_reports_the_last_error(ioc: io_context, refused: list[tcp.endpoint]) -> None:
    sock = tcp.socket(ioc)
    assert run_connect(ioc, sock, refused) == (connection_refused, None)
    sock.close()


def test_an_empty_range_is_not_found(ioc: io_context) -> None:
    sock = tcp.socket(ioc)
    assert run_connect(ioc, sock, []) == (not_found, None)
    assert run_connect(ioc, sock, basic_resolver_results()) == (not_found, None)
    assert not sock.is_open()


def test_resolver_results_are_accepted(
    ioc: io_context, refused: list[tcp.endpoint], listening: tuple[tcp.acceptor, tcp.endpoint]
) -> None:
    _, good = listening
    results = basic_resolver_results(
        [basic_resolver_entry(ep, "localhost", "test") for ep in [refused[0], good]]
    )
    sock = tcp.socket(ioc)
    assert run_connect(ioc, sock, results) == (success, good)
    sock.close()


def test_endpoints_of_another_ip_version_reopen_the_socket(
    ioc: io_context, refused: list[tcp.endpoint], listening: tuple[tcp.acceptor, tcp.endpoint]
) -> None:
    _, good = listening
    # ::1 fails one way or another (refused, or no IPv6 here): the v4 endpoint must follow.
    sock = tcp.socket(ioc)
    assert run_connect(ioc, sock, [tcp.endpoint("::1", refused[0].port()), good]) == (success, good)
    assert sock.local_endpoint().protocol() == tcp.v4()
    sock.close()


def test_the_connect_condition_sees_each_error_and_endpoint(
    ioc: io_context, refused: list[tcp.endpoint], listening: tuple[tcp.acceptor, tcp.endpoint]
) -> None:
    _, good = listening
    calls: list[tuple[error_code, Any]] = []

    def condition(ec: error_code, endpoint: Any) -> bool:
        calls.append((ec, endpoint))
        return bool(endpoint != refused[1])

    sock = tcp.socket(ioc)
    assert run_connect(ioc, sock, [*refused, good], condition) == (success, good)
    assert calls == [
        (success, refused[0]),
        (connection_refused, refused[1]),  # skipped
        (connection_refused, refused[2]),
        (connection_refused, good),
    ]
    sock.close()


def test_a_condition_refusing_everything_is_not_found(
    ioc: io_context, refused: list[tcp.endpoint]
) -> None:
    sock = tcp.socket(ioc)
    assert run_connect(ioc, sock, refused, lambda ec, ep: False) == (not_found, None)
    # Refusing the rest after a failure reports that failure.
    assert run_connect(ioc, sock, refused, lambda ec, ep: not ec) == (connection_refused, None)
    sock.close()


def test_closing_the_socket_aborts_the_whole_operation(
    ioc: io_context, refused: list[tcp.endpoint], listening: tuple[tcp.acceptor, tcp.endpoint]
) -> None:
    _, good = listening
    sock = tcp.socket(ioc)
    outcome: Outcome = []
    async_connect(sock, [*refused, good], recorder(outcome))
    post(ioc, sock.close)  # races with the first attempt's completion
    ioc.run_for(5)
    assert outcome == [(operation_aborted, None)]  # R2: once, and no further attempts
    assert not sock.is_open()
    assert not ioc.has_outstanding_work()


def test_handler_runs_in_the_bound_strand(
    ioc: io_context, refused: list[tcp.endpoint], listening: tuple[tcp.acceptor, tcp.endpoint]
) -> None:
    _, good = listening
    strand = make_strand(ioc)
    seen: list[tuple[bool, error_code]] = []
    sock = tcp.socket(ioc)
    async_connect(
        sock,
        [refused[0], good],
        bind_executor(strand, lambda ec, ep: seen.append((strand.running_in_this_thread(), ec))),
    )
    ioc.run_for(5)
    assert seen == [(True, success)]
    empty = tcp.socket(ioc)
    async_connect(
        empty,
        [],
        bind_executor(strand, lambda ec, ep: seen.append((strand.running_in_this_thread(), ec))),
    )
    ioc.restart()
    ioc.run_for(5)
    assert seen == [(True, success), (True, not_found)]
    sock.close()


def test_use_future(ioc: io_context, listening: tuple[tcp.acceptor, tcp.endpoint]) -> None:
    _, good = listening
    sock = tcp.socket(ioc)
    future = async_connect(sock, [good], use_future)
    assert future is not None
    ioc.run_for(5)
    assert future.result(0) == good
    sock.close()


def test_misuse_raises_at_once(ioc: io_context) -> None:
    sock = tcp.socket(ioc)
    handler = recorder([])
    with pytest.raises(TypeError, match="range of endpoints"):
        async_connect(sock, 42, handler)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="range of endpoints"):
        async_connect(sock, "127.0.0.1", handler)
    with pytest.raises(TypeError, match="connect condition"):
        async_connect(sock, [], 5, handler)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="socket"):
        async_connect(object(), [], handler)
    with pytest.raises(TypeError, match="completion handler"):
        async_connect(sock, [], None)
    assert not ioc.has_outstanding_work()


def test_sync_connect(
    ioc: io_context, refused: list[tcp.endpoint], listening: tuple[tcp.acceptor, tcp.endpoint]
) -> None:
    _, good = listening
    sock = tcp.socket(ioc)
    assert connect(sock, [*refused, good]) == good
    assert sock.remote_endpoint() == good
    with pytest.raises(system_error) as info:
        connect(sock, refused)
    assert info.value.code == connection_refused
    with pytest.raises(system_error) as info:
        connect(sock, [])
    assert info.value.code == not_found
    with pytest.raises(system_error) as info:
        connect(sock, [good], lambda ec, ep: False)
    assert info.value.code == not_found
    sock.close()
