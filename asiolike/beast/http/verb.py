"""Request methods, as Beast's ``http::verb``.

A :class:`verb` member *is* the method as written on the wire (``verb.get == "GET"``).
Methods are case-sensitive (RFC 9110 section 9.1), so :func:`string_to_verb` is too.
"""

from __future__ import annotations

from enum import StrEnum

from asiolike.beast.http.field import field

__all__ = ["verb", "string_to_verb", "to_string"]


class verb(StrEnum):
    """An HTTP request method known to the library.

    ``verb.unknown`` stands for any other method: a request carrying one keeps the method text
    in ``method_string()``. ``delete_`` has a trailing underscore as in Beast (``delete`` is a
    keyword there).
    """

    unknown = "<unknown>"

    delete_ = "DELETE"
    get = "GET"
    head = "HEAD"
    post = "POST"
    put = "PUT"
    connect = "CONNECT"
    options = "OPTIONS"
    trace = "TRACE"

    # WebDAV
    copy = "COPY"
    lock = "LOCK"
    mkcol = "MKCOL"
    move = "MOVE"
    propfind = "PROPFIND"
    proppatch = "PROPPATCH"
    search = "SEARCH"
    unlock = "UNLOCK"
    bind = "BIND"
    rebind = "REBIND"
    unbind = "UNBIND"
    acl = "ACL"

    # Subversion
    report = "REPORT"
    mkactivity = "MKACTIVITY"
    checkout = "CHECKOUT"
    merge = "MERGE"

    # UPnP
    msearch = "M-SEARCH"
    notify = "NOTIFY"
    subscribe = "SUBSCRIBE"
    unsubscribe = "UNSUBSCRIBE"

    # RFC 5789
    patch = "PATCH"
    purge = "PURGE"

    # CalDAV
    mkcalendar = "MKCALENDAR"

    # RFC 2068 section 19.6.1.2
    link = "LINK"
    unlink = "UNLINK"


_BY_NAME: dict[str, verb] = {member.value: member for member in verb if member is not verb.unknown}


def string_to_verb(method: str) -> verb:
    """The :class:`verb` for a method string (case-sensitive, as methods are).

    Args:
        method: The method as written on the wire, e.g. ``"GET"``.

    Returns:
        The matching member, or ``verb.unknown`` (``"get"`` is unknown: it is not ``GET``).
    """
    return _BY_NAME.get(method, verb.unknown)


def to_string(value: verb | field) -> str:
    """The text of a method or field name, as Beast's ``http::to_string``.

    Args:
        value: A :class:`verb` or a :class:`~asiolike.beast.http.field`.

    Returns:
        The wire spelling (``"GET"``, ``"Content-Length"``); ``"<unknown>"`` /
        ``"<unknown-field>"`` for the ``unknown`` members.
    """
    return str(value.value)
