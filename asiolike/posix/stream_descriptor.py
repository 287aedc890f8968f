"""``stream_descriptor``: stream I/O on a POSIX descriptor (Asio's
``posix::stream_descriptor``).

For pipes, terminals, standard input and output, character devices: anything read and
written as a byte stream through a file descriptor. It has ``async_read_some`` and
``async_write_some`` (and ``get_executor()``), so ``asiolike.async_read``, ``async_write``
and ``async_read_until`` work on it as on a socket::

    import os
    import asiolike as net
    from asiolike import posix

    stdin = posix.stream_descriptor(ioc, os.dup(0))
    line = net.dynamic_buffer(bytearray())
    net.async_read_until(stdin, line, b"\\n", on_line)

The read and write operations are the sockets' (``asiolike.detail.socket_ops``) with
``readv``/``write`` as their system calls.
"""

from __future__ import annotations

import concurrent.futures
import os
from collections.abc import Callable, Sequence
from typing import Any, overload

from asiolike.async_result import AdapterToken, async_initiate, use_future_t
from asiolike.awaitable import awaitable, use_awaitable_t
from asiolike.detail.reactor import READ, WRITE
from asiolike.detail.socket_ops import const_size, mutable_size, recv_op, send_op
from asiolike.detail.stream_socket import ConstBuffers, IoHandler, MutableBuffers
from asiolike.error import bad_descriptor, eof, error_code, system_error
from asiolike.posix.basic_descriptor import basic_descriptor

__all__ = ["stream_descriptor", "basic_stream_descriptor"]

_IOV_MAX = 1024


class stream_descriptor(basic_descriptor):
    """A stream-oriented POSIX descriptor (Asio's ``posix::stream_descriptor``).

    Args:
        ctx_or_ex: the io_context, executor or strand that runs the handlers.
        fd: optional; an open descriptor to own (``os.dup(0)`` for standard input, one end
            of ``os.pipe()``...). It is made non-blocking while owned and closed by
            ``close()``.

    Raises:
        system_error: ``bad_descriptor``: ``fd`` is not an open descriptor.

    Handlers are never invoked from inside the initiating call (even for an empty buffer
    or a closed descriptor), and run on the handler's associated executor if it has one,
    else on this object's executor.
    """

    __slots__ = ()

    # -- synchronous ------------------------------------------------------------------------

    def read_some(self, buffers: Any) -> int:
        """Read at least one byte into ``buffers``, blocking until some arrive.

        Args:
            buffers: a writable bytes-like object, or a list of them.

        Returns:
            The number of bytes read (0 only for an empty buffer).

        Raises:
            system_error: ``eof`` (the writer closed its end), ``bad_descriptor``
                (closed), ``would_block`` (user non-blocking mode, nothing to read).
        """
        size, sequence = mutable_size(buffers)
        fd = self._require("read_some")
        if not size:
            return 0
        fn = _readv(fd) if sequence else self._read
        assert fn is not None
        n = self._sync("read_some", READ, lambda: fn(buffers))
        if not n:
            raise system_error(eof, "read_some")
        return n

    def write_some(self, buffers: Any) -> int:
        """Write some of ``buffers``, blocking until at least one byte is written.

        Returns:
            The number of bytes written (0 only for empty data).

        Raises:
            system_error: ``broken_pipe`` (no reader left), ``bad_descriptor`` (closed),
                ``would_block`` (user non-blocking mode, the pipe is full).
        """
        size, sequence = const_size(buffers)
        fd = self._require("write_some")
        if not size:
            return 0
        fn = _writev(fd) if sequence else self._write
        assert fn is not None
        return self._sync("write_some", WRITE, lambda: fn(buffers))

    # -- asynchronous -----------------------------------------------------------------------

    @overload
    def async_read_some(
        self, buffers: MutableBuffers, token: use_awaitable_t
    ) -> awaitable[int]: ...

    @overload
    def async_read_some(
        self, buffers: MutableBuffers, token: use_future_t
    ) -> concurrent.futures.Future[int]: ...

    @overload
    def async_read_some(self, buffers: MutableBuffers, token: AdapterToken) -> Any: ...

    @overload
    def async_read_some(self, buffers: MutableBuffers, token: IoHandler) -> None: ...

    def async_read_some(self, buffers: Any, token: Any) -> Any:
        """Start reading at least one byte into ``buffers`` (read in place, no copy).

        This call returns immediately; the handler is never invoked from within it, even
        when data is waiting already. The read may fill only part of ``buffers``:
        :func:`asiolike.async_read` fills all of it. Reads started while one is pending
        complete in the order they were started.

        Args:
            buffers: a writable bytes-like object or a list of them; it must stay untouched
                until the handler runs.
            token: the completion token: a handler, ``use_future``, ``use_awaitable``, or
                an adapter (``as_tuple``, ``bind_cancellation_slot``, ``cancel_after``...).

        Handler:
            ``handler(ec: error_code, bytes_transferred: int)``, run through its associated
            executor (by default the descriptor's). An empty buffer completes with success
            and 0. A handler that cannot take these arguments makes this call raise
            ``TypeError``.

        Returns:
            ``None`` for a handler. With ``use_future``, a ``Future[int]`` whose result is
            ``bytes_transferred``; with ``use_awaitable``, an ``awaitable[int]`` of it. A
            failing ``ec`` raises :class:`~asiolike.error.system_error` from either.

        Errors:
            ``eof`` (the writing end was closed), ``operation_aborted``
            (``cancel()``/``close()`` or a per-operation cancellation), ``bad_descriptor``
            (closed).

        Cancellation:
            ``terminal``, ``partial`` and ``total``, through a cancellation slot associated
            with the handler: the read completes with ``operation_aborted`` having read
            nothing.

        Raises:
            TypeError: ``buffers`` is not a writable buffer.

        Example:
            ::

                pipe_in.async_read_some(buf, lambda ec, n: print(ec, bytes(buf[:n])))
        """
        if type(token) in self._fast and type(buffers) is bytearray:
            # The fast path (see asiolike.detail.completion).
            self._initiate_read(token, buffers)
            return None
        mutable_size(buffers)
        return async_initiate(self._initiate_read, token, buffers)

    def _initiate_read(self, handler: Callable[[error_code, int], object], buffers: Any) -> None:
        ex = None if type(handler) in self._fast else self._op_executor(handler)
        size, sequence = mutable_size(buffers)
        fn = _readv(self._fd) if sequence and self._fd >= 0 else self._read
        op = recv_op(handler, ex, fn, buffers)  # type: ignore[arg-type]
        self._start(op, READ, size)

    @overload
    def async_write_some(self, buffers: ConstBuffers, token: use_awaitable_t) -> awaitable[int]: ...

    @overload
    def async_write_some(
        self, buffers: ConstBuffers, token: use_future_t
    ) -> concurrent.futures.Future[int]: ...

    @overload
    def async_write_some(self, buffers: ConstBuffers, token: AdapterToken) -> Any: ...

    @overload
    def async_write_some(self, buffers: ConstBuffers, token: IoHandler) -> None: ...

    def async_write_some(self, buffers: Any, token: Any) -> Any:
        """Start writing some of ``buffers`` (at least one byte, maybe fewer than all).

        This call returns immediately; the handler is never invoked from within it. The
        write may take only part of ``buffers``: :func:`asiolike.async_write` writes all
        of it. Writes started while one is pending complete in the order they were
        started.

        Args:
            buffers: a bytes-like object or a list of them; it must stay unchanged until
                the handler runs.
            token: the completion token: a handler, ``use_future``, ``use_awaitable``, or
                an adapter.

        Handler:
            ``handler(ec: error_code, bytes_transferred: int)``, run through its associated
            executor (by default the descriptor's). Empty data completes with success and 0.
            A handler that cannot take these arguments makes this call raise ``TypeError``.

        Returns:
            ``None`` for a handler. With ``use_future``, a ``Future[int]`` whose result is
            ``bytes_transferred``; with ``use_awaitable``, an ``awaitable[int]`` of it. A
            failing ``ec`` raises :class:`~asiolike.error.system_error` from either.

        Errors:
            ``broken_pipe`` (no reader left), ``operation_aborted``
            (``cancel()``/``close()`` or a per-operation cancellation), ``bad_descriptor``
            (closed).

        Cancellation:
            ``terminal``, ``partial`` and ``total``, through a cancellation slot associated
            with the handler: the write completes with ``operation_aborted`` having
            written nothing.

        Raises:
            TypeError: ``buffers`` is not bytes-like.

        Example:
            ::

                pipe_out.async_write_some(b"ping", on_write)
        """
        if type(token) in self._fast:
            t = type(buffers)
            if t is bytes or t is bytearray:
                self._initiate_write(token, buffers)
                return None
        const_size(buffers)
        return async_initiate(self._initiate_write, token, buffers)

    def _initiate_write(self, handler: Callable[[error_code, int], object], buffers: Any) -> None:
        ex = None if type(handler) in self._fast else self._op_executor(handler)
        size, sequence = const_size(buffers)
        fn = _writev(self._fd) if sequence and self._fd >= 0 else self._write
        op = send_op(handler, ex, fn, buffers)  # type: ignore[arg-type]
        self._start(op, WRITE, size)

    def _start(self, op: recv_op | send_op, kind: int, size: int) -> None:
        # Closed -> bad_descriptor; empty -> 0 at once; else try now, then the reactor.
        # Completion always through the queue (R1).
        state = self._state
        if state is None:
            op.ec = bad_descriptor
        elif size and (state.ops[kind] or not op.perform()):
            self._reactor.start_op(state, kind, op)
            return
        self._sched.post_immediate_completion(op)


basic_stream_descriptor = stream_descriptor
"""Asio's ``posix::basic_stream_descriptor<>``: the same class."""


def _readv(fd: int) -> Callable[[Sequence[Any]], int]:
    readv = os.readv
    return lambda bufs: readv(fd, bufs[:_IOV_MAX])


def _writev(fd: int) -> Callable[[Sequence[Any]], int]:
    writev = os.writev
    return lambda bufs: writev(fd, bufs[:_IOV_MAX])
