"""An in-memory two-way stream for unit tests (Beast's ``test::stream``).

Theory of operation. Each end owns an *input area*: a ``bytearray`` plus a read offset, so
that taking a few bytes from the front costs O(1) (the consumed prefix is dropped in bulk
once it is large). Writing on one end appends to the peer's input area and completes at
once; reading takes from the own input area. A read that finds no data waits (it is the
one operation that can be pending) until the peer writes, :meth:`stream.append` adds data,
the input ends (:meth:`stream.close` on the peer, :meth:`stream.close_remote`) or it is
cancelled (:meth:`stream.close`, :meth:`stream.cancel` on this end).

The stream keeps every rule an I/O object keeps: a result known at once (data available,
0-byte buffer, injected failure, closed peer) still completes through the io_context
queue (R1); a waiting read counts as outstanding work (R3); handlers run on their
associated executor (R7). Each end may be driven by its own io_context and thread: an
input area is guarded by a lock that the writing peer takes too.

Test features, as in Beast: :meth:`stream.read_size` / :meth:`stream.write_size` cap every
read / write at ``n`` bytes (to force short reads and writes), a
:class:`~asiolike.testing.fail_count` fails the ``n``-th operation of every stream that
shares it, and :meth:`stream.str` shows the input not read yet (what the peer wrote).
"""

from __future__ import annotations

import builtins
import concurrent.futures
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from typing_extensions import Buffer

from asiolike.async_result import async_initiate
from asiolike.buffer import buffer as _as_view
from asiolike.detail.completion import op_executor, queued_op
from asiolike.detail.handler_check import EC_BYTES, check_handler
from asiolike.detail.scheduler import invokes_directly, use_scheduler
from asiolike.error import (
    connection_reset,
    eof,
    error_code,
    operation_aborted,
    success,
    system_error,
)
from asiolike.executor import as_executor
from asiolike.testing.fail_count import fail_count

if TYPE_CHECKING:
    from asiolike.detail.completion import Executor
    from asiolike.detail.scheduler import scheduler

__all__ = ["stream", "connect"]

_UNLIMITED: Final = sys.maxsize
# The consumed prefix of an input area is dropped once it is this large and at least half
# of the area: amortized O(1) per byte, and no memmove for every small read.
_COMPACT: Final = 65536
# Copies up to this size go through a bytearray slice; larger ones through a memoryview,
# which avoids the intermediate copy but costs two view objects.
_SMALL_COPY: Final = 4096

ReadHandler = Callable[[error_code, int], object]


class _io_op(queued_op):
    """One read or write: the handler, where it runs, and the result (``value``: bytes)."""

    __slots__ = ("buf",)

    def __init__(self, handler: ReadHandler, executor: Executor | None, buf: Any) -> None:
        check_handler(handler, EC_BYTES)
        self.handler = handler
        self.executor = executor
        self.buf = buf
        self.ec = success
        self.value = 0


class _state:
    """One end's input area and settings; the peer holds it to write into it."""

    __slots__ = (
        "closed",
        "cond",
        "data",
        "ended",
        "fc",
        "lock",
        "nread",
        "nwrite",
        "off",
        "read_max",
        "read_op",
        "sched",
        "sync_waiters",
        "write_max",
    )

    def __init__(self, sched: scheduler, fc: fail_count | None) -> None:
        self.sched = sched
        self.fc = fc
        self.data = bytearray()
        self.off = 0
        self.ended = False  # the input ends (eof) once the data is read
        self.closed = False  # this end was closed: the peer's writes fail
        self.read_op: _io_op | None = None
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.sync_waiters = 0
        self.nread = 0
        self.nwrite = 0
        self.read_max = _UNLIMITED
        self.write_max = _UNLIMITED

    # The methods below are called with ``lock`` held.

    def take(self, buf: Any, size: int) -> int:
        """Move up to ``size`` available bytes into ``buf`` (a view/bytearray or a list)."""
        data = self.data
        off = self.off
        n = len(data) - off
        if n > size:
            n = size
        if n > self.read_max:
            n = self.read_max
        end = off + n
        if type(buf) is list:
            _scatter(buf, data, off, n)
        elif n <= _SMALL_COPY:
            buf[:n] = data[off:end]
        else:
            with memoryview(data) as src:
                buf[:n] = src[off:end]
        if end == len(data):
            data.clear()
            self.off = 0
        elif end >= _COMPACT and end * 2 >= len(data):
            del data[:end]
            self.off = 0
        else:
            self.off = end
        return n

    def put(self, data: Any, n: int) -> _io_op | None:
        """Append the first ``n`` bytes of ``data``; returns a read op that completed."""
        if type(data) is list:
            for view in data:
                if n <= 0:
                    break
                k = min(n, view.nbytes)
                self.data += view[:k] if k < view.nbytes else view
                n -= k
        elif n < len(data):
            self.data += memoryview(data)[:n]
        else:
            self.data += data
        if self.sync_waiters:
            self.cond.notify_all()
        op = self.read_op
        if op is not None:
            self.read_op = None
            op.value = self.take(op.buf, _nbytes(op.buf))
            op.buf = None
        return op

    def end_input(self) -> _io_op | None:
        """Mark the end of the input; returns a waiting read op, now failed with eof."""
        if self.ended:
            return None
        self.ended = True
        if self.sync_waiters:
            self.cond.notify_all()
        op = self.read_op
        if op is not None:
            self.read_op = None
            op.buf = None
            op.ec = eof
        return op


def _nbytes(buf: Any) -> int:
    if type(buf) is list:
        return sum(view.nbytes for view in buf)
    return int(buf.nbytes) if type(buf) is memoryview else len(buf)


def _scatter(views: list[memoryview], data: bytearray, off: int, n: int) -> None:
    with memoryview(data) as src:
        for view in views:
            if n <= 0:
                break
            k = min(n, view.nbytes)
            view[:k] = src[off : off + k]
            off += k
            n -= k


def _finish(sched: scheduler, op: _io_op) -> None:
    """Queue a read op that was waiting, then release the work it held (in this order)."""
    sched.post_deferred_completion(op)


def _read_target(buffers: object) -> Any:
    """The writable buffer (or list of views) a read fills; raises for anything else."""
    if type(buffers) is bytearray:
        return buffers
    if type(buffers) is memoryview and buffers.format == "B" and buffers.ndim == 1:
        if buffers.readonly:
            raise TypeError(_READONLY)
        return buffers
    if isinstance(buffers, (list, tuple)):
        views = [_read_target_view(item) for item in buffers]
        return views
    return _read_target_view(buffers)


def _read_target_view(item: object) -> memoryview:
    if isinstance(item, (bytes, str)):
        raise TypeError(_READONLY)
    try:
        view = _as_view(item)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"read_some: expected a writable bytes-like object (bytearray, memoryview) or a "
            f"list of them, not {type(item).__name__}"
        ) from None
    if view.readonly:
        raise TypeError(_READONLY)
    return view


_READONLY: Final = (
    "read_some: the buffer is read-only; pass a bytearray or a writable memoryview to read into"
)


def _write_source(buffers: object) -> Any:
    """The bytes-like (or list of views) a write sends; raises for anything else."""
    t = type(buffers)
    if t is bytes or t is bytearray:
        return buffers
    if t is memoryview and buffers.format == "B" and buffers.ndim == 1:  # type: ignore[attr-defined]
        return buffers
    if isinstance(buffers, (list, tuple)):
        return [_write_source_view(item) for item in buffers]
    return _write_source_view(buffers)


def _write_source_view(item: object) -> memoryview:
    if isinstance(item, str):
        raise TypeError("write_some: a str is not a buffer; encode it first, e.g. text.encode()")
    try:
        return _as_view(item)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"write_some: expected a bytes-like object or a list of them, not {type(item).__name__}"
        ) from None


def _input_bytes(data: str | Buffer, what: str) -> builtins.bytes:
    if isinstance(data, str):
        try:
            return data.encode("latin-1")
        except UnicodeEncodeError:
            raise ValueError(
                f"{what}: a str stands for bytes one character per byte (latin-1); this one "
                "has other characters, so encode it yourself (e.g. text.encode())"
            ) from None
    if isinstance(data, (bytes, bytearray, memoryview)):
        return builtins.bytes(data)
    try:
        return builtins.bytes(memoryview(data))
    except TypeError:
        raise TypeError(
            f"{what}: expected bytes-like data or a str, not {type(data).__name__}"
        ) from None


class stream:
    """One end of an in-memory two-way connection, for testing stream algorithms.

    Beast's ``test::stream``. Writes on one end become readable on the connected peer
    (:func:`connect`); data can also be put in front of the reader with :meth:`append`
    or the ``data`` argument. Reads and writes can be capped (:meth:`read_size`,
    :meth:`write_size`) to force the short transfers that stream algorithms must handle,
    and a :class:`~asiolike.testing.fail_count` makes the ``n``-th operation fail.

    Operations follow the rules of every asiolike I/O object: a handler never runs inside
    the initiating call, a waiting read keeps ``run()`` busy, handlers run on their
    associated executor. Only one read may wait at a time. Writes never wait (the peer's
    input area has no limit: it is a test tool).

    After :meth:`close`, a waiting read completes with ``operation_aborted``; later reads
    on this end return what is left of its input, then ``eof``; writes from either end
    fail with ``connection_reset``; the peer reads its remaining input, then ``eof``.

    Args:
        ctx_or_ex: The io_context (or executor, or strand) that runs the handlers.
        data: Bytes to put in the input area at once (a ``str`` is one byte per
            character, latin-1).
        fc: A fail count shared by the streams whose operations it counts.

    Raises:
        TypeError: ``data`` is neither bytes-like nor a str, or ``fc`` is not a
            :class:`~asiolike.testing.fail_count`.
    """

    __slots__ = ("__weakref__", "_direct", "_executor", "_in", "_out", "_sched")

    def __init__(
        self, ctx_or_ex: Any, data: str | Buffer = b"", fc: fail_count | None = None
    ) -> None:
        if fc is not None and not isinstance(fc, fail_count):
            raise TypeError(f"stream(): fc must be an asiolike.testing.fail_count, not {fc!r}")
        self._executor = as_executor(ctx_or_ex)
        self._sched = use_scheduler(self._executor)
        # Whether handlers without an association run directly from the loop.
        self._direct = invokes_directly(self._executor)
        self._in = _state(self._sched, fc)
        self._in.data += _input_bytes(data, "stream()")
        self._out: _state | None = None

    # -- connection ---------------------------------------------------------------------

    def connect(self, remote: stream) -> None:
        """Connect this end to ``remote``: each one's writes become the other's input.

        Connecting also reopens ends that were closed.

        Raises:
            TypeError: ``remote`` is not a test stream.
            ValueError: ``remote`` is this stream.
            RuntimeError: either end is already connected.
        """
        if not isinstance(remote, stream):
            raise TypeError(f"connect(): expected an asiolike.testing.stream, not {remote!r}")
        if remote is self:
            raise ValueError("connect(): a stream cannot be connected to itself")
        if self._out is not None or remote._out is not None:
            raise RuntimeError(
                "connect(): a stream is already connected; close() it before connecting again"
            )
        self._out = remote._in
        remote._out = self._in
        for st in (self._in, remote._in):
            with st.lock:
                st.ended = False
                st.closed = False

    def get_executor(self) -> Executor:
        """The executor handlers run on unless they are bound to another one."""
        return self._executor

    def close(self) -> None:
        """Close this end.

        A waiting read of this end completes with ``operation_aborted``. The peer reads
        what it has, then ``eof``; its writes fail with ``connection_reset``.
        """
        st = self._in
        with st.lock:
            st.closed = True
            st.ended = True
            if st.sync_waiters:
                st.cond.notify_all()
            op = st.read_op
            st.read_op = None
        if op is not None:
            op.buf = None
            op.ec = operation_aborted
            _finish(st.sched, op)
        out = self._out
        self._out = None
        if out is not None:
            with out.lock:
                op = out.end_input()
            if op is not None:
                _finish(out.sched, op)

    def close_remote(self) -> None:
        """End this end's input as if the peer had closed: reads get the data, then ``eof``."""
        st = self._in
        with st.lock:
            op = st.end_input()
        if op is not None:
            _finish(st.sched, op)

    def cancel(self) -> int:
        """Complete a waiting read with ``operation_aborted`` (an asiolike extra).

        Returns:
            The number of operations cancelled (0 or 1).
        """
        st = self._in
        with st.lock:
            op = st.read_op
            st.read_op = None
        if op is None:
            return 0
        op.buf = None
        op.ec = operation_aborted
        _finish(st.sched, op)
        return 1

    # -- test features ------------------------------------------------------------------

    def read_size(self, n: int) -> None:
        """Make every read on this end return at most ``n`` bytes.

        Raises:
            ValueError: ``n`` is less than 1.
        """
        if n < 1:
            raise ValueError(f"read_size(): n must be >= 1, got {n}")
        self._in.read_max = n

    def write_size(self, n: int) -> None:
        """Make every write on this end transfer at most ``n`` bytes.

        Raises:
            ValueError: ``n`` is less than 1.
        """
        if n < 1:
            raise ValueError(f"write_size(): n must be >= 1, got {n}")
        self._in.write_max = n

    def append(self, data: str | Buffer) -> None:
        """Add ``data`` to this end's input (a waiting read completes with it).

        Args:
            data: Bytes-like, or a str (one byte per character, latin-1).
        """
        chunk = _input_bytes(data, "append()")
        if not chunk:
            return
        st = self._in
        with st.lock:
            op = st.put(chunk, len(chunk))
        if op is not None:
            _finish(st.sched, op)

    def str(self) -> builtins.str:
        """The input not read yet (what the peer wrote), one character per byte (latin-1)."""
        st = self._in
        with st.lock:
            return st.data[st.off :].decode("latin-1")

    def bytes(self) -> builtins.bytes:
        """The input not read yet, as bytes (an asiolike extra)."""
        st = self._in
        with st.lock:
            return builtins.bytes(st.data[st.off :])

    def clear(self) -> None:
        """Discard the input not read yet."""
        st = self._in
        with st.lock:
            st.data.clear()
            st.off = 0

    def nread(self) -> int:
        """How many read operations were started on this end (sync and async)."""
        return self._in.nread

    def nwrite(self) -> int:
        """How many write operations were started on this end (sync and async)."""
        return self._in.nwrite

    # -- reading ------------------------------------------------------------------------

    def async_read_some(
        self, buffers: Any, token: ReadHandler | Any
    ) -> concurrent.futures.Future[Any] | None:
        """Start reading at least one byte into ``buffers``.

        Completes when input is available (at once if there is some), when the input has
        ended, or on cancellation. The handler is never invoked inside this call.

        Args:
            buffers: A writable bytes-like object (``bytearray``, writable ``memoryview``)
                or a list of them, filled in order. Must stay valid until completion.
            token: ``handler(ec, bytes_transferred)`` or ``use_future``.

        Handler:
            ``handler(ec: error_code, bytes_transferred: int)``

        Errors:
            ``eof``: the input ended (the peer closed, or :meth:`close_remote`) and all of
            it was read. ``operation_aborted``: :meth:`close` or :meth:`cancel` on this
            end. The fail count's error: an injected failure.

        Raises:
            TypeError: ``buffers`` is read-only or not a buffer.
            RuntimeError: another read is waiting on this end.
        """
        return async_initiate(self._initiate_read, token, buffers)

    def _initiate_read(self, handler: ReadHandler, buffers: Any) -> None:
        # The hot path of every test that reads: kept free of helper calls for the
        # common buffer types.
        t = type(buffers)
        if t is bytearray:
            buf = buffers
            size = len(buffers)
        elif (
            t is memoryview and buffers.format == "B" and buffers.ndim == 1 and not buffers.readonly
        ):
            buf = buffers
            size = buffers.nbytes
        else:
            buf = _read_target(buffers)
            size = _nbytes(buf)
        op = _io_op(handler, op_executor(handler, self._executor, self._direct), None)
        st = self._in
        with st.lock:
            if st.read_op is not None:
                raise RuntimeError(
                    "async_read_some: a read is already waiting on this stream; start the "
                    "next read from the handler of the previous one"
                )
            st.nread += 1
            fc = st.fc
            if fc is not None and (ec := fc.fail_code()):
                op.ec = ec
            elif not size:
                pass
            elif len(st.data) > st.off:
                op.value = st.take(buf, size)
            elif st.ended:
                op.ec = eof
            else:
                op.buf = buf
                st.read_op = op
                self._sched.work_started()
                return
        self._sched.post_immediate_completion(op)

    def read_some(self, buffers: Any) -> int:
        """Read at least one byte into ``buffers``, blocking until input is available.

        Blocks until the peer writes (from another thread), the input ends, or this end
        is closed. Do not call it when nothing else can provide input: it would block
        forever, as Beast's does.

        Args:
            buffers: A writable bytes-like object or a list of them.

        Returns:
            The number of bytes read (0 only for an empty buffer).

        Raises:
            system_error: ``eof`` when the input ended; an injected failure.
            TypeError: ``buffers`` is read-only or not a buffer.
            RuntimeError: an asynchronous read is waiting on this end.
        """
        buf = _read_target(buffers)
        st = self._in
        with st.cond:
            if st.read_op is not None:
                raise RuntimeError("read_some: an asynchronous read is waiting on this stream")
            st.nread += 1
            fc = st.fc
            if fc is not None and (ec := fc.fail_code()):
                raise system_error(ec, "read_some")
            size = _nbytes(buf)
            if not size:
                return 0
            while len(st.data) == st.off and not st.ended:
                st.sync_waiters += 1
                try:
                    st.cond.wait()
                finally:
                    st.sync_waiters -= 1
            if len(st.data) > st.off:
                return st.take(buf, size)
        raise system_error(eof, "read_some")

    # -- writing ------------------------------------------------------------------------

    def async_write_some(
        self, buffers: Any, token: ReadHandler | Any
    ) -> concurrent.futures.Future[Any] | None:
        """Write up to :meth:`write_size` bytes of ``buffers`` to the peer.

        Always completes at once (through the queue, never inside this call): the peer's
        input area takes everything.

        Args:
            buffers: A bytes-like object or a list of them, sent in order.
            token: ``handler(ec, bytes_transferred)`` or ``use_future``.

        Handler:
            ``handler(ec: error_code, bytes_transferred: int)``

        Errors:
            ``connection_reset``: not connected, or either end was closed. The fail
            count's error: an injected failure.

        Raises:
            TypeError: ``buffers`` is not a buffer or a list of them (a str, say).
        """
        return async_initiate(self._initiate_write, token, buffers)

    def _initiate_write(self, handler: ReadHandler, buffers: Any) -> None:
        data = _write_source(buffers)
        op = _io_op(handler, op_executor(handler, self._executor, self._direct), None)
        op.ec, op.value = self._write(data)
        self._sched.post_immediate_completion(op)

    def _write(self, data: Any) -> tuple[error_code, int]:
        st = self._in
        st.nwrite += 1
        fc = st.fc
        if fc is not None and (ec := fc.fail_code()):
            return ec, 0
        size = _nbytes(data)
        if not size:
            return success, 0
        out = self._out
        if out is None or st.closed:
            return connection_reset, 0
        n = size if size <= st.write_max else st.write_max
        with out.lock:
            if out.closed:
                return connection_reset, 0
            done = out.put(data, n)
        if done is not None:
            _finish(out.sched, done)
        return success, n

    def write_some(self, buffers: Any) -> int:
        """Write up to :meth:`write_size` bytes of ``buffers`` to the peer; never blocks.

        Returns:
            The number of bytes written.

        Raises:
            system_error: ``connection_reset`` (not connected, or closed); an injected
                failure.
            TypeError: ``buffers`` is not a buffer or a list of them.
        """
        ec, n = self._write(_write_source(buffers))
        if ec:
            raise system_error(ec, "write_some")
        return n

    def __repr__(self) -> builtins.str:
        st = self._in
        return (
            f"<asiolike.testing.stream pending={len(st.data) - st.off} "
            f"connected={self._out is not None} closed={st.closed}>"
        )


def connect(a: stream, b: stream | None = None) -> stream:
    """Connect two test streams, or make a new stream connected to ``a``.

    Beast's ``connect(s1, s2)`` and ``connect(to)``.

    Args:
        a: A stream.
        b: The stream to connect ``a`` to; if omitted, a new stream on ``a``'s executor.

    Returns:
        ``b``, or the new stream.

    Raises:
        RuntimeError: either stream is already connected.
    """
    if b is None:
        b = stream(a.get_executor())
    a.connect(b)
    return b
