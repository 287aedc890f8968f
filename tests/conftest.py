"""Shared fixtures for the asiolike tests.

``ioc`` gives a fresh :class:`asiolike.io_context` that must end the test with no work left;
``run_ioc`` runs a context the bounded way every test should (``run_for``, never a bare
``run()``) and fails the test when the bound was hit; ``run_threads`` does the same on
several threads at once.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import asiolike
from tests.support.lifetimes import gc_disabled

# The examples import their siblings by name (chat_message.py), as they do when run as
# scripts: the folder goes on sys.path for the tests that import them.
_EXAMPLES = str(Path(__file__).resolve().parent.parent / "examples")
if _EXAMPLES not in sys.path:
    sys.path.append(_EXAMPLES)

#: The bound every test run uses; a test that needs it was going to hang.
RUN_TIMEOUT = 5.0


@pytest.fixture
def ioc() -> Iterator[asiolike.io_context]:
    """A fresh io_context; after the test it must have no outstanding work, then is closed.

    A test that deliberately leaves work behind (a stopped context with queued handlers)
    must drain or release it before returning.
    """
    ctx = asiolike.io_context()
    try:
        yield ctx
        assert not ctx.has_outstanding_work(), f"work left after the test: {ctx!r}"
    finally:
        ctx.close()


def run_until_done(ctx: asiolike.io_context, timeout: float = RUN_TIMEOUT) -> int:
    """``ctx.run_for(timeout)``; fails the test if it returned because time ran out.

    Returns:
        The number of handlers run.
    """
    n = ctx.run_for(timeout)
    if not ctx.stopped():
        pytest.fail(f"io_context still had work after run_for({timeout}): {ctx!r}")
    return n


@pytest.fixture
def no_gc() -> Iterator[None]:
    """The cyclic GC off for the test: what is freed is freed by reference counting (R10)."""
    with gc_disabled():
        yield


@pytest.fixture
def fast_switching() -> Iterator[None]:
    """Switch threads every microsecond during the test, so that races show up quickly."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


@pytest.fixture
def run_ioc() -> Callable[..., int]:
    """The :func:`run_until_done` helper: ``run_ioc(ioc)`` runs to completion or fails.

    Returns the number of handlers run. Pass ``timeout=`` to use another bound.
    """
    return run_until_done


def run_on_threads(
    ctx: asiolike.io_context,
    threads: int,
    timeout: float = RUN_TIMEOUT,
    *,
    unbounded: bool = False,
) -> list[int]:
    """Run ``ctx.run_for(timeout)`` on ``threads`` new threads at once and join them.

    With ``unbounded=True`` the threads call ``ctx.run()`` instead (the loop users call);
    a thread still inside it after ``timeout`` is stopped with ``ctx.stop()``.

    Fails the test if any thread returned only because of the bound (a lost wake-up), or
    if the context still had work; re-raises the first exception a thread's run raised.

    Returns:
        The number of handlers each thread ran.
    """
    counts = [0] * threads
    timed_out = [False] * threads
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            deadline = time.monotonic() + timeout
            counts[i] = ctx.run() if unbounded else ctx.run_until(deadline)
            timed_out[i] = time.monotonic() >= deadline
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for t in workers:
        t.start()
    deadline = time.monotonic() + timeout
    for t in workers:
        t.join(max(0.0, deadline - time.monotonic()))
    if unbounded and any(t.is_alive() for t in workers):
        ctx.stop()
    for t in workers:
        t.join(5.0)
    if any(t.is_alive() for t in workers):
        pytest.fail(f"a thread was still running the context {timeout + 5.0} s later")
    if errors:
        raise errors[0]
    if any(timed_out):
        pytest.fail(f"threads {timed_out} returned only at the {timeout} s bound")
    if not ctx.stopped():
        pytest.fail(f"io_context still had work after run_for({timeout}) on threads: {ctx!r}")
    return counts


@pytest.fixture
def run_threads() -> Callable[..., list[int]]:
    """The :func:`run_on_threads` helper: ``run_threads(ioc, 4)`` runs it on 4 threads.

    Returns the per-thread handler counts; fails on a hang or leftover work. Pass
    ``unbounded=True`` to test ``run()`` itself.
    """
    return run_on_threads
