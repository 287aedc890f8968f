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

Names that ported code meets on its first lines are here too: ``beast.error_code``
(Beast's ``beast::error_code``, the same class as ``net.error_code``),
``beast.bind_front_handler``, ``beast.version_string`` and ``beast.multi_buffer``.
"""

import functools
from typing import Final

from asiolike._version import __version__
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
from asiolike.beast.core.file import file, file_mode
from asiolike.beast.core.multi_buffer import multi_buffer
from asiolike.beast.core.ssl_stream import ssl_stream
from asiolike.error import error_code

# isort: split
# Last: the WebSocket stream builds on the names above (and may import them from here).
from asiolike.beast import websocket
from asiolike.beast.core.detect_ssl import async_detect_ssl, detect_ssl
from asiolike.beast.http.message_generator import async_write, write

#: Beast's ``BOOST_BEAST_VERSION_STRING`` (``"Boost.Beast/351"``) for asiolike: the text
#: servers and clients put in their ``Server`` and ``User-Agent`` fields, e.g.
#: ``res.set(http.field.server, beast.version_string)``.
version_string: Final = "asiolike/" + ".".join(__version__.split(".")[:2])

#: Beast's ``bind_front_handler(fn, args...)``: a handler that calls ``fn(*args, *more)``.
#:
#: ``beast::bind_front_handler(&session::on_read, shared_from_this())`` becomes
#: ``beast.bind_front_handler(self.on_read)`` (a bound method carries ``self``), or
#: ``beast.bind_front_handler(on_read, conn)`` for a free function. It is
#: :class:`functools.partial` itself, so the result is a plain handler: it runs on the I/O
#: object's executor unless bound with :func:`asiolike.bind_executor`.
bind_front_handler: Final = functools.partial

__all__ = [
    "async_detect_ssl",
    "async_write",
    "basic_stream",
    "buffers_to_string",
    "bind_front_handler",
    "core",
    "detect_ssl",
    "error",
    "error_code",
    "file",
    "file_mode",
    "flat_buffer",
    "get_lowest_layer",
    "http",
    "make_printable",
    "multi_buffer",
    "role_type",
    "ssl_stream",
    "tcp_stream",
    "version_string",
    "websocket",
    "write",
]
