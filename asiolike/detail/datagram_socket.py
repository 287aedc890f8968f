"""``basic_datagram_socket``: send and receive whole datagrams on a reactive socket.

The protocol-specific classes (``udp.socket``, ``local.datagram_protocol.socket``) only bind
it to their protocol and endpoint types. Opening, closing, options, ``async_wait`` and
cancellation are those of every reactive socket (:mod:`asiolike.detail.reactive_socket`).

Theory of operation. Each operation is one small
:class:`~asiolike.detail.completion.queued_op` (the classes below, beside the stream ops of
:mod:`asiolike.detail.socket_ops`): the initiating function tries the system call once at
once when nothing of the same direction is queued, else hands the operation to the
reactor; the result always goes through the io_context's queue (rule R1).

Where datagrams differ from streams, as in Asio:

* one receive takes one datagram. A datagram larger than the buffer is cut to the buffer's
  size and the rest is lost, with no error (POSIX ``recvfrom`` without ``MSG_TRUNC``);
* an empty buffer is not "done at once": an empty send sends a zero-length datagram, an
  empty receive waits for a datagram (and keeps none of it); 0 bytes received is a
  zero-length datagram, never end of file;
* on a connected socket the kernel reports an ICMP error (port unreachable) on a later
  operation: ``connection_refused``. An unconnected socket never sees it.

``async_receive_from``'s handler takes the sender as a third argument,
``handler(ec, bytes_transferred, sender_endpoint)`` (Asio writes it through a reference
given to the initiating function). The queued operation delivers ``(ec, value)``; a
``functools.partial`` around the handler spreads ``value`` into the last two arguments.

Endpoints are immutable values, so the socket keeps the last sender's address and
endpoint: a stream of datagrams from one peer builds its endpoint once.
"""

from __future__ import annotations

import concurrent.futures
import functools
import select
import socket as _socket
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, overload

from asiolike import socket_base
from asiolike.async_result import AdapterToken, async_initiate, use_future_t
from asiolike.awaitable import awaitable, use_awaitable_t
from asiolike.cancellation import associated_cancellation_slot_of
from asiolike.detail.basic_socket import basic_socket
from asiolike.detail.completion import queued_op
from asiolike.detail.handler_check import (
    CHECK,
    EC_BYTES,
    EC_BYTES_OK,
    EC_BYTES_SENDER,
    EC_BYTES_SENDER_OK,
    FUNCTION,
    METHOD,
    check_handler,
)
from asiolike.detail.reactive_socket import _Endpoint
from asiolike.detail.reactor import READ, WRITE
from asiolike.detail.socket_ops import (
    connect_op,
    const_size,
    error_of,
    mutable_size,
    poll_fd,
    recv_fn,
    send_fn,
    send_op,
)
from asiolike.detail.stream_socket import ConstBuffers, MutableBuffers
from asiolike.error import bad_descriptor, error_code, success, system_error

if TYPE_CHECKING:
    from asiolike.detail.completion import Executor

__all__ = ["basic_datagram_socket", "datagram_recv_op", "recv_from_op", "send_to_op"]

_IOV_MAX = 1024
# While attempts at once find nothing, one receive in this many tries one anyway.
_PROBE_EVERY = 16
_partial = functools.partial


class datagram_recv_op(send_op):
    """A receive on a connected datagram socket: 0 bytes is an empty datagram, not EOF.

    Performed as a send is (any count is a result); only the system call differs.
    """

    __slots__ = ()


class recv_from_op(queued_op):
    """``async_receive_from``: ``value`` becomes ``(bytes_transferred, sender_endpoint)``.

    ``fn(buffers)`` returns ``(n, sockaddr)`` (``recvfrom_into`` or an adapter); ``owner``
    turns the address into an endpoint (with its one-entry cache).
    """

    __slots__ = ("buf", "fn", "owner")

    def __init__(
        self,
        handler: Callable[[error_code, Any], object],
        executor: Executor | None,
        fn: Callable[[Any], tuple[int, Any]] | None,
        buf: Any,
        owner: basic_datagram_socket[Any],
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
        self.ec = success
        self.fn = fn
        self.buf = buf
        self.owner = owner
        self.value = owner._no_sender

    def perform(self) -> bool:
        try:
            n, sa = self.fn(self.buf)  # type: ignore[misc]
        except (BlockingIOError, InterruptedError):
            return False
        except OSError as exc:
            self.ec = error_of(exc)
            return True
        owner = self.owner
        if sa == owner._last_sa and sa is not None:
            self.value = (n, owner._last_ep)
        else:
            self.value = (n, owner._endpoint_of(sa))
        return True


class send_to_op(send_op):
    """``async_send_to``: ``fn(buffers, sockaddr)`` sends one datagram to ``addr``."""

    __slots__ = ("addr",)

    def __init__(
        self,
        handler: Callable[[error_code, int], object],
        executor: Executor | None,
        fn: Callable[[Any, Any], int] | None,
        buf: Any,
        addr: Any,
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
        self.fn = fn  # type: ignore[assignment]
        self.buf = buf
        self.ec = success
        self.value = 0
        self.addr = addr

    def perform(self) -> bool:
        try:
            self.value = self.fn(self.buf, self.addr)  # type: ignore[call-arg]
        except (BlockingIOError, InterruptedError):
            return False
        except OSError as exc:
            self.ec = error_of(exc)
        return True


def _spread(handler: Callable[..., object], ec: error_code, value: tuple[int, Any]) -> None:
    # (ec, (n, sender)) from the queued operation -> handler(ec, n, sender).
    handler(ec, value[0], value[1])


class _spreading:
    """``_spread`` for a handler that is not plain: its cancellation slot stays visible.

    The reactor installs a waiting operation's cancellation from the slot of the handler it
    is given (``reactor.start_op``); a ``partial`` would hide the user's.
    """

    __slots__ = ("associated_cancellation_slot", "handler")

    def __init__(self, handler: Callable[..., object]) -> None:
        self.handler = handler
        self.associated_cancellation_slot = associated_cancellation_slot_of(handler)

    def __call__(self, ec: error_code, value: tuple[int, Any]) -> None:
        handler = self.handler
        self.handler = None  # type: ignore[assignment]  # nothing of the user's kept (R10)
        handler(ec, value[0], value[1])


def _recvfrom_fn(sock: _socket.socket, sequence: bool, flags: int) -> Callable[[Any], Any]:
    if sequence:
        recvmsg_into = sock.recvmsg_into

        def scatter(bufs: Sequence[Any]) -> tuple[int, Any]:
            n, _anc, _flags, sa = recvmsg_into(bufs[:_IOV_MAX], 0, flags)
            return n, sa

        return scatter
    if flags:
        recvfrom_into = sock.recvfrom_into
        return lambda buf: recvfrom_into(buf, 0, flags)
    return sock.recvfrom_into


def _sendto_fn(sock: _socket.socket, sequence: bool, flags: int) -> Callable[[Any, Any], int]:
    if sequence:
        sendmsg = sock.sendmsg

        def gather(bufs: Sequence[Any], addr: Any) -> int:
            n: int = sendmsg(bufs, (), flags, addr)
            return n

        return gather
    if flags:
        sendto = sock.sendto
        return lambda buf, addr: sendto(buf, flags, addr)
    return sock.sendto


class basic_datagram_socket(basic_socket[_Endpoint]):
    """A datagram-oriented socket (Asio's ``basic_datagram_socket``).

    Args:
        ctx_or_ex: the io_context, executor or strand that runs the handlers.
        protocol_or_endpoint: optional. A protocol object opens the socket
            (``udp.socket(ioc, udp.v4())``); an endpoint opens it and binds it to that
            endpoint (``udp.socket(ioc, udp.endpoint(udp.v4(), 9000))``).
        native: optional, with a protocol: an existing ``socket.socket`` or descriptor to
            adopt (it is made non-blocking; the object now owns it).

    Handlers are never invoked from inside the initiating call (even for a closed socket),
    and run on the handler's associated executor if it has one, else on this socket's
    executor.
    """

    __slots__ = ("_last_ep", "_last_sa", "_misses", "_no_sender")

    def __init__(
        self, ctx_or_ex: Any, protocol_or_endpoint: Any = None, native: Any = None
    ) -> None:
        self._last_sa: Any = None
        self._last_ep: Any = None
        self._misses = 0
        # What a failed receive_from reports as the sender (Asio leaves it untouched).
        self._no_sender: tuple[int, Any] = (0, self.endpoint_type())
        super().__init__(ctx_or_ex, protocol_or_endpoint, native)

    def _endpoint_of(self, sa: Any) -> Any:
        if sa == self._last_sa and sa is not None:
            return self._last_ep
        ep = self.endpoint_type._from_sockaddr(sa)
        self._last_sa = sa
        self._last_ep = ep
        return ep

    # -- connecting -------------------------------------------------------------------------

    def connect(self, peer: _Endpoint) -> None:
        """Set the default peer: ``send``/``receive`` then talk to ``peer`` only.

        Opens the socket for ``peer``'s protocol if it is closed. Nothing goes on the wire;
        from now on, datagrams from other senders are dropped by the kernel, and an ICMP
        error from ``peer`` is reported by a later operation (``connection_refused``).

        Raises:
            system_error: ``network_unreachable``, ``address_family_not_supported``...
        """
        self._check_endpoint(peer)
        if self._sock is None:
            self.open(peer.protocol())  # type: ignore[attr-defined]
        sock = self._require("connect")
        try:
            sock.connect(peer._sockaddr())  # type: ignore[attr-defined]
        except OSError as exc:
            raise system_error(error_of(exc), "connect") from None

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
        """Set the default peer, as :meth:`connect`, and report through a handler.

        A datagram connect never waits: this call returns immediately with the handler
        queued; the handler is never invoked from within it.

        Args:
            peer: an endpoint of this socket's protocol.
            token: the completion token: a handler, ``use_future``, ``use_awaitable``, or
                an adapter.

        Handler:
            ``handler(ec: error_code)``, run through its associated executor (by default the
            socket's). A handler that cannot take these arguments makes this call raise
            ``TypeError``.

        Returns:
            ``None`` for a handler. With ``use_future``, a ``Future[None]``; with
            ``use_awaitable``, an ``awaitable[None]``. A failing ``ec`` raises
            :class:`~asiolike.error.system_error` from either.

        Errors:
            ``network_unreachable``, ``address_family_not_supported``, ``bad_descriptor``...

        Cancellation:
            None: the operation is over before a request could reach it (its completion
            is already queued).

        Raises:
            TypeError: ``peer`` is not an endpoint of this socket's protocol.

        Example:
            ::

                sock.async_connect(udp.endpoint("127.0.0.1", 9000), on_connect)
        """
        self._check_endpoint(peer)
        return async_initiate(self._initiate_connect, token, peer)

    def _initiate_connect(self, handler: Callable[[error_code], object], peer: _Endpoint) -> None:
        op = connect_op(handler, self._op_executor(handler), _no_so_error)
        try:
            self.connect(peer)
        except system_error as exc:
            op.ec = exc.code
        self._sched.post_immediate_completion(op)

    # -- synchronous operations -------------------------------------------------------------

    def _blocking(self, what: str, events: int, call: Callable[[], Any]) -> Any:
        # Retry ``call`` until it does not block, waiting with poll(2) in between.
        sock = self._require(what)
        while True:
            try:
                return call()
            except BlockingIOError:
                self._before_sync_wait(what)
                poll_fd(sock.fileno(), events)
            except InterruptedError:
                continue
            except OSError as exc:
                raise system_error(error_of(exc), what) from None

    def send_to(self, buffers: Any, destination: Any, flags: int = 0) -> int:
        """Send one datagram to ``destination``, blocking while the send buffer is full.

        Args:
            buffers: a bytes-like object, or a list of them (sent as one datagram).
            destination: an endpoint of this socket's protocol.
            flags: ``message_flags`` (``message_do_not_route``...).

        Returns:
            The number of bytes sent (the whole datagram).

        Raises:
            system_error: ``message_size`` (too large for the protocol),
                ``bad_descriptor`` (not open), ``network_unreachable``...
        """
        self._check_endpoint(destination)
        _size, sequence = const_size(buffers)
        sock = self._require("send_to")
        fn = _sendto_fn(sock, sequence, int(flags))
        addr = destination._sockaddr()
        n: int = self._blocking("send_to", select.POLLOUT, lambda: fn(buffers, addr))
        return n

    def receive_from(self, buffers: Any, flags: int = 0) -> tuple[int, Any]:
        """Receive one datagram, blocking until one arrives.

        A datagram larger than ``buffers`` fills them; the rest of it is discarded.

        Args:
            buffers: a writable bytes-like object, or a list of them.
            flags: ``message_flags`` (``message_peek``...).

        Returns:
            ``(bytes_transferred, sender_endpoint)``.

        Raises:
            system_error: ``connection_refused`` (connected, and the peer's port is
                closed), ``bad_descriptor`` (not open), ``would_block`` (user
                non-blocking mode and nothing to receive).
        """
        _size, sequence = mutable_size(buffers)
        sock = self._require("receive_from")
        fn = _recvfrom_fn(sock, sequence, int(flags))
        n, sa = self._blocking("receive_from", select.POLLIN, lambda: fn(buffers))
        return n, self._endpoint_of(sa)

    def send(self, buffers: Any, flags: int = 0) -> int:
        """Send one datagram to the connected peer, blocking while the send buffer is full.

        Returns:
            The number of bytes sent.

        Raises:
            system_error: ``connection_refused`` (an earlier datagram was refused),
                ``not_connected`` (no default peer; use :meth:`send_to`),
                ``message_size``, ``bad_descriptor``...
        """
        _size, sequence = const_size(buffers)
        sock = self._require("send")
        fn = send_fn(sock, sequence, int(flags))
        n: int = self._blocking("send", select.POLLOUT, lambda: fn(buffers))
        return n

    def receive(self, buffers: Any, flags: int = 0) -> int:
        """Receive one datagram from the connected peer, blocking until one arrives.

        Returns:
            The number of bytes received (0 for a zero-length datagram).

        Raises:
            system_error: ``connection_refused`` (the peer's port is closed),
                ``bad_descriptor``...
        """
        _size, sequence = mutable_size(buffers)
        sock = self._require("receive")
        fn = recv_fn(sock, sequence, int(flags))
        n: int = self._blocking("receive", select.POLLIN, lambda: fn(buffers))
        return n

    # -- asynchronous operations ------------------------------------------------------------

    def _start_send(self, op: Any) -> None:
        # Closed -> bad_descriptor; else try at once when no send waits (a datagram send
        # rarely blocks), else the reactor. Completion always via the queue (R1).
        state = self._state
        if state is None:
            op.ec = bad_descriptor
        elif state.ops[WRITE] or not op.perform():
            self._reactor.start_op(state, WRITE, op)
            return
        self._sched.post_immediate_completion(op)

    def _start_receive(self, op: Any) -> None:
        # As _start_send, but the attempt at once is made only while it pays: an attempt
        # that finds nothing (a system call and an exception) stops them, and one in
        # _PROBE_EVERY receives through the reactor tries again, so that a burst of
        # queued datagrams is taken without a trip through the reactor for each.
        state = self._state
        if state is None:
            op.ec = bad_descriptor
        elif state.ops[READ]:
            self._reactor.start_op(state, READ, op)
            return
        elif not self._speculate:
            misses = self._misses + 1
            if misses >= _PROBE_EVERY:
                misses = 0
                self._speculate = True
            self._misses = misses
            self._reactor.start_op(state, READ, op)
            return
        elif not op.perform():
            self._speculate = False
            self._reactor.start_op(state, READ, op)
            return
        self._sched.post_immediate_completion(op)

    @overload
    def async_send_to(
        self, buffers: ConstBuffers, destination: _Endpoint, token: use_awaitable_t, /
    ) -> awaitable[int]: ...

    @overload
    def async_send_to(
        self, buffers: ConstBuffers, destination: _Endpoint, token: use_future_t, /
    ) -> concurrent.futures.Future[int]: ...

    @overload
    def async_send_to(
        self, buffers: ConstBuffers, destination: _Endpoint, token: AdapterToken, /
    ) -> Any: ...

    @overload
    def async_send_to(
        self,
        buffers: ConstBuffers,
        destination: _Endpoint,
        token: Callable[[error_code, int], object],
        /,
    ) -> None: ...

    @overload
    def async_send_to(
        self, buffers: ConstBuffers, destination: _Endpoint, flags: int, token: use_awaitable_t, /
    ) -> awaitable[int]: ...

    @overload
    def async_send_to(
        self, buffers: ConstBuffers, destination: _Endpoint, flags: int, token: use_future_t, /
    ) -> concurrent.futures.Future[int]: ...

    @overload
    def async_send_to(
        self, buffers: ConstBuffers, destination: _Endpoint, flags: int, token: AdapterToken, /
    ) -> Any: ...

    @overload
    def async_send_to(
        self,
        buffers: ConstBuffers,
        destination: _Endpoint,
        flags: int,
        token: Callable[[error_code, int], object],
        /,
    ) -> None: ...

    def async_send_to(
        self, buffers: Any, destination: Any, flags_or_token: Any, token: Any = None
    ) -> Any:
        """Start sending one datagram to ``destination``.

        ``async_send_to(buffers, destination, token)`` or
        ``async_send_to(buffers, destination, flags, token)``.

        This call returns immediately; the handler is never invoked from within it, even
        when the datagram is sent at once. A datagram is sent whole or not at all.

        Args:
            buffers: a bytes-like object, or a list of them (one datagram); it must stay
                unchanged until the handler runs. Empty data sends a zero-length datagram.
            destination: an endpoint of this socket's protocol.
            flags: optional, ``socket_base.message_flags``.
            token: the completion token: a handler, ``use_future``, ``use_awaitable``, or
                an adapter (``as_tuple``, ``bind_cancellation_slot``, ``cancel_after``...).

        Handler:
            ``handler(ec: error_code, bytes_transferred: int)``, run through its associated
            executor (by default the socket's). A handler that cannot take these arguments
            makes this call raise ``TypeError``.

        Returns:
            ``None`` for a handler. With ``use_future``, a ``Future[int]`` whose result is
            ``bytes_transferred``; with ``use_awaitable``, an ``awaitable[int]`` of it. A
            failing ``ec`` raises :class:`~asiolike.error.system_error` from either.

        Errors:
            ``message_size`` (larger than the protocol allows), ``network_unreachable``,
            ``operation_aborted`` (``cancel()``/``close()`` or a per-operation
            cancellation), ``bad_descriptor`` (not open).

        Cancellation:
            ``terminal``, ``partial`` and ``total``, through a cancellation slot associated
            with the handler, while the send waits for room: it completes with
            ``operation_aborted`` having sent nothing.

        Raises:
            TypeError: ``destination`` is not an endpoint of this socket's protocol, or
                ``buffers`` is not bytes-like.

        Example:
            ::

                sock.async_send_to(b"ping", udp.endpoint("127.0.0.1", 9000), on_sent)
        """
        if token is None:
            token, flags = flags_or_token, 0
            state = self._state
            if type(token) in self._fast and type(destination) is self.endpoint_type:
                t = type(buffers)
                if state is not None and (
                    t is bytes or t is bytearray or (t is memoryview and buffers.c_contiguous)
                ):
                    # The fast path (see asiolike.detail.completion): what async_initiate
                    # and _initiate_send_to do for a plain handler and one buffer, inline.
                    addr = (
                        self._last_sa if destination is self._last_ep else destination._sockaddr()
                    )
                    op = send_to_op(token, None, self._sock.sendto, buffers, addr)  # type: ignore[union-attr]
                    if state.ops[WRITE] or not op.perform():
                        self._reactor.start_op(state, WRITE, op)
                    else:
                        self._sched.post_immediate_completion(op)
                    return None
        else:
            flags = int(socket_base.message_flags(flags_or_token))
        self._check_endpoint(destination)
        const_size(buffers)
        return async_initiate(self._initiate_send_to, token, buffers, destination, flags)

    def _initiate_send_to(
        self, handler: Callable[[error_code, int], object], buffers: Any, dest: Any, flags: int
    ) -> None:
        sock = self._sock
        t = type(buffers)
        fn: Callable[..., Any] | None
        if sock is None:
            fn = None
        elif not flags and (t is bytes or t is bytearray or t is memoryview):
            fn = sock.sendto
        else:
            fn = _sendto_fn(sock, not (t is bytes or t is bytearray or t is memoryview), flags)
        # An echo answers the last sender: its address is at hand.
        addr = self._last_sa if dest is self._last_ep else dest._sockaddr()
        ex = None if type(handler) in self._fast else self._op_executor(handler)
        self._start_send(send_to_op(handler, ex, fn, buffers, addr))

    @overload
    def async_receive_from(
        self, buffers: MutableBuffers, token: use_awaitable_t, /
    ) -> awaitable[tuple[int, _Endpoint]]: ...

    @overload
    def async_receive_from(
        self, buffers: MutableBuffers, token: use_future_t, /
    ) -> concurrent.futures.Future[tuple[int, _Endpoint]]: ...

    @overload
    def async_receive_from(self, buffers: MutableBuffers, token: AdapterToken, /) -> Any: ...

    @overload
    def async_receive_from(
        self, buffers: MutableBuffers, token: Callable[[error_code, int, _Endpoint], object], /
    ) -> None: ...

    @overload
    def async_receive_from(
        self, buffers: MutableBuffers, flags: int, token: use_awaitable_t, /
    ) -> awaitable[tuple[int, _Endpoint]]: ...

    @overload
    def async_receive_from(
        self, buffers: MutableBuffers, flags: int, token: use_future_t, /
    ) -> concurrent.futures.Future[tuple[int, _Endpoint]]: ...

    @overload
    def async_receive_from(
        self, buffers: MutableBuffers, flags: int, token: AdapterToken, /
    ) -> Any: ...

    @overload
    def async_receive_from(
        self,
        buffers: MutableBuffers,
        flags: int,
        token: Callable[[error_code, int, _Endpoint], object],
        /,
    ) -> None: ...

    def async_receive_from(self, buffers: Any, flags_or_token: Any, token: Any = None) -> Any:
        """Start receiving one datagram from any sender.

        ``async_receive_from(buffers, token)`` or ``async_receive_from(buffers, flags,
        token)``. A datagram larger than ``buffers`` fills them and the rest of it is
        discarded, with no error (as Asio on POSIX). An empty buffer waits for a datagram
        and discards it. This call returns immediately; the handler is never invoked from
        within it, even when a datagram is waiting already. Receives started while one is
        pending complete in the order they were started.

        Args:
            buffers: a writable bytes-like object or a list of them; it must stay untouched
                until the handler runs.
            flags: optional, ``socket_base.message_flags`` (``message_peek``...).
            token: the completion token: a handler, ``use_future``, ``use_awaitable``, or
                an adapter (``as_tuple``, ``bind_cancellation_slot``, ``cancel_after``...).

        Handler:
            ``handler(ec: error_code, bytes_transferred: int, sender_endpoint)``, run
            through its associated executor (by default the socket's). On an error
            ``bytes_transferred`` is 0 and the sender is the unspecified endpoint. A handler
            that cannot take these arguments makes this call raise ``TypeError``.

        Returns:
            ``None`` for a handler. With ``use_future``, a ``Future`` whose result is the
            tuple ``(bytes_transferred, sender_endpoint)``; with ``use_awaitable``, an
            ``awaitable`` of that tuple. A failing ``ec`` raises
            :class:`~asiolike.error.system_error` from either.

        Errors:
            ``connection_refused`` (connected socket whose peer's port is closed),
            ``operation_aborted`` (``cancel()``/``close()`` or a per-operation
            cancellation), ``bad_descriptor`` (not open).

        Cancellation:
            ``terminal``, ``partial`` and ``total``, through a cancellation slot associated
            with the handler (``bind_cancellation_slot``, ``cancel_after``, a coroutine's):
            the receive completes with ``operation_aborted`` and takes no datagram.

        Example:
            ::

                def on_receive(ec, n, sender):
                    if not ec:
                        sock.async_send_to(memoryview(buf)[:n], sender, on_sent)

                sock.async_receive_from(buf, on_receive)
        """
        if token is None:
            token, flags = flags_or_token, 0
            sock = self._sock
            if type(token) in self._fast and type(buffers) is bytearray and sock is not None:
                # The fast path: _initiate_receive_from for a plain handler, inline.
                if CHECK:  # the handler check (asiolike.detail.handler_check)
                    h: Any = token
                    t = h.__class__
                    key = h.__func__ if t is METHOD else h if t is FUNCTION else t
                    ok = EC_BYTES_SENDER_OK
                    if key not in ok and not (
                        (t is METHOD or t is FUNCTION) and key.__code__ in ok
                    ):
                        EC_BYTES_SENDER.check(token)
                fn = sock.recvfrom_into
                self._start_receive(recv_from_op(_partial(_spread, token), None, fn, buffers, self))
                return None
        else:
            flags = int(socket_base.message_flags(flags_or_token))
        mutable_size(buffers)
        return async_initiate(self._initiate_receive_from, token, buffers, flags)

    def _initiate_receive_from(
        self, handler: Callable[..., object], buffers: Any, flags: int
    ) -> None:
        sock = self._sock
        t = type(buffers)
        fn: Callable[..., Any] | None
        if sock is None:
            fn = None
        elif not flags and (t is bytearray or t is memoryview):
            fn = sock.recvfrom_into
        else:
            fn = _recvfrom_fn(sock, not (t is bytearray or t is memoryview), flags)
        check_handler(handler, EC_BYTES_SENDER)
        # The queued operation delivers (ec, (n, sender)): spread it for the handler.
        if type(handler) in self._fast:
            op = recv_from_op(_partial(_spread, handler), None, fn, buffers, self)
        else:
            op = recv_from_op(_spreading(handler), self._op_executor(handler), fn, buffers, self)
        self._start_receive(op)

    @overload
    def async_send(self, buffers: ConstBuffers, token: use_awaitable_t, /) -> awaitable[int]: ...

    @overload
    def async_send(
        self, buffers: ConstBuffers, token: use_future_t, /
    ) -> concurrent.futures.Future[int]: ...

    @overload
    def async_send(self, buffers: ConstBuffers, token: AdapterToken, /) -> Any: ...

    @overload
    def async_send(
        self, buffers: ConstBuffers, token: Callable[[error_code, int], object], /
    ) -> None: ...

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
    def async_send(
        self, buffers: ConstBuffers, flags: int, token: Callable[[error_code, int], object], /
    ) -> None: ...

    def async_send(self, buffers: Any, flags_or_token: Any, token: Any = None) -> Any:
        """Start sending one datagram to the connected peer.

        ``async_send(buffers, token)`` or ``async_send(buffers, flags, token)``. This call
        returns immediately; the handler is never invoked from within it.

        Args:
            buffers: as :meth:`async_send_to`.
            flags: optional, ``socket_base.message_flags``.
            token: the completion token: a handler, ``use_future``, ``use_awaitable``, or
                an adapter.

        Handler:
            ``handler(ec: error_code, bytes_transferred: int)``, run through its associated
            executor (by default the socket's). A handler that cannot take these arguments
            makes this call raise ``TypeError``.

        Returns:
            ``None`` for a handler. With ``use_future``, a ``Future[int]`` whose result is
            ``bytes_transferred``; with ``use_awaitable``, an ``awaitable[int]`` of it. A
            failing ``ec`` raises :class:`~asiolike.error.system_error` from either.

        Errors:
            ``connection_refused`` (an earlier datagram was refused by the peer's host),
            ``not_connected``, ``message_size``, ``operation_aborted``, ``bad_descriptor``.

        Cancellation:
            As :meth:`async_send_to`: ``terminal``, ``partial`` and ``total``.

        Example:
            ::

                sock.connect(udp.endpoint("127.0.0.1", 9000))
                sock.async_send(b"ping", on_sent)
        """
        if token is None:
            token, flags = flags_or_token, 0
        else:
            flags = int(socket_base.message_flags(flags_or_token))
        const_size(buffers)
        return async_initiate(self._initiate_send, token, buffers, flags)

    def _initiate_send(
        self, handler: Callable[[error_code, int], object], buffers: Any, flags: int
    ) -> None:
        sock = self._sock
        t = type(buffers)
        sequence = not (t is bytes or t is bytearray or t is memoryview)
        fn = None if sock is None else send_fn(sock, sequence, flags)
        self._start_send(send_op(handler, self._op_executor(handler), fn, buffers))  # type: ignore[arg-type]

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
    def async_receive(
        self, buffers: MutableBuffers, token: Callable[[error_code, int], object], /
    ) -> None: ...

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
    def async_receive(
        self, buffers: MutableBuffers, flags: int, token: Callable[[error_code, int], object], /
    ) -> None: ...

    def async_receive(self, buffers: Any, flags_or_token: Any, token: Any = None) -> Any:
        """Start receiving one datagram from the connected peer.

        ``async_receive(buffers, token)`` or ``async_receive(buffers, flags, token)``.
        Truncation and empty buffers are as for :meth:`async_receive_from`.

        This call returns immediately; the handler is never invoked from within it.

        Args:
            buffers: as :meth:`async_receive_from`.
            flags: optional, ``socket_base.message_flags`` (``message_peek``...).
            token: the completion token: a handler, ``use_future``, ``use_awaitable``, or
                an adapter.

        Handler:
            ``handler(ec: error_code, bytes_transferred: int)``, run through its associated
            executor (by default the socket's). A zero-length datagram completes with
            success and 0. A handler that cannot take these arguments makes this call raise
            ``TypeError``.

        Returns:
            ``None`` for a handler. With ``use_future``, a ``Future[int]`` whose result is
            ``bytes_transferred``; with ``use_awaitable``, an ``awaitable[int]`` of it. A
            failing ``ec`` raises :class:`~asiolike.error.system_error` from either.

        Errors:
            ``connection_refused`` (the peer's port is closed), ``operation_aborted``
            (``cancel()``/``close()`` or a per-operation cancellation), ``bad_descriptor``
            (not open).

        Cancellation:
            As :meth:`async_receive_from`: ``terminal``, ``partial`` and ``total``.

        Example:
            ::

                sock.connect(udp.endpoint("127.0.0.1", 9000))
                sock.async_receive(buf, lambda ec, n: print(ec, bytes(buf[:n])))
        """
        if token is None:
            token, flags = flags_or_token, 0
        else:
            flags = int(socket_base.message_flags(flags_or_token))
        mutable_size(buffers)
        return async_initiate(self._initiate_receive, token, buffers, flags)

    def _initiate_receive(
        self, handler: Callable[[error_code, int], object], buffers: Any, flags: int
    ) -> None:
        sock = self._sock
        t = type(buffers)
        sequence = not (t is bytearray or t is memoryview)
        fn = None if sock is None else recv_fn(sock, sequence, flags)
        op = datagram_recv_op(handler, self._op_executor(handler), fn, buffers)  # type: ignore[arg-type]
        self._start_receive(op)


def _no_so_error() -> int:
    return 0
