"""Tests for asiolike.detail.reactor: descriptor operations, interest, cancellation, wake-ups."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from asiolike import io_context
from asiolike.detail.reactor import READ, WRITE, reactor
from asiolike.detail.scheduler import use_scheduler
from asiolike.error import bad_descriptor, error_code, from_errno, operation_aborted, success


class RecvOp:
    """A pending recv: the reactor retries ``perform()`` until data (or an error) arrives."""

    __slots__ = ("calls", "data", "ec", "handler", "log", "performs", "size", "sock")

    def __init__(self, sock: socket.socket, log: list[tuple[str, error_code, bytes]],
                 size: int = 4096) -> None:
        self.handler = None  # what the reactor reads for per-operation cancellation
        self.sock = sock
        self.size = size
        self.data = b""
        self.ec = success
        self.log = log
        self.performs = 0
        self.calls = 0

    def perform(self) -> bool:
        self.performs += 1
        try:
            self.data = self.sock.recv(self.size)
        except BlockingIOError:
            return False
        except OSError as exc:
            self.ec = from_errno(exc.errno or 0)
        return True

    def __call__(self) -> None:
        self.calls += 1
        self.log.append(("recv", self.ec, self.data))


class SendOp:
    """A pending send."""

    __slots__ = ("calls", "ec", "handler", "log", "payload", "sent", "sock")

    def __init__(self, sock: socket.socket, payload: bytes,
                 log: list[tuple[str, error_code, bytes]]) -> None:
        self.handler = None  # what the reactor reads for per-operation cancellation
        self.sock = sock
        self.payload = payload
        self.sent = 0
        self.ec = success
        self.log = log
        self.calls = 0

    def perform(self) -> bool:
        try:
            self.sent = self.sock.send(self.payload)
        except BlockingIOError:
            return False
        except OSError as exc:
            self.ec = from_errno(exc.errno or 0)
        return True

    def __call__(self) -> None:
        self.calls += 1
        self.log.append(("send", self.ec, self.payload[: self.sent]))


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    """A connected non-blocking socket pair."""
    a, b = socket.socketpair()
    a.setblocking(False)
    b.setblocking(False)
    try:
        yield a, b
    finally:
        a.close()
        b.close()


Log = list[tuple[str, error_code, bytes]]


# -- reading --------------------------------------------------------------------------------


def test_read_op_waits_for_data_and_counts_as_work(
    ioc: io_context, pair: tuple[socket.socket, socket.socket], run_ioc: Callable[..., int]
) -> None:
    a, b = pair
    r = use_scheduler(ioc).reactor
    state = r.register_descriptor(a.fileno())
    log: Log = []
    op = RecvOp(a, log)
    r.start_op(state, READ, op)
    assert ioc.has_outstanding_work()
    assert r.waiting == 1
    assert ioc.poll() == 0  # nothing to read yet
    assert log == []
    b.send(b"hello")
    assert run_ioc(ioc) == 1
    assert log == [("recv", success, b"hello")]
    assert op.calls == 1
    assert not ioc.has_outstanding_work()
    r.deregister_descriptor(state)
    assert r.waiting == 0


def test_read_ops_complete_in_order(
    ioc: io_context, pair: tuple[socket.socket, socket.socket], run_ioc: Callable[..., int]
) -> None:
    a, b = pair
    r = use_scheduler(ioc).reactor
    state = r.register_descriptor(a.fileno())
    log: Log = []
    for _ in range(3):
        r.start_op(state, READ, RecvOp(a, log, size=2))
    b.send(b"aabbcc")
    assert run_ioc(ioc) == 3
    assert log == [("recv", success, b"aa"), ("recv", success, b"bb"), ("recv", success, b"cc")]
    r.deregister_descriptor(state)


def test_read_op_sees_peer_close(
    ioc: io_context, pair: tuple[socket.socket, socket.socket], run_ioc: Callable[..., int]
) -> None:
    a, b = pair
    r = use_scheduler(ioc).reactor
    state = r.register_descriptor(a.fileno())
    log: Log = []
    r.start_op(state, READ, RecvOp(a, log))
    b.close()
    run_ioc(ioc)
    assert log == [("recv", success, b"")]
    r.deregister_descriptor(state)


def test_read_interest_is_dropped_lazily(
    ioc: io_context, pair: tuple[socket.socket, socket.socket], run_ioc: Callable[..., int]
) -> None:
    a, b = pair
    r = use_scheduler(ioc).reactor
    state = r.register_descriptor(a.fileno())
    log: Log = []
    r.start_op(state, READ, RecvOp(a, log, size=1))
    b.send(b"xy")
    run_ioc(ioc)
    assert log == [("recv", success, b"x")]
    # Still registered for reading (the next read usually follows at once)...
    assert r.waiting == 1
    # ...until readiness is reported with nothing waiting for it.
    r.run(0)
    assert r.waiting == 0
    assert state.interest == 0
    # A later read registers again and completes.
    ioc.restart()
    r.start_op(state, READ, RecvOp(a, log, size=1))
    run_ioc(ioc)
    assert log[-1] == ("recv", success, b"y")
    r.deregister_descriptor(state)


# -- writing --------------------------------------------------------------------------------


def test_write_op_completes_and_write_interest_is_dropped(
    ioc: io_context, pair: tuple[socket.socket, socket.socket], run_ioc: Callable[..., int]
) -> None:
    a, b = pair
    r = use_scheduler(ioc).reactor
    state = r.register_descriptor(a.fileno())
    log: Log = []
    r.start_op(state, WRITE, SendOp(a, b"ping", log))
    assert r.waiting == 1
    assert run_ioc(ioc) == 1
    assert log == [("send", success, b"ping")]
    assert r.waiting == 0  # a writable socket must not keep waking the poller
    assert b.recv(10) == b"ping"
    r.deregister_descriptor(state)


def test_write_op_waits_while_the_buffer_is_full(
    ioc: io_context, pair: tuple[socket.socket, socket.socket], run_ioc: Callable[..., int]
) -> None:
    a, b = pair
    r = use_scheduler(ioc).reactor
    chunk = b"x" * 65536
    with pytest.raises(BlockingIOError):
        while True:
            a.send(chunk)
    state = r.register_descriptor(a.fileno())
    log: Log = []
    r.start_op(state, WRITE, SendOp(a, b"tail", log))
    assert ioc.poll() == 0
    assert log == []
    ioc.restart()

    def drain() -> None:
        try:
            while b.recv(1 << 20):
                pass
        except BlockingIOError:
            pass

    drain()
    run_ioc(ioc)
    assert log == [("send", success, b"tail")]
    r.deregister_descriptor(state)


# -- cancellation ---------------------------------------------------------------------------


def test_cancel_ops_aborts_every_pending_op_once(
    ioc: io_context, pair: tuple[socket.socket, socket.socket], run_ioc: Callable[..., int]
) -> None:
    a, b = pair
    r = use_scheduler(ioc).reactor
    state = r.register_descriptor(a.fileno())
    log: Log = []
    ops = [RecvOp(a, log), RecvOp(a, log)]
    for op in ops:
        r.start_op(state, READ, op)
    assert r.cancel_ops(state) == 2
    assert r.cancel_ops(state) == 0
    assert log == []  # delivered through the queue
    b.send(b"late data")
    assert run_ioc(ioc) == 2
    assert log == [("recv", operation_aborted, b"")] * 2
    assert [op.calls for op in ops] == [1, 1]
    assert a.recv(100) == b"late data"  # the cancelled ops did not read it
    r.deregister_descriptor(state)


def test_cancel_op_cancels_one(
    ioc: io_context, pair: tuple[socket.socket, socket.socket], run_ioc: Callable[..., int]
) -> None:
    a, b = pair
    r = use_scheduler(ioc).reactor
    state = r.register_descriptor(a.fileno())
    log: Log = []
    first, second = RecvOp(a, log), RecvOp(a, log)
    r.start_op(state, READ, first)
    r.start_op(state, READ, second)
    assert r.cancel_op(state, READ, first) is True
    assert r.cancel_op(state, READ, first) is False
    b.send(b"data")
    run_ioc(ioc)
    assert log == [("recv", operation_aborted, b""), ("recv", success, b"data")]
    assert r.cancel_op(state, READ, second) is False  # already completed
    r.deregister_descriptor(state)


def test_cancel_with_another_code(
    ioc: io_context, pair: tuple[socket.socket, socket.socket], run_ioc: Callable[..., int]
) -> None:
    a, _ = pair
    r = use_scheduler(ioc).reactor
    state = r.register_descriptor(a.fileno())
    log: Log = []
    r.start_op(state, READ, RecvOp(a, log))
    assert r.cancel_ops(state, bad_descriptor) == 1
    run_ioc(ioc)
    assert log == [("recv", bad_descriptor, b"")]
    r.deregister_descriptor(state)


def test_deregister_aborts_pending_ops_and_forgets_the_descriptor(
    ioc: io_context, pair: tuple[socket.socket, socket.socket], run_ioc: Callable[..., int]
) -> None:
    a, _ = pair
    r = use_scheduler(ioc).reactor
    state = r.register_descriptor(a.fileno())
    log: Log = []
    r.start_op(state, READ, RecvOp(a, log))
    r.start_op(state, WRITE, SendOp(a, b"x", log))
    assert r.deregister_descriptor(state) == 2
    assert r.waiting == 0
    assert state.fd not in r._states
    a.close()
    run_ioc(ioc)
    assert sorted(entry[:2] for entry in log) == [
        ("recv", operation_aborted),
        ("send", operation_aborted),
    ]
    assert r.deregister_descriptor(state) == 0  # twice is harmless


def test_start_op_on_a_closed_descriptor_completes_with_an_error(
    ioc: io_context, run_ioc: Callable[..., int]
) -> None:
    a, b = socket.socketpair()
    r = use_scheduler(ioc).reactor
    state = r.register_descriptor(a.fileno())
    a.close()
    b.close()
    log: Log = []
    r.start_op(state, READ, RecvOp(a, log))
    assert log == []  # R1: through the queue
    run_ioc(ioc)
    assert log == [("recv", bad_descriptor, b"")]
    assert r.waiting == 0
    r.deregister_descriptor(state)


def test_deregister_after_the_descriptor_was_closed_still_aborts_ops(
    ioc: io_context, run_ioc: Callable[..., int]
) -> None:
    # Misuse (close first), but no handler may be lost and no work leaked (R2, R3).
    a, b = socket.socketpair()
    a.setblocking(False)
    r = use_scheduler(ioc).reactor
    state = r.register_descriptor(a.fileno())
    log: Log = []
    r.start_op(state, READ, RecvOp(a, log))
    r.start_op(state, WRITE, SendOp(a, b"x" * (1 << 24), log))
    a.close()
    b.close()
    assert r.deregister_descriptor(state) == 2
    assert r.waiting == 0
    run_ioc(ioc)
    assert sorted(entry[:2] for entry in log) == [
        ("recv", operation_aborted),
        ("send", operation_aborted),
    ]


# -- waking ---------------------------------------------------------------------------------


def test_interrupt_from_another_thread_wakes_the_poll(ioc: io_context) -> None:
    # Whether the interrupt lands before or during the poll, the poll must return.
    r = use_scheduler(ioc).reactor
    thread = threading.Thread(target=r.interrupt)
    thread.start()
    start = time.monotonic()
    r.run(5.0)
    thread.join()
    assert time.monotonic() - start < 4.0
    assert r.interrupted is False  # drained


def test_interrupt_before_poll_is_not_lost(ioc: io_context) -> None:
    r = use_scheduler(ioc).reactor
    r.interrupt()
    r.interrupt()  # coalesced
    start = time.monotonic()
    r.run(5.0)
    assert time.monotonic() - start < 4.0
    assert r.interrupted is False


def test_interrupts_racing_with_the_drain_are_not_lost(fast_switching: None) -> None:
    # Threads interrupt (contending on a lock, as io_context's wake-ups do) while this
    # thread keeps polling and draining. Afterwards one more interrupt must still wake a
    # blocking poll: a drain that swallowed a write but left the flag set would not.
    ctx = io_context()
    r = use_scheduler(ctx).reactor
    try:
        for _ in range(3):
            lock = threading.Lock()
            finished = [0]

            def burst(end: float, lk: threading.Lock = lock, done: list[int] = finished) -> None:
                while time.monotonic() < end:
                    with lk:
                        r.interrupt()
                done[0] += 1

            end = time.monotonic() + 0.03
            threads = [threading.Thread(target=burst, args=(end,)) for _ in range(4)]
            for t in threads:
                t.start()
            while finished[0] < 4:
                r.run(0.01)
            for t in threads:
                t.join()
            r.run(0)
            r.interrupt()
            start = time.monotonic()
            r.run(2.0)
            assert time.monotonic() - start < 1.0, "an interrupt() was lost"
    finally:
        ctx.close()


def test_close_releases_the_waker() -> None:
    ctx = io_context()
    r = use_scheduler(ctx).reactor
    assert isinstance(r, reactor)
    ctx.close()
    r.close()  # closing twice must not raise
