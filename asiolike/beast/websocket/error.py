"""WebSocket error codes and conditions, as Beast's ``websocket::error`` and ``condition``.

Every failure of a WebSocket handshake or of a WebSocket connection is one of the
:class:`~asiolike.error.error_code` constants below, in the ``"beast.websocket"`` category.
Two conditions group them the way Beast does::

    if ec == websocket.error.closed:                      # the peer closed cleanly
        ...
    elif ec == websocket.condition.handshake_failed:      # any upgrade refusal
        ...
    elif ec == websocket.condition.protocol_violation:    # the peer broke RFC 6455
        ...

Who caused each code:

=========================  ===============================================================
you / a local limit        ``buffer_overflow``, ``message_too_big``
the peer, cleanly          ``closed`` (both sides sent a close frame)
the peer, handshake        ``upgrade_declined`` and every ``bad_*``/``no_*`` handshake code,
                           ``bad_extension``, ``bad_subprotocol`` (condition
                           ``handshake_failed``)
the peer, framing          ``bad_opcode`` ... ``bad_close_payload`` (condition
                           ``protocol_violation``); the connection is failed with a close
                           frame whose code the WebSocket core chooses (1002, 1007 or 1009)
=========================  ===============================================================
"""

from __future__ import annotations

from typing import Final

from asiolike.error import condition_category, enum_category, error_code, error_condition

__all__ = [
    "closed",
    "buffer_overflow",
    "partial_deflate_block",
    "message_too_big",
    "bad_http_version",
    "bad_method",
    "no_host",
    "no_connection",
    "no_connection_upgrade",
    "no_upgrade",
    "no_upgrade_websocket",
    "no_sec_key",
    "bad_sec_key",
    "no_sec_version",
    "bad_sec_version",
    "no_sec_accept",
    "bad_sec_accept",
    "upgrade_declined",
    "bad_opcode",
    "bad_data_frame",
    "bad_continuation",
    "bad_reserved_bits",
    "bad_control_fragment",
    "bad_control_size",
    "bad_unmasked_frame",
    "bad_masked_frame",
    "bad_size",
    "bad_frame_payload",
    "bad_close_code",
    "bad_close_size",
    "bad_close_payload",
    "bad_extension",
    "bad_subprotocol",
    "condition",
    "get_websocket_category",
    "get_websocket_condition_category",
]

_category: Final = enum_category("beast.websocket")
_define = _category.define

# -- the stream and its limits ----------------------------------------------------------

closed: Final = _define(1, "closed", "The WebSocket stream was gracefully closed at both endpoints")
"""Both endpoints sent a close frame: the peer closed the connection cleanly."""

buffer_overflow: Final = _define(
    2, "buffer_overflow", "The WebSocket operation caused a dynamic buffer overflow"
)
"""The caller's dynamic buffer could not hold the data (its ``max_size`` was reached)."""

partial_deflate_block: Final = _define(
    3, "partial_deflate_block", "The WebSocket stream produced an incomplete deflate block"
)
"""A compressed message ended inside a deflate block (kept for Beast parity)."""

message_too_big: Final = _define(
    4, "message_too_big", "The WebSocket message exceeded the locally configured limit"
)
"""A received message (after decompression) is larger than ``read_message_max``."""

# -- the upgrade handshake ------------------------------------------------------------------

bad_http_version: Final = _define(5, "bad_http_version", "The WebSocket handshake was not HTTP/1.1")
"""The upgrade request or response was not HTTP/1.1."""

bad_method: Final = _define(6, "bad_method", "The WebSocket handshake method was not GET")
"""The upgrade request's method was not GET."""

no_host: Final = _define(7, "no_host", "The WebSocket handshake Host field is missing")
"""The upgrade request has no Host field."""

no_connection: Final = _define(
    8, "no_connection", "The WebSocket handshake Connection field is missing"
)
"""The upgrade message has no Connection field."""

no_connection_upgrade: Final = _define(
    9,
    "no_connection_upgrade",
    "The WebSocket handshake Connection field is missing the upgrade token",
)
"""The Connection field does not list the ``upgrade`` token."""

no_upgrade: Final = _define(10, "no_upgrade", "The WebSocket handshake Upgrade field is missing")
"""The upgrade message has no Upgrade field."""

no_upgrade_websocket: Final = _define(
    11,
    "no_upgrade_websocket",
    "The WebSocket handshake Upgrade field is missing the websocket token",
)
"""The Upgrade field does not list the ``websocket`` token."""

no_sec_key: Final = _define(
    12, "no_sec_key", "The WebSocket handshake Sec-WebSocket-Key field is missing"
)
"""The upgrade request has no Sec-WebSocket-Key field."""

bad_sec_key: Final = _define(
    13, "bad_sec_key", "The WebSocket handshake Sec-WebSocket-Key field is invalid"
)
"""The Sec-WebSocket-Key field is not the base64 encoding of 16 bytes."""

no_sec_version: Final = _define(
    14, "no_sec_version", "The WebSocket handshake Sec-WebSocket-Version field is missing"
)
"""The upgrade request has no Sec-WebSocket-Version field."""

bad_sec_version: Final = _define(
    15, "bad_sec_version", "The WebSocket handshake Sec-WebSocket-Version field is invalid"
)
"""The Sec-WebSocket-Version field is not ``13`` (the server answers 426)."""

no_sec_accept: Final = _define(
    16, "no_sec_accept", "The WebSocket handshake Sec-WebSocket-Accept field is missing"
)
"""The upgrade response has no Sec-WebSocket-Accept field."""

bad_sec_accept: Final = _define(
    17, "bad_sec_accept", "The WebSocket handshake Sec-WebSocket-Accept field is invalid"
)
"""The Sec-WebSocket-Accept field does not match the key the client sent."""

upgrade_declined: Final = _define(
    18, "upgrade_declined", "The WebSocket handshake was declined by the remote peer"
)
"""The server answered the upgrade request with a status other than 101."""

# -- framing: the peer violated RFC 6455 ----------------------------------------------------

bad_opcode: Final = _define(19, "bad_opcode", "The WebSocket frame contained an illegal opcode")
"""A frame used a reserved opcode (3-7 or 11-15)."""

bad_data_frame: Final = _define(20, "bad_data_frame", "The WebSocket data frame was unexpected")
"""A text or binary frame arrived while a fragmented message was still in progress."""

bad_continuation: Final = _define(
    21, "bad_continuation", "The WebSocket continuation frame was unexpected"
)
"""A continuation frame arrived with no fragmented message in progress."""

bad_reserved_bits: Final = _define(
    22, "bad_reserved_bits", "The WebSocket frame contained illegal reserved bits"
)
"""A frame set RSV1/RSV2/RSV3 without a negotiated extension that defines them."""

bad_control_fragment: Final = _define(
    23, "bad_control_fragment", "The WebSocket control frame was fragmented"
)
"""A close, ping or pong frame had FIN clear."""

bad_control_size: Final = _define(
    24, "bad_control_size", "The WebSocket control frame size was invalid"
)
"""A close, ping or pong frame carried more than 125 bytes."""

bad_unmasked_frame: Final = _define(25, "bad_unmasked_frame", "The WebSocket frame was unmasked")
"""A server received a frame the client did not mask."""

bad_masked_frame: Final = _define(26, "bad_masked_frame", "The WebSocket frame was masked")
"""A client received a frame the server masked."""

bad_size: Final = _define(27, "bad_size", "The WebSocket frame size was not canonical")
"""A frame length used a longer encoding than needed, or a 64-bit length with the top bit set."""

bad_frame_payload: Final = _define(
    28, "bad_frame_payload", "The WebSocket frame payload was not valid utf8"
)
"""A text message was not valid UTF-8, or a compressed message did not inflate."""

bad_close_code: Final = _define(
    29, "bad_close_code", "The WebSocket close frame reason code was invalid"
)
"""A close frame carried a code that may not appear on the wire."""

bad_close_size: Final = _define(
    30, "bad_close_size", "The WebSocket close frame payload size was invalid"
)
"""A close frame carried exactly one byte of payload."""

bad_close_payload: Final = _define(
    31, "bad_close_payload", "The WebSocket close frame payload was not valid utf8"
)
"""A close frame's reason was not valid UTF-8."""

# -- beyond Beast: negotiation checks on the client -----------------------------------------

bad_extension: Final = _define(
    32,
    "bad_extension",
    "The WebSocket handshake Sec-WebSocket-Extensions field is invalid or was not offered",
)
"""The server accepted an extension the client did not offer, or answered it malformed."""

bad_subprotocol: Final = _define(
    33,
    "bad_subprotocol",
    "The WebSocket handshake Sec-WebSocket-Protocol field names a subprotocol not offered",
)
"""The server selected a subprotocol the client did not offer."""


def get_websocket_category() -> enum_category:
    """The ``"beast.websocket"`` error category."""
    return _category


# -- conditions -----------------------------------------------------------------------------

_conditions: Final = condition_category("beast.websocket.condition")

_HANDSHAKE_CODES: Final[tuple[error_code, ...]] = (
    bad_http_version,
    bad_method,
    no_host,
    no_connection,
    no_connection_upgrade,
    no_upgrade,
    no_upgrade_websocket,
    no_sec_key,
    bad_sec_key,
    no_sec_version,
    bad_sec_version,
    no_sec_accept,
    bad_sec_accept,
    upgrade_declined,
    bad_extension,
    bad_subprotocol,
)

_PROTOCOL_CODES: Final[tuple[error_code, ...]] = (
    bad_opcode,
    bad_data_frame,
    bad_continuation,
    bad_reserved_bits,
    bad_control_fragment,
    bad_control_size,
    bad_unmasked_frame,
    bad_masked_frame,
    bad_size,
    bad_frame_payload,
    bad_close_code,
    bad_close_size,
    bad_close_payload,
)


class condition:
    """Error conditions grouping the WebSocket codes, as Beast's ``websocket::condition``.

    Compare a code against a condition with ``==``::

        if ec == websocket.condition.handshake_failed:
            ...

    ``closed``, ``buffer_overflow``, ``partial_deflate_block`` and ``message_too_big``
    belong to neither condition, as in Beast.
    """

    handshake_failed: Final[error_condition] = _conditions.define_condition(
        1, "handshake_failed", "The WebSocket handshake failed", _HANDSHAKE_CODES
    )
    """Any refusal of the upgrade handshake, by either side."""

    protocol_violation: Final[error_condition] = _conditions.define_condition(
        2, "protocol_violation", "A WebSocket protocol violation occurred", _PROTOCOL_CODES
    )
    """The peer sent a frame that RFC 6455 forbids."""

    def __init__(self) -> None:
        raise TypeError("websocket.condition is a namespace; use condition.handshake_failed")


def get_websocket_condition_category() -> condition_category:
    """The ``"beast.websocket.condition"`` condition category."""
    return _conditions
