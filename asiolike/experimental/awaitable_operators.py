"""Awaitable operators (Asio's ``experimental::awaitable_operators``): ``a | b`` and ``a & b``.

Inside a coroutine started by :func:`asiolike.co_spawn`, for awaitables ``a`` and ``b``
(``op(..., net.use_awaitable)``, ``co_spawn(..., net.use_awaitable)``, a deferred operation,
or a coroutine object, which is spawned on the awaiting coroutine's executor):

``await (a | b)``
    Runs both. The first to complete *successfully* wins; the others receive a
    ``terminal`` cancellation, and the coroutine resumes once every operand has finished,
    with ``(index, result)`` of the winner. If all fail, the exception of the first to fail
    is raised. (Asio's ``||``.)
``await (a & b)``
    Runs both and gives a tuple with one entry per operand (``None`` for an operation
    without a value). If one fails, the others are cancelled (``terminal``) and, once all
    have finished, the first exception is raised. (Asio's ``&&``.)

Chains flatten: ``a | b | c`` gives ``(index, result)`` with an index of 0 to 2, and
``a & b & c`` a 3-tuple. The operands start in order, when the group is awaited.

An operand that does not honour cancellation (see :mod:`asiolike.cancellation` for the
list) cannot be cut short: the group then waits for it to complete on its own.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from asiolike.awaitable import EXCEPTION, awaitable, unpack, use_awaitable
from asiolike.cancellation import cancellation_type
from asiolike.experimental._group import group_state

__all__ = ["any_of", "all_of"]

_TERMINAL = cancellation_type.terminal


class _operator_group(awaitable[Any]):
    """An unstarted ``|`` or ``&`` of awaitables."""

    __slots__ = ("_operands", "_started")

    _mode = EXCEPTION

    def __init__(self, operands: list[Any]) -> None:
        self._operands = operands
        self._started = False

    @classmethod
    def join(cls, left: Any, right: Any) -> Any:
        for operand in (left, right):
            if not isinstance(operand, awaitable) and not inspect.iscoroutine(operand):
                raise TypeError(
                    f"awaitable operators combine asiolike awaitables (op(..., "
                    f"net.use_awaitable), co_spawn(..., net.use_awaitable)) or coroutine "
                    f"objects, not {operand!r}"
                )
        if type(left) is cls and not left._started:
            left._started = True  # consumed by the bigger group
            return cls([*left._operands, right])
        return cls([left, right])

    def _initiate(self, handler: Callable[..., object]) -> None:
        if self._started:
            raise RuntimeError(f"{self!r} was already awaited (or joined into another group)")
        self._started = True
        operands, self._operands = self._operands, []
        state = self._state(len(operands), handler)
        for index, operand in enumerate(operands):
            kid = state.children[index]
            if inspect.iscoroutine(operand):
                from asiolike.co_spawn import co_spawn

                operand = co_spawn(state.executor, operand, use_awaitable)
            state.modes[index] = operand._mode
            try:
                operand._initiate(kid)
            except Exception as refused:  # R6: a misuse fails that operand, after this call
                if state.executor is None:
                    raise
                state.modes[index] = EXCEPTION
                state.executor.post(functools.partial(kid, refused, None))
        state.launched()

    def _state(self, count: int, handler: Callable[..., object]) -> _operator_state:
        raise NotImplementedError

    def __repr__(self) -> str:
        sep = " | " if isinstance(self, any_of) else " & "
        return "(" + sep.join(repr(o) for o in self._operands) + ")"


class _operator_state(group_state):
    def __init__(self, count: int, handler: Callable[..., object]) -> None:
        super().__init__(count, handler)
        self.modes = [0] * count
        self.error: BaseException | None = None


class _any_state(_operator_state):
    def __init__(self, count: int, handler: Callable[..., object]) -> None:
        super().__init__(count, handler)
        self.winner: tuple[int, Any] | None = None

    def record(self, index: int, args: tuple[Any, ...]) -> cancellation_type:
        exc, value = unpack(self.modes[index], args)
        if exc is not None:
            if self.error is None:
                self.error = exc
            return cancellation_type.none
        if self.winner is None:
            self.winner = (index, value)
            return _TERMINAL
        return cancellation_type.none

    def finish(self, handler: Callable[..., object]) -> None:
        if self.winner is not None:
            handler(None, self.winner)
        else:
            handler(self.error, None)


class _all_state(_operator_state):
    def __init__(self, count: int, handler: Callable[..., object]) -> None:
        super().__init__(count, handler)
        self.values: list[Any] = [None] * count

    def record(self, index: int, args: tuple[Any, ...]) -> cancellation_type:
        exc, value = unpack(self.modes[index], args)
        if exc is not None:
            if self.error is None:
                self.error = exc
                return _TERMINAL
            return cancellation_type.none
        self.values[index] = value
        return cancellation_type.none

    def finish(self, handler: Callable[..., object]) -> None:
        if self.error is not None:
            handler(self.error, None)
        else:
            handler(None, tuple(self.values))


class any_of(_operator_group):
    """``a | b``: the first success wins; the result is ``(index, value)``."""

    __slots__ = ()

    def _state(self, count: int, handler: Callable[..., object]) -> _operator_state:
        return _any_state(count, handler)


class all_of(_operator_group):
    """``a & b``: every operand; the result is a tuple, one entry per operand."""

    __slots__ = ()

    def _state(self, count: int, handler: Callable[..., object]) -> _operator_state:
        return _all_state(count, handler)
