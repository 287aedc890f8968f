"""``make_parallel_group``: start several operations, wait for all or some (Asio's).

``make_parallel_group(op0, op1, ...)`` takes deferred operations (``op(..., net.deferred)``,
``co_spawn(..., net.deferred)``) and ``.async_wait(condition, token)`` starts them all at
once. Each completion is shown to ``condition``; when it returns a cancellation type other
than ``none``, the operations still pending receive that cancellation (once). When every
operation has completed, the handler receives Asio's flattened arguments::

    handler(order, *args_of_op0, *args_of_op1, ...)

where ``order`` lists the operations' indices in the order they completed; for two reads,
``handler(order, ec0, n0, ec1, n1)``. With ``use_awaitable`` or ``use_future`` the result is
that whole tuple.

Conditions (Asio's): :class:`wait_for_all` (never cancels), :class:`wait_for_one` (cancels
the rest after the first completion), :class:`wait_for_one_success` (after the first
success), :class:`wait_for_one_error` (after the first failure). A failure is a truthy
``error_code`` or an exception as first argument.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from asiolike.async_result import async_initiate
from asiolike.cancellation import cancellation_type
from asiolike.experimental._group import failed, group_state

__all__ = [
    "make_parallel_group",
    "parallel_group",
    "wait_for_all",
    "wait_for_one",
    "wait_for_one_success",
    "wait_for_one_error",
]

_TERMINAL = cancellation_type.terminal
_NONE = cancellation_type.none


class wait_for_all:
    """Wait for every operation; cancel nothing."""

    __slots__ = ()

    def __call__(self, *args: Any) -> cancellation_type:
        return _NONE


class wait_for_one:
    """Cancel the others (with ``type``) once one operation has completed."""

    __slots__ = ("type",)

    def __init__(self, type: cancellation_type = _TERMINAL) -> None:
        self.type = type

    def __call__(self, *args: Any) -> cancellation_type:
        return self.type


class wait_for_one_success(wait_for_one):
    """Cancel the others once one operation has completed successfully."""

    __slots__ = ()

    def __call__(self, *args: Any) -> cancellation_type:
        return _NONE if failed(args) else self.type


class wait_for_one_error(wait_for_one):
    """Cancel the others once one operation has failed."""

    __slots__ = ()

    def __call__(self, *args: Any) -> cancellation_type:
        return self.type if failed(args) else _NONE


class _parallel_state(group_state):
    def __init__(
        self, count: int, handler: Callable[..., object], condition: Callable[..., Any]
    ) -> None:
        super().__init__(count, handler)
        self.condition = condition
        self.order: list[int] = []
        self.results: list[tuple[Any, ...]] = [()] * count

    def record(self, index: int, args: tuple[Any, ...]) -> cancellation_type:
        self.order.append(index)
        self.results[index] = args
        return cancellation_type(self.condition(*args))

    def finish(self, handler: Callable[..., object]) -> None:
        flat: list[Any] = [self.order]
        for args in self.results:
            flat.extend(args)
        self.results = []
        handler(*flat)


class parallel_group:
    """Operations to start together; made by :func:`make_parallel_group`."""

    __slots__ = ("_ops",)

    def __init__(self, ops: tuple[Any, ...]) -> None:
        for op in ops:
            if not callable(op):
                raise TypeError(
                    f"make_parallel_group takes deferred operations (op(..., net.deferred)), "
                    f"not {op!r}"
                )
        self._ops: tuple[Any, ...] | None = ops

    def async_wait(self, condition: Callable[..., Any], token: Any) -> Any:
        """Start every operation; complete when all have (see the module's documentation).

        Args:
            condition: ``wait_for_all()``, ``wait_for_one()``, ``wait_for_one_success()``,
                ``wait_for_one_error()``, or any callable taking a completion's arguments
                and returning a :class:`~asiolike.cancellation_type`.
            token: the completion token.

        Handler:
            ``handler(order, *args_of_op0, *args_of_op1, ...)``.
        """
        ops = self._ops
        if ops is None:
            raise RuntimeError("parallel_group.async_wait called twice: a group runs once")
        self._ops = None

        def initiation(handler: Callable[..., object]) -> None:
            state = _parallel_state(len(ops), handler, condition)
            kids = list(state.children)
            for op, kid in zip(ops, kids, strict=True):
                try:
                    op(kid)
                except Exception as refused:  # R6 for one operation: it fails, later
                    ex = state.executor
                    if ex is None:
                        raise
                    ex.post(functools.partial(kid, refused))
            state.launched()

        return async_initiate(initiation, token)

    def __len__(self) -> int:
        return 0 if self._ops is None else len(self._ops)


def make_parallel_group(*ops: Any) -> parallel_group:
    """Group deferred operations to start together (Asio's ``make_parallel_group``)."""
    return parallel_group(ops)
