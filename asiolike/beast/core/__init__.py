"""Beast's core: buffers, the TCP stream with timeouts, and the core error codes.

``from asiolike import beast`` re-exports everything here (``beast.flat_buffer``,
``beast.tcp_stream``, ``beast.error.timeout``...), as ``boost/beast/core.hpp`` does.
"""

from asiolike.beast.core import error
from asiolike.beast.core.flat_buffer import buffers_to_string, flat_buffer, make_printable
from asiolike.beast.core.role import role_type
from asiolike.beast.core.stream_traits import get_lowest_layer
from asiolike.beast.core.tcp_stream import basic_stream, tcp_stream

__all__ = [
    "basic_stream",
    "buffers_to_string",
    "error",
    "flat_buffer",
    "get_lowest_layer",
    "make_printable",
    "role_type",
    "tcp_stream",
]
