"""tcp.resolver: numeric and name lookups, failures, cancel, the overloads and flags.

A lookup of a name needs the system's resolver; the tests that use one are bounded: a
machine that cannot answer makes them skip, never hang.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest

import asiolike
from asiolike import error
from asiolike.detail import resolver_pool
from asiolike.ip import basic_resolver_results, make_address, tcp
from tests.ip.recorder import Recorder

LOOKUP_BOUND = 5.0


def _run_lookup(ioc: asiolike.io_context, resolver: tcp.resolver, h: Recorder) -> None:
    """Run until the lookup completes; skip the test if the system resolver never answers."""
    ioc.run_for(LOOKUP_BOUND)
    if not h.calls:
        resolver.cancel()
        ioc.restart()
        ioc.run_for(1)
        pytest.skip("the system resolver did not answer in time")


def _endpoints(results: basic_resolver_results) -> list[tcp.endpoint]:
    return [entry.endpoint() for entry in results]


def test_numeric_host_completes_through_the_queue_without_a_thread(
    ioc: asiolike.io_context,
) -> None:
    resolver = tcp.resolver(ioc)
    threads_before = resolver_pool._threads
    pending_before = resolver_pool._pending
    h = Recorder()
    resolver.async_resolve("127.0.0.1", "8080", h)
    h.started()
    assert resolver_pool._pending == pending_before
    assert ioc.poll() == 1  # already answered: no waiting
    ec, results = h.once
    assert ec == error.success
    assert _endpoints(results) == [tcp.endpoint("127.0.0.1", 8080)]
    entry = results[0]
    assert (entry.host_name(), entry.service_name()) == ("127.0.0.1", "8080")
    assert resolver_pool._threads == threads_before


def test_numeric_v6_and_empty_service(ioc: asiolike.io_context) -> None:
    resolver = tcp.resolver(ioc)
    h = Recorder()
    resolver.async_resolve("::1", "", h)
    h.started()
    assert ioc.poll() == 1
    ec, results = h.once
    assert ec == error.success
    assert _endpoints(results) == [tcp.endpoint("::1", 0)]


def test_localhost(ioc: asiolike.io_context) -> None:
    resolver = tcp.resolver(ioc)
    h = Recorder()
    resolver.async_resolve("localhost", "80", h)
    h.started()
    _run_lookup(ioc, resolver, h)
    ec, results = h.once
    assert ec == error.success
    addresses = {e.address() for e in _endpoints(results)}
    assert addresses <= {make_address("127.0.0.1"), make_address("::1")}
    assert addresses
    assert all(e.port() == 80 for e in _endpoints(results))
    assert len(set(_endpoints(results))) == len(results)  # one entry per endpoint
    assert results[0].host_name() == "localhost"
    assert not ioc.has_outstanding_work()


def test_nonexistent_host_is_host_not_found(ioc: asiolike.io_context) -> None:
    resolver = tcp.resolver(ioc)
    h = Recorder()
    resolver.async_resolve("nonexistent.invalid", "80", h)
    h.started()
    _run_lookup(ioc, resolver, h)
    ec, results = h.once
    if ec == error.host_not_found_try_again:
        pytest.skip("no name service reachable (try_again)")
    assert ec == error.host_not_found
    assert results.empty() and len(results) == 0


def test_pending_lookup_keeps_run_going(ioc: asiolike.io_context) -> None:
    resolver = tcp.resolver(ioc)
    h = Recorder()
    resolver.async_resolve("localhost", "80", h)
    h.started()
    assert ioc.has_outstanding_work()
    _run_lookup(ioc, resolver, h)
    assert ioc.stopped() and len(h.calls) == 1
    assert not ioc.has_outstanding_work()


@contextlib.contextmanager
def _busy_pool() -> Iterator[None]:
    """Every pool thread busy inside: a lookup started here is certainly still pending."""
    release = threading.Event()

    def block() -> None:
        release.wait(LOOKUP_BOUND)

    for _ in range(resolver_pool.MAX_THREADS):
        resolver_pool.submit(block)
    try:
        yield
    finally:
        release.set()


def test_cancel_aborts_once_even_if_the_lookup_finishes_later(ioc: asiolike.io_context) -> None:
    resolver = tcp.resolver(ioc)
    h = Recorder()
    with _busy_pool():
        resolver.async_resolve("localhost", "80", h)
        h.started()
        (op,) = resolver._pending
        resolver.cancel()
        assert ioc.run_for(LOOKUP_BOUND) == 1
    ec, results = h.once
    assert ec == error.operation_aborted and results.empty()
    # A lookup thread that was already inside getaddrinfo when cancel() ran finishes now:
    # its answer is dropped (and the pool's own run of the op skips the lookup).
    resolver._finish(op, *resolver._lookup(op.query))
    op.run()
    ioc.restart()
    assert ioc.poll() == 0
    assert len(h.calls) == 1
    assert not ioc.has_outstanding_work()
    resolver.cancel()  # nothing pending: a no-op


def test_handler_runs_in_its_strand(ioc: asiolike.io_context) -> None:
    resolver = tcp.resolver(ioc)
    s = asiolike.strand(ioc)
    seen: list[tuple[str, bool]] = []
    resolver.async_resolve(
        "127.0.0.1",
        "1",
        asiolike.bind_executor(
            s, lambda ec, r: seen.append(("numeric", s.running_in_this_thread()))
        ),
    )
    resolver.async_resolve(
        "localhost",
        "1",
        asiolike.bind_executor(s, lambda ec, r: seen.append(("name", s.running_in_this_thread()))),
    )
    ioc.run_for(LOOKUP_BOUND)
    if len(seen) < 2:
        resolver.cancel()
        ioc.restart()
        ioc.run_for(1)
        pytest.skip("the system resolver did not answer in time")
    assert sorted(seen) == [("name", True), ("numeric", True)]


def test_sync_resolve_and_its_error(ioc: asiolike.io_context) -> None:
    resolver = tcp.resolver(ioc)
    results = resolver.resolve("127.0.0.1", "443")
    assert _endpoints(results) == [tcp.endpoint("127.0.0.1", 443)]
    assert results.size() == 1 and not results.empty()
    with pytest.raises(asiolike.system_error) as info:
        resolver.resolve("not an address", "80", tcp.resolver.numeric_host)
    assert info.value.code == error.host_not_found


def test_protocol_overload_limits_the_family(ioc: asiolike.io_context) -> None:
    resolver = tcp.resolver(ioc)
    h = Recorder()
    resolver.async_resolve(tcp.v4(), "localhost", "80", h)
    h.started()
    _run_lookup(ioc, resolver, h)
    ec, results = h.once
    assert ec == error.success
    assert all(e.protocol() == tcp.v4() for e in _endpoints(results))
    v6 = resolver.resolve(tcp.v6(), "::1", "80")
    assert _endpoints(v6) == [tcp.endpoint("::1", 80)]


def test_passive_flag_gives_the_unspecified_address(ioc: asiolike.io_context) -> None:
    resolver = tcp.resolver(ioc)
    results = resolver.resolve(tcp.v4(), "", "8080", tcp.resolver.passive)
    assert _endpoints(results) == [tcp.endpoint("0.0.0.0", 8080)]
    loopback = resolver.resolve(tcp.v4(), "", "8080")
    assert _endpoints(loopback) == [tcp.endpoint("127.0.0.1", 8080)]
    flags = tcp.resolver.passive | tcp.resolver.address_configured
    assert isinstance(flags, tcp.resolver.flags)


def test_service_name(ioc: asiolike.io_context) -> None:
    try:
        socket.getservbyname("http", "tcp")
    except OSError:
        pytest.skip("no services database")
    results = tcp.resolver(ioc).resolve("127.0.0.1", "http")
    assert _endpoints(results) == [tcp.endpoint("127.0.0.1", 80)]
    with pytest.raises(asiolike.system_error) as info:
        tcp.resolver(ioc).resolve("127.0.0.1", "no-such-service-name")
    assert info.value.code in (error.service_not_found, error.host_not_found)


def test_reverse_lookup(ioc: asiolike.io_context) -> None:
    resolver = tcp.resolver(ioc)
    endpoint = tcp.endpoint("127.0.0.1", 80)
    h = Recorder()
    resolver.async_resolve(endpoint, h)
    h.started()
    _run_lookup(ioc, resolver, h)
    ec, results = h.once
    assert ec == error.success
    assert len(results) == 1 and results[0].endpoint() == endpoint
    assert results[0].host_name()  # a name, or the numeric form if none
    assert results[0].service_name() in ("http", "80")


def test_use_future(ioc: asiolike.io_context) -> None:
    future = tcp.resolver(ioc).async_resolve("127.0.0.1", "7", asiolike.use_future)
    assert future is not None
    ioc.run_for(LOOKUP_BOUND)
    assert _endpoints(future.result(timeout=0)) == [tcp.endpoint("127.0.0.1", 7)]


def test_misuse(ioc: asiolike.io_context) -> None:
    resolver = tcp.resolver(ioc)
    with pytest.raises(TypeError):
        resolver.resolve(b"localhost", "80")
    with pytest.raises(TypeError):
        resolver.resolve("localhost", 80)
    with pytest.raises(TypeError):
        resolver.async_resolve("localhost", lambda ec, r: None)
    with pytest.raises(TypeError):
        resolver.async_resolve()
    assert not ioc.has_outstanding_work()


def test_results_are_a_sequence_of_entries(ioc: asiolike.io_context) -> None:
    results = tcp.resolver(ioc).resolve("127.0.0.1", "80")
    assert list(results) == [results[0]]
    assert results == tcp.resolver(ioc).resolve("127.0.0.1", "80")
    assert results[0] == tcp.resolver.entry_type(tcp.endpoint("127.0.0.1", 80), "127.0.0.1", "80")
    assert "127.0.0.1:80" in repr(results)
    assert isinstance(results, tcp.resolver.results_type)


@pytest.mark.parametrize(
    "kind",
    [
        asiolike.cancellation_type.terminal,
        asiolike.cancellation_type.partial,
        asiolike.cancellation_type.total,
    ],
)
def test_a_lookup_is_cancelled_on_its_own(
    kind: asiolike.cancellation_type, ioc: asiolike.io_context
) -> None:
    resolver = tcp.resolver(ioc)
    sig = asiolike.cancellation_signal()
    cancelled, other = Recorder(), Recorder()
    with _busy_pool():  # both lookups are certainly still pending at the emit
        slot = sig.slot()
        resolver.async_resolve("localhost", "80", asiolike.bind_cancellation_slot(slot, cancelled))
        cancelled.started()
        resolver.async_resolve("localhost", "80", other)
        other.started()
        sig.emit(kind)
        assert cancelled.calls == []  # never inside emit() (R1)
        assert ioc.run_one_for(LOOKUP_BOUND) == 1
        ec, results = cancelled.once
        assert ec == error.operation_aborted and results.empty()
        assert len(resolver._pending) == 1  # the other lookup goes on
        sig.emit(kind)  # after the completion: nothing (R2)
    ioc.restart()
    _run_lookup(ioc, resolver, other)
    assert len(cancelled.calls) == 1
    ec, results = other.once
    assert ec == error.success or ec == error.host_not_found, ec
