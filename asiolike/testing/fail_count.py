"""Injected failures: Beast's ``test::fail_count`` and the fail loop that walks every one.

Theory of operation. A :class:`fail_count` is a countdown shared by the objects under test
(one or more :class:`~asiolike.testing.stream` ends). Each I/O operation asks it once; the
``n``-th question (0-based) and every later one get the configured error instead of running.
A test that runs its body with ``fail_count(0)``, ``fail_count(1)``, ... until the body
completes without reaching the countdown has made every operation of the body fail once, at
every point where it can fail: that is :func:`fail_loop`. The loop also checks that each
injected failure *surfaced*: the body must report it (its final handler saw the injected
error code, or it raised it as a :class:`~asiolike.error.system_error`), never swallow it.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import index

from asiolike.error import error_code, success, system_error
from asiolike.testing.error import test_failure

__all__ = ["fail_count", "fail_loop"]


class fail_count:
    """A countdown to a simulated failure (Beast's ``test::fail_count``).

    Operations that take a ``fail_count`` ask it once each (:meth:`fail_code` or
    :meth:`fail`); the ``n``-th ask (0-based) and every later one fail with ``ec``.

    Args:
        n: The 0-based index of the operation to fail on (and after).
        ec: The error to fail with; by default
            :data:`asiolike.testing.error.test_failure`.

    Raises:
        ValueError: ``n`` is negative, or ``ec`` is success.
        TypeError: ``ec`` is not an :class:`~asiolike.error.error_code`.
    """

    __slots__ = ("_ec", "_i", "_n", "_triggered")

    def __init__(self, n: int, ec: error_code = test_failure) -> None:
        n = index(n)
        if n < 0:
            raise ValueError(f"fail_count(): n must be >= 0, got {n}")
        if not isinstance(ec, error_code):
            raise TypeError(f"fail_count(): ec must be an error_code, not {type(ec).__name__}")
        if not ec:
            raise ValueError("fail_count(): ec must be an error, not success")
        self._n = n
        self._i = 0
        self._ec = ec
        self._triggered = False

    def fail_code(self) -> error_code:
        """Count one operation; the error it must fail with, or success to go on.

        This is Beast's ``fail(error_code&)``: the calling operation completes with the
        returned code when it is an error.
        """
        i = self._i
        if i >= self._n:
            self._triggered = True
            return self._ec
        self._i = i + 1
        return success

    def fail(self) -> None:
        """Count one operation and raise on the ``n``-th and later ones (Beast's ``fail()``).

        Raises:
            system_error: carrying the configured error code.
        """
        ec = self.fail_code()
        if ec:
            raise system_error(ec, "fail_count")

    def triggered(self) -> bool:
        """Whether a failure was injected (the countdown was reached)."""
        return self._triggered

    def error(self) -> error_code:
        """The error code this counter injects."""
        return self._ec

    def __repr__(self) -> str:
        return f"<fail_count n={self._n} i={self._i} ec={self._ec.name()}>"


def fail_loop(
    body: Callable[[fail_count], object],
    *,
    limit: int = 1000,
    ec: error_code = test_failure,
) -> int:
    """Run ``body`` with ``fail_count(0)``, ``fail_count(1)``, ... until nothing is injected.

    Beast's pattern for reaching every point of failure. ``body(fc)`` builds the objects
    under test with ``fc``, runs them (``ioc.run_for(...)``), checks what it expects on
    success, and reports the final result in one of these ways:

    * returns the :class:`~asiolike.error.error_code` its final handler got (success
      when it completed), or returns ``None``;
    * raises :class:`~asiolike.error.system_error` (a synchronous call failed, or
      ``future.result()`` of a ``use_future`` operation).

    Each run where ``fc`` injected its failure must report exactly the injected code;
    the first run where it injected nothing ends the loop, and must not report an error.

    Args:
        body: The test body, called once per failure point.
        limit: Give up (fail the test) after this many runs.
        ec: The error to inject.

    Returns:
        The number of runs that failed on purpose (how many failure points ``body`` has).

    Raises:
        AssertionError: an injected failure was swallowed or replaced by another error,
            the body failed without an injected failure, or ``limit`` was reached.
    """
    for n in range(limit):
        fc = fail_count(n, ec)
        try:
            result = body(fc)
        except system_error as exc:
            if not fc.triggered():
                raise AssertionError(
                    f"fail_loop: run {n} raised {exc.code!r} but no failure was injected"
                ) from exc
            if exc.code != ec:
                raise AssertionError(
                    f"fail_loop: run {n} injected {ec!r} but the body raised {exc.code!r}"
                ) from exc
            continue
        if fc.triggered():
            if result != ec:
                raise AssertionError(
                    f"fail_loop: run {n} injected {ec!r} but the body reported {result!r}: "
                    "the failure did not surface as the handler's error code"
                )
            continue
        if isinstance(result, error_code) and result:
            raise AssertionError(
                f"fail_loop: run {n} injected nothing but the body reported {result!r}"
            )
        return n
    raise AssertionError(f"fail_loop: the body still met injected failures after {limit} runs")
