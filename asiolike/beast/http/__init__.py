"""Beast's HTTP for Python: fields, messages, a sans-I/O parser and serializer.

Ported code reads like the C++::

    from asiolike.beast import http

    req = http.request(http.verb.get, "/", 11)
    req.set(http.field.host, "example.com")
    req.set(http.field.user_agent, "asiolike")

    p = http.response_parser()
    used, ec = p.put(data)
    if ec == http.error.need_more: ...

``http.error`` is the module of error codes (``http.error.end_of_stream``...).
"""

from asiolike.beast.http import error
from asiolike.beast.http.body import (
    buffer_body,
    dynamic_body,
    empty_body,
    file_body,
    string_body,
    vector_body,
)
from asiolike.beast.http.chunk import (
    chunk_crlf,
    chunk_extensions,
    chunk_header,
    make_chunk,
    make_chunk_last,
)
from asiolike.beast.http.field import field, string_to_field
from asiolike.beast.http.fields import fields
from asiolike.beast.http.message import message, request, response
from asiolike.beast.http.parser import basic_parser, request_parser, response_parser
from asiolike.beast.http.serializer import (
    request_serializer,
    response_serializer,
    serializer,
    to_bytes,
)
from asiolike.beast.http.status import (
    int_to_status,
    obsolete_reason,
    status,
    status_class,
    to_status_class,
)
from asiolike.beast.http.verb import string_to_verb, to_string, verb

# --- I/O functions (layer L5b) ------------------------------------------------------------
# isort: split
from asiolike.beast.http.io import (
    async_read,
    async_read_header,
    async_read_some,
    async_write,
    async_write_header,
    async_write_some,
    read,
    read_header,
    read_some,
    write,
    write_header,
    write_some,
)
from asiolike.beast.http.message_generator import message_generator

# -------------------------------------------------------------------------------------------

__all__ = [
    "error",
    "field",
    "string_to_field",
    "verb",
    "string_to_verb",
    "to_string",
    "status",
    "status_class",
    "int_to_status",
    "to_status_class",
    "obsolete_reason",
    "fields",
    "message",
    "request",
    "response",
    "string_body",
    "empty_body",
    "vector_body",
    "dynamic_body",
    "buffer_body",
    "file_body",
    "message_generator",
    "basic_parser",
    "request_parser",
    "response_parser",
    "serializer",
    "request_serializer",
    "response_serializer",
    "to_bytes",
    "chunk_extensions",
    "chunk_header",
    "chunk_crlf",
    "make_chunk",
    "make_chunk_last",
    "async_read",
    "async_read_header",
    "async_read_some",
    "async_write",
    "async_write_header",
    "async_write_some",
    "read",
    "read_header",
    "read_some",
    "write",
    "write_header",
    "write_some",
]
