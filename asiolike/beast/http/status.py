"""Response status codes, as Beast's ``http::status`` and ``http::status_class``.

:class:`status` is an ``IntEnum``: ``status.not_found == 404``. A response may carry any
three-digit code; :func:`int_to_status` maps codes outside this list to ``status.unknown``,
and :func:`obsolete_reason` gives the reason phrase written when none is set.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["status", "status_class", "int_to_status", "to_status_class", "obsolete_reason"]


class status(IntEnum):
    """A response status code (RFC 9110 section 15, plus the registered WebDAV and other codes).

    ``continue_`` has a trailing underscore because ``continue`` is a keyword. RFC 9110 renamed
    413 and 422; both the old (Beast) and the new names are members of the same value.
    """

    unknown = 0

    continue_ = 100
    switching_protocols = 101
    processing = 102
    early_hints = 103

    ok = 200
    created = 201
    accepted = 202
    non_authoritative_information = 203
    no_content = 204
    reset_content = 205
    partial_content = 206
    multi_status = 207
    already_reported = 208
    im_used = 226

    multiple_choices = 300
    moved_permanently = 301
    found = 302
    see_other = 303
    not_modified = 304
    use_proxy = 305
    temporary_redirect = 307
    permanent_redirect = 308

    bad_request = 400
    unauthorized = 401
    payment_required = 402
    forbidden = 403
    not_found = 404
    method_not_allowed = 405
    not_acceptable = 406
    proxy_authentication_required = 407
    request_timeout = 408
    conflict = 409
    gone = 410
    length_required = 411
    precondition_failed = 412
    payload_too_large = 413
    content_too_large = 413
    uri_too_long = 414
    unsupported_media_type = 415
    range_not_satisfiable = 416
    expectation_failed = 417
    misdirected_request = 421
    unprocessable_entity = 422
    unprocessable_content = 422
    locked = 423
    failed_dependency = 424
    too_early = 425
    upgrade_required = 426
    precondition_required = 428
    too_many_requests = 429
    request_header_fields_too_large = 431
    unavailable_for_legal_reasons = 451

    internal_server_error = 500
    not_implemented = 501
    bad_gateway = 502
    service_unavailable = 503
    gateway_timeout = 504
    http_version_not_supported = 505
    variant_also_negotiates = 506
    insufficient_storage = 507
    loop_detected = 508
    not_extended = 510
    network_authentication_required = 511


class status_class(IntEnum):
    """The class of a status code: its first digit."""

    unknown = 0
    informational = 1
    successful = 2
    redirection = 3
    client_error = 4
    server_error = 5


# RFC 9110 phrases where RFC 9110 defines the code; the registry's phrase otherwise.
_REASONS: dict[int, str] = {
    100: "Continue",
    101: "Switching Protocols",
    102: "Processing",
    103: "Early Hints",
    200: "OK",
    201: "Created",
    202: "Accepted",
    203: "Non-Authoritative Information",
    204: "No Content",
    205: "Reset Content",
    206: "Partial Content",
    207: "Multi-Status",
    208: "Already Reported",
    226: "IM Used",
    300: "Multiple Choices",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    304: "Not Modified",
    305: "Use Proxy",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Content Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    416: "Range Not Satisfiable",
    417: "Expectation Failed",
    421: "Misdirected Request",
    422: "Unprocessable Content",
    423: "Locked",
    424: "Failed Dependency",
    425: "Too Early",
    426: "Upgrade Required",
    428: "Precondition Required",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    451: "Unavailable For Legal Reasons",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
    506: "Variant Also Negotiates",
    507: "Insufficient Storage",
    508: "Loop Detected",
    510: "Not Extended",
    511: "Network Authentication Required",
}

_BY_VALUE: dict[int, status] = {int(member): member for member in status}


def int_to_status(value: int) -> status:
    """The :class:`status` member for a numeric code.

    Args:
        value: A status code such as ``404``.

    Returns:
        The member, or ``status.unknown`` for a code that is not in the list (e.g. ``299``).
    """
    return _BY_VALUE.get(value, status.unknown)


def to_status_class(value: int) -> status_class:
    """The class of a status code, from its first digit.

    Args:
        value: A :class:`status` or any integer code.

    Returns:
        ``informational`` for 1xx ... ``server_error`` for 5xx, ``unknown`` otherwise.
    """
    digit = int(value) // 100
    if 1 <= digit <= 5:
        return status_class(digit)
    return status_class.unknown


def obsolete_reason(value: int) -> str:
    """The standard reason phrase of a status code.

    HTTP/1.1 clients ignore the reason phrase (it is "obsolete"), but it is still written on
    the status line when a response sets none.

    Args:
        value: A :class:`status` or any integer code.

    Returns:
        The phrase (``"Not Found"``), or ``"<unknown-status>"`` for a code outside the list.
    """
    return _REASONS.get(int(value), "<unknown-status>")
