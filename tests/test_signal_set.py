"""Tests for asiolike.signal_set: real signals raised in this process, bounded runs.

Every test runs with a recording Python handler installed for SIGUSR1, SIGUSR2 and SIGALRM
(the "previous" handler the sets must restore), so that a signal raised while no set holds
it is recorded instead of killing the test run. After each test no set may be left open
and the handlers and the wakeup fd must be the ones from before.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from types import FrameType

import pytest

import asiolike as net
from asiolike.error import bad_descriptor, error_code, invalid_argument, operation_aborted, success
from asiolike.signal_set import _registry, signal_set
from tests.support.lifetimes import gc_disabled

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGUSR1"), reason="POSIX signals")

SIG1 = signal.SIGUSR1
SIG2 = signal.SIGUSR2
Run = Callable[..., int]


def _wakeup_fd() -> int:
    fd = signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(fd, warn_on_full_buffer=False)
    return fd


def _raise_later(ioc: net.io_context, *numbers: int) -> None:
    """Raise the signals from a handler in the loop, with os.kill as a user would."""

    def raise_them() -> None:
        for n in numbers:
            os.kill(os.getpid(), n)

    net.post(ioc, raise_them)


class Recorder:
    """A signal handler that records each call and whether async_wait had returned."""

    def __init__(self) -> None:
        self.calls: list[tuple[error_code, int]] = []
        self.returned = False
        self.saw_returned: list[bool] = []
        self.after: Callable[[], object] | None = None

    def __call__(self, ec: error_code, signal_number: int) -> None:
        self.calls.append((ec, signal_number))
        self.saw_returned.append(self.returned)
        if self.after is not None:
            self.after()


def wait(s: signal_set) -> Recorder:
    """Start a wait on ``s`` with a new :class:`Recorder`, marked once async_wait returned."""
    r = Recorder()
    s.async_wait(r)
    r.returned = True
    return r


@pytest.fixture(autouse=True)
def caught() -> Iterator[list[int]]:
    """The signals the previous (recording) Python handler received during the test."""
    seen: list[int] = []

    def record(signum: int, frame: FrameType | None) -> None:
        seen.append(signum)

    numbers = (SIG1, SIG2, signal.SIGALRM)
    old = {n: signal.signal(n, record) for n in numbers}
    wakeup = _wakeup_fd()
    try:
        yield seen
        assert not _registry._holders and not _registry._services, "a signal_set was left open"
        assert _wakeup_fd() == wakeup
        assert all(signal.getsignal(n) is record for n in numbers)
    finally:
        for svc in list(_registry._services.values()):
            for state in list(svc.sets):
                _registry.close(state)
        for n, handler in old.items():
            signal.signal(n, handler)


# -- waits ----------------------------------------------------------------------------------


def test_a_wait_completes_with_the_signal_number(ioc: net.io_context, run_ioc: Run) -> None:
    s = signal_set(ioc, SIG1)
    assert s.get_executor() == ioc.get_executor()
    r = wait(s)
    r.after = s.close
    _raise_later(ioc, SIG1)
    run_ioc(ioc)
    assert r.calls == [(success, SIG1)]
    assert type(r.calls[0][1]) is int
    assert r.saw_returned == [True]  # R1


def test_a_signal_before_the_wait_is_queued(
    ioc: net.io_context, run_ioc: Run, caught: list[int]
) -> None:
    s = signal_set(ioc, SIG1)
    signal.raise_signal(SIG1)
    assert caught == []  # the set's handler took it, not the previous one
    r = wait(s)  # known at once: still delivered through the queue (R1)
    assert r.calls == []
    r.after = s.close
    run_ioc(ioc)
    assert r.calls == [(success, SIG1)]
    assert r.saw_returned == [True]


def test_queued_signals_leave_one_per_wait_in_ascending_order(
    ioc: net.io_context, run_ioc: Run
) -> None:
    s = signal_set(ioc, SIG1, SIG2)
    for n in (SIG2, SIG1, SIG2):
        signal.raise_signal(n)
    rs = [wait(s) for _ in range(4)]
    assert all(r.calls == [] for r in rs)
    rs[2].after = s.cancel  # the fourth wait found nothing queued
    run_ioc(ioc)
    assert [r.calls for r in rs] == [
        [(success, SIG1)],
        [(success, SIG2)],
        [(success, SIG2)],
        [(operation_aborted, 0)],
    ]
    assert all(r.saw_returned == [True] for r in rs)
    s.close()


def test_two_waits_two_signals_in_order(ioc: net.io_context, run_ioc: Run) -> None:
    s = signal_set(ioc, SIG1, SIG2)
    first, second = wait(s), wait(s)
    second.after = s.close
    _raise_later(ioc, SIG2, SIG1)
    run_ioc(ioc)
    assert first.calls == [(success, SIG2)]
    assert second.calls == [(success, SIG1)]


def test_a_signal_the_loop_read_while_no_wait_was_pending_is_queued(
    ioc: net.io_context, run_ioc: Run
) -> None:
    waiting = signal_set(ioc, SIG2)
    idle = signal_set(ioc, SIG2)  # holds SIG2 without a wait: the loop queues it there
    later = Recorder()

    def wait_on_idle() -> None:
        idle.async_wait(later)
        later.returned = True
        waiting.close()

    r = wait(waiting)
    r.after = wait_on_idle
    later.after = idle.close
    _raise_later(ioc, SIG2)
    run_ioc(ioc)
    assert r.calls == [(success, SIG2)]
    assert later.calls == [(success, SIG2)]
    assert later.saw_returned == [True]  # R1, also for a queued signal


# -- several sets ---------------------------------------------------------------------------


def test_two_sets_both_see_one_signal(ioc: net.io_context, run_ioc: Run) -> None:
    a, b = signal_set(ioc, SIG1), signal_set(ioc, SIG1, SIG2)
    ra, rb = wait(a), wait(b)
    ra.after, rb.after = a.close, b.close
    _raise_later(ioc, SIG1)
    run_ioc(ioc)
    assert ra.calls == [(success, SIG1)]
    assert rb.calls == [(success, SIG1)]


def test_sets_on_two_io_contexts_both_see_one_signal(ioc: net.io_context, run_ioc: Run) -> None:
    other = net.io_context()
    try:
        a, b = signal_set(ioc, SIG1), signal_set(other, SIG1)
        ra, rb = wait(a), wait(b)
        ra.after, rb.after = a.close, b.close
        _raise_later(ioc, SIG1)
        run_ioc(ioc)  # reads the wakeup socket for both contexts
        assert (ra.calls, rb.calls) == ([(success, SIG1)], [])
        run_ioc(other)
        assert rb.calls == [(success, SIG1)]
        assert not other.has_outstanding_work()
    finally:
        other.close()


def test_a_signal_wakes_run_in_another_thread(ioc: net.io_context) -> None:
    s = signal_set(ioc, SIG1)
    r = wait(s)
    ran_in: list[str] = []
    r.after = lambda: ran_in.append(threading.current_thread().name)
    worker = threading.Thread(target=ioc.run_for, args=(5.0,), name="runner")
    start = time.monotonic()
    worker.start()
    signal.raise_signal(SIG1)  # handled in the main thread, which does not run the loop
    worker.join(10.0)
    assert time.monotonic() - start < 5.0
    assert (r.calls, ran_in) == ([(success, SIG1)], ["runner"])
    s.close()


# -- add, remove, clear ---------------------------------------------------------------------


def test_remove(ioc: net.io_context, run_ioc: Run, caught: list[int]) -> None:
    s = signal_set(ioc, SIG1, SIG2)
    s.add(SIG1)  # already there: nothing
    s.remove(SIG1)
    s.remove(SIG1)  # not there: nothing
    signal.raise_signal(SIG1)
    assert caught == [SIG1]  # the previous handler is back
    signal.raise_signal(SIG2)
    s.remove(SIG2)  # its queued occurrence is discarded...
    s.add(SIG2)
    r = wait(s)  # ...so this wait finds nothing
    net.post(ioc, s.cancel)
    run_ioc(ioc)
    assert r.calls == [(operation_aborted, 0)]
    assert caught == [SIG1]
    s.close()


def test_remove_keeps_the_signal_for_the_other_sets(
    ioc: net.io_context, run_ioc: Run, caught: list[int]
) -> None:
    a, b = signal_set(ioc, SIG1), signal_set(ioc, SIG1)
    signal.raise_signal(SIG1)  # before remove(): still b's
    a.remove(SIG1)
    rb = wait(b)
    run_ioc(ioc)
    assert rb.calls == [(success, SIG1)]
    assert caught == []
    a.close()
    b.close()
    signal.raise_signal(SIG1)
    assert caught == [SIG1]


def test_clear(ioc: net.io_context, run_ioc: Run, caught: list[int]) -> None:
    s = signal_set(ioc, SIG1, SIG2)
    signal.raise_signal(SIG2)
    s.clear()
    assert repr(s) == "<signal_set {} waits=0>"
    signal.raise_signal(SIG1)
    signal.raise_signal(SIG2)
    assert caught == [SIG1, SIG2]
    r = wait(s)  # an empty set waits until cancelled
    net.post(ioc, s.cancel)
    run_ioc(ioc)
    assert r.calls == [(operation_aborted, 0)]
    ioc.restart()
    s.add(SIG1)
    r = wait(s)
    r.after = s.close
    _raise_later(ioc, SIG1)
    run_ioc(ioc)
    assert r.calls == [(success, SIG1)]


def test_invalid_signals(ioc: net.io_context) -> None:
    for bad in (signal.SIGKILL, signal.SIGSTOP, 0, -1, 1000):
        with pytest.raises(net.system_error) as info:
            signal_set(ioc, SIG1, bad)
        assert info.value.code == invalid_argument
    assert not _registry._holders  # the constructor undid SIG1
    s = signal_set(ioc)
    for bad in (signal.SIGKILL, 1000):
        with pytest.raises(net.system_error) as info:
            s.add(bad)
        assert info.value.code == invalid_argument
    with pytest.raises(net.system_error) as info:
        s.remove(1000)
    assert info.value.code == invalid_argument
    s.remove(signal.SIGKILL)  # a real signal that is not in the set: nothing
    for wrong in ("10", 10.0, True, None):
        with pytest.raises(TypeError, match="signal number is an int"):
            s.add(wrong)  # type: ignore[arg-type]
    s.close()


# -- cancel (R2) ----------------------------------------------------------------------------


def test_cancel_completes_every_wait_with_operation_aborted_once(
    ioc: net.io_context, run_ioc: Run
) -> None:
    s = signal_set(ioc, SIG1)
    rs = [wait(s), wait(s)]
    s.cancel()
    s.cancel()
    assert all(r.calls == [] for r in rs)  # R1
    run_ioc(ioc)
    assert [r.calls for r in rs] == [[(operation_aborted, 0)]] * 2
    signal.raise_signal(SIG1)  # cancel() kept the signal
    ioc.restart()
    r = wait(s)
    r.after = s.close
    run_ioc(ioc)
    assert r.calls == [(success, SIG1)]
    assert [r.calls for r in rs] == [[(operation_aborted, 0)]] * 2


def test_a_wait_the_signal_completed_is_not_cancelled(ioc: net.io_context, run_ioc: Run) -> None:
    s = signal_set(ioc, SIG1)
    first = wait(s)
    signal.raise_signal(SIG1)
    second = wait(s)  # reads the signal: it completes the first wait, in the queue now
    s.cancel()
    s.close()
    run_ioc(ioc)
    assert first.calls == [(success, SIG1)]
    assert second.calls == [(operation_aborted, 0)]


def test_close_aborts_the_waits_and_later_waits_fail(ioc: net.io_context, run_ioc: Run) -> None:
    with signal_set(ioc, SIG1) as s:
        r = wait(s)
    assert repr(s) == "<signal_set closed>"
    s.close()  # again: nothing
    s.clear()
    s.remove(SIG1)
    s.cancel()
    late = wait(s)
    with pytest.raises(net.system_error) as info:
        s.add(SIG1)
    assert info.value.code == bad_descriptor
    run_ioc(ioc)
    assert r.calls == [(operation_aborted, 0)]
    assert late.calls == [(bad_descriptor, 0)]
    assert late.saw_returned == [True]


# -- R3, R7, tokens -------------------------------------------------------------------------


def test_run_stays_alive_while_a_wait_is_pending(ioc: net.io_context, run_ioc: Run) -> None:
    s = signal_set(ioc, signal.SIGALRM)
    events: list[object] = []
    r = wait(s)
    r.after = s.close

    def on_timer(ec: error_code) -> None:
        events.append("timer")
        assert ioc.has_outstanding_work()  # the signal wait, nothing else
        signal.setitimer(signal.ITIMER_REAL, 0.05)  # the kernel raises SIGALRM later

    timer = net.steady_timer(ioc, 0.01)
    timer.async_wait(on_timer)
    start = time.monotonic()
    run_ioc(ioc)
    assert time.monotonic() - start >= 0.05
    assert events == ["timer"]
    assert r.calls == [(success, signal.SIGALRM)]


def test_the_handler_runs_in_its_strand(ioc: net.io_context, run_ioc: Run) -> None:
    strand = net.make_strand(ioc)
    s = signal_set(ioc, SIG1)
    on_strand = signal_set(strand, SIG1)
    assert on_strand.get_executor() is strand
    results: list[tuple[str, int, bool]] = []

    def record(name: str) -> Callable[[error_code, int], None]:
        def handler(ec: error_code, n: int) -> None:
            results.append((name, n, strand.running_in_this_thread()))
            if len(results) == 3:
                s.close()
                on_strand.close()

        return handler

    s.async_wait(net.bind_executor(strand, record("bound")))
    s.async_wait(record("plain"))
    on_strand.async_wait(record("default"))  # the set's executor: the strand
    _raise_later(ioc, SIG1, SIG1)
    run_ioc(ioc)
    assert sorted(results) == [
        ("bound", SIG1, True),
        ("default", SIG1, True),
        ("plain", SIG1, False),
    ]


def test_use_future(ioc: net.io_context, run_ioc: Run) -> None:
    s = signal_set(ioc, SIG1)
    done = s.async_wait(net.use_future)
    assert done is not None and not done.done()
    _raise_later(ioc, SIG1)
    ioc.run_one_for(5.0)
    aborted = s.async_wait(net.use_future)
    assert aborted is not None
    s.close()
    run_ioc(ioc)
    assert done.result(0) == SIG1
    exc = aborted.exception(0)
    assert isinstance(exc, net.system_error) and exc.code == operation_aborted


# -- threads and handlers -------------------------------------------------------------------


def test_only_the_main_thread_installs_handlers(ioc: net.io_context, caught: list[int]) -> None:
    s = signal_set(ioc, SIG1)
    errors: list[BaseException] = []

    def off_main(f: Callable[[], object]) -> None:
        def body() -> None:
            try:
                f()
            except BaseException as exc:
                errors.append(exc)

        t = threading.Thread(target=body)
        t.start()
        t.join(5.0)

    off_main(lambda: signal_set(ioc))
    off_main(lambda: s.add(SIG2))
    off_main(s.close)  # the last hold on SIG1: the handler must be restored
    assert [type(e) for e in errors] == [ValueError] * 3
    assert all("main thread" in str(e) for e in errors)
    signal.raise_signal(SIG1)
    assert caught == []  # close() changed nothing
    other = signal_set(ioc, SIG1)
    errors.clear()
    off_main(other.close)  # s still holds SIG1: nothing to restore, allowed
    assert errors == []
    s.close()


def test_close_restores_the_previous_handlers_and_wakeup_fd(
    ioc: net.io_context, caught: list[int]
) -> None:
    previous = signal.getsignal(SIG1)
    before = _wakeup_fd()
    a = signal_set(ioc, SIG1)
    assert signal.getsignal(SIG1) is not previous
    assert _registry._wr is not None and _wakeup_fd() == _registry._wr.fileno()
    b = signal_set(ioc, SIG1, SIG2)
    a.close()
    signal.raise_signal(SIG1)  # b still holds it
    assert caught == []
    b.close()
    assert signal.getsignal(SIG1) is previous
    assert _wakeup_fd() == before
    signal.raise_signal(SIG1)
    signal.raise_signal(SIG2)
    assert caught == [SIG1, SIG2]
    assert not ioc.has_outstanding_work()


# -- per-operation cancellation -------------------------------------------------------------


@pytest.mark.parametrize(
    "kind",
    [net.cancellation_type.terminal, net.cancellation_type.partial, net.cancellation_type.total],
)
def test_a_wait_is_cancelled_on_its_own_and_consumes_no_signal(
    kind: net.cancellation_type, ioc: net.io_context, run_ioc: Run
) -> None:
    s = signal_set(ioc, SIG1)
    sig = net.cancellation_signal()
    cancelled = Recorder()
    s.async_wait(net.bind_cancellation_slot(sig.slot(), cancelled))
    other = wait(s)  # a second wait: only the cancelled one ends
    sig.emit(kind)
    assert cancelled.calls == []  # never inside emit() (R1)
    ioc.poll()
    assert cancelled.calls == [(operation_aborted, 0)] and other.calls == []
    sig.emit(kind)  # after the completion: nothing (R2)
    signal.raise_signal(SIG1)  # the next occurrence goes to the wait still pending
    other.after = s.close
    ioc.restart()
    run_ioc(ioc)
    assert other.calls == [(success, SIG1)]
    assert cancelled.calls == [(operation_aborted, 0)]


def test_a_wait_completed_by_its_signal_ignores_a_later_emit(
    ioc: net.io_context, run_ioc: Run
) -> None:
    s = signal_set(ioc, SIG1)
    sig = net.cancellation_signal()
    r = Recorder()
    s.async_wait(net.bind_cancellation_slot(sig.slot(), r))
    signal.raise_signal(SIG1)
    late = wait(s)  # drains the wakeup socket: the first wait's completion is queued
    sig.emit(net.cancellation_type.terminal)
    late.after = s.close
    s.cancel()
    run_ioc(ioc)
    assert r.calls == [(success, SIG1)]
    assert late.calls == [(operation_aborted, 0)]


def test_cancel_after_bounds_a_wait(ioc: net.io_context, run_ioc: Run) -> None:
    s = signal_set(ioc, SIG1)
    r = Recorder()
    r.after = s.close
    s.async_wait(net.cancel_after(0.01, r))
    run_ioc(ioc)
    assert r.calls == [(operation_aborted, 0)]


# -- lifetime (R10): a dropped set is closed, as Asio's destructor does ---------------------


def test_a_set_dropped_without_close_is_freed_and_closed(
    ioc: net.io_context, run_ioc: Run
) -> None:
    # The autouse fixture then checks that the previous handlers and the wakeup fd are back
    # and that the registry holds nothing.
    with gc_disabled():
        s = signal_set(ioc, SIG1, SIG2)
        r = wait(s)  # its handler does not hold the set
        ref = weakref.ref(s)
        del s
        assert ref() is None, "the registry still holds the set"
        run_ioc(ioc)
        assert r.calls == [(operation_aborted, 0)]  # cancelled by the set's end


def test_a_pending_wait_whose_handler_holds_the_set_keeps_it_alive(
    ioc: net.io_context, run_ioc: Run
) -> None:
    class session:
        def __init__(self) -> None:
            self.signals = signal_set(ioc, SIG1)
            self.calls: list[tuple[error_code, int]] = []

        def on_signal(self, ec: error_code, signal_number: int) -> None:
            self.calls.append((ec, signal_number))

    with gc_disabled():
        sess = session()
        sess.signals.async_wait(sess.on_signal)
        calls = sess.calls
        ref = weakref.ref(sess)
        del sess
        assert ref() is not None, "a session with a pending wait must stay alive"
        signal.raise_signal(SIG1)
        run_ioc(ioc)
        assert calls == [(success, SIG1)]
        assert ref() is None, "the session outlived its last handler"
