"""How every operation delivers its result: associated executors and the one completion helper.

Theory of operation. A handler may be associated with an executor (``bind_executor(strand,
h)``); otherwise it runs on the I/O object's executor. Operations finish in one of two ways:

* at once, inside the initiating function (a 0-byte read, data already buffered, a closed
  socket, a validation error). Rule R1 forbids calling the handler there, so the result is
  *posted* (``cont=False``);
* later, from inside the run loop (the reactor saw the socket ready, a previous step of a
  composed operation completed). The handler is then *dispatched* to its executor
  (``cont=True``): called directly when that executor is already running this thread, posted
  otherwise (a strand the thread is not inside).

:func:`complete` is the one place that makes this choice; every operation uses it (or
:class:`composed_op`, which wraps it), so no operation re-invents rule R1 or R7.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from asiolike.io_context import io_context

__all__ = [
    "Executor",
    "executor_binder",
    "bind_executor",
    "get_associated_executor",
    "associated_executor_of",
    "complete",
    "composed_op",
]


@runtime_checkable
class Executor(Protocol):
    """What asiolike expects of an executor (an io_context's executor, a strand, ...)."""

    def context(self) -> io_context: ...

    def post(self, f: Callable[[], object]) -> None: ...

    def dispatch(self, f: Callable[[], object]) -> None: ...

    def defer(self, f: Callable[[], object]) -> None: ...

    def running_in_this_thread(self) -> bool: ...

    def on_work_started(self) -> None: ...

    def on_work_finished(self) -> None: ...


# Handlers of these types can never carry an association: skip the (slow, failing)
# attribute lookup for them. This is the hot path of every completion.
_PLAIN_CALLABLES = frozenset(
    {
        types.FunctionType,
        types.MethodType,
        types.BuiltinFunctionType,
        types.BuiltinMethodType,
        functools.partial,
    }
)


def associated_executor_of(handler: object) -> Executor | None:
    """The executor ``handler`` is associated with, or ``None`` when it has none.

    A handler is associated by :func:`bind_executor`, or by exposing an
    ``associated_executor`` attribute (composed operations do this so that their
    intermediate steps run where the final handler runs).
    """
    if type(handler) in _PLAIN_CALLABLES:
        return None
    ex = getattr(handler, "associated_executor", None)
    return ex


def get_associated_executor(handler: object, default: Executor | None = None) -> Executor | None:
    """The executor associated with ``handler``, else ``default`` (Asio's function).

    Args:
        handler: any callable.
        default: returned when ``handler`` has no associated executor.
    """
    ex = associated_executor_of(handler)
    return default if ex is None else ex


class executor_binder:
    """A handler bound to an executor: calls the target, and tells operations where to run it.

    Made by :func:`bind_executor`; Asio's ``executor_binder``.
    """

    __slots__ = ("__weakref__", "_target", "associated_executor")

    def __init__(self, executor: Executor, target: Callable[..., object]) -> None:
        if not callable(target):
            raise TypeError(f"bind_executor needs a callable handler, got {target!r}")
        self._target = target
        self.associated_executor = executor

    def get(self) -> Callable[..., object]:
        """The wrapped handler."""
        return self._target

    def get_executor(self) -> Executor:
        """The executor the handler is bound to."""
        return self.associated_executor

    def __call__(self, *args: Any) -> object:
        return self._target(*args)

    def __repr__(self) -> str:
        return f"bind_executor({self.associated_executor!r}, {self._target!r})"


def bind_executor(executor: Any, handler: Callable[..., object]) -> executor_binder:
    """Associate ``handler`` with ``executor`` (an executor, a strand or an io_context).

    Every asynchronous operation then runs ``handler`` through that executor, e.g.
    ``sock.async_read_some(buf, bind_executor(strand, on_read))`` runs ``on_read`` in
    ``strand``.

    Args:
        executor: an executor, or anything with ``get_executor()`` (an io_context).
        handler: the completion handler.
    """
    ex = executor.get_executor() if hasattr(executor, "get_executor") and not hasattr(
        executor, "dispatch"
    ) else executor
    return executor_binder(ex, handler)


def complete(
    cont: bool, io_executor: Executor, handler: Callable[..., object], *args: object
) -> None:
    """Deliver ``handler(*args)``: posted when ``cont`` is false, dispatched when true.

    ``io_executor`` is the I/O object's executor, used when the handler has no association.
    """
    ex = associated_executor_of(handler)
    _deliver(cont, io_executor if ex is None else ex, handler, args)


def _deliver(
    cont: bool, ex: Executor, handler: Callable[..., object], args: tuple[object, ...]
) -> None:
    if cont and ex.running_in_this_thread():
        handler(*args)
    else:
        ex.post(functools.partial(handler, *args))


class composed_op:
    """Base for composed operations: carries the final handler and its association.

    Subclasses implement ``__call__`` for the intermediate completions and finish with
    :meth:`complete`. Because ``associated_executor`` is the final handler's, the
    intermediate steps run where the final handler will (inside its strand, say).
    """

    __slots__ = ("associated_executor", "handler", "io_executor")

    def __init__(self, handler: Callable[..., object], io_executor: Executor) -> None:
        self.handler = handler
        self.associated_executor = associated_executor_of(handler)
        self.io_executor = io_executor

    def complete(self, cont: bool, *args: object) -> None:
        """Deliver the final result (posted on the first step, dispatched later)."""
        ex = self.associated_executor
        _deliver(cont, self.io_executor if ex is None else ex, self.handler, args)
