"""``basic_stream_socket``: connect, read and write on a reactive stream socket.

The protocol-specific classes (``tcp.socket``, ``local.stream_protocol.socket``) only bind
it to their protocol and endpoint types.

The read and write paths are the library's hottest code: one operation object per call, a
speculative system call through a bound method cached when the socket was opened, and a
completion queued straight onto the io_context. A buffer that is a plain ``bytearray``,
``bytes`` or ``memoryview`` takes the fast path; a list or tuple of buffers is read with
``recvmsg_into`` or written with ``sendmsg`` (scatter/gather).
"""

from __future__ import annotations

import concurrent.futures
import errno
import logging
import select
import socket as _socket
from collections.abc import Callable, Iterable
from typing import Any, overload

from typing_extensions import Buffer

from asiolike import socket_base
from asiolike.async_result import AdapterToken, async_initiate, use_future_t
from asiolike.awaitable import awaitable, use_awaitable_t
from asiolike.detail.basic_socket import basic_socket
from asiolike.detail.reactive_socket import _Endpoint
from asiolike.detail.reactor import READ, WRITE
from asiolike.detail.socket_ops import (
    connect_op,
    const_size,
    error_of,
    mutable_size,
    poll_fd,
    recv_fn,
    recv_op,
    send_fn,
    send_op,
)
from asiolike.error import bad_descriptor, eof, error_code, from_errno, system_error

__all__ = ["basic_stream_socket"]

_DEBUG = logging.DEBUG
_IN_PROGRESS = frozenset({errno.EINPROGRESS, errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR})
_SOL_SOCKET = _socket.SOL_SOCKET
_SO_ERROR = _socket.SO_ERROR

#: What the reads take: a writable bytes-like object or a list of them (a type checker
#: cannot tell writable from read-only; a ``str`` is refused).
MutableBuffers = Buffer | Iterable[Buffer]
#: What the writes take: a bytes-like object or a list of them.
ConstBuffers = Buffer | Iterable[Buffer]
#: The handler of a read or a write.
IoHandler = Callable[[error_code, int], object]


class basic_stream_socket(basic_socket[_Endpoint]):
    """A stream-oriented socket (Asio's ``basic_stream_socket``).

    Args:
        ctx_or_ex: the io_context, executor or strand that runs the handlers.
        protocol_or_endpoint: optional. A protocol object opens the socket
            (``tcp.socket(ioc, tcp.v4())``); an endpoint opens it and binds it to that
            endpoint.
        native: optional, with a protocol: an existing ``socket.socket`` or descriptor to
            adopt (it is made non-blocking; the object now owns it).

    Handlers are never invoked from inside the initiating call (even for a zero-size buffer
    or a closed socket), and run on the handler's associated executor if it has one, else
    on this socket's executor.
    """

    __slots__ = ()

    # -- connecting -------------------------------------------------------------------------

    def connect(self, peer: _Endpoint) -> None:
        """Connect to ``peer``, blocking until connected. Opens the socket if it is closed.

        Raises:
            system_error: ``connection_refused``, ``timed_out``, ``network_unreachable``...
        """
        self._check_endpoint(peer)
        if self._sock is None:
            self.open(peer.protocol())  # type: ignore[attr-defined]
        sock = self._require("connect")
        err = sock.connect_ex(peer._sockaddr())  # type: ignore[attr-defined]
        if err in _IN_PROGRESS:
            poll_fd(sock.fileno(), select.POLLOUT)
            err = sock.getsockopt(_SOL_SOCKET, _SO_ERROR)
        if err:
            raise system_error(from_errno(err), "connect")

    @overload
    def async_connect(self, peer: _Endpoint, token: use_awaitable_t) -> awaitable[None]: ...

    @overload
    def async_connect(
        self, peer: _Endpoint, token: use_future_t
    ) -> concurrent.futures.Future[None]: ...

    @overload
    def async_connect(self, peer: _Endpoint, token: AdapterToken) -> Any: ...

    @overload
    def async_connect(self, peer: _Endpoint, token: Callable[[error_code], object]) -> None: ...

    def async_connect(self, peer: _Endpoint, token: Any) -> Any:
        """Start connecting to ``peer``. Opens the socket first if it is closed.

        This call returns immediately; the handler is never invoked from within it (an
        error from opening, or a connection made at once, completes through the queue).
        If the connection fails, a socket opened here stays open. To try each of a
        resolver's results in turn, use :func:`asiolike.async_connect`.

        Args:
            peer: an endpoint of this socket's protocol.
            token: the completion token: a handler, ``use_future``, ``use_awaitable``, or
                an adapter (``as_tuple``, ``cancel_after``...).

        Handler:
            ``handler(ec: error_code)``, run through its associated executor (by default the
            socket's). A handler that cannot take these arguments makes this call raise
            ``TypeError``.

        Returns:
            ``None`` for a handler. With ``use_future``, a ``Future[None]``; with
            ``use_awaitable``, an ``awaitable[None]``. A failing ``ec`` raises
            :class:`~asiolike.error.system_error` from either.

        Errors:
            ``connection_refused`` (nobody listens), ``timed_out``, ``network_unreachable``,
            ``operation_aborted`` (``cancel()``/``close()`` or a per-operation
            cancellation), and any error from opening.

        Cancellation:
            ``terminal``, ``partial`` and ``total``, through a cancellation slot associated
            with the handler (``bind_cancellation_slot``, ``cancel_after``, a coroutine's):
            the attempt is abandoned and completes with ``operation_aborted``.

        Raises:
            TypeError: ``peer`` is not an endpoint of this socket's protocol.

        Example:
            ::

                def on_connect(ec):
                    if ec:
                        return fail(ec, "connect")
                    sock.async_write_some(b"hello", on_write)

                sock.async_connect(tcp.endpoint("127.0.0.1", 8080), on_connect)
        """
        self._check_endpoint(peer)
        return async_initiate(self._initiate_connect, token, peer)

    def _initiate_connect(self, handler: Callable[[error_code], object], peer: Any) -> None:
        sched = self._sched
        op = connect_op(handler, self._op_executor(handler), _no_so_error)
        if self._sock is None:
            try:
                self.open(peer.protocol())
            except system_error as exc:
                op.ec = exc.code
                sched.post_immediate_completion(op)
                return
        sock = self._sock
        state = self._state
        assert sock is not None and state is not None
        if self._log.isEnabledFor(_DEBUG):
            self._log.debug("socket fd %d: connecting to %s", sock.fileno(), peer)
        err = sock.connect_ex(peer._sockaddr())
        if err in _IN_PROGRESS:
            op.so_error = _so_error_of(sock)
            self._reactor.start_op(state, WRITE, op)
            return
        if err:
            op.ec = from_errno(err)
        sched.post_immediate_completion(op)

    # -- synchronous reads and writes -------------------------------------------------------

    def read_some(self, buffers: MutableBuffers) -> int:
        """Read at least one byte into ``buffers``, blocking until some arrive.

        Args:
            buffers: a writable bytes-like object, or a list of them.

        Returns:
            The number of bytes read (0 only for an empty buffer).

        Raises:
            system_error: ``eof`` (the peer closed), ``connection_reset``...
        """
        return self.receive(buffers, 0)

    def receive(self, buffers: MutableBuffers, flags: int = 0) -> int:
        """As :meth:`read_some`, with ``message_flags`` (``message_peek``...)."""
        size, sequence = mutable_size(buffers)
        sock = self._require("receive")
        if not size:
            return 0
        fn = recv_fn(sock, sequence, int(flags))
        while True:
            try:
                n = fn(buffers)
            except BlockingIOError:
                self._before_sync_wait("receive")
                poll_fd(sock.fileno(), select.POLLIN)
                continue
            except InterruptedError:
                continue
            except OSError as exc:
                raise system_error(error_of(exc), "receive") from None
            if not n:
                raise system_error(eof, "receive")
            return n

    def write_some(self, buffers: ConstBuffers) -> int:
        """Write some of ``buffers``, blocking until at least one byte is sent.

        Args:
            buffers: a bytes-like object, or a list of them.

        Returns:
            The number of bytes written (0 only for empty data).

        Raises:
            system_error: ``broken_pipe``, ``connection_reset``...
        """
        return self.send(buffers, 0)

    def send(self, buffers: ConstBuffers, flags: int = 0) -> int:
        """As :meth:`write_some`, with ``message_flags``."""
        size, sequence = const_size(buffers)
        sock = self._require("send")
        if not size:
            return 0
        fn = send_fn(sock, sequence, int(flags))
        while True:
            try:
                return fn(buffers)
            except BlockingIOError:
                self._before_sync_wait("send")
                poll_fd(sock.fileno(), select.POLLOUT)
            except InterruptedError:
                continue
            except OSError as exc:
                raise system_error(error_of(exc), "send") from None

    # -- asynchronous reads and writes ------------------------------------------------------

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
        """Start reading at least one byte into ``buffers`` (received in place, no copy).

        This call returns immediately; the handler is never invoked from within it, even
        when the result is known at once (data already waiting, an empty buffer, a closed
        socket). The read may fill only part of ``buffers``: :func:`asiolike.async_read`
        fills all of it. Reads started while one is pending wait their turn and complete
        in the order they were started.

        Args:
            buffers: a writable bytes-like object (``bytearray``, writable ``memoryview``)
                or a list of them; it must stay untouched until the handler runs.
            token: the completion token: a handler, ``use_future``, ``use_awaitable``, or
                an adapter (``as_tuple``, ``bind_cancellation_slot``, ``cancel_after``...).

        Handler:
            ``handler(ec: error_code, bytes_transferred: int)``, run through its associated
            executor (by default the socket's). An empty buffer completes with success and
            0. A handler that cannot take these arguments makes this call raise
            ``TypeError``.

        Returns:
            ``None`` for a handler. With ``use_future``, a ``Future[int]`` whose result is
            ``bytes_transferred``; with ``use_awaitable``, an ``awaitable[int]`` of it. A
            failing ``ec`` raises :class:`~asiolike.error.system_error` from either.

        Errors:
            ``eof`` (the peer closed its side), ``connection_reset`` (the peer reset),
            ``operation_aborted`` (``cancel()``/``close()`` or a per-operation
            cancellation), ``bad_descriptor`` (not open).

        Cancellation:
            ``terminal``, ``partial`` and ``total``, through a cancellation slot associated
            with the handler (``bind_cancellation_slot``, ``cancel_after``, a coroutine's):
            the read then completes with ``operation_aborted`` having read nothing.

        Raises:
            TypeError: ``buffers`` is not a writable buffer.

        Example:
            ::

                buf = bytearray(4096)

                def on_read(ec, n):
                    if ec:
                        return fail(ec, "read")
                    print(bytes(buf[:n]))

                sock.async_read_some(buf, on_read)
        """
        if type(token) in self._fast:
            # The fast path (see asiolike.detail.completion): async_initiate's work for a
            # plain handler, without the call.
            self._initiate_read(token, buffers)
            return None
        return async_initiate(self._initiate_read, token, buffers)

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

        This call returns immediately; the handler is never invoked from within it, even
        when the kernel takes the data at once. The write may send only part of
        ``buffers``: :func:`asiolike.async_write` sends all of it. Writes started while
        one is pending wait their turn and complete in the order they were started.

        Args:
            buffers: a bytes-like object or a list of them; it must stay unchanged until
                the handler runs.
            token: the completion token: a handler, ``use_future``, ``use_awaitable``, or
                an adapter (``as_tuple``, ``bind_cancellation_slot``, ``cancel_after``...).

        Handler:
            ``handler(ec: error_code, bytes_transferred: int)``, run through its associated
            executor (by default the socket's). Empty data completes with success and 0. A
            handler that cannot take these arguments makes this call raise ``TypeError``.

        Returns:
            ``None`` for a handler. With ``use_future``, a ``Future[int]`` whose result is
            ``bytes_transferred``; with ``use_awaitable``, an ``awaitable[int]`` of it. A
            failing ``ec`` raises :class:`~asiolike.error.system_error` from either.

        Errors:
            ``broken_pipe``/``connection_reset`` (the peer is gone), ``operation_aborted``
            (``cancel()``/``close()`` or a per-operation cancellation), ``bad_descriptor``
            (not open).

        Cancellation:
            ``terminal``, ``partial`` and ``total``, through a cancellation slot associated
            with the handler: the write then completes with ``operation_aborted`` having
            sent nothing.

        Raises:
            TypeError: ``buffers`` is not bytes-like.

        Example:
            ::

                def on_write(ec, n):
                    if ec:
                        return fail(ec, "write")
                    print("sent", n, "of", len(data), "bytes")

                sock.async_write_some(data, on_write)
        """
        if type(token) in self._fast:
            self._initiate_write(token, buffers)
            return None
        return async_initiate(self._initiate_write, token, buffers)

    @overload
    def async_receive(
        self, buffers: MutableBuffers, token: use_awaitable_t, /
    ) -> awaitable[int]: ...

    @overload
    def async_receive(
        self, buffers: MutableBuffers, token: use_future_t, /
    ) -> concurrent.futures.Future[int]: ...

    @overload
    def async_receive(self, buffers: MutableBuffers, token: AdapterToken, /) -> Any: ...

    @overload
    def async_receive(self, buffers: MutableBuffers, token: IoHandler, /) -> None: ...

    @overload
    def async_receive(
        self, buffers: MutableBuffers, flags: int, token: use_awaitable_t, /
    ) -> awaitable[int]: ...

    @overload
    def async_receive(
        self, buffers: MutableBuffers, flags: int, token: use_future_t, /
    ) -> concurrent.futures.Future[int]: ...

    @overload
    def async_receive(self, buffers: MutableBuffers, flags: int, token: AdapterToken, /) -> Any: ...

    @overload
    def async_receive(self, buffers: MutableBuffers, flags: int, token: IoHandler, /) -> None: ...

    def async_receive(self, buffers: Any, flags_or_token: Any, token: Any = None) -> Any:
        """As :meth:`async_read_some`; ``async_receive(buffers, flags, token)`` adds flags.

        This call returns immediately; the handler is never invoked from within it.

        Args:
            buffers: as :meth:`async_read_some`.
            flags: optional, ``socket_base.message_flags`` (``message_peek``,
                ``message_out_of_band``); none is :meth:`async_read_some` itself.
            token: as :meth:`async_read_some`.

        Handler:
            ``handler(ec: error_code, bytes_transferred: int)``. A handler that cannot take
            these arguments makes this call raise ``TypeError``.

        Returns:
            As :meth:`async_read_some`: with ``use_future`` a ``Future[int]``, with
            ``use_awaitable`` an ``awaitable[int]``.

        Errors:
            As :meth:`async_read_some`.

        Cancellation:
            As :meth:`async_read_some`: ``terminal``, ``partial`` and ``total``.

        Example:
            ::

                sock.async_receive(buf, tcp.socket.message_peek, on_peek)
        """
        if token is None:
            return self.async_read_some(buffers, flags_or_token)
        flags = int(socket_base.message_flags(flags_or_token))
        if not flags:
            return self.async_read_some(buffers, token)
        mutable_size(buffers)
        return async_initiate(self._initiate_flagged, token, buffers, flags, True)

    @overload
    def async_send(self, buffers: ConstBuffers, token: use_awaitable_t, /) -> awaitable[int]: ...

    @overload
    def async_send(
        self, buffers: ConstBuffers, token: use_future_t, /
    ) -> concurrent.futures.Future[int]: ...

    @overload
    def async_send(self, buffers: ConstBuffers, token: AdapterToken, /) -> Any: ...

    @overload
    def async_send(self, buffers: ConstBuffers, token: IoHandler, /) -> None: ...

    @overload
    def async_send(
        self, buffers: ConstBuffers, flags: int, token: use_awaitable_t, /
    ) -> awaitable[int]: ...

    @overload
    def async_send(
        self, buffers: ConstBuffers, flags: int, token: use_future_t, /
    ) -> concurrent.futures.Future[int]: ...

    @overload
    def async_send(self, buffers: ConstBuffers, flags: int, token: AdapterToken, /) -> Any: ...

    @overload
    def async_send(self, buffers: ConstBuffers, flags: int, token: IoHandler, /) -> None: ...

    def async_send(self, buffers: Any, flags_or_token: Any, token: Any = None) -> Any:
        """As :meth:`async_write_some`; ``async_send(buffers, flags, token)`` adds flags.

        This call returns immediately; the handler is never invoked from within it.

        Args:
            buffers: as :meth:`async_write_some`.
            flags: optional, ``socket_base.message_flags`` (``message_out_of_band``,
                ``message_do_not_route``); none is :meth:`async_write_some` itself.
            token: as :meth:`async_write_some`.

        Handler:
            ``handler(ec: error_code, bytes_transferred: int)``. A handler that cannot take
            these arguments makes this call raise ``TypeError``.

        Returns:
            As :meth:`async_write_some`: with ``use_future`` a ``Future[int]``, with
            ``use_awaitable`` an ``awaitable[int]``.

        Errors:
            As :meth:`async_write_some`.

        Cancellation:
            As :meth:`async_write_some`: ``terminal``, ``partial`` and ``total``.

        Example:
            ::

                sock.async_send(b"!", tcp.socket.message_out_of_band, on_sent)
        """
        if token is None:
            return self.async_write_some(buffers, flags_or_token)
        flags = int(socket_base.message_flags(flags_or_token))
        if not flags:
            return self.async_write_some(buffers, token)
        const_size(buffers)
        return async_initiate(self._initiate_flagged, token, buffers, flags, False)

    def _initiate_flagged(
        self, handler: Callable[[error_code, int], object], buffers: Any, flags: int, read: bool
    ) -> None:
        size, sequence = mutable_size(buffers) if read else const_size(buffers)
        sock = self._sock
        make_fn, op_type = (recv_fn, recv_op) if read else (send_fn, send_op)
        fn = None if sock is None else make_fn(sock, sequence, flags)
        op = op_type(handler, self._op_executor(handler), fn, buffers)  # type: ignore[arg-type]
        state = self._state
        kind = READ if read else WRITE
        if state is None:
            op.ec = bad_descriptor
            self._sched.post_immediate_completion(op)
        elif not size or (not state.ops[kind] and op.perform()):
            self._sched.post_immediate_completion(op)
        else:
            self._reactor.start_op(state, kind, op)


def _no_so_error() -> int:
    return 0


def _so_error_of(sock: _socket.socket) -> Callable[[], int]:
    getsockopt = sock.getsockopt
    return lambda: getsockopt(_SOL_SOCKET, _SO_ERROR)
