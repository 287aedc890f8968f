"""How every operation delivers its result: the one completion path of the library.

Theory of operation
-------------------
A handler may be associated with an executor (``bind_executor(strand, h)``); otherwise it
runs on the I/O object's executor (rule R7). Operations finish in one of two ways:

* at once, inside the initiating function (a 0-byte read, data already buffered, a closed
  socket, a validation error). Rule R1 forbids calling the handler there, so the result is
  *posted*: the operation goes to the scheduler's queue with
  ``scheduler.post_immediate_completion`` (``cont=False`` for a composed operation);
* later, from inside the run loop (the reactor saw the socket ready, a timer expired, a
  previous step of a composed operation completed). The handler is then *dispatched* to
  its executor: called directly when that executor is already running this thread.

Two bases implement this, and every operation of the library derives from one of them:

:class:`queued_op`
    A single operation that completes through the scheduler's queue (a socket read, an
    accept, a timer wait, a resolve, a signal wait, a test-stream read). It holds the
    handler, the executor to dispatch through (``None``: call the handler straight from
    the run loop, the fast path), and its result: ``ec`` and, for handlers taking a second
    argument, ``value``. Its one ``__call__`` delivers the result; the queue, the reactor
    and the timer queue only ever call that.
:class:`composed_op`
    An operation made of other operations (Beast's ``async_base``): it passes itself (or
    its bound ``__call__``) as the handler of each step and finishes with
    :meth:`composed_op.complete`, which posts when ``cont`` is false (the first step
    finished inside the initiating function) and otherwise calls the handler at once when
    it may (the fast path) or dispatches it. It exposes the final handler's
    ``associated_executor``, so intermediate steps run where the final handler will.

*The fast path* is decided once per I/O object, when it is built, by two questions to
:mod:`asiolike.detail.scheduler`: :func:`~asiolike.detail.scheduler.invokes_directly` (is
the object's executor its context's own? then a handler without an association is called
straight from the run loop, ``executor=None``) and
:func:`~asiolike.detail.scheduler.fast_handlers` (the handler types whose initiation may
skip ``async_initiate``: plain functions, bound methods and partials, and only on an
untracked context's own executor). Initiating functions test ``type(token) in
self._fast``: the same test everywhere, answered by a set chosen at construction.

*Pending until the upcall* (rule R6): an I/O object that allows one pending operation of a
kind (one read, one write) keeps a :class:`pending_mark` per kind, raises in its initiating
function while the mark is busy, and hands the mark to the operation's
:class:`composed_op`. :meth:`composed_op.complete` clears it right before the handler is
invoked, on every path (called at once, dispatched, or posted because the operation
finished inside its initiating function): the operation is pending from its initiation
until its handler runs, whatever the timing, and a handler may start the next one.

*Per-operation cancellation* (:mod:`asiolike.cancellation`): a :class:`composed_op` exposes
its final handler's ``associated_cancellation_slot`` and the types it lets through,
``cancellation_types`` (what the class supports, ``supported_cancellation``, and what its
own handler, an outer operation, allows). A step is given the op itself when the final
handler has an associated executor or a slot (``plain_steps`` false), else its bound
``__call__``; the reactor installs the waiting operation's cancellation in that slot
(``reactor.start_op``), so a request reaches the step that is waiting.

*Lifetimes* (rule R10): both bases let go of the handler *before* invoking it, as Asio frees
an operation before the upcall. A completed operation (a timer wait remembered by its
timer, a cancelled wait left in the timer heap) therefore keeps nothing of the user's, and
a session dropped by its last handler is freed by reference counting alone.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable
from typing import Any, ClassVar, Final

from asiolike._build import mypyc_attr
from asiolike.detail.executor_concept import Executor
from asiolike.detail.handler_check import (
    CHECK,
    FUNCTION,
    METHOD,
    completion_signature,
    register_wrapper,
)
from asiolike.error import error_code, success

__all__ = [
    "Executor",
    "executor_binder",
    "bind_executor",
    "get_associated_executor",
    "associated_executor_of",
    "composed_op",
    "queued_op",
    "NO_VALUE",
    "PLAIN_CALLABLES",
    "NO_FAST_PATH",
    "op_executor",
    "pending_mark",
]


# Handlers of these types can never carry an association: skip the (slow, failing)
# attribute lookup for them. This is the hot path of every completion. A method-wrapper is
# what ``op.__call__`` is when ``op``'s class is compiled (docs/explanation/compiled.rst):
# the bound ``__call__`` of a composed step, as plain as the bound method it is here.
PLAIN_CALLABLES: Final = frozenset(
    {
        types.FunctionType,
        types.MethodType,
        types.BuiltinFunctionType,
        types.BuiltinMethodType,
        types.MethodWrapperType,
        functools.partial,
    }
)
NO_FAST_PATH: Final[frozenset[type]] = frozenset()
_partial = functools.partial


def associated_executor_of(handler: object) -> Executor | None:
    """The executor ``handler`` is associated with, or ``None`` when it has none.

    A handler is associated by :func:`bind_executor`, or by exposing an
    ``associated_executor`` attribute (composed operations do this so that their
    intermediate steps run where the final handler runs).
    """
    if type(handler) in PLAIN_CALLABLES:
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


register_wrapper(executor_binder, "_target")


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


def op_executor(handler: object, io_executor: Executor, direct: bool) -> Executor | None:
    """Where a :class:`queued_op` delivers ``handler``: ``None`` means straight from the loop.

    ``io_executor`` is the I/O object's executor and ``direct`` whether it
    :func:`~asiolike.detail.scheduler.invokes_directly`.
    """
    ex = associated_executor_of(handler)
    if ex is None:
        return None if direct else io_executor
    if ex is io_executor and direct:
        return None
    return ex


class _no_value:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE: Final[Any] = _no_value()
"""``queued_op.value`` of an operation whose handler takes only ``(ec)``."""


@mypyc_attr(allow_interpreted_subclasses=True)
class queued_op:
    """Base of every operation that completes through the scheduler's queue.

    Subclasses add what their system call needs (``perform()`` for the reactor, an expiry
    for the timer queue) and set the four fields in their constructor; this class supplies
    the one ``__call__`` that delivers ``handler(ec)`` or ``handler(ec, value)``.
    """

    __slots__ = ("ec", "executor", "handler", "value")

    handler: Callable[..., object] | None
    executor: Executor | None
    ec: error_code
    value: Any

    def __init__(
        self, handler: Callable[..., object], executor: Executor | None, value: Any = NO_VALUE
    ) -> None:
        self.handler = handler
        self.executor = executor
        self.ec = success
        self.value = value

    def __call__(self) -> None:
        handler = self.handler
        # Let go of the handler before the upcall (R10): the operation may outlive this
        # call (a timer remembers its last wait), and must keep nothing of the user's.
        self.handler = None
        if handler is None:
            raise AssertionError(f"{type(self).__name__} completed twice")
        value = self.value
        ex = self.executor
        if ex is None:
            if value is NO_VALUE:
                handler(self.ec)
            else:
                handler(self.ec, value)
        elif value is NO_VALUE:
            ex.dispatch(_partial(handler, self.ec))
        else:
            ex.dispatch(_partial(handler, self.ec, value))


@mypyc_attr(allow_interpreted_subclasses=True)
class pending_mark:
    """Marks one kind of operation of an I/O object (its reads, say) as pending (rule R6).

    ``busy`` is set by :class:`composed_op` when an operation given the mark is built, and
    cleared by :meth:`composed_op.complete` right before the handler is invoked. The I/O
    object tests ``busy`` in its initiating function and raises ``RuntimeError`` while it
    is set; it clears ``busy`` itself only when the initiation fails (raises) after the
    operation was built.
    """

    __slots__ = ("busy",)

    def __init__(self) -> None:
        self.busy = False

    def __repr__(self) -> str:
        return f"<pending_mark busy={self.busy}>"


def _upcall(mark: pending_mark, handler: Callable[..., object], args: tuple[object, ...]) -> None:
    # A queued completion of a marked operation: the operation stays pending until here.
    mark.busy = False
    handler(*args)


@mypyc_attr(allow_interpreted_subclasses=True)
class composed_op:
    """Base of composed operations (Beast's ``async_base``): the final handler and its delivery.

    Subclasses implement ``__call__`` for the intermediate completions and finish with
    :meth:`complete`. Because ``associated_executor`` is the final handler's, the
    intermediate steps run where the final handler will (inside its strand, say).

    Args:
        handler: the final handler.
        io_executor: the executor of the I/O object the operation works on.
        direct: whether ``io_executor`` ``asiolike.detail.scheduler.invokes_directly``
            (asked by the I/O object once, or by the algorithm from the stream).
        mark: optional, the I/O object's
            :class:`~asiolike.detail.completion.pending_mark` for this kind of operation:
            set busy here, cleared right before the handler is invoked (R6).

    :meth:`forward` is the intermediate handler of an operation whose inner result is its
    final result (a stream that only wraps another's read, say): ``complete(True, ...)``
    without the extra call.
    """

    __slots__ = (
        "associated_cancellation_slot",
        "associated_executor",
        "cancellation_types",
        "direct",
        "handler",
        "io_executor",
        "mark",
        "plain_steps",
    )

    handler: Callable[..., object] | None
    # The cancellation types this kind of operation supports and passes on to its current
    # step (see asiolike.cancellation): terminal and partial, as Asio's composed
    # algorithms; 0 for none. Overridden by operations that support others.
    supported_cancellation: ClassVar[int] = 1 | 2  # ClassVar: compiled, subclasses override it
    # The final handler's parameters, checked here so that a handler of the wrong shape
    # fails when the operation starts (asiolike.detail.handler_check); None: not checked
    # (an operation whose completion signature depends on how it was started).
    handler_signature: ClassVar[completion_signature | None] = None

    def __init__(
        self,
        handler: Callable[..., object],
        io_executor: Executor,
        direct: bool = False,
        mark: pending_mark | None = None,
    ) -> None:
        sig = self.handler_signature
        if CHECK and sig is not None:  # the handler check (asiolike.detail.handler_check)
            h: Any = handler
            t = h.__class__
            key = h.__func__ if t is METHOD else h if t is FUNCTION else t
            ok = sig.verified
            if key not in ok and not ((t is METHOD or t is FUNCTION) and key.__code__ in ok):
                sig.check(handler)
        if type(handler) in PLAIN_CALLABLES:
            ex = None
            self.associated_cancellation_slot: Any = None
            self.cancellation_types = self.supported_cancellation
        else:
            ex = associated_executor_of(handler)
            # The final handler's cancellation slot, exposed so that a step given this op
            # as its handler installs its cancellation there (forwarding, as Asio's), with
            # the types both this op and its handler (an outer composed op) let through.
            self.associated_cancellation_slot = getattr(
                handler, "associated_cancellation_slot", None
            )
            self.cancellation_types = self.supported_cancellation & getattr(
                handler, "cancellation_types", 7
            )
        self.handler = handler
        self.associated_executor = ex
        # What a step passes the next layer: this op's bound __call__ (a plain callable,
        # which the next layer completes by its fast path) when the final handler has
        # neither an associated executor nor a cancellation slot; else the op itself, so
        # that the next layer honours both for the step: ``self.__call__ if
        # self.plain_steps else self``.
        self.plain_steps = ex is None and self.associated_cancellation_slot is None
        self.io_executor = io_executor
        # A continuation of a plain handler on a direct executor runs inside that
        # context's run(): calling the handler is what dispatching would do.
        self.direct = ex is None and direct
        self.mark = mark
        if mark is not None:
            mark.busy = True

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        # Every subclass defines its intermediate handler. Declaring it here keeps the
        # layout of a compiled subclass the base's (mypyc adds a slot for ``__call__``
        # in the class that first defines it): see docs/explanation/compiled.rst.
        raise NotImplementedError(f"{type(self).__name__} defines no intermediate handler")

    def complete(self, cont: bool, *args: object) -> None:
        """Deliver the final result (posted on the first step, dispatched later).

        The operation lets go of the handler before invoking it (R10), and its mark is
        cleared right before the handler runs (R6).
        """
        handler = self.handler
        self.handler = None
        if handler is None:
            raise AssertionError(f"{type(self).__name__} completed twice")
        mark = self.mark
        if cont and self.direct:
            if mark is not None:
                mark.busy = False
            handler(*args)
            return
        ex = self.associated_executor
        if ex is None:
            ex = self.io_executor
        f = _partial(handler, *args) if mark is None else _partial(_upcall, mark, handler, args)
        if cont:
            ex.dispatch(f)
        else:
            ex.post(f)

    def forward(self, *args: object) -> None:
        """``complete(True, *args)``: pass as the handler of an inner operation whose result
        is this operation's result (see the class). It lets go of the handler as
        :meth:`complete` does.
        """
        handler = self.handler
        self.handler = None
        if handler is None:
            raise AssertionError(f"{type(self).__name__} completed twice")
        mark = self.mark
        if self.direct:
            if mark is not None:
                mark.busy = False
            handler(*args)
            return
        ex = self.associated_executor
        (self.io_executor if ex is None else ex).dispatch(
            _partial(handler, *args) if mark is None else _partial(_upcall, mark, handler, args)
        )
