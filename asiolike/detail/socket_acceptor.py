"""``basic_socket_acceptor``: listens and accepts connections (Asio's ``basic_socket_acceptor``).

The protocol-specific classes (``tcp.acceptor``, ``local.stream_protocol.acceptor``) bind
it to their socket, protocol and endpoint types.

A client that connects and goes away before it is accepted makes ``accept(2)`` fail with
``ECONNABORTED`` (or ``EPROTO``). As Asio does, the acceptor then goes on waiting for the
next client, unless the ``enable_connection_aborted`` option is set, in which case the
accept completes with ``connection_aborted``.

The accepted descriptor is wrapped into its socket object when the completion is
delivered, not in the reactor (which must not re-enter itself to register it).
"""

from __future__ import annotations

import concurrent.futures
import errno
import logging
import select
import socket as _socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, overload

from asiolike import socket_base
from asiolike.async_result import AdapterToken, async_initiate, use_future_t
from asiolike.awaitable import awaitable, use_awaitable_t
from asiolike.detail.completion import NO_VALUE, queued_op
from asiolike.detail.handler_check import EC, EC_SOCKET, check_handler
from asiolike.detail.reactive_socket import _Endpoint, reactive_socket
from asiolike.detail.reactor import READ
from asiolike.detail.socket_ops import error_of, poll_fd
from asiolike.error import (
    already_open,
    bad_descriptor,
    error_code,
    success,
    system_error,
)
from asiolike.executor import as_executor

if TYPE_CHECKING:
    from asiolike.detail.completion import Executor
    from asiolike.detail.stream_socket import basic_stream_socket
    from asiolike.io_context import io_context

__all__ = ["basic_socket_acceptor"]

#: The socket type an acceptor makes (``tcp.socket`` for ``tcp.acceptor``).
_Socket = TypeVar("_Socket", bound="basic_stream_socket[Any]")

# The client left between connecting and being accepted.
_ABORTED = frozenset({errno.ECONNABORTED, getattr(errno, "EPROTO", errno.ECONNABORTED)})


class _accept_op(queued_op):
    """One ``async_accept``; ``peer`` is the socket to fill, ``move`` whether to pass it on."""

    __slots__ = ("accept", "conn", "move", "peer", "protocol", "report")

    def __init__(
        self,
        handler: Callable[..., object],
        executor: Executor | None,
        peer: basic_stream_socket[Any],
        move: bool,
    ) -> None:
        check_handler(handler, EC_SOCKET if move else EC)  # a call: accepts are not hot
        self.handler = handler
        self.executor = executor
        self.peer = peer
        self.move = move
        self.value = peer if move else NO_VALUE
        self.ec = success
        self.conn: _socket.socket | None = None
        self.accept: Callable[[], tuple[_socket.socket, Any]] | None = None
        self.protocol: Any = None
        self.report = False

    def perform(self) -> bool:
        accept = self.accept
        assert accept is not None
        while True:
            try:
                self.conn = accept()[0]
            except (BlockingIOError, InterruptedError):
                return False
            except OSError as exc:
                if exc.errno in _ABORTED and not self.report:
                    continue  # the next pending client, or wait for one
                self.ec = error_of(exc)
            return True

    def __call__(self) -> None:
        # The accepted descriptor becomes the peer socket here, in the run loop (the
        # reactor, under its lock, must not register it); then the one delivery of
        # queued_op.
        conn = self.conn
        if conn is not None:
            self.conn = None
            ec = self.ec
            if ec is not success and ec:  # identity first: no error_code call on success
                conn.close()  # cancelled after the accept went through
            else:
                peer = self.peer
                try:
                    peer.assign(self.protocol, conn)
                except system_error as exc:
                    conn.close()
                    self.ec = exc.code
                else:
                    log = peer._log
                    if log.isEnabledFor(logging.DEBUG):
                        log.debug("socket fd %d: accepted", peer.native_handle())
        queued_op.__call__(self)


class basic_socket_acceptor(reactive_socket[_Endpoint], Generic[_Endpoint, _Socket]):
    """Accepts incoming connections on a listening socket.

    Args:
        ctx_or_ex: the io_context, executor or strand that runs the handlers.
        endpoint_or_protocol: optional. An endpoint opens the acceptor, sets
            ``reuse_address`` (see below), binds and listens, as Asio's constructor does;
            a protocol object only opens it.
        reuse_address: with an endpoint, whether to set ``SO_REUSEADDR`` before binding.
    """

    __slots__ = ()

    socket_type: ClassVar[Any]
    _tracking_type: ClassVar[str] = "acceptor"

    def __init__(
        self, ctx_or_ex: Any, endpoint_or_protocol: Any = None, reuse_address: bool = True
    ) -> None:
        super().__init__(ctx_or_ex)
        if endpoint_or_protocol is None:
            return
        if isinstance(endpoint_or_protocol, self.endpoint_type):
            self.open(endpoint_or_protocol.protocol())
            try:
                if reuse_address:
                    self.set_option(socket_base.reuse_address(True))
                self.bind(endpoint_or_protocol)
                self.listen()
            except BaseException:
                self.close()
                raise
        else:
            self.open(endpoint_or_protocol)

    def listen(self, backlog: int = socket_base.max_listen_connections) -> None:
        """Start listening, with a queue of at most ``backlog`` unaccepted connections.

        Raises:
            system_error: ``bad_descriptor`` (not open), or the system's error.
        """
        sock = self._require("listen")
        try:
            sock.listen(backlog)
        except OSError as exc:
            raise system_error(error_of(exc), "listen") from None

    def _check_peer(self, peer: Any) -> None:
        if not isinstance(peer, reactive_socket) or isinstance(peer, basic_socket_acceptor):
            raise TypeError(f"expected a socket to accept into, not {peer!r}")

    @overload
    def accept(self) -> _Socket: ...

    @overload
    def accept(self, peer_or_ctx: basic_stream_socket[Any]) -> None: ...

    @overload
    def accept(self, peer_or_ctx: io_context | Executor) -> _Socket: ...

    def accept(self, peer_or_ctx: Any = None) -> Any:
        """Accept a connection, blocking until one arrives.

        Args:
            peer_or_ctx: optional. A closed socket to accept into (then nothing is
                returned), or an io_context/executor for the new socket (by default the
                acceptor's executor).

        Returns:
            The connected socket (``None`` when accepting into ``peer``).

        Raises:
            system_error: ``already_open`` (``peer`` is open), ``bad_descriptor``,
                ``would_block`` (user non-blocking mode), or the system's error.
        """
        peer, move = self._peer_for(peer_or_ctx)
        if peer.is_open():
            raise system_error(already_open, "accept")
        sock = self._require("accept")
        while True:
            try:
                conn = sock.accept()[0]
            except BlockingIOError:
                self._before_sync_wait("accept")
                poll_fd(sock.fileno(), select.POLLIN)
                continue
            except InterruptedError:
                continue
            except OSError as exc:
                if exc.errno in _ABORTED and not self._conn_aborted:
                    continue
                raise system_error(error_of(exc), "accept") from None
            try:
                peer.assign(self._protocol, conn)
            except BaseException:
                conn.close()
                raise
            return peer if move else None

    def _peer_for(self, peer_or_ctx: Any) -> tuple[basic_stream_socket[Any], bool]:
        if peer_or_ctx is None:
            return self.socket_type(self._executor), True
        if isinstance(peer_or_ctx, reactive_socket):
            self._check_peer(peer_or_ctx)
            return peer_or_ctx, False  # type: ignore[return-value]
        return self.socket_type(as_executor(peer_or_ctx)), True

    @overload
    def async_accept(self, token: use_awaitable_t, /) -> awaitable[_Socket]: ...

    @overload
    def async_accept(self, token: use_future_t, /) -> concurrent.futures.Future[_Socket]: ...

    @overload
    def async_accept(self, token: AdapterToken, /) -> Any: ...

    @overload
    def async_accept(self, token: Callable[[error_code, _Socket], object], /) -> None: ...

    @overload
    def async_accept(
        self, peer: basic_stream_socket[Any], token: use_awaitable_t, /
    ) -> awaitable[None]: ...

    @overload
    def async_accept(
        self, peer: basic_stream_socket[Any], token: use_future_t, /
    ) -> concurrent.futures.Future[None]: ...

    @overload
    def async_accept(self, peer: basic_stream_socket[Any], token: AdapterToken, /) -> Any: ...

    @overload
    def async_accept(
        self, peer: basic_stream_socket[Any], token: Callable[[error_code], object], /
    ) -> None: ...

    @overload
    def async_accept(
        self, ctx_or_ex: io_context | Executor, token: use_awaitable_t, /
    ) -> awaitable[_Socket]: ...

    @overload
    def async_accept(
        self, ctx_or_ex: io_context | Executor, token: use_future_t, /
    ) -> concurrent.futures.Future[_Socket]: ...

    @overload
    def async_accept(self, ctx_or_ex: io_context | Executor, token: AdapterToken, /) -> Any: ...

    @overload
    def async_accept(
        self, ctx_or_ex: io_context | Executor, token: Callable[[error_code, _Socket], object], /
    ) -> None: ...

    def async_accept(self, *args: Any) -> Any:
        """Start accepting a connection.

        Forms (as Asio's overloads):

        * ``async_accept(handler)``: ``handler(ec, socket)`` gets a new socket that uses
          the acceptor's executor (closed if ``ec`` is set).
        * ``async_accept(ctx_or_ex, handler)``: the same, the new socket using
          ``ctx_or_ex``.
        * ``async_accept(peer, handler)``: accepts into ``peer``, a closed socket;
          ``handler(ec)``.

        This call returns immediately; the handler is never invoked from within it, even
        when a connection is waiting already. Accepts started while one is pending
        complete in the order they were started.

        Args:
            ctx_or_ex: optional, the io_context or executor of the new socket.
            peer: optional, a closed socket to accept into.
            token: the completion token: a handler, ``use_future``, ``use_awaitable``, or
                an adapter (``as_tuple``, ``bind_cancellation_slot``, ``cancel_after``...).

        Handler:
            ``handler(ec: error_code, peer: socket)``, or ``handler(ec: error_code)`` when
            accepting into ``peer``; run through its associated executor (by default the
            acceptor's). A handler that cannot take these arguments makes this call raise
            ``TypeError``.

        Returns:
            ``None`` for a handler. With ``use_future``, a ``Future`` whose result is the
            new socket (``None`` when accepting into ``peer``); with ``use_awaitable``, an
            ``awaitable`` of it. A failing ``ec`` raises
            :class:`~asiolike.error.system_error` from either.

        Errors:
            ``operation_aborted`` (``cancel()``/``close()`` or a per-operation
            cancellation), ``already_open`` (``peer`` is open), ``bad_descriptor`` (the
            acceptor is not open), ``no_descriptors`` (out of file descriptors),
            ``connection_aborted`` (only with the ``enable_connection_aborted`` option).

        Cancellation:
            ``terminal``, ``partial`` and ``total``, through a cancellation slot associated
            with the handler (``bind_cancellation_slot``, ``cancel_after``, a coroutine's):
            the accept completes with ``operation_aborted`` and takes no connection.

        Example:
            ::

                def do_accept():
                    acceptor.async_accept(on_accept)

                def on_accept(ec, sock):
                    if ec:
                        return fail(ec, "accept")
                    session(sock).run()
                    do_accept()
        """
        if len(args) == 1:
            peer, move = self._peer_for(None)
        elif len(args) == 2:
            peer, move = self._peer_for(args[0])
        else:
            raise TypeError(
                "async_accept(handler), async_accept(peer, handler) or "
                "async_accept(executor, handler)"
            )
        return async_initiate(self._initiate_accept, args[-1], peer, move)

    def _initiate_accept(
        self, handler: Callable[..., object], peer: basic_stream_socket[Any], move: bool
    ) -> None:
        sched = self._sched
        op = _accept_op(handler, self._op_executor(handler), peer, move)
        sock = self._sock
        state = self._state
        if sock is None or state is None:
            op.ec = bad_descriptor
            sched.post_immediate_completion(op)
            return
        if not move and peer.is_open():
            op.ec = already_open
            sched.post_immediate_completion(op)
            return
        op.accept = sock.accept
        op.protocol = self._protocol
        op.report = self._conn_aborted
        if not state.ops[READ] and op.perform():
            sched.post_immediate_completion(op)
        else:
            self._reactor.start_op(state, READ, op)
