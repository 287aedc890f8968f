"""The base of every reactive socket (stream sockets and acceptors, TCP and local).

Theory of operation. An object owns at most one Python socket, always in non-blocking mode,
and while it is open, one :class:`~asiolike.detail.reactor.descriptor_state` registered
with its io_context's reactor. Asynchronous operations try their system call once at once
(when nothing of the same direction is queued) and otherwise wait in the reactor; their
result is always delivered through the io_context (rule R1). Synchronous operations retry
the call and wait with ``poll(2)`` on the descriptor in between.

``close()`` deregisters the descriptor (pending operations complete with
``operation_aborted``) and only then closes the socket, so the reactor never polls a closed
or reused descriptor. An operation started on a closed object completes with
``bad_descriptor`` (as Asio's do); a synchronous call raises ``system_error`` with it.

Operations run their handler directly from the run loop when the handler has no associated
executor and the object's executor is its io_context's (``op.executor is None``); else
through that executor (a strand...). Both questions of the fast path are asked once, in the
constructor (see :mod:`asiolike.detail.completion`): ``_direct`` (handlers without an
association run from the loop) and ``_fast`` (the handler types that skip
``async_initiate``).

Not thread-safe (as Asio's sockets): use one object from one thread at a time, or from a
strand.

Each concrete class logs at DEBUG (opening, closing, cancelling) under the name of the
module defining it (``asiolike.ip.tcp``, ``asiolike.local``), and appears as ``socket`` in
handler-tracking lines, as in Asio.
"""

from __future__ import annotations

import concurrent.futures
import logging
import select
import socket as _socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, TypeVar, overload

from asiolike import socket_base
from asiolike.async_result import AdapterToken, async_initiate, use_future_t
from asiolike.awaitable import awaitable, use_awaitable_t
from asiolike.detail.completion import Executor
from asiolike.detail.reactor import READ, WRITE
from asiolike.detail.socket_core import socket_core
from asiolike.detail.socket_ops import error_of, poll_fd, wait_op
from asiolike.error import already_open, bad_descriptor, error_code, system_error, would_block
from asiolike.executor import as_executor

if TYPE_CHECKING:
    pass

__all__ = ["reactive_socket"]

_O = TypeVar("_O", bound=socket_base.socket_option)
#: The endpoint type of a concrete socket class (``tcp.endpoint`` for ``tcp.socket``).
_Endpoint = TypeVar("_Endpoint")
_DEBUG = logging.DEBUG
# Open sockets non-blocking in the socket() call itself where the system allows it.
_NONBLOCK: int = getattr(_socket, "SOCK_NONBLOCK", 0)
_POLL_EVENTS = (
    select.POLLIN,
    select.POLLOUT,
    select.POLLPRI | select.POLLERR | select.POLLHUP,
)


class reactive_socket(socket_core, Generic[_Endpoint]):
    """What stream sockets and acceptors share: the descriptor, options, endpoints, waits.

    Subclasses set ``protocol_type`` and ``endpoint_type`` and implement
    ``_default_protocol()``; for type checkers they name the endpoint type as the type
    parameter (``class socket(basic_stream_socket[endpoint])``), so that
    ``local_endpoint()`` is a ``tcp.endpoint`` for a ``tcp.socket``.
    """

    # The fields are socket_core's; the weak-reference slot is this class's (see
    # asiolike.detail.socket_core: CPython clears it when an interpreted class's object
    # is freed).
    __slots__ = ("__weakref__",)

    protocol_type: ClassVar[Any]
    endpoint_type: ClassVar[Any]
    # The type shown in handler-tracking lines, and the logger of the concrete class.
    _tracking_type: ClassVar[str] = "socket"
    _log: ClassVar[logging.Logger] = logging.getLogger(__name__)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # vars(): mypyc rejects reading ``__module__`` through a class object.
        cls._log = logging.getLogger(vars(cls)["__module__"])

    # Asio's socket_base names, reachable from every socket type (tcp::acceptor::reuse_address).
    wait_type = socket_base.wait_type
    wait_read = socket_base.wait_read
    wait_write = socket_base.wait_write
    wait_error = socket_base.wait_error
    shutdown_type = socket_base.shutdown_type
    shutdown_receive = socket_base.shutdown_receive
    shutdown_send = socket_base.shutdown_send
    shutdown_both = socket_base.shutdown_both
    message_flags = socket_base.message_flags
    message_peek = socket_base.message_peek
    message_out_of_band = socket_base.message_out_of_band
    message_do_not_route = socket_base.message_do_not_route
    message_end_of_record = socket_base.message_end_of_record
    max_listen_connections = socket_base.max_listen_connections
    broadcast = socket_base.broadcast
    debug = socket_base.debug
    do_not_route = socket_base.do_not_route
    keep_alive = socket_base.keep_alive
    reuse_address = socket_base.reuse_address
    out_of_band_inline = socket_base.out_of_band_inline
    enable_connection_aborted = socket_base.enable_connection_aborted
    receive_buffer_size = socket_base.receive_buffer_size
    send_buffer_size = socket_base.send_buffer_size
    receive_low_watermark = socket_base.receive_low_watermark
    send_low_watermark = socket_base.send_low_watermark
    linger = socket_base.linger

    def __init__(
        self, ctx_or_ex: Any, protocol_or_endpoint: Any = None, native: Any = None
    ) -> None:
        socket_core.__init__(self, as_executor(ctx_or_ex))
        if native is not None:
            if protocol_or_endpoint is None:
                raise TypeError(
                    "adopting a native socket needs its protocol: socket(ctx, protocol, sock)"
                )
            self.assign(protocol_or_endpoint, native)
        elif protocol_or_endpoint is not None:
            if isinstance(protocol_or_endpoint, self.endpoint_type):
                self._open_for_endpoint(protocol_or_endpoint)
            else:
                self.open(protocol_or_endpoint)

    def _open_for_endpoint(self, endpoint: Any) -> None:
        self.open(endpoint.protocol())
        self.bind(endpoint)

    @staticmethod
    def _default_protocol() -> Any:
        raise NotImplementedError

    # -- the executor -----------------------------------------------------------------------

    def get_executor(self) -> Executor:
        """The executor handlers run on by default (the one the object was made with)."""
        return self._executor

    def lowest_layer(self) -> Any:
        """This object (Asio's ``lowest_layer()``: a socket is its own lowest layer)."""
        return self

    # -- opening and closing ----------------------------------------------------------------

    def is_open(self) -> bool:
        """Whether the object holds a socket."""
        return self._sock is not None

    def open(self, protocol: Any = None) -> None:
        """Create the socket for ``protocol`` (by default the class's protocol, e.g. ``tcp.v4()``).

        Raises:
            system_error: ``already_open``, or the system's error.
        """
        if self._sock is not None:
            raise system_error(already_open, "open")
        if protocol is None:
            protocol = self._default_protocol()
        try:
            sock = _socket.socket(
                protocol.family(), protocol.type() | _NONBLOCK, protocol.protocol()
            )
        except OSError as exc:
            raise system_error(error_of(exc), "open") from None
        self._adopt(protocol, sock)

    def assign(self, protocol: Any, native: _socket.socket | int) -> None:
        """Take ownership of an existing socket (a Python socket or a descriptor).

        The socket is switched to non-blocking mode; ``close()`` will close it.

        Raises:
            system_error: ``already_open``; ``bad_descriptor`` (a closed descriptor) or the
                system's error for a descriptor that is no socket (a pipe: use
                ``posix.stream_descriptor``).
        """
        if self._sock is not None:
            raise system_error(already_open, "assign")
        if isinstance(native, _socket.socket):
            sock = native
        elif isinstance(native, int) and not isinstance(native, bool):
            try:
                sock = _socket.socket(
                    protocol.family(), protocol.type(), protocol.protocol(), native
                )
            except OSError as exc:  # errors are system_error here, as everywhere (R5)
                raise system_error(error_of(exc), "assign") from None
        else:
            raise TypeError(f"assign() takes a socket.socket or a descriptor, not {native!r}")
        self._adopt(protocol, sock)

    def _adopt(self, protocol: Any, sock: _socket.socket) -> None:
        if sock.gettimeout() != 0.0:
            sock.setblocking(False)
        self._protocol = protocol
        self._sock = sock
        self._recv = sock.recv_into
        self._send = sock.send
        self._state = self._reactor.register_descriptor(sock.fileno())
        if self._log.isEnabledFor(_DEBUG):
            self._log.debug("%s fd %d: open (%r)", self._tracking_type, sock.fileno(), protocol)

    def _detach_state(self) -> _socket.socket | None:
        # Forget the socket; its pending operations complete with operation_aborted.
        sock = self._sock
        if sock is None:
            return None
        state = self._state
        self._sock = self._state = self._recv = self._send = None
        aborted = 0 if state is None else self._reactor.deregister_descriptor(state)
        if self._log.isEnabledFor(_DEBUG):
            self._log.debug(
                "%s fd %d: closing, %d pending operations aborted",
                self._tracking_type,
                sock.fileno(),
                aborted,
            )
        return sock

    def close(self) -> None:
        """Close the socket; pending operations complete with ``operation_aborted``.

        Closing a closed object does nothing.

        Raises:
            system_error: the system reported an error while closing.
        """
        tracker = self._sched.tracker
        if tracker is not None and self._sock is not None:
            tracker.operation(self, "close")
        sock = self._detach_state()
        if sock is not None:
            try:
                sock.close()
            except OSError as exc:
                raise system_error(error_of(exc), "close") from None

    def __del__(self) -> None:
        # As Asio's destructor: a socket dropped while open closes its descriptor (and
        # Python's socket object then has nothing to warn about).
        if getattr(self, "_sock", None) is None:
            return
        try:
            sock = self._detach_state()
            if sock is not None:
                sock.close()
        except Exception:  # nothing can be reported from a destructor
            pass

    def release(self) -> int:
        """Give up the descriptor without closing it; returns it.

        Pending operations complete with ``operation_aborted``; the object is closed
        afterwards, the descriptor belongs to the caller.

        Raises:
            system_error: ``bad_descriptor``: the object is not open.
        """
        sock = self._detach_state()
        if sock is None:
            raise system_error(bad_descriptor, "release")
        return sock.detach()

    def cancel(self) -> None:
        """Complete every pending operation with ``operation_aborted`` now.

        Raises:
            system_error: ``bad_descriptor``: the object is not open.
        """
        state = self._state
        if state is None:
            raise system_error(bad_descriptor, "cancel")
        tracker = self._sched.tracker
        if tracker is not None:
            tracker.operation(self, "cancel")
        cancelled = self._reactor.cancel_ops(state)
        if self._log.isEnabledFor(_DEBUG):
            self._log.debug(
                "%s fd %d: cancel, %d pending operations aborted",
                self._tracking_type,
                state.fd,
                cancelled,
            )

    def _require(self, what: str) -> _socket.socket:
        sock = self._sock
        if sock is None:
            raise system_error(bad_descriptor, what)
        return sock

    def native_handle(self) -> int:
        """The socket's descriptor, or -1 when the object is closed."""
        sock = self._sock
        return -1 if sock is None else sock.fileno()

    def non_blocking(self, mode: bool | None = None) -> bool:
        """Get (no argument) or set the user's non-blocking mode; returns the mode.

        In non-blocking mode, synchronous operations that would wait raise
        ``system_error`` with ``would_block`` instead. Asynchronous operations are not
        affected (the socket itself is always non-blocking).
        """
        if mode is not None:
            self._require("non_blocking")
            self._user_nb = bool(mode)
        return self._user_nb

    def native_non_blocking(self) -> bool:
        """Whether the descriptor is in non-blocking mode (always True while open)."""
        return self._sock is not None

    # -- addresses and options --------------------------------------------------------------

    def bind(self, endpoint: _Endpoint) -> None:
        """Bind the socket to a local endpoint.

        Raises:
            system_error: ``bad_descriptor`` (not open), ``address_in_use``...
        """
        sock = self._require("bind")
        self._check_endpoint(endpoint)
        try:
            sock.bind(endpoint._sockaddr())  # type: ignore[attr-defined]
        except OSError as exc:
            raise system_error(error_of(exc), "bind") from None

    def _check_endpoint(self, endpoint: Any) -> None:
        if not isinstance(endpoint, self.endpoint_type):
            raise TypeError(f"expected a {self.endpoint_type.__qualname__}, not {endpoint!r}")

    def local_endpoint(self) -> _Endpoint:
        """The endpoint the socket is bound to.

        Raises:
            system_error: ``bad_descriptor`` (not open), or the system's error.
        """
        sock = self._require("local_endpoint")
        try:
            name = sock.getsockname()
        except OSError as exc:
            raise system_error(error_of(exc), "local_endpoint") from None
        return self.endpoint_type._from_sockaddr(name)  # type: ignore[no-any-return]

    def set_option(self, option: socket_base.socket_option) -> None:
        """Set a socket option (``socket_base.keep_alive(True)``, ``tcp.no_delay(True)``...).

        Raises:
            system_error: ``bad_descriptor`` (not open), or the system's error
                (``no_protocol_option``...).
        """
        sock = self._require("set_option")
        if not isinstance(option, socket_base.socket_option):
            raise TypeError(f"set_option() takes a socket option object, not {option!r}")
        if type(option) is socket_base.enable_connection_aborted:
            self._conn_aborted = option.value()
            return
        protocol = self._protocol
        try:
            sock.setsockopt(option.level(protocol), option.name(protocol), option._to_raw())
        except OSError as exc:
            raise system_error(error_of(exc), "set_option") from None

    def get_option(self, option: _O | type[_O]) -> _O:
        """Read a socket option: pass the option type (or an instance, which is filled in).

        Returns:
            The option object holding the current value.

        Raises:
            system_error: ``bad_descriptor`` (not open), or the system's error.
        """
        sock = self._require("get_option")
        opt: _O = option() if isinstance(option, type) else option
        if not isinstance(opt, socket_base.socket_option):
            raise TypeError(f"get_option() takes a socket option type, not {option!r}")
        if type(opt) is socket_base.enable_connection_aborted:
            opt._from_raw(1 if self._conn_aborted else 0)
            return opt
        protocol = self._protocol
        try:
            if opt._buflen:
                raw: int | bytes = sock.getsockopt(
                    opt.level(protocol), opt.name(protocol), opt._buflen
                )
            else:
                raw = sock.getsockopt(opt.level(protocol), opt.name(protocol))
        except OSError as exc:
            raise system_error(error_of(exc), "get_option") from None
        opt._from_raw(raw)
        return opt

    # -- waiting for readiness --------------------------------------------------------------

    def wait(self, w: socket_base.wait_type) -> None:
        """Block until the socket is ready to read, ready to write, or has an error pending.

        Raises:
            system_error: ``bad_descriptor``: the object is not open.
        """
        w = socket_base.wait_type(w)
        sock = self._require("wait")
        poll_fd(sock.fileno(), _POLL_EVENTS[w])

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
        """Wait until the socket is ready to read (``wait_read``) or write (``wait_write``).

        Nothing is read or written: the handler learns that the next non-blocking attempt
        is likely to make progress. ``wait_error`` waits on the read side and completes
        when the socket has an error, a hang-up, urgent data, or data to read. This call
        returns immediately; the handler is never invoked from within it, even when the
        socket is ready already.

        Args:
            w: ``wait_read``, ``wait_write`` or ``wait_error`` (``socket_base.wait_type``).
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
            ``operation_aborted`` (``cancel()``/``close()`` or a per-operation
            cancellation), ``bad_descriptor`` (not open).

        Cancellation:
            ``terminal``, ``partial`` and ``total``, through a cancellation slot associated
            with the handler: the wait completes with ``operation_aborted``.

        Raises:
            ValueError: ``w`` is not a ``wait_type``.

        Example:
            ::

                def on_readable(ec):
                    if not ec:
                        print(sock.available(), "bytes can be read now")

                sock.async_wait(tcp.socket.wait_read, on_readable)
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
        # Never speculative: readiness is what is asked for, the reactor reports it.
        kind = WRITE if w == socket_base.wait_write else READ
        self._reactor.start_op(state, kind, op)

    def _before_sync_wait(self, what: str) -> None:
        # A synchronous call is about to wait; in the user's non-blocking mode it fails.
        if self._user_nb:
            raise system_error(would_block, what)

    # -- Python conveniences ----------------------------------------------------------------

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        sock = self._sock
        if sock is None:
            return f"<{type(self).__qualname__} closed>"
        return f"<{type(self).__qualname__} fd={sock.fileno()}>"
