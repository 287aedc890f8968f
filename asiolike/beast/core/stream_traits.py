"""``get_lowest_layer``: the innermost stream of a stack of layered streams."""

from __future__ import annotations

from typing import Any

__all__ = ["get_lowest_layer"]


def get_lowest_layer(stream: Any) -> Any:
    """Follow ``next_layer()`` until a stream has none, and return that stream.

    ``get_lowest_layer(websocket.stream(beast.tcp_stream(ioc)))`` is the ``tcp_stream``,
    as in Beast (whose ``tcp_stream`` is the lowest layer of such a stack: its socket is
    reached with ``.socket()``).
    """
    layer = stream
    while True:
        next_layer = getattr(layer, "next_layer", None)
        if next_layer is None:
            return layer
        layer = next_layer()
