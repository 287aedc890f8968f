"""The machinery shared by the awaitable operators and ``parallel_group``: child handlers.

Theory of operation
-------------------
A group starts several operations at once, each with a :class:`child` handler of its own.
A child carries the index of its operation, the group's executor as its associated
executor (so each completion runs where the group's final handler runs) and the slot of a
:class:`~asiolike.cancellation.cancellation_signal` of its own, through which the group
cancels that one operation (a loser, an operation left after a failure). The group's own
cancellation slot (from its final handler) forwards a request to every child.

Completions may arrive on several threads of one io_context at once, so a group updates its
counts under a lock and emits cancellations outside it. A child completes exactly once (R2
holds for every operation), so a group finishes exactly once, when its last child does, and
calls its final handler from that completion (never from inside the initiating call, R1).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from asiolike.awaitable import handler_executor
from asiolike.cancellation import (
    associated_cancellation_slot_of,
    cancellation_signal,
    cancellation_slot,
    cancellation_type,
)
from asiolike.detail.scheduler import invokes_directly
from asiolike.error import error_code

__all__ = ["child", "group_state", "failed"]


def failed(args: tuple[Any, ...]) -> bool:
    """Whether a completion's arguments report a failure (a truthy ec, or an exception)."""
    if not args:
        return False
    first = args[0]
    if isinstance(first, error_code):
        return bool(first)
    return isinstance(first, BaseException)


class child:
    """The handler of one operation of a group."""

    __slots__ = (
        "_group",
        "_index",
        "associated_cancellation_slot",
        "associated_executor",
        "signal",
    )

    def __init__(self, group: group_state, index: int, executor: Any) -> None:
        self._group: group_state | None = group
        self._index = index
        self.associated_executor = executor
        self.signal = cancellation_signal()
        self.associated_cancellation_slot: cancellation_slot = self.signal.slot()

    def __call__(self, *args: Any) -> None:
        group, self._group = self._group, None
        if group is None:
            raise AssertionError("an operation of a group completed twice")
        group.child_done(self._index, args)


class group_state:
    """Counts the children of a group and cancels the pending ones; subclasses decide."""

    def __init__(self, count: int, handler: Callable[..., object]) -> None:
        self.handler: Callable[..., object] | None = handler
        self.executor = handler_executor(handler)
        # The children complete where the final handler runs (no association needed on
        # an io_context's own executor: see asiolike.awaitable's coro_thread).
        ex = self.executor
        associated = None if ex is None or invokes_directly(ex) else ex
        self.children = [child(self, i, associated) for i in range(count)]
        self.pending = count
        self.done = [False] * count
        self.lock = threading.Lock()
        self.cancelled = False
        # While the operations are being started, an early completion on another thread
        # may ask to cancel the rest before some of them have installed their
        # cancellation: the request is kept and emitted again once all have started
        # (see launched()), as Asio's group does after its launch.
        self.launching = True
        self.requested = cancellation_type.none
        outer = associated_cancellation_slot_of(handler)
        if outer is not None and outer.is_connected():
            outer.assign(self.cancel_all)
        self._outer = outer

    def cancel_all(self, type: cancellation_type = cancellation_type.terminal) -> None:
        """Emit ``type`` to every operation still pending."""
        with self.lock:
            if self.launching:
                self.requested |= type
            targets = [c for c, d in zip(self.children, self.done, strict=False) if not d]
        for c in targets:
            c.signal.emit(type)

    def launched(self) -> None:
        """Every operation has been started: re-emit a cancellation requested meanwhile."""
        with self.lock:
            self.launching = False
            type = self.requested
            targets = [c for c, d in zip(self.children, self.done, strict=False) if not d]
        if type:
            for c in targets:
                c.signal.emit(type)

    def child_done(self, index: int, args: tuple[Any, ...]) -> None:
        with self.lock:
            self.done[index] = True
            self.pending -= 1
            last = self.pending == 0
            cancel = self.record(index, args)
            if cancel and not self.cancelled:
                self.cancelled = True
            elif cancel:
                cancel = cancellation_type.none
        if cancel:
            self.cancel_all(cancel)
        if last:
            handler, self.handler = self.handler, None
            if self._outer is not None:
                self._outer.clear()
            self.children = []
            assert handler is not None
            self.finish(handler)

    def record(self, index: int, args: tuple[Any, ...]) -> cancellation_type:
        """Note a completion (under the lock); return the cancellation to emit to the rest."""
        raise NotImplementedError

    def finish(self, handler: Callable[..., object]) -> None:
        """Call the final handler once every operation has completed."""
        raise NotImplementedError
