"""``get_lowest_layer``: the innermost stream of a stack of layered streams."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar, overload

__all__ = ["get_lowest_layer"]

_T = TypeVar("_T")
_Layer_co = TypeVar("_Layer_co", covariant=True)


class _layered(Protocol[_Layer_co]):
    """A stream over another one (``websocket.stream``, ``ssl.stream``...), for typing."""

    def next_layer(self) -> _Layer_co: ...


class _lowest(Protocol):
    """A lowest layer, for typing: what ``get_lowest_layer`` is called for, to cancel it.

    Sockets, ``tcp_stream``, descriptors and ``testing.stream`` have ``cancel()``; the
    layers over them (``websocket.stream``, ``ssl.stream``) have not, as in Beast.
    """

    def cancel(self) -> object: ...


_Lowest = TypeVar("_Lowest", bound=_lowest)


# Types for up to three layers (websocket.stream[ssl_stream[tcp_stream]] is two), deepest
# first: a stack's lowest layer is the first type in the chain without next_layer(). The
# last overload is bound to _lowest, not open to any type: mypy retries a failed overload
# against the next one with the assignment's type as context, so with a catch-all
# ``lowest: websocket.stream = get_lowest_layer(ws)`` would type-check.
@overload
def get_lowest_layer(stream: _layered[_layered[_layered[_T]]]) -> _T: ...


@overload
def get_lowest_layer(stream: _layered[_layered[_T]]) -> _T: ...


@overload
def get_lowest_layer(stream: _layered[_T]) -> _T: ...


@overload
def get_lowest_layer(stream: _Lowest) -> _Lowest: ...


def get_lowest_layer(stream: Any) -> Any:
    """Follow ``next_layer()`` until a stream has none, and return that stream.

    ``get_lowest_layer(websocket.stream(beast.tcp_stream(ioc)))`` is the ``tcp_stream``,
    as in Beast (whose ``tcp_stream`` is the lowest layer of such a stack: its socket is
    reached with ``.socket()``). A stream without ``next_layer()`` is its own lowest layer.

    For type checkers the result has the type of the lowest layer (through three layers:
    ``websocket.stream[beast.ssl_stream[beast.tcp_stream]]`` gives ``beast.tcp_stream``),
    so ``beast.get_lowest_layer(ws).async_connect(results, self.on_connect)`` is checked
    as ``tcp_stream.async_connect``.

    Example::

        beast.get_lowest_layer(self.ws).expires_after(30)
        beast.get_lowest_layer(self.ws).async_connect(results, self.on_connect)
    """
    layer = stream
    while True:
        next_layer = getattr(layer, "next_layer", None)
        if next_layer is None:
            return layer
        layer = next_layer()
