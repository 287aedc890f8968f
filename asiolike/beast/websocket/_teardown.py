"""Tearing down the transport after the closing handshake (Beast's ``teardown``).

RFC 6455 section 7.1.1 wants the server to close the TCP connection first, so that the
client does not sit in TIME_WAIT. Beast's TCP teardown, followed here:

* server: shut down sending (the peer reads EOF), read and discard until the peer's EOF,
  then close the socket;
* client: read and discard until the server's EOF, then shut down sending and close.

Reading goes through the next layer (``async_read_some`` / ``read_some``), so a
``beast.tcp_stream``'s own timeouts still apply; shutting down and closing use the lowest
layer (its ``socket()`` for a ``tcp_stream``). A lowest layer without ``shutdown`` (an
in-memory ``testing.stream``) is simply closed, as Beast's test stream does.

Customization point: a next layer with its own ``async_teardown(role, handler)`` and
``teardown(role)`` methods (an SSL stream, say) is torn down by them instead. ``role`` is a
:class:`~asiolike.beast.core.role.role_type`; the handler takes ``(ec)``; ``teardown``
raises :class:`~asiolike.error.system_error`.

End of file while reading is the expected outcome and is reported as success.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from asiolike.beast.core.role import role_type
from asiolike.beast.core.stream_traits import get_lowest_layer
from asiolike.detail.completion import composed_op
from asiolike.error import eof, error_code, success, system_error
from asiolike.socket_base import shutdown_send

if TYPE_CHECKING:
    from asiolike.beast.websocket._impl import stream_impl

__all__ = ["async_teardown", "teardown"]


def _shutdown_target(lowest: Any) -> Any:
    """What to call ``shutdown`` on: a ``tcp_stream``'s socket, or the layer itself."""
    get_socket = getattr(lowest, "socket", None)
    if callable(get_socket):
        return get_socket()
    return lowest


def _shutdown_send(target: Any) -> error_code:
    try:
        target.shutdown(shutdown_send)
    except system_error as exc:
        return exc.code
    return success


def _close(lowest: Any) -> error_code:
    try:
        lowest.close()
    except system_error as exc:
        return exc.code
    return success


def _role(server: bool) -> role_type:
    return role_type.server if server else role_type.client


class _teardown_op(composed_op):
    """Reads until end of file around the shutdown; its handler is the caller's operation."""

    __slots__ = ("_lowest", "_server", "_ws")

    def __init__(self, handler: Any, ws: stream_impl, server: bool, lowest: Any) -> None:
        composed_op.__init__(self, handler, ws._executor, ws._plain)
        self._ws = ws
        self._server = server
        self._lowest = lowest

    def start(self, target: Any) -> None:
        """Begin; ``target`` is what to shut down (see :func:`_shutdown_target`)."""
        if self._server:
            ec = _shutdown_send(target)
            if ec is not success:
                _close(self._lowest)
                self.complete(False, ec, 0)
                return
        self._ws._read(self)

    def __call__(self, ec: error_code, n: int) -> None:
        # Identity tests first: the usual results (data, then the peer's end of file) cost
        # no error_code calls.
        if ec is not eof:
            if ec is success or not ec:
                if n:
                    self._ws._read(self)  # discard what the peer still sends
                    return
            elif ec != eof:
                _close(self._lowest)
                self.complete(True, ec, 0)
                return
        result = success
        if not self._server:
            result = _shutdown_send(_shutdown_target(self._lowest))
        ec2 = _close(self._lowest)
        self.complete(True, ec2 if result is success else result, 0)


def async_teardown(ws: stream_impl, server: bool, handler: Any) -> None:
    """Tear down ``ws``'s transport for ``server``'s role; ``handler(ec, 0)`` follows.

    The handler is never called from inside this function.
    """
    custom = getattr(ws._next, "async_teardown", None)
    if callable(custom):
        custom(_role(server), _adapt(handler))
        return
    lowest = get_lowest_layer(ws._next)
    target = _shutdown_target(lowest)
    if not callable(getattr(target, "shutdown", None)):
        op = _teardown_op(handler, ws, server, lowest)
        op.complete(False, _close(lowest), 0)
        return
    _teardown_op(handler, ws, server, lowest).start(target)


class _adapt:
    """Turns a custom teardown's ``handler(ec)`` into the operation's ``(ec, n)``.

    Not an operation: a handler adapter that runs where the operation's steps run (its
    ``associated_executor``), holding nothing once called.
    """

    __slots__ = ("_op", "associated_executor")

    def __init__(self, op: composed_op) -> None:
        self._op: Any = op
        self.associated_executor = op.associated_executor

    def __call__(self, ec: error_code) -> None:
        op = self._op
        self._op = None
        op(ec, 0)


def teardown(ws: stream_impl, server: bool) -> error_code:
    """The synchronous teardown; returns the error (``eof`` counts as success)."""
    custom = getattr(ws._next, "teardown", None)
    if callable(custom):
        try:
            custom(_role(server))
        except system_error as exc:
            return exc.code
        return success
    lowest = get_lowest_layer(ws._next)
    target = _shutdown_target(lowest)
    if not callable(getattr(target, "shutdown", None)):
        return _close(lowest)
    if server:
        ec = _shutdown_send(target)
        if ec:
            _close(lowest)
            return ec
    while True:
        try:
            if not ws._sync_read():
                break
        except system_error as exc:
            if exc.code != eof:
                _close(lowest)
                return exc.code
            break
    result = success if server else _shutdown_send(_shutdown_target(lowest))
    ec = _close(lowest)
    return result or ec
