"""Boost.Beast for asiolike: HTTP and WebSocket over asiolike's streams.

Ported code reads as in C++::

    from asiolike import beast
    from asiolike.beast import http, websocket

    stream = beast.tcp_stream(ioc)
    buffer = beast.flat_buffer()
    req = http.request(http.verb.get, "/", 11)
    http.async_write(stream, req, on_write)

The core names (``flat_buffer``, ``tcp_stream``, ``error``, ``role_type``,
``get_lowest_layer``, ``buffers_to_string``, ``make_printable``) live in
:mod:`asiolike.beast.core`; :mod:`~asiolike.beast.http` and
:mod:`~asiolike.beast.websocket` are the protocol packages.
"""

from asiolike.beast import core, http
from asiolike.beast.core import (
    basic_stream,
    buffers_to_string,
    error,
    flat_buffer,
    get_lowest_layer,
    make_printable,
    role_type,
    tcp_stream,
)
from asiolike.beast.core.ssl_stream import ssl_stream

# isort: split
# Last: the WebSocket stream builds on the names above (and may import them from here).
from asiolike.beast import websocket

__all__ = [
    "basic_stream",
    "buffers_to_string",
    "core",
    "error",
    "flat_buffer",
    "get_lowest_layer",
    "http",
    "make_printable",
    "role_type",
    "ssl_stream",
    "tcp_stream",
    "websocket",
]
