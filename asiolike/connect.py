"""``async_connect`` and ``connect`` over a range of endpoints (Asio's ``connect.hpp``).

Theory of operation. The endpoints are tried in order. Before each attempt the optional
connect condition may skip an endpoint; the socket is closed and reopened for the
endpoint's protocol (a failed connect leaves a socket that cannot be reused, and the next
endpoint may be IPv6 after IPv4), then ``socket.async_connect(endpoint, self)`` runs with
this operation as its handler. The first success completes the operation with that
endpoint; when every endpoint failed, the error of the last attempt is reported; when no
endpoint was tried at all (an empty range, or the condition refused them all),
``asio.misc.not_found``. Closing the socket (or cancelling its connect) during an attempt
stops the whole operation with ``operation_aborted`` instead of moving on to the next
endpoint.

Only the socket's documented operations are used: ``close()``, ``open(protocol)``,
``is_open()``, ``async_connect(endpoint, handler)`` (and ``connect(endpoint)`` for the
synchronous form), with ``endpoint.protocol()``. The endpoints may be a resolver's results
(entries with an ``endpoint()`` method), or any iterable of endpoints; the range is copied
into a list when the operation starts.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, overload

from asiolike.async_result import AdapterToken, async_initiate, use_future_t
from asiolike.awaitable import awaitable, use_awaitable_t
from asiolike.detail.completion import Executor, composed_op
from asiolike.detail.handler_check import EC_ENDPOINT
from asiolike.error import (
    error_code,
    make_error_code,
    not_found,
    operation_aborted,
    success,
    system_error,
)
from asiolike.read import _NO_TOKEN

if TYPE_CHECKING:
    from asiolike.detail.datagram_socket import basic_datagram_socket
    from asiolike.detail.stream_socket import basic_stream_socket
    from asiolike.ip.basic_resolver import basic_resolver_results

__all__ = ["async_connect", "connect", "ConnectCondition"]

ConnectHandler = Callable[[error_code, Any], object]

_Endpoint = TypeVar("_Endpoint")
#: The sockets :func:`async_connect` connects (a ``tcp.socket``, a ``udp.socket``...).
_Socket: TypeAlias = "basic_stream_socket[_Endpoint] | basic_datagram_socket[_Endpoint]"

ConnectCondition = Callable[[error_code, Any], bool]
"""``condition(last_error, next_endpoint) -> bool``: whether to try ``next_endpoint``."""


def _endpoint_list(endpoints: object, who: str) -> list[Any]:
    if isinstance(endpoints, (str, bytes)) or not isinstance(endpoints, Iterable):
        raise TypeError(
            f"{who}: expected a range of endpoints (resolver results or a list of "
            f"endpoints), not {type(endpoints).__name__}"
        )
    result = []
    for entry in endpoints:
        get = getattr(entry, "endpoint", None)
        result.append(get() if callable(get) else entry)
    return result


def _check_socket(socket: object, who: str, method: str) -> None:
    for name in ("close", "open", "is_open", method):
        if not callable(getattr(socket, name, None)):
            raise TypeError(
                f"{who}: expected a socket with close(), open(), is_open() and {method}() "
                f"(a tcp.socket), not {type(socket).__name__}" + _layer_hint(socket, method)
            )


def _layer_hint(socket: object, method: str) -> str:
    # The first line a Beast port writes is net::async_connect(stream, ...) where Beast
    # itself calls the stream's own async_connect: name the call that works.
    if callable(getattr(socket, "next_layer", None)):
        return (
            f"; a layered stream connects through its lowest layer: "
            f"beast.get_lowest_layer(stream).{method}(endpoints, ...)"
        )
    if callable(getattr(socket, method, None)):
        return (
            f"; a {type(socket).__name__} connects itself: "
            f"stream.{method}(endpoints, ...) (Beast's tcp_stream::{method}), or "
            f"beast.get_lowest_layer(ws).{method}(...) for the stream under a websocket.stream"
        )
    return ""


def _check_connect_condition(condition: object, who: str) -> ConnectCondition | None:
    if condition is None:
        return None
    if not callable(condition):
        raise TypeError(
            f"{who}: the connect condition must be callable as condition(ec, endpoint) -> "
            f"bool, not {condition!r}"
        )
    return condition


class _connect_op(composed_op):
    """Tries each endpoint in turn until one connects."""

    handler_signature = EC_ENDPOINT

    __slots__ = ("_condition", "_endpoints", "_index", "_socket")

    def __init__(
        self,
        handler: ConnectHandler,
        io_executor: Executor,
        socket: Any,
        endpoints: list[Any],
        condition: ConnectCondition | None,
    ) -> None:
        super().__init__(handler, io_executor)
        self._socket = socket
        self._endpoints = endpoints
        self._condition = condition
        self._index = -1

    def _next_index(self, ec: error_code, start: int) -> int:
        """The first endpoint from ``start`` the condition accepts (``len`` if none)."""
        endpoints = self._endpoints
        condition = self._condition
        i = start
        while i < len(endpoints):
            if condition is None or condition(ec, endpoints[i]):
                return i
            i += 1
        return i

    def start(self) -> None:
        self._attempt(success, 0, False)

    def _attempt(self, ec: error_code, start: int, cont: bool) -> None:
        """Try endpoints from ``start``; ``ec`` is the last attempt's error."""
        endpoints = self._endpoints
        socket = self._socket
        tried = start > 0
        i = self._next_index(ec, start)
        while i < len(endpoints):
            endpoint = endpoints[i]
            self._index = i
            try:
                socket.close()
            except OSError:
                pass
            try:
                socket.open(endpoint.protocol())
            except OSError as exc:
                # As Asio's socket.async_connect reporting its failed open: next endpoint.
                ec = make_error_code(exc)
                tried = True
                i = self._next_index(ec, i + 1)
                continue
            socket.async_connect(endpoint, self)
            return
        if not tried:
            ec = not_found
        self.complete(cont, ec, None)

    def __call__(self, ec: error_code) -> None:
        # As Asio: a socket closed meanwhile aborts, even if its connect had succeeded.
        if not self._socket.is_open() or ec == operation_aborted:
            self.complete(True, operation_aborted, None)
        elif not ec:
            self.complete(True, success, self._endpoints[self._index])
        else:
            self._attempt(ec, self._index + 1, True)


@overload
def async_connect(
    socket: _Socket[_Endpoint],
    endpoints: Iterable[_Endpoint] | basic_resolver_results[_Endpoint],
    token: use_awaitable_t,
    /,
) -> awaitable[_Endpoint]: ...


@overload
def async_connect(
    socket: _Socket[_Endpoint],
    endpoints: Iterable[_Endpoint] | basic_resolver_results[_Endpoint],
    token: use_future_t,
    /,
) -> concurrent.futures.Future[_Endpoint]: ...


@overload
def async_connect(
    socket: _Socket[_Endpoint],
    endpoints: Iterable[_Endpoint] | basic_resolver_results[_Endpoint],
    token: AdapterToken,
    /,
) -> Any: ...


@overload
def async_connect(
    socket: _Socket[_Endpoint],
    endpoints: Iterable[_Endpoint] | basic_resolver_results[_Endpoint],
    token: Callable[[error_code, _Endpoint], object],
    /,
) -> None: ...


@overload
def async_connect(
    socket: _Socket[_Endpoint],
    endpoints: Iterable[_Endpoint] | basic_resolver_results[_Endpoint],
    connect_condition: ConnectCondition,
    token: use_awaitable_t,
    /,
) -> awaitable[_Endpoint]: ...


@overload
def async_connect(
    socket: _Socket[_Endpoint],
    endpoints: Iterable[_Endpoint] | basic_resolver_results[_Endpoint],
    connect_condition: ConnectCondition,
    token: use_future_t,
    /,
) -> concurrent.futures.Future[_Endpoint]: ...


@overload
def async_connect(
    socket: _Socket[_Endpoint],
    endpoints: Iterable[_Endpoint] | basic_resolver_results[_Endpoint],
    connect_condition: ConnectCondition,
    token: AdapterToken,
    /,
) -> Any: ...


@overload
def async_connect(
    socket: _Socket[_Endpoint],
    endpoints: Iterable[_Endpoint] | basic_resolver_results[_Endpoint],
    connect_condition: ConnectCondition,
    token: Callable[[error_code, _Endpoint], object],
    /,
) -> None: ...


def async_connect(socket: Any, endpoints: Iterable[Any], a: Any, b: Any = _NO_TOKEN, /) -> Any:
    """Connect ``socket`` to the first endpoint of ``endpoints`` that accepts.

    Asio's range ``async_connect``: ``async_connect(socket, endpoints, token)`` or
    ``async_connect(socket, endpoints, connect_condition, token)``. Each endpoint is tried
    in order, closing and reopening the socket before each attempt. This call returns
    immediately; the handler is never invoked from within it (an empty range completes
    through the queue).

    It is a composed operation, made of calls to ``socket.async_connect``: until it
    completes, the program must start no other operation that connects, opens or closes
    the socket.

    Args:
        socket: A socket (``tcp.socket``) with ``close``, ``open``, ``is_open``,
            ``async_connect`` and ``get_executor``. It may be closed or open.
        endpoints: A resolver's results (``async_resolve``'s), or any iterable of
            endpoints.
        connect_condition: Optional; ``condition(ec, endpoint) -> bool`` is called before
            each attempt with the last attempt's error (success before the first) and the
            endpoint about to be tried; returning False skips it.
        token: the completion token: a handler, ``use_future``, ``use_awaitable``, or an
            adapter (``as_tuple``, ``bind_cancellation_slot``, ``cancel_after``...).

    Handler:
        ``handler(ec: error_code, endpoint)``: the endpoint connected to, or ``None`` when
        ``ec`` is an error (Asio passes a default-constructed endpoint). It runs through its
        associated executor (by default the socket's), and so does every attempt. A handler
        that cannot take these arguments makes this call raise ``TypeError``.

    Returns:
        ``None`` for a handler. With ``use_future``, a ``Future`` whose result is the
        endpoint connected to; with ``use_awaitable``, an ``awaitable`` of it. A failing
        ``ec`` raises :class:`~asiolike.error.system_error` from either.

    Errors:
        ``not_found``: no endpoint was tried (empty range, or all skipped by the
        condition). ``operation_aborted``: the socket was closed or its connect cancelled
        during an attempt. Otherwise the last attempt's error (``connection_refused``,
        ``timed_out``, ``network_unreachable``...).

    Cancellation:
        ``terminal`` and ``partial``, when the socket's ``async_connect`` supports them
        (a ``tcp.socket``'s does), through a cancellation slot associated with the
        handler: the pending attempt is cancelled, no further endpoint is tried, and the
        operation completes with ``operation_aborted``.

    Raises:
        TypeError: ``socket`` lacks the operations above, ``endpoints`` is not iterable,
            or the condition is not callable.

    Example:
        ::

            def on_resolve(ec, results):
                if ec:
                    return fail(ec, "resolve")
                net.async_connect(sock, results, on_connect)

            def on_connect(ec, endpoint):
                if ec:
                    return fail(ec, "connect")
                print("connected to", endpoint)
    """
    if b is _NO_TOKEN:
        condition, token = None, a
    else:
        condition, token = _check_connect_condition(a, "async_connect"), b
    _check_socket(socket, "async_connect", "async_connect")
    endpoint_list = _endpoint_list(endpoints, "async_connect")
    return async_initiate(_initiate_connect, token, socket, endpoint_list, condition)


def _initiate_connect(
    handler: ConnectHandler,
    socket: Any,
    endpoints: list[Any],
    condition: ConnectCondition | None,
) -> None:
    get_executor = getattr(socket, "get_executor", None)
    if not callable(get_executor):
        raise TypeError(f"async_connect: the socket has no get_executor(): {type(socket).__name__}")
    _connect_op(handler, get_executor(), socket, endpoints, condition).start()


def connect(
    socket: Any, endpoints: Iterable[Any], connect_condition: ConnectCondition | None = None
) -> Any:
    """Connect ``socket`` to the first endpoint that accepts (Asio's synchronous ``connect``).

    Args:
        socket: A socket with ``close``, ``open``, ``connect(endpoint)``.
        endpoints: As :func:`async_connect`.
        connect_condition: Optional, as :func:`async_connect`.

    Returns:
        The endpoint connected to.

    Raises:
        system_error: ``not_found`` when no endpoint was tried, else the last error.
        TypeError: as :func:`async_connect`.
    """
    condition = _check_connect_condition(connect_condition, "connect")
    _check_socket(socket, "connect", "connect")
    ec = success
    tried = False
    for endpoint in _endpoint_list(endpoints, "connect"):
        if condition is not None and not condition(ec, endpoint):
            continue
        tried = True
        try:
            socket.close()
        except OSError:
            pass
        try:
            socket.open(endpoint.protocol())
            socket.connect(endpoint)
        except OSError as exc:
            ec = make_error_code(exc)
            continue
        return endpoint
    raise system_error(ec if tried else not_found, "connect")
