"""``beast.ssl_stream``: TLS over a ``beast.tcp_stream`` (Beast's ``ssl_stream``).

Beast's ``ssl_stream<NextLayer>`` is ``net::ssl::stream`` plus two things: it can be built
from an executor (the ``tcp_stream`` below is made from it), and its writes are *flat*
(a sequence of small buffers goes out as one TLS record, not one record per buffer).
asiolike's :class:`asiolike.ssl.stream` already joins small buffers, so this class only
adds the construction, and the Beast spelling::

    stream = beast.ssl_stream(net.make_strand(ioc), ctx)   # over a new beast.tcp_stream
    beast.get_lowest_layer(stream).expires_after(30)
    beast.get_lowest_layer(stream).async_connect(results, on_connect)
    ...
    beast.get_lowest_layer(stream).expires_after(30)
    stream.async_handshake(ssl.stream_base.client, on_handshake)

Every read and write of the handshake goes through the ``tcp_stream``, so its expiry
bounds the whole handshake: a peer that stops answering ends it with
``beast.error.timeout`` (and a closed socket), as in Beast.

``websocket.stream(beast.ssl_stream(...))`` is ``wss://``: when the WebSocket closes, the
TLS connection is shut down (``close_notify`` both ways) and the socket closed; the
WebSocket's ``handshake_timeout`` bounds that, as the rest of the closing handshake.
"""

from __future__ import annotations

import ssl as _ssl
from typing import TYPE_CHECKING, Any, overload

from typing_extensions import TypeVar

from asiolike.beast.core.tcp_stream import tcp_stream
from asiolike.ip import tcp
from asiolike.ssl.context import context
from asiolike.ssl.stream import stream

if TYPE_CHECKING:
    from asiolike.io_context import io_context, io_context_executor
    from asiolike.strand import strand
    from asiolike.thread_pool import thread_pool

__all__ = ["ssl_stream"]

#: For type checkers: ``beast.ssl_stream[beast.tcp_stream]``, the default.
_NextLayer = TypeVar("_NextLayer", default=tcp_stream)


class ssl_stream(stream[_NextLayer]):
    """A TLS stream over a ``beast.tcp_stream`` (or any next layer): Beast's ``ssl_stream``.

    Args:
        next_layer_or_executor: a stream to run TLS over (usually a ``beast.tcp_stream``);
            or a ``tcp.socket`` (an accepted connection), or an io_context/executor/strand,
            from which a new ``beast.tcp_stream`` is made.
        ctx: the :class:`asiolike.ssl.context` (or an ``ssl.SSLContext``).

    Raises:
        TypeError: as :class:`asiolike.ssl.stream`.

    For type checkers it is ``beast.ssl_stream[beast.tcp_stream]`` when made from an
    executor, a context or a socket, as in Beast.

    Everything else is :class:`asiolike.ssl.stream`: ``async_handshake``,
    ``async_read_some``, ``async_write_some``, ``async_shutdown``, ``set_server_name``,
    ``set_verify_callback``, ``next_layer()`` (the ``tcp_stream``), ``native_handle()``.
    """

    __slots__ = ()

    @overload
    def __init__(
        self: ssl_stream[tcp_stream],
        next_layer_or_executor: io_context
        | thread_pool
        | strand
        | io_context_executor
        | tcp.socket,
        ctx: context | _ssl.SSLContext,
    ) -> None: ...

    @overload
    def __init__(
        self, next_layer_or_executor: _NextLayer, ctx: context | _ssl.SSLContext
    ) -> None: ...

    def __init__(self, next_layer_or_executor: Any, ctx: context | _ssl.SSLContext) -> None:
        if isinstance(next_layer_or_executor, tcp.socket) or not callable(
            getattr(next_layer_or_executor, "async_read_some", None)
        ):
            # Beast's ssl_stream<tcp_stream>(std::move(socket), ctx): the socket moves into
            # a new tcp_stream.
            next_layer: Any = tcp_stream(next_layer_or_executor)
        else:
            next_layer = next_layer_or_executor
        super().__init__(next_layer, ctx)

    def __repr__(self) -> str:
        return "<asiolike.beast.ssl_stream" + super().__repr__()[len("<asiolike.ssl.stream") :]
