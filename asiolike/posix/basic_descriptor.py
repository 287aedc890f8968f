"""``basic_descriptor``: a POSIX file descriptor owned by an I/O object (Asio's
``posix::basic_descriptor``).

Theory of operation. The object owns one descriptor (a pipe end, a terminal, a character
device, a socket used as a plain stream), switched to non-blocking mode while the object
holds it, and one :class:`~asiolike.detail.reactor.descriptor_state` registered with the
io_context's reactor. Operations try their system call at once and otherwise wait in the
reactor, as the sockets' do (:mod:`asiolike.detail.reactive_socket`); their results always
go through the io_context's queue (rule R1).

The non-blocking flag belongs to the open file description, which ``dup`` and ``fork``
share: making a copy of standard input non-blocking makes the shell's non-blocking too.
So the descriptor's original mode is put back when the object lets go of it (``close``,
``release``, or the object being dropped).

A descriptor that ``epoll`` refuses (a regular file, ``/dev/null``) still works for reads
and writes, which never block on it; an operation that would have to wait on it
completes with the system's error (``no_permission``), as Asio's does.
"""

from __future__ import annotations

import concurrent.futures
import fcntl
import logging
import os
import select
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Self, overload

from asiolike import socket_base
from asiolike.async_result import AdapterToken, async_initiate, use_future_t
from asiolike.awaitable import awaitable, use_awaitable_t
from asiolike.detail.completion import Executor, op_executor
from asiolike.detail.reactor import READ, WRITE
from asiolike.detail.scheduler import fast_handlers, invokes_directly, use_scheduler
from asiolike.detail.socket_ops import error_of, poll_fd, wait_op
from asiolike.error import already_open, bad_descriptor, error_code, system_error, would_block
from asiolike.executor import as_executor
from asiolike.posix.descriptor_base import descriptor_base

if TYPE_CHECKING:
    from asiolike.detail.reactor import descriptor_state
    from asiolike.detail.scheduler import scheduler

__all__ = ["basic_descriptor"]

_DEBUG = logging.DEBUG
_POLL_EVENTS = (
    select.POLLIN,
    select.POLLOUT,
    select.POLLPRI | select.POLLERR | select.POLLHUP,
)


class basic_descriptor(descriptor_base):
    """A POSIX descriptor and its asynchronous wait (the base of ``stream_descriptor``).

    Args:
        ctx_or_ex: the io_context, executor or strand that runs the handlers.
        fd: optional; a descriptor to take ownership of (as :meth:`assign`).

    Raises:
        system_error: ``bad_descriptor``: ``fd`` is not an open descriptor.

    Not thread-safe (as Asio's): use one object from one thread at a time, or a strand.
    """

    __slots__ = (
        "__weakref__",
        "_direct",
        "_executor",
        "_fast",
        "_fd",
        "_reactor",
        "_read",
        "_restore_blocking",
        "_sched",
        "_state",
        "_user_nb",
        "_write",
    )

    _tracking_type: ClassVar[str] = "descriptor"
    _log: ClassVar[logging.Logger] = logging.getLogger("asiolike.posix")

    _fd: int
    _state: descriptor_state | None
    _sched: scheduler
    _executor: Executor

    def __init__(self, ctx_or_ex: Any, fd: int | None = None) -> None:
        executor = as_executor(ctx_or_ex)
        self._executor = executor
        self._sched = sched = use_scheduler(executor)
        self._reactor = sched.reactor
        self._direct = invokes_directly(executor)
        self._fast = fast_handlers(executor)
        self._fd = -1
        self._state = None
        self._read: Callable[[Any], int] | None = None
        self._write: Callable[[Any], int] | None = None
        self._restore_blocking = False
        self._user_nb = False
        if fd is not None:
            self.assign(fd)

    def get_executor(self) -> Executor:
        """The executor handlers run on by default (the one the object was made with)."""
        return self._executor

    def lowest_layer(self) -> Self:
        """This object (a descriptor is its own lowest layer)."""
        return self

    def _op_executor(self, handler: object) -> Executor | None:
        return op_executor(handler, self._executor, self._direct)

    # -- owning the descriptor --------------------------------------------------------------

    def assign(self, fd: int) -> None:
        """Take ownership of the open descriptor ``fd``; ``close()`` will close it.

        The descriptor is made non-blocking while the object holds it.

        Raises:
            system_error: ``already_open`` (the object holds one), ``bad_descriptor``
                (``fd`` is not open).
            TypeError: ``fd`` is not an int.
        """
        if isinstance(fd, bool) or not isinstance(fd, int):
            raise TypeError(f"assign() takes a descriptor (int), not {fd!r}")
        if self._fd >= 0:
            raise system_error(already_open, "assign")
        try:
            flags = fcntl.fcntl(fd, fcntl.F_GETFL)
            if not flags & os.O_NONBLOCK:
                fcntl.fcntl(fd, fcntl.F_SETFL, flags | os.O_NONBLOCK)
        except OSError as exc:
            raise system_error(error_of(exc), "assign") from None
        self._restore_blocking = not flags & os.O_NONBLOCK
        self._fd = fd
        self._state = self._reactor.register_descriptor(fd)
        self._read, self._write = _read_fn(fd), _write_fn(fd)
        if self._log.isEnabledFor(_DEBUG):
            self._log.debug("descriptor %d: assigned", fd)

    def is_open(self) -> bool:
        """Whether the object holds a descriptor."""
        return self._fd >= 0

    def native_handle(self) -> int:
        """The descriptor, or -1 when the object holds none."""
        return self._fd

    def _let_go(self) -> int:
        # Forget the descriptor (pending operations end with operation_aborted) and put
        # its blocking mode back; returns it, or -1.
        fd = self._fd
        if fd < 0:
            return -1
        state = self._state
        self._fd = -1
        self._state = self._read = self._write = None
        aborted = 0 if state is None else self._reactor.deregister_descriptor(state)
        if self._restore_blocking:
            try:
                os.set_blocking(fd, True)
            except OSError:
                pass  # closed behind our back: nothing to restore
        if self._log.isEnabledFor(_DEBUG):
            self._log.debug("descriptor %d: let go, %d pending operations aborted", fd, aborted)
        return fd

    def close(self) -> None:
        """Close the descriptor; pending operations complete with ``operation_aborted``.

        Closing a closed object does nothing.

        Raises:
            system_error: the system reported an error while closing.
        """
        tracker = self._sched.tracker
        if tracker is not None and self._fd >= 0:
            tracker.operation(self, "close")
        fd = self._let_go()
        if fd >= 0:
            try:
                os.close(fd)
            except OSError as exc:
                raise system_error(error_of(exc), "close") from None

    def release(self) -> int:
        """Give up the descriptor without closing it; returns it (in its original mode).

        Pending operations complete with ``operation_aborted``.

        Raises:
            system_error: ``bad_descriptor``: the object holds none.
        """
        fd = self._let_go()
        if fd < 0:
            raise system_error(bad_descriptor, "release")
        return fd

    def __del__(self) -> None:
        # As Asio's destructor: a dropped object closes its descriptor.
        if getattr(self, "_fd", -1) < 0:
            return
        try:
            fd = self._let_go()
            os.close(fd)
        except Exception:  # nothing can be reported from a destructor
            pass

    def cancel(self) -> None:
        """Complete every pending operation with ``operation_aborted`` now.

        Raises:
            system_error: ``bad_descriptor``: the object holds none.
        """
        state = self._state
        if state is None:
            raise system_error(bad_descriptor, "cancel")
        tracker = self._sched.tracker
        if tracker is not None:
            tracker.operation(self, "cancel")
        self._reactor.cancel_ops(state)

    def non_blocking(self, mode: bool | None = None) -> bool:
        """Get (no argument) or set the user's non-blocking mode; returns the mode.

        In non-blocking mode, synchronous operations that would wait raise
        ``system_error`` with ``would_block``. Asynchronous operations are not affected.

        Raises:
            system_error: ``bad_descriptor`` (setting it on a closed object).
        """
        if mode is not None:
            self._require("non_blocking")
            self._user_nb = bool(mode)
        return self._user_nb

    def native_non_blocking(self) -> bool:
        """Whether the descriptor is in non-blocking mode (always, while the object holds it)."""
        return self._fd >= 0

    def _require(self, what: str) -> int:
        fd = self._fd
        if fd < 0:
            raise system_error(bad_descriptor, what)
        return fd

    def _sync(self, what: str, kind: int, fn: Callable[[], int]) -> int:
        # A synchronous call: retry ``fn`` until it does not block, polling in between.
        fd = self._require(what)
        while True:
            try:
                return fn()
            except BlockingIOError:
                if self._user_nb:
                    raise system_error(would_block, what) from None
                poll_fd(fd, _POLL_EVENTS[kind])
            except InterruptedError:
                continue
            except OSError as exc:
                raise system_error(error_of(exc), what) from None

    # -- waiting ----------------------------------------------------------------------------

    def wait(self, w: socket_base.wait_type) -> None:
        """Block until the descriptor is ready to read, to write, or has an error pending.

        Raises:
            system_error: ``bad_descriptor``: the object holds none.
            ValueError: ``w`` is not a ``wait_type``.
        """
        w = socket_base.wait_type(w)
        poll_fd(self._require("wait"), _POLL_EVENTS[w])

    @overload
    def async_wait(self, w: socket_base.wait_type, token: use_awaitable_t) -> awaitable[None]: ...

    @overload
    def async_wait(
        self, w: socket_base.wait_type, token: use_future_t
    ) -> concurrent.futures.Future[None]: ...

    @overload
    def async_wait(self, w: socket_base.wait_type, token: AdapterToken) -> Any: ...

    @overload
    def async_wait(
        self, w: socket_base.wait_type, token: Callable[[error_code], object]
    ) -> None: ...

    def async_wait(self, w: socket_base.wait_type, token: Any) -> Any:
        """Wait until the descriptor is ready to read (``wait_read``) or write (``wait_write``).

        Nothing is read or written. ``wait_error`` completes on an error or hang-up (or
        data to read). This call returns immediately; the handler is never invoked from
        within it, even when the descriptor is ready already.

        Args:
            w: ``wait_read``, ``wait_write`` or ``wait_error``.
            token: the completion token: a handler, ``use_future``, ``use_awaitable``, or
                an adapter.

        Handler:
            ``handler(ec: error_code)``, run through its associated executor (by default the
            descriptor's). A handler that cannot take these arguments makes this call raise
            ``TypeError``.

        Returns:
            ``None`` for a handler. With ``use_future``, a ``Future[None]``; with
            ``use_awaitable``, an ``awaitable[None]``. A failing ``ec`` raises
            :class:`~asiolike.error.system_error` from either.

        Errors:
            ``operation_aborted`` (``cancel()``/``close()`` or a per-operation
            cancellation), ``bad_descriptor`` (closed), ``no_permission`` (a descriptor
            the poller refuses, such as a regular file).

        Cancellation:
            ``terminal``, ``partial`` and ``total``, through a cancellation slot associated
            with the handler: the wait completes with ``operation_aborted``.

        Raises:
            ValueError: ``w`` is not a ``wait_type``.

        Example:
            ::

                stdin.async_wait(posix.stream_descriptor.wait_read, on_readable)
        """
        w = socket_base.wait_type(w)
        return async_initiate(self._initiate_wait, token, w)

    def _initiate_wait(self, handler: Callable[[error_code], object], w: int) -> None:
        op = wait_op(handler, self._op_executor(handler))
        state = self._state
        if state is None:
            op.ec = bad_descriptor
            self._sched.post_immediate_completion(op)
            return
        self._reactor.start_op(state, WRITE if w == socket_base.wait_write else READ, op)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._fd < 0:
            return f"<{type(self).__qualname__} closed>"
        return f"<{type(self).__qualname__} fd={self._fd}>"


def _read_fn(fd: int) -> Callable[[Any], int]:
    readv = os.readv

    def read(buf: Any) -> int:
        return readv(fd, (buf,))

    return read


def _write_fn(fd: int) -> Callable[[Any], int]:
    write = os.write

    def send(buf: Any) -> int:
        return write(fd, buf)

    return send
