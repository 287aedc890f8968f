"""Error codes of the HTTP layer, as Beast's ``http::error`` (category ``beast.http``).

Every code is an :class:`~asiolike.error.error_code` constant, compared with ``==``::

    if ec == http.error.end_of_stream:
        return  # the peer closed the connection between messages: not a failure

Who reports what:

========================  =====================================================================
code                      when
========================  =====================================================================
end_of_stream             the stream ended cleanly before the first octet of a message (the
                          peer closed between messages); parser ``put_eof()`` and the readers
partial_message           the stream ended inside a message (header incomplete, or fewer body
                          octets than Content-Length / the chunked framing announced)
need_more                 the parser needs more octets: append them and call ``put`` again
                          (never reaches an I/O handler: the readers read more instead)
unexpected_body           a message read with :class:`~asiolike.beast.http.empty_body`
                          carried body octets
need_buffer               a caller-provided body buffer is full (Beast's ``buffer_body``);
                          reserved, not reported by this package yet
end_of_chunk              the end of a chunk was reached (Beast's incremental chunk reading);
                          reserved, not reported by this package yet
buffer_overflow           the readers' dynamic buffer reached its ``max_size`` (reported by the
                          I/O functions, never by the sans-I/O parser)
header_limit              the header (or a chunk-size line, or the trailer section) did not end
                          within ``header_limit`` octets
body_limit                the body is longer than ``body_limit`` (checked against
                          Content-Length before any body octet is read)
bad_alloc                 memory could not be allocated; reserved (Python raises MemoryError)
bad_line_ending           a CR not followed by LF in the header or a chunk-size line
bad_method ... bad_value  the start line or a field line is malformed (first offending octet)
bad_content_length        a Content-Length that is not a number, overflows, or appears with
                          Transfer-Encoding
bad_transfer_encoding     a Transfer-Encoding that repeats or follows ``chunked``, comes with
                          Content-Length, does not end in ``chunked`` in a request, or appears
                          in an HTTP/1.0 message
bad_chunk                 a malformed or overflowing chunk size, or a chunk not followed by CRLF
bad_chunk_extension       a malformed chunk extension
bad_obs_fold              a field value continued on the next line (obsolete line folding);
                          refused, as RFC 9112 section 5.2 allows
multiple_content_length   several Content-Length values that differ
stale_parser              ``put`` on a parser that already finished its message: use a new
                          parser for each message
short_read                a body source ended before its announced size; reserved for body
                          types that read from files
========================  =====================================================================

The peer broke the protocol: every ``bad_*`` code, ``multiple_content_length``,
``unexpected_body``, ``partial_message``. A limit was hit: ``header_limit``, ``body_limit``,
``buffer_overflow``. The peer closed cleanly: ``end_of_stream``.
"""

from __future__ import annotations

from typing import Final

from asiolike.error import enum_category, error_category

__all__ = [
    "get_http_category",
    "end_of_stream",
    "partial_message",
    "need_more",
    "unexpected_body",
    "need_buffer",
    "end_of_chunk",
    "buffer_overflow",
    "header_limit",
    "body_limit",
    "bad_alloc",
    "bad_line_ending",
    "bad_method",
    "bad_target",
    "bad_version",
    "bad_status",
    "bad_reason",
    "bad_field",
    "bad_value",
    "bad_content_length",
    "bad_transfer_encoding",
    "bad_chunk",
    "bad_chunk_extension",
    "bad_obs_fold",
    "multiple_content_length",
    "stale_parser",
    "short_read",
]

_category = enum_category("beast.http")


def get_http_category() -> error_category:
    """The ``beast.http`` category every code of this module belongs to.

    Returns:
        The category object (categories compare by identity).
    """
    return _category


# The values follow Beast's enum order, so a value logged by C++ and Python means the same.
end_of_stream: Final = _category.define(
    1, "end_of_stream", "the stream ended before the first octet of a message"
)
partial_message: Final = _category.define(
    2, "partial_message", "the stream ended in the middle of a message"
)
need_more: Final = _category.define(3, "need_more", "more input is needed to make progress")
unexpected_body: Final = _category.define(
    4, "unexpected_body", "the message has a body but was read with empty_body"
)
need_buffer: Final = _category.define(5, "need_buffer", "the body buffer is full")
end_of_chunk: Final = _category.define(6, "end_of_chunk", "the end of a chunk was reached")
buffer_overflow: Final = _category.define(
    7, "buffer_overflow", "the dynamic buffer reached its maximum size"
)
header_limit: Final = _category.define(
    8, "header_limit", "the header is longer than the header limit"
)
body_limit: Final = _category.define(9, "body_limit", "the body is longer than the body limit")
bad_alloc: Final = _category.define(10, "bad_alloc", "memory allocation failed")
bad_line_ending: Final = _category.define(
    11, "bad_line_ending", "a carriage return is not followed by a line feed"
)
bad_method: Final = _category.define(12, "bad_method", "the request method is malformed")
bad_target: Final = _category.define(13, "bad_target", "the request target is malformed")
bad_version: Final = _category.define(
    14, "bad_version", "the HTTP version is malformed or not HTTP/1.0 or HTTP/1.1"
)
bad_status: Final = _category.define(15, "bad_status", "the status code is malformed")
bad_reason: Final = _category.define(16, "bad_reason", "the reason phrase is malformed")
bad_field: Final = _category.define(17, "bad_field", "a field name is malformed or not allowed")
bad_value: Final = _category.define(18, "bad_value", "a field value is malformed")
bad_content_length: Final = _category.define(
    19, "bad_content_length", "the Content-Length is malformed or conflicts with the framing"
)
bad_transfer_encoding: Final = _category.define(
    20, "bad_transfer_encoding", "the Transfer-Encoding is malformed or conflicts with the framing"
)
bad_chunk: Final = _category.define(21, "bad_chunk", "a chunk size or chunk delimiter is malformed")
bad_chunk_extension: Final = _category.define(
    22, "bad_chunk_extension", "a chunk extension is malformed"
)
bad_obs_fold: Final = _category.define(
    23, "bad_obs_fold", "a field value uses obsolete line folding"
)
multiple_content_length: Final = _category.define(
    24, "multiple_content_length", "the message has several different Content-Length values"
)
stale_parser: Final = _category.define(
    25, "stale_parser", "the parser already finished its message: use a new parser"
)
short_read: Final = _category.define(
    26, "short_read", "the body source ended before its announced size"
)
