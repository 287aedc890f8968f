"""The reactive socket operations: one small object per ``async_*`` call.

Theory of operation. Every operation is a :class:`~asiolike.detail.completion.queued_op`:
it holds the handler, where to run it (``executor``: None means "call it directly from the
run loop") and its result (``ec``, and ``value``: the bytes transferred). ``perform()``
retries the non-blocking system call and returns True once there is a result; the reactor
calls it when the descriptor is ready, and the initiating function calls it once itself
first (the speculative attempt). The base's one ``__call__()`` delivers the result.

The system call is a bound method cached on the socket (``sock.recv_into``), so performing
an operation is one call and no attribute lookups on the socket. Buffer sequences and
message flags use a small adapter with the same shape (``fn(buffers) -> int``), so one op
class serves every variant of a read and one every variant of a write.

This module also holds what the synchronous operations share: waiting for readiness with
``poll(2)`` and checking buffer arguments.
"""

from __future__ import annotations

import errno
import select
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from asiolike._build import mypyc_attr
from asiolike.detail.completion import NO_VALUE, queued_op
from asiolike.detail.handler_check import (
    CHECK,
    EC,
    EC_BYTES,
    EC_BYTES_OK,
    EC_OK,
    FUNCTION,
    METHOD,
)
from asiolike.error import eof, error_code, from_errno, success

if TYPE_CHECKING:
    from asiolike.detail.completion import Executor

__all__ = [
    "io_op",
    "recv_op",
    "stream_recv_op",
    "send_op",
    "ec_op",
    "connect_op",
    "wait_op",
    "error_of",
    "poll_fd",
    "mutable_size",
    "const_size",
    "recv_fn",
    "send_fn",
]

# The most buffers one sendmsg/recvmsg takes (POSIX guarantees at least 16; Linux 1024).
_IOV_MAX = 1024


def error_of(exc: OSError) -> error_code:
    """The error code for an ``OSError`` from a socket call."""
    return from_errno(exc.errno if exc.errno is not None else errno.EIO)


@mypyc_attr(allow_interpreted_subclasses=True)
class io_op(queued_op):
    """Base of the operations whose handler takes ``(ec, bytes_transferred)``."""

    __slots__ = ("buf", "fn")

    def __init__(
        self,
        handler: Callable[[error_code, int], object],
        executor: Executor | None,
        fn: Callable[[Any], int],
        buf: Any,
    ) -> None:
        if CHECK:  # the handler check (asiolike.detail.handler_check)
            h: Any = handler
            t = h.__class__
            key = h.__func__ if t is METHOD else h if t is FUNCTION else t
            ok = EC_BYTES_OK
            if key not in ok and not ((t is METHOD or t is FUNCTION) and key.__code__ in ok):
                EC_BYTES.check(handler)
        self.handler = handler
        self.executor = executor
        self.fn = fn
        self.buf = buf
        self.ec = success
        self.value = 0

    def perform(self) -> bool:
        raise NotImplementedError


@mypyc_attr(allow_interpreted_subclasses=True)
class recv_op(io_op):
    """A read: ``fn`` is ``recv_into`` (or an adapter); 0 bytes from the kernel is EOF.

    A zero-size buffer never gets here: it completes at once with success.
    """

    __slots__ = ()

    def perform(self) -> bool:
        try:
            n = self.fn(self.buf)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError as exc:
            self.ec = error_of(exc)
            return True
        if n:
            self.value = n
        else:
            self.ec = eof
        return True


@mypyc_attr(allow_interpreted_subclasses=True)
class stream_recv_op(recv_op):
    """A plain read of one buffer that tells its socket whether to try the next one at once.

    A read that filled the buffer probably left more data in the kernel, so the next read
    should be attempted at once (speculatively); one that got less drained it, so the next
    attempt would almost surely fail with ``EAGAIN``. In Python that failed attempt (a
    system call and an exception) costs about as much as the rest of a read, so the socket
    skips it (``owner._speculate``) and lets the reactor report readiness instead.
    """

    __slots__ = ("owner", "size")

    def __init__(
        self,
        handler: Callable[[error_code, int], object],
        executor: Executor | None,
        fn: Callable[[Any], int],
        buf: Any,
        owner: Any,
        size: int,
    ) -> None:
        if CHECK:  # the handler check (asiolike.detail.handler_check)
            h: Any = handler
            t = h.__class__
            key = h.__func__ if t is METHOD else h if t is FUNCTION else t
            ok = EC_BYTES_OK
            if key not in ok and not ((t is METHOD or t is FUNCTION) and key.__code__ in ok):
                EC_BYTES.check(handler)
        self.handler = handler
        self.executor = executor
        self.fn = fn
        self.buf = buf
        self.ec = success
        self.value = 0
        self.owner = owner
        self.size = size

    def perform(self) -> bool:
        try:
            n = self.fn(self.buf)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError as exc:
            self.ec = error_of(exc)
            return True
        if n:
            self.value = n
            self.owner._speculate = n == self.size
        else:
            self.ec = eof
        return True


@mypyc_attr(allow_interpreted_subclasses=True)
class send_op(io_op):
    """A write: ``fn`` is ``send`` (or an adapter); may transfer fewer bytes than asked."""

    __slots__ = ()

    def perform(self) -> bool:
        try:
            self.value = self.fn(self.buf)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError as exc:
            self.ec = error_of(exc)
        return True


@mypyc_attr(allow_interpreted_subclasses=True)
class ec_op(queued_op):
    """Base of the operations whose handler takes only ``(ec)``."""

    __slots__ = ()

    def __init__(self, handler: Callable[[error_code], object], executor: Executor | None) -> None:
        if CHECK:  # the handler check (asiolike.detail.handler_check)
            h: Any = handler
            t = h.__class__
            key = h.__func__ if t is METHOD else h if t is FUNCTION else t
            ok = EC_OK
            if key not in ok and not ((t is METHOD or t is FUNCTION) and key.__code__ in ok):
                EC.check(handler)
        self.handler = handler
        self.executor = executor
        self.ec = success
        self.value = NO_VALUE

    def perform(self) -> bool:
        raise NotImplementedError


@mypyc_attr(allow_interpreted_subclasses=True)
class connect_op(ec_op):
    """A connect in progress: once the socket is writable, ``SO_ERROR`` has the outcome."""

    __slots__ = ("so_error",)

    def __init__(
        self,
        handler: Callable[[error_code], object],
        executor: Executor | None,
        so_error: Callable[[], int],
    ) -> None:
        super().__init__(handler, executor)
        self.so_error = so_error

    def perform(self) -> bool:
        try:
            err = self.so_error()
        except OSError as exc:
            self.ec = error_of(exc)
            return True
        if err:
            self.ec = from_errno(err)
        return True


@mypyc_attr(allow_interpreted_subclasses=True)
class wait_op(ec_op):
    """``async_wait``: done as soon as the reactor reports the descriptor ready."""

    __slots__ = ()

    def perform(self) -> bool:
        return True


def poll_fd(fd: int, events: int, timeout_ms: int | None = None) -> int:
    """Block until ``fd`` reports one of ``events`` (``select.POLLIN``...); return the events.

    Used by the synchronous operations: the socket itself is always non-blocking.
    """
    poller = select.poll()
    poller.register(fd, events)
    ready = poller.poll(timeout_ms)
    return ready[0][1] if ready else 0


def _writable_nbytes(buf: object) -> int:
    try:
        view = memoryview(buf)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"a read needs a writable bytes-like buffer (bytearray, memoryview...), not "
            f"{type(buf).__name__}"
        ) from None
    with view:
        if view.readonly:
            raise TypeError(
                f"a read needs a writable buffer; {type(buf).__name__} is read-only "
                "(use a bytearray)"
            )
        if not view.c_contiguous:
            raise TypeError("a read needs a contiguous buffer (not a strided memoryview)")
        return view.nbytes


def _readable_nbytes(buf: object) -> int:
    try:
        view = memoryview(buf)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"a write needs a bytes-like buffer (bytes, bytearray, memoryview...), not "
            f"{type(buf).__name__}"
        ) from None
    with view:
        if not view.c_contiguous:
            raise TypeError("a write needs a contiguous buffer (not a strided memoryview)")
        return view.nbytes


def mutable_size(buffers: object) -> tuple[int, bool]:
    """``(total bytes, is a sequence)`` for a read target; raises TypeError if unusable."""
    if isinstance(buffers, (list, tuple)):
        return sum(_writable_nbytes(b) for b in buffers), True
    return _writable_nbytes(buffers), False


def const_size(buffers: object) -> tuple[int, bool]:
    """``(total bytes, is a sequence)`` for data to write; raises TypeError if unusable."""
    if isinstance(buffers, (list, tuple)):
        return sum(_readable_nbytes(b) for b in buffers), True
    return _readable_nbytes(buffers), False


def recv_fn(sock: Any, sequence: bool, flags: int) -> Callable[[Any], int]:
    """The ``fn(buffers) -> int`` a read uses: ``recv_into``, or an adapter."""
    if sequence:
        recvmsg_into = sock.recvmsg_into

        def scatter(bufs: Sequence[Any]) -> int:
            if len(bufs) > _IOV_MAX:
                bufs = bufs[:_IOV_MAX]
            n: int = recvmsg_into(bufs, 0, flags)[0]
            return n

        return scatter
    if flags:
        recv_into = sock.recv_into
        return lambda buf: recv_into(buf, 0, flags)
    return sock.recv_into  # type: ignore[no-any-return]


def send_fn(sock: Any, sequence: bool, flags: int) -> Callable[[Any], int]:
    """The ``fn(buffers) -> int`` a write uses: ``send``, or an adapter (``sendmsg``)."""
    if sequence:
        sendmsg = sock.sendmsg

        def gather(bufs: Sequence[Any]) -> int:
            if len(bufs) > _IOV_MAX:
                bufs = bufs[:_IOV_MAX]  # a *_some operation may transfer less
            n: int = sendmsg(bufs, (), flags)
            return n

        return gather
    if flags:
        send = sock.send
        return lambda buf: send(buf, flags)
    return sock.send  # type: ignore[no-any-return]
