"""The HTTP/1.1 upgrade handshake (RFC 6455 section 4), as Beast builds and checks it.

Client: :func:`build_request` makes the upgrade request exactly as Beast's
``build_request`` (method, target, Host, Upgrade, Connection, key, version, the
permessage-deflate offer, then the user's decorator and a default User-Agent);
:func:`check_response` checks the answer in Beast's order, the first failure deciding the
error code, then checks the extension and subprotocol the server chose.

Server: :func:`check_request` validates an upgrade request in Beast's order and
:func:`build_response` answers it: 101 with the accept key and the negotiated extension,
400 with the error's message as body, or 426 with ``Sec-WebSocket-Version: 13`` when the
requested version is not 13 (a missing version gets 400, as in Beast).

After a successful handshake, :func:`negotiated_deflate` turns the 101 response into the
permessage-deflate parameters of the connection (the response sent, on the server).

Defence in depth: the checks read the peer's text, so a bug of ours there must not raise
out of ``io_context.run()``. An unexpected exception while checking fails the handshake
with the code of the check that was running (``bad_sec_key`` while looking at the key...),
one while reading a permessage-deflate offer declines the extension; either is logged once
at ERROR, with its traceback, on ``asiolike.beast.websocket``.
"""

from __future__ import annotations

import binascii
import hashlib
import logging
import os
import re
from collections.abc import Callable
from typing import Final

from asiolike._version import __version__
from asiolike.beast import http
from asiolike.beast.http import field, status, verb
from asiolike.beast.websocket import error
from asiolike.beast.websocket._deflate import (
    DeflateParams,
    check_response_extensions,
    make_offer,
    negotiate,
    params_from_response,
    permessage_deflate,
)
from asiolike.beast.websocket._tokens import parse_token_list, token_list_contains
from asiolike.error import error_code, success

__all__ = [
    "WS_GUID",
    "USER_AGENT",
    "make_sec_key",
    "accept_key",
    "validate_host",
    "validate_target",
    "build_request",
    "check_response",
    "check_request",
    "build_response",
    "negotiated_deflate",
]

WS_GUID: Final = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
"""The GUID RFC 6455 appends to the key before hashing it."""

USER_AGENT: Final = f"asiolike/{__version__}"
"""The User-Agent and Server value used when the decorator sets none (Beast's version string)."""

log: Final = logging.getLogger("asiolike.beast.websocket")

# Host: no whitespace, no controls, nothing that could end or split a header line.
_BAD_HOST: Final = re.compile(r"[\x00-\x20\x7f]")

# The only 24-character strings that base64-decode (strictly) to 16 bytes.
_SEC_KEY: Final = re.compile(r"[A-Za-z0-9+/]{22}==")


def _names_and_keys(*names: field) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(name.value for name in names), tuple(name.value.lower() for name in names)


# The fields the handshake composes itself, as (names, lower-cased keys). Their values are
# constants or base64 text, valid by construction, so they skip the checks of
# ``fields.set``. The others keep them: the caller's host, the extension offer and answer
# (written from permessage_deflate attributes, which a caller may have reassigned) and
# whatever the decorator sets.
_REQUEST_FIELDS: Final = _names_and_keys(
    field.upgrade, field.connection, field.sec_websocket_key, field.sec_websocket_version
)
_ACCEPT_FIELDS: Final = _names_and_keys(field.upgrade, field.connection, field.sec_websocket_accept)
_USER_AGENT: Final = _names_and_keys(field.user_agent)
_SERVER: Final = _names_and_keys(field.server)


def _b64(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).decode("ascii")


def make_sec_key() -> str:
    """A fresh Sec-WebSocket-Key: the base64 encoding of 16 random bytes (24 characters)."""
    return _b64(os.urandom(16))


def accept_key(key: str) -> str:
    """The Sec-WebSocket-Accept value the server must answer to ``key``.

    Args:
        key: The client's Sec-WebSocket-Key, as sent.

    Returns:
        ``base64(sha1(key + GUID))``.
    """
    return _b64(hashlib.sha1((key + WS_GUID).encode("latin-1")).digest())


def validate_host(host: str) -> str:
    """Check the host argument of a handshake.

    Raises:
        ValueError: The host is empty or holds whitespace or a control character (a CR/LF
            would inject header lines). Pass ``"example.com"`` or ``"example.com:8080"``.
        TypeError: The host is not a ``str``.
    """
    if not isinstance(host, str):
        raise TypeError(f"websocket handshake: host must be a str, not {type(host).__name__}")
    if not host:
        raise ValueError("websocket handshake: the host is empty; pass e.g. 'example.com'")
    bad = _BAD_HOST.search(host)
    if bad is not None:
        raise ValueError(
            f"websocket handshake: host {host!r} holds {bad.group()!r} at index {bad.start()}; "
            "a host may not contain spaces, CR, LF or other control characters"
        )
    return host


def validate_target(target: str) -> str:
    """Check the target argument of a handshake.

    Raises:
        ValueError: The target is empty or holds a space or a control character.
            Pass ``"/"`` or a percent-encoded path such as ``"/chat?room=a%20b"``.
        TypeError: The target is not a ``str``.
    """
    if not isinstance(target, str):
        raise TypeError(f"websocket handshake: target must be a str, not {type(target).__name__}")
    if not target:
        raise ValueError("websocket handshake: the target is empty; pass '/' at least")
    bad = _BAD_HOST.search(target)
    if bad is not None:
        raise ValueError(
            f"websocket handshake: target {target!r} holds {bad.group()!r} at index "
            f"{bad.start()}; percent-encode spaces and control characters"
        )
    return target


def build_request(
    host: str,
    target: str,
    key: str,
    decorate: Callable[[http.request], object] | None = None,
    deflate_offer: permessage_deflate | None = None,
) -> http.request:
    """The client's upgrade http.request, as Beast's ``build_request``.

    ``GET target HTTP/1.1`` with Host, ``Upgrade: websocket``, ``Connection: upgrade``,
    Sec-WebSocket-Key, ``Sec-WebSocket-Version: 13`` and, when ``deflate_offer`` has
    ``client_enable``, the permessage-deflate offer. The decorator runs last and may add
    fields (Sec-WebSocket-Protocol, cookies...); a User-Agent is added if it set none.

    Args:
        host: The Host field value, e.g. ``"example.com:8080"``.
        target: The request target, e.g. ``"/chat"``.
        key: The Sec-WebSocket-Key, from :func:`make_sec_key` (base64 text: it is not
            checked again).
        decorate: Called with the request before it is returned.
        deflate_offer: Our permessage-deflate options.

    Raises:
        ValueError: The host or target is empty or holds a space or CR/LF.
    """
    validate_host(host)
    validate_target(target)
    req = http.request._blank()  # GET, HTTP/1.1, no fields
    # The caller's values go through the public setters, which refuse what the checks
    # above let through (characters above U+00FF), with the same messages as ever.
    req.target(target)
    req.set(field.host, host)
    req._append_trusted(*_REQUEST_FIELDS, ("websocket", "upgrade", key, "13"))
    if deflate_offer is not None and deflate_offer.client_enable:
        req.set(field.sec_websocket_extensions, make_offer(deflate_offer))
    if decorate is not None:
        decorate(req)
        if req.count(field.user_agent):
            return req
    req._append_trusted(*_USER_AGENT, (USER_AGENT,))
    return req


def check_response(
    res: http.response,
    key: str,
    deflate_offer: permessage_deflate | None = None,
    *,
    req: http.request | None = None,
) -> error_code:
    """Check the server's answer to our upgrade http.request, as Beast's ``on_response``.

    The first failure decides: ``upgrade_declined`` (status not 101), ``bad_http_version``,
    ``no_connection``, ``no_connection_upgrade``, ``no_upgrade``, ``no_upgrade_websocket``,
    ``no_sec_accept``, ``bad_sec_accept``; then ``bad_extension`` (an extension we did not
    offer, or a malformed/widened permessage-deflate answer) and ``bad_subprotocol`` (a
    subprotocol we did not offer).

    Args:
        res: The response read from the server.
        key: The Sec-WebSocket-Key we sent.
        deflate_offer: The permessage-deflate options we offered with.
        req: The request we sent; its Sec-WebSocket-Protocol lists the subprotocols
            offered (none when omitted).

    Returns:
        ``success`` or the ``websocket.error`` code.
    """
    # Each check's code is also the verdict should that check fault (see _fault).
    step = error.upgrade_declined
    try:
        if res.result_int() != 101:  # status.switching_protocols
            return error.upgrade_declined
        step = error.bad_http_version
        if res.version() != 11:
            return error.bad_http_version
        step = error.no_connection_upgrade
        connection = res.find(field.connection)
        if connection is None:
            return error.no_connection
        if not token_list_contains(connection, "upgrade"):
            return error.no_connection_upgrade
        step = error.no_upgrade_websocket
        upgrade = res.find(field.upgrade)
        if upgrade is None:
            return error.no_upgrade
        if not token_list_contains(upgrade, "websocket"):
            return error.no_upgrade_websocket
        step = error.bad_sec_accept
        accept = res.find(field.sec_websocket_accept)
        if accept is None:
            return error.no_sec_accept
        if accept != accept_key(key):
            return error.bad_sec_accept
        step = error.bad_extension
        ec = check_response_extensions(
            ", ".join(res.equal_range(field.sec_websocket_extensions)), deflate_offer
        )
        if ec is not success:  # it returns the success singleton or an error constant
            return ec
        step = error.bad_subprotocol
        chosen = res.equal_range(field.sec_websocket_protocol)
        if chosen:
            offered = (
                parse_token_list(", ".join(req.equal_range(field.sec_websocket_protocol)))
                if req is not None
                else []
            )
            if len(chosen) != 1 or chosen[0] not in offered:
                return error.bad_subprotocol
        return success
    except Exception:
        return _fault("response", step)


def _fault(what: str, ec: error_code) -> error_code:
    # Defence in depth: a bug of ours while checking the peer's message fails this
    # handshake with the code of the check that was running, rather than raising out of
    # the caller's io_context.run() and stopping every other connection.
    log.error(
        "websocket: unexpected exception while checking the upgrade %s; "
        "the handshake fails with %s",
        what,
        ec.name(),
        exc_info=True,
    )
    return ec


def check_request(req: http.request) -> error_code:
    """Validate a client's upgrade http.request, in Beast's order.

    The first failure decides: ``bad_http_version`` (not HTTP/1.1), ``bad_method`` (not
    GET), ``no_host``, ``no_connection``, ``no_connection_upgrade``, ``no_upgrade``,
    ``no_upgrade_websocket``, ``no_sec_key``, ``bad_sec_key`` (not the base64 encoding of
    16 bytes), ``no_sec_version``, ``bad_sec_version`` (not ``13``).

    Returns:
        ``success`` or the ``websocket.error`` code.
    """
    step = error.bad_http_version
    try:
        if req.version() != 11:
            return error.bad_http_version
        step = error.bad_method
        if req.method() != verb.get:
            return error.bad_method
        step = error.no_host
        if not req.count(field.host):
            return error.no_host
        step = error.no_connection_upgrade
        connection = req.find(field.connection)
        if connection is None:
            return error.no_connection
        if not token_list_contains(connection, "upgrade"):
            return error.no_connection_upgrade
        step = error.no_upgrade_websocket
        upgrade = req.find(field.upgrade)
        if upgrade is None:
            return error.no_upgrade
        if not token_list_contains(upgrade, "websocket"):
            return error.no_upgrade_websocket
        step = error.bad_sec_key
        key = req.find(field.sec_websocket_key)
        if key is None:
            return error.no_sec_key
        if _SEC_KEY.fullmatch(key) is None:  # not the base64 encoding of 16 bytes
            return error.bad_sec_key
        step = error.bad_sec_version
        version = req.find(field.sec_websocket_version)
        if version is None:
            return error.no_sec_version
        if version != "13":
            return error.bad_sec_version
        return success
    except Exception:
        return _fault("request", step)


def build_response(
    req: http.request,
    ec: error_code,
    deflate_opts: permessage_deflate | None = None,
    decorate: Callable[[http.response], object] | None = None,
) -> http.response:
    """The server's answer to an upgrade http.request, as Beast's ``build_response``.

    With ``ec`` falsy: ``101 Switching Protocols`` with ``Upgrade: websocket``,
    ``Connection: upgrade``, Sec-WebSocket-Accept and, when ``deflate_opts.server_enable``
    and the client offered it acceptably, the permessage-deflate answer. With
    ``ec == bad_sec_version``: ``426 Upgrade Required`` with ``Sec-WebSocket-Version: 13``.
    With any other ``ec``: ``400 Bad Request``. Error responses carry the error's message
    as body. The decorator runs last; a Server field is added if it set none.

    Args:
        req: The upgrade request.
        ec: The result of :func:`check_request` for ``req``.
        deflate_opts: Our permessage-deflate options.
        decorate: Called with the response before it is returned.
    """
    if ec is not success and ec:
        if ec == error.bad_sec_version:
            res = http.response(status.upgrade_required, req.version())
            res.set(field.sec_websocket_version, "13")
        else:
            res = http.response(status.bad_request, req.version())
        res.body = ec.message()
        res.prepare_payload()
    else:
        # Our own status line and fields (see _ACCEPT_FIELDS): no validating setters.
        res = http.response._blank(101, req.version())
        accept = accept_key(req[field.sec_websocket_key])
        res._append_trusted(*_ACCEPT_FIELDS, ("websocket", "upgrade", accept))
        answer = _negotiate(req, deflate_opts)
        if answer is not None:
            res.set(field.sec_websocket_extensions, answer[1])
    if decorate is not None:
        decorate(res)
        if res.count(field.server):
            return res
    res._append_trusted(*_SERVER, (USER_AGENT,))
    return res


def _negotiate(
    req: http.request, deflate_opts: permessage_deflate | None
) -> tuple[DeflateParams, str] | None:
    try:
        return negotiate(", ".join(req.equal_range(field.sec_websocket_extensions)), deflate_opts)
    except Exception:
        # A bug of ours reading the client's offer (the peer's text): decline the extension
        # (RFC 7692 allows it) rather than fail, or raise out of io_context.run().
        log.error(
            "websocket: unexpected exception while reading the permessage-deflate offer; "
            "the connection runs without compression",
            exc_info=True,
        )
        return None


def negotiated_deflate(
    res: http.response, deflate_offer: permessage_deflate | None = None
) -> DeflateParams | None:
    """The permessage-deflate parameters a successful handshake agreed on.

    Call it on the server with the 101 response it sent (no options: the response holds
    every negotiated value), and on the client with the 101 response that passed
    :func:`check_response` and the options it offered with (our own window may be smaller
    than the server's answer says, and we may drop context takeover on our own).

    Returns:
        The parameters, or ``None`` when the connection runs without compression.

    Raises:
        ValueError: The response's Sec-WebSocket-Extensions is not a valid acceptance (it
            was not checked, or a decorator broke it).
    """
    value = ", ".join(res.equal_range(field.sec_websocket_extensions))
    if not value:
        return None
    return params_from_response(value, deflate_offer)
