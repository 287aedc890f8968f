"""Beast's WebSocket for Python: ``websocket.stream`` and its vocabulary.

Ported code reads like the C++::

    from asiolike import beast
    from asiolike.beast import websocket

    ws = websocket.stream(sock)
    ws.async_handshake("example.com", "/", self.on_handshake)
    ...
    ws.async_read(self.buffer, self.on_read)   # self.buffer = beast.flat_buffer()
    ...
    if ec == websocket.error.closed: ...

``websocket.error`` holds the error codes, ``websocket.condition`` the conditions
(``handshake_failed``, ``protocol_violation``).
"""

from asiolike.beast import http
from asiolike.beast.websocket import error
from asiolike.beast.websocket._deflate import permessage_deflate
from asiolike.beast.websocket._options import frame_type, stream_base
from asiolike.beast.websocket.error import condition
from asiolike.beast.websocket.rfc6455 import (
    close_code,
    close_reason,
    is_upgrade,
    ping_data,
    ping_data_max,
    reason_string_max,
)
from asiolike.beast.websocket.stream import stream

request_type = http.request
"""The type of the HTTP upgrade request (Beast's ``request_type``)."""

response_type = http.response
"""The type of the HTTP upgrade response (Beast's ``response_type``)."""

__all__ = [
    "close_code",
    "close_reason",
    "condition",
    "error",
    "frame_type",
    "is_upgrade",
    "permessage_deflate",
    "ping_data",
    "ping_data_max",
    "reason_string_max",
    "request_type",
    "response_type",
    "stream",
    "stream_base",
]
