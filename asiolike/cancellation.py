"""Per-operation cancellation: Asio's ``cancellation_signal``, ``cancellation_slot`` and friends.

Theory of operation
-------------------
A :class:`cancellation_signal` is owned by whoever may want to cancel (a coroutine, an
awaitable operator, a ``cancel_after`` timer, the user). Its :meth:`~cancellation_signal.slot`
is handed to an operation by *associating* it with the operation's handler
(:func:`~asiolike.bind_cancellation_slot`, or an ``associated_cancellation_slot`` attribute on a
handler object, as the coroutine machinery does). A slot holds at most one *cancellation
handler*; :meth:`cancellation_signal.emit` calls it with the requested
:class:`cancellation_type`.

The protocol an operation follows to honour cancellation (the opt-in; an operation that does
not follow it simply cannot be cancelled per operation, as in Asio):

1. At initiation, read ``slot = associated_cancellation_slot_of(handler)`` (``None``: no
   slot, nothing to do; it costs one ``getattr`` and is skipped for plain functions).
2. If ``slot.is_connected()``, install a handler with ``slot.assign(fn)``, where
   ``fn(type)`` checks ``type`` against the types the operation supports (ignoring the
   others, as Asio does) and completes the *pending* operation with ``operation_aborted``
   through the normal completion path (a queued completion, never an inline call of the
   user's handler: R1 and R2 hold).
3. ``fn`` must be harmless once the operation has completed: a slot is reused, and a signal
   emitted after the completion must do nothing (the timer's ``fn`` asks the timer queue to
   cancel an operation that is already done, which returns False). A completed operation
   has let go of its user handler (R10), so a stale ``fn`` keeps nothing of the user's.

``emit`` is not thread-safe, as in Asio: call it from the executor the operation's handler
runs on (one thread of an io_context, or its strand). The adapters here do.

Which operations honour it today:

* ``async_wait`` of ``steady_timer`` and ``system_timer``: terminal, partial, total;
* the reactive socket operations (``async_read_some``, ``async_write_some``,
  ``async_receive``, ``async_send``, ``async_connect``, ``async_wait``) and
  ``acceptor.async_accept``: terminal, partial, total, as Asio's (the socket stays open;
  only that operation ends);
* the composed algorithms ``async_read``, ``async_write``, ``async_read_until`` and the
  range ``async_connect``: terminal and partial, passed on to their current step (they
  expose the final handler's slot and the types they let through, ``cancellation_types``:
  what the op supports and its own handler, an outer operation, passes on); total is
  ignored, since bytes may already have moved;
* ``beast.tcp_stream``, ``ssl.stream`` and ``http.async_read``/``async_write``: terminal
  and partial, passed on in the same way; every ``websocket.stream`` operation: terminal
  only, as Beast's (the stream is then failed: close it).
* coroutines spawned with :func:`asiolike.co_spawn` (forwarded to the operation they
  await); the awaitable operators and ``make_parallel_group`` (forwarded to every operand).

Not yet: ``resolver.async_resolve``, ``signal_set``; a signal emitted at them is ignored
(as Asio ignores an unsupported type).

:func:`~asiolike.cancel_after` / :func:`~asiolike.cancel_at` are token adapters: they give
the operation a slot of their own signal, start a ``steady_timer`` on the handler's
executor, emit the signal when it expires (never early) and cancel the timer when the
operation completes first.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from asiolike.detail.completion import PLAIN_CALLABLES, associated_executor_of
from asiolike.detail.handler_check import register_wrapper

if TYPE_CHECKING:
    from asiolike.detail.completion import Executor

__all__ = [
    "cancellation_type",
    "cancellation_signal",
    "cancellation_slot",
    "cancellation_slot_binder",
    "bind_cancellation_slot",
    "get_associated_cancellation_slot",
    "associated_cancellation_slot_of",
    "cancel_after",
    "cancel_at",
    "cancel_after_t",
]


class cancellation_type(enum.IntFlag):
    """What a cancellation request asks for (Asio's ``cancellation_type``).

    ``terminal``: the operation may be left in any state (only closing makes sense after).
    ``partial``: some side effects may have happened; the object stays usable.
    ``total``: no side effects: as if the operation had never started.
    """

    none = 0
    terminal = 1
    partial = 2
    total = 4
    all = 7


_PLAIN = PLAIN_CALLABLES


class cancellation_signal:
    """Emits cancellation requests to the one handler installed in its slot.

    Not thread-safe (as Asio's): emit from the executor the operation completes on.
    """

    __slots__ = ("__weakref__", "_handler")

    def __init__(self) -> None:
        self._handler: Callable[[cancellation_type], object] | None = None

    def slot(self) -> cancellation_slot:
        """A slot connected to this signal (to associate with an operation's handler)."""
        return cancellation_slot(self)

    def emit(self, type: cancellation_type = cancellation_type.terminal) -> None:
        """Call the installed cancellation handler, if any, with ``type``."""
        handler = self._handler
        if handler is not None:
            handler(cancellation_type(type))

    def __repr__(self) -> str:
        return f"<cancellation_signal {'armed' if self._handler else 'empty'}>"


class cancellation_slot:
    """Where an operation installs its cancellation handler (Asio's ``cancellation_slot``).

    A default-constructed slot is not connected to any signal: installing into it is an error,
    and operations skip it.
    """

    __slots__ = ("_signal",)

    def __init__(self, signal: cancellation_signal | None = None) -> None:
        self._signal = signal

    def is_connected(self) -> bool:
        """Whether the slot belongs to a signal."""
        return self._signal is not None

    def has_handler(self) -> bool:
        """Whether a cancellation handler is installed."""
        return self._signal is not None and self._signal._handler is not None

    def assign(self, handler: Callable[[cancellation_type], object]) -> None:
        """Install ``handler(type)``, replacing the one installed before (Asio's ``emplace``).

        Raises:
            RuntimeError: the slot is not connected.
        """
        signal = self._signal
        if signal is None:
            raise RuntimeError(
                "cancellation_slot.assign on an unconnected slot: take the slot from a "
                "cancellation_signal (sig.slot())"
            )
        signal._handler = handler

    emplace = assign

    def clear(self) -> None:
        """Remove the installed handler (a later emit does nothing)."""
        if self._signal is not None:
            self._signal._handler = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, cancellation_slot) and other._signal is self._signal

    def __hash__(self) -> int:
        return id(self._signal)

    def __repr__(self) -> str:
        return f"<cancellation_slot {'connected' if self._signal else 'unconnected'}>"


def associated_cancellation_slot_of(handler: object) -> cancellation_slot | None:
    """The slot associated with ``handler``, or ``None`` (the operations' cheap query)."""
    if type(handler) in _PLAIN:
        return None
    slot: cancellation_slot | None = getattr(handler, "associated_cancellation_slot", None)
    return slot


class _cancel_with:
    """A slot's handler: runs the action when the requested type is one of ``types``."""

    __slots__ = ("action", "args", "types")

    def __init__(self, types: int, action: Callable[..., object], args: tuple[Any, ...]) -> None:
        self.types = types
        self.action = action
        self.args = args

    def __call__(self, type: int) -> None:
        if type & self.types:
            self.action(*self.args)


def install_cancellation(
    handler: object, supported: int, action: Callable[..., object], *args: Any
) -> None:
    """For I/O objects: connect one pending operation to ``handler``'s cancellation slot.

    When ``handler`` has a connected slot, a request of a type both the operation
    (``supported``) and the handler (its ``cancellation_types``, when it is a composed
    operation passing its own on) let through calls ``action(*args)``, which must end that
    one operation with ``operation_aborted`` through the queue, and do nothing once it has
    completed. A plain function has no slot: nothing is made.
    """
    slot = associated_cancellation_slot_of(handler)
    if slot is not None and slot.is_connected():
        types = supported & getattr(handler, "cancellation_types", supported)
        slot.assign(_cancel_with(types, action, args))


def get_associated_cancellation_slot(
    handler: object, default: cancellation_slot | None = None
) -> cancellation_slot:
    """The slot associated with ``handler``; else ``default``, else an unconnected slot."""
    slot = associated_cancellation_slot_of(handler)
    if slot is not None:
        return slot
    return default if default is not None else cancellation_slot()


class cancellation_slot_binder:
    """A handler or token with an associated cancellation slot (Asio's binder).

    Made by :func:`~asiolike.bind_cancellation_slot`. As a handler it calls the target and forwards
    the target's associated executor; as a token (the target is ``use_awaitable``,
    ``use_future``...), :func:`asiolike.async_initiate` binds the slot to the handler that
    token makes.
    """

    __slots__ = ("associated_cancellation_slot", "target")

    def __init__(self, slot: cancellation_slot, target: Any) -> None:
        self.associated_cancellation_slot = slot
        self.target = target

    @property
    def associated_executor(self) -> Executor | None:
        return associated_executor_of(self.target)

    def get(self) -> Any:
        """The wrapped handler or token."""
        return self.target

    def get_cancellation_slot(self) -> cancellation_slot:
        """The bound slot."""
        return self.associated_cancellation_slot

    def __call__(self, *args: Any) -> object:
        return self.target(*args)

    def __repr__(self) -> str:
        return f"bind_cancellation_slot({self.associated_cancellation_slot!r}, {self.target!r})"


register_wrapper(cancellation_slot_binder, "target")


def bind_cancellation_slot(slot: cancellation_slot, target: Any) -> cancellation_slot_binder:
    """Associate ``slot`` with a handler or a token (Asio's ``bind_cancellation_slot``).

    Example: ``timer.async_wait(net.bind_cancellation_slot(sig.slot(), on_wait))``, then
    ``sig.emit(net.cancellation_type.terminal)`` completes the wait with ``operation_aborted``.
    """
    if not isinstance(slot, cancellation_slot):
        raise TypeError(f"bind_cancellation_slot needs a cancellation_slot, not {slot!r}")
    return cancellation_slot_binder(slot, target)


class cancel_after_t:
    """The token adapter made by :func:`cancel_after` and :func:`cancel_at`."""

    __slots__ = ("deadline", "timeout", "token", "type")

    def __init__(
        self, timeout: float | None, deadline: float | None, token: Any, type: cancellation_type
    ) -> None:
        self.timeout = timeout
        self.deadline = deadline
        self.token = token
        self.type = cancellation_type(type)

    def expiry(self) -> float:
        """The monotonic time at which the cancellation is emitted (fixed at initiation)."""
        if self.deadline is not None:
            return self.deadline
        assert self.timeout is not None
        return time.monotonic() + self.timeout

    def __repr__(self) -> str:
        when = f"after {self.timeout}s" if self.deadline is None else f"at {self.deadline}"
        return f"cancel_after({when}, {self.token!r}, {self.type!r})"


_TERMINAL: Final = cancellation_type.terminal


def _seconds(value: Any) -> float:
    total = getattr(value, "total_seconds", None)
    if total is not None:
        return float(total())
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"a timeout is seconds (int/float) or a timedelta, not {value!r}")
    return float(value)


def cancel_after(
    timeout: Any, token: Any = None, type: cancellation_type = _TERMINAL
) -> cancel_after_t:
    """A token adapter: cancel the operation if it has not completed after ``timeout``.

    ``op(..., net.cancel_after(5, handler))`` starts ``op`` with ``handler`` and a
    ``steady_timer`` of 5 seconds on the handler's executor (its associated one, else the
    I/O object's); when the timer expires first, the operation receives a cancellation of
    ``type`` (never earlier), and completes as that operation completes when cancelled
    (``operation_aborted``, for those that honour it; see the module's documentation for
    which do). Without ``token`` the adapter makes a deferred operation (as Asio's default),
    which a coroutine can ``await``.

    Args:
        timeout: seconds (int/float) or a ``timedelta``.
        token: the completion token to wrap (handler, ``use_awaitable``, ``use_future``...).
        type: the cancellation type emitted.
    """
    return cancel_after_t(_seconds(timeout), None, token, type)


def cancel_at(
    deadline: float, token: Any = None, type: cancellation_type = _TERMINAL
) -> cancel_after_t:
    """As :func:`cancel_after`, at the ``time.monotonic()`` value ``deadline``."""
    if isinstance(deadline, bool) or not isinstance(deadline, (int, float)):
        raise TypeError(f"a deadline is a time.monotonic() value, not {deadline!r}")
    return cancel_after_t(None, float(deadline), token, type)
