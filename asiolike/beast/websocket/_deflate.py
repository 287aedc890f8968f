"""permessage-deflate (RFC 7692): options, negotiation and per-message (de)compression.

Theory of operation:

* Negotiation. The client offers the extension with its :class:`permessage_deflate` options
  (Beast's ``pmd_write``); the server picks the first acceptable offer and answers with the
  parameters both sides will use (``pmd_read`` + ``pmd_negotiate``); the client checks that
  answer against its offer. Both sides end with a :class:`DeflateParams`.
* Window bits. Peers may announce windows of 8 to 15 bits. zlib cannot produce a raw deflate
  stream with a 256-byte window (it refuses ``wbits=-8``, and older versions silently used
  512 bytes). So when the negotiated window for *our* compressor is 8 bits we keep the
  promise honestly by sending every message uncompressed, which RFC 7692 allows (RSV1
  clear). Decompression always uses a 32 KiB window, which decodes any smaller window.
* Compression. A message is compressed with ``Z_SYNC_FLUSH`` and its 4-byte
  ``00 00 FF FF`` tail removed (RFC 7692 7.2.1); without context takeover the compressor
  starts afresh for each message.
* Decompression is bounded: :meth:`Inflater.inflate` never returns more than the caller's
  ``max_length``, keeping the rest of the input inside zlib, so a small "deflate bomb"
  cannot grow beyond ``read_message_max``.
"""

from __future__ import annotations

import zlib
from typing import Final

from asiolike.beast.websocket import error
from asiolike.beast.websocket._tokens import parse_ext_list
from asiolike.error import error_code, success

__all__ = [
    "permessage_deflate",
    "DeflateParams",
    "make_offer",
    "negotiate",
    "check_response_extensions",
    "params_from_response",
    "Deflater",
    "Inflater",
    "TrailingData",
]

EXTENSION_NAME: Final = "permessage-deflate"
_TAIL: Final = b"\x00\x00\xff\xff"


class permessage_deflate:
    """permessage-deflate options, as Beast's ``websocket::permessage_deflate``.

    Set them on a stream before the handshake with ``ws.set_option(...)``.

    Args:
        server_enable: Accept the extension when acting as a server.
        client_enable: Offer the extension when acting as a client.
        server_max_window_bits: Largest window (9..15) the server may compress with.
        client_max_window_bits: Largest window (9..15) the client may compress with.
        server_no_context_takeover: Ask the server to reset its compressor after each
            message.
        client_no_context_takeover: Ask the client to reset its compressor after each
            message.
        comp_level: zlib compression level 0..9.
        mem_level: zlib memory level 1..9.
        msg_size_threshold: Messages shorter than this many bytes are sent uncompressed.

    Raises:
        ValueError: A value is out of range. Window bits below 9 are refused, as in Beast,
            because zlib cannot compress with a 256-byte window.
    """

    __slots__ = (
        "client_enable",
        "client_max_window_bits",
        "client_no_context_takeover",
        "comp_level",
        "mem_level",
        "msg_size_threshold",
        "server_enable",
        "server_max_window_bits",
        "server_no_context_takeover",
    )

    def __init__(
        self,
        server_enable: bool = False,
        client_enable: bool = False,
        server_max_window_bits: int = 15,
        client_max_window_bits: int = 15,
        server_no_context_takeover: bool = False,
        client_no_context_takeover: bool = False,
        comp_level: int = 8,
        mem_level: int = 4,
        msg_size_threshold: int = 0,
    ) -> None:
        for name, value in (
            ("server_max_window_bits", server_max_window_bits),
            ("client_max_window_bits", client_max_window_bits),
        ):
            if not 9 <= value <= 15:
                raise ValueError(
                    f"permessage_deflate: {name}={value} is out of range; use 9..15 "
                    "(zlib cannot compress with an 8-bit window)"
                )
        if not 0 <= comp_level <= 9:
            raise ValueError(f"permessage_deflate: comp_level={comp_level}; use 0..9")
        if not 1 <= mem_level <= 9:
            raise ValueError(f"permessage_deflate: mem_level={mem_level}; use 1..9")
        if msg_size_threshold < 0:
            raise ValueError("permessage_deflate: msg_size_threshold must be >= 0")
        self.server_enable = server_enable
        self.client_enable = client_enable
        self.server_max_window_bits = server_max_window_bits
        self.client_max_window_bits = client_max_window_bits
        self.server_no_context_takeover = server_no_context_takeover
        self.client_no_context_takeover = client_no_context_takeover
        self.comp_level = comp_level
        self.mem_level = mem_level
        self.msg_size_threshold = msg_size_threshold

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, permessage_deflate):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, n) for n in self.__slots__))

    def __repr__(self) -> str:
        fields = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
        return f"permessage_deflate({fields})"


class DeflateParams:
    """The permessage-deflate parameters both endpoints agreed on.

    Attributes:
        server_max_window_bits: The server's compression window (8..15).
        client_max_window_bits: The client's compression window (8..15).
        server_no_context_takeover: The server resets its compressor after each message.
        client_no_context_takeover: The client resets its compressor after each message.
    """

    __slots__ = (
        "client_max_window_bits",
        "client_no_context_takeover",
        "server_max_window_bits",
        "server_no_context_takeover",
    )

    def __init__(
        self,
        server_max_window_bits: int = 15,
        client_max_window_bits: int = 15,
        server_no_context_takeover: bool = False,
        client_no_context_takeover: bool = False,
    ) -> None:
        self.server_max_window_bits = server_max_window_bits
        self.client_max_window_bits = client_max_window_bits
        self.server_no_context_takeover = server_no_context_takeover
        self.client_no_context_takeover = client_no_context_takeover

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DeflateParams):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, n) for n in self.__slots__))

    def __repr__(self) -> str:
        fields = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
        return f"DeflateParams({fields})"


def make_offer(opts: permessage_deflate) -> str:
    """The client's Sec-WebSocket-Extensions offer for ``opts``, written as Beast does."""
    parts = [
        EXTENSION_NAME,
        f"server_max_window_bits={opts.server_max_window_bits}",
        f"client_max_window_bits={opts.client_max_window_bits}",
    ]
    if opts.server_no_context_takeover:
        parts.append("server_no_context_takeover")
    if opts.client_no_context_takeover:
        parts.append("client_no_context_takeover")
    return "; ".join(parts)


def _parse_bits(value: str | None) -> int:
    """Window bits 8..15 written canonically, else -1 (Beast's ``parse_bits`` + range)."""
    # ASCII only: str.isdigit() is also true for "\xb2" (superscript two), which int() refuses.
    if value is None or not (value.isascii() and value.isdigit()):
        return -1
    if value[0] == "0" or len(value) > 2:
        return -1
    bits = int(value)
    return bits if 8 <= bits <= 15 else -1


class _Offer:
    """One permessage-deflate element of an offer; 0 = absent, -1 = present without value."""

    __slots__ = ("client_bits", "client_nct", "server_bits", "server_nct")

    def __init__(self) -> None:
        self.server_bits = 0
        self.client_bits = 0
        self.server_nct = False
        self.client_nct = False


def _read_offer(params: list[tuple[str, str | None]]) -> _Offer | None:
    """Validate one offer's parameters; ``None`` when the server must decline it."""
    offer = _Offer()
    for raw_name, value in params:
        name = raw_name.lower()
        if name == "server_max_window_bits":
            if offer.server_bits != 0:
                return None
            offer.server_bits = _parse_bits(value)
            if offer.server_bits < 0:
                return None
        elif name == "client_max_window_bits":
            if offer.client_bits != 0:
                return None
            if value is None:
                offer.client_bits = -1
            else:
                offer.client_bits = _parse_bits(value)
                if offer.client_bits < 0:
                    return None
        elif name == "server_no_context_takeover":
            if offer.server_nct or value is not None:
                return None
            offer.server_nct = True
        elif name == "client_no_context_takeover":
            if offer.client_nct or value is not None:
                return None
            offer.client_nct = True
        else:
            return None
    return offer


def negotiate(offers: str, opts: permessage_deflate | None) -> tuple[DeflateParams, str] | None:
    """Server side: accept the first acceptable permessage-deflate offer.

    Follows Beast's ``pmd_negotiate``: context takeover is dropped if either side asks,
    the server window is the smaller of the offer's and ours, and an offer without
    ``client_max_window_bits`` is declined when our client window is below 15 (RFC 7692
    7.1.2.2 forbids answering with it). Unlike Beast, an invalid offer is skipped and the
    next one tried, as RFC 7692 section 5 intends.

    Args:
        offers: The request's Sec-WebSocket-Extensions value (several fields joined by
            ``","``).
        opts: Our options; nothing is accepted unless ``opts.server_enable``.

    Returns:
        ``(params, response_value)``, or ``None`` to run without the extension.
    """
    if opts is None or not opts.server_enable or not offers:
        return None
    parsed = parse_ext_list(offers)
    if parsed is None:
        return None
    for name, params in parsed:
        if name.lower() != EXTENSION_NAME:
            continue
        offer = _read_offer(params)
        if offer is None:
            continue
        result = _answer(offer, opts)
        if result is not None:
            return result
    return None


def _answer(offer: _Offer, opts: permessage_deflate) -> tuple[DeflateParams, str] | None:
    parts = [EXTENSION_NAME]
    server_nct = offer.server_nct or opts.server_no_context_takeover
    if server_nct:
        parts.append("server_no_context_takeover")
    client_nct = offer.client_nct or opts.client_no_context_takeover
    if client_nct:
        parts.append("client_no_context_takeover")
    if offer.server_bits > 0:
        server_bits = min(offer.server_bits, opts.server_max_window_bits)
    else:
        server_bits = opts.server_max_window_bits
    if server_bits < 15:
        parts.append(f"server_max_window_bits={server_bits}")
    if offer.client_bits == -1:
        client_bits = opts.client_max_window_bits
        if client_bits < 15:
            parts.append(f"client_max_window_bits={client_bits}")
    elif offer.client_bits == 0:
        if opts.client_max_window_bits != 15:
            return None
        client_bits = 15
    else:
        client_bits = min(offer.client_bits, opts.client_max_window_bits)
        parts.append(f"client_max_window_bits={client_bits}")
    params = DeflateParams(server_bits, client_bits, server_nct, client_nct)
    return params, "; ".join(parts)


def check_response_extensions(value: str, opts: permessage_deflate | None) -> error_code:
    """Client side: check the server's Sec-WebSocket-Extensions against our offer.

    Returns:
        ``success`` (including when the server declined the extension), or
        ``error.bad_extension`` when the server accepted something we did not offer,
        repeated or malformed a parameter, or widened a window we limited.
    """
    if not value:
        return success
    if opts is None or not opts.client_enable:
        return error.bad_extension
    parsed = parse_ext_list(value)
    if parsed is None or len(parsed) != 1 or parsed[0][0].lower() != EXTENSION_NAME:
        return error.bad_extension
    got = _read_offer(parsed[0][1])
    if got is None or got.client_bits == -1:
        return error.bad_extension
    if got.server_bits > opts.server_max_window_bits:
        return error.bad_extension
    if got.server_bits == 0 and opts.server_max_window_bits < 15:
        return error.bad_extension
    if got.client_bits > opts.client_max_window_bits:
        return error.bad_extension
    if opts.server_no_context_takeover and not got.server_nct:
        return error.bad_extension
    return success


def params_from_response(value: str, opts: permessage_deflate | None = None) -> DeflateParams:
    """The parameters in force after a 101 response carrying ``value``.

    ``value`` must already be known valid (the response we built, or one that passed
    :func:`check_response_extensions`). On the client, ``opts`` narrows our own window to
    what we offered and honours our own ``client_no_context_takeover``.
    """
    parsed = parse_ext_list(value)
    offer = _read_offer(parsed[0][1]) if parsed else None
    if offer is None:
        raise ValueError(f"not an accepted permessage-deflate response: {value!r}")
    params = DeflateParams(
        offer.server_bits if offer.server_bits > 0 else 15,
        offer.client_bits if offer.client_bits > 0 else 15,
        offer.server_nct,
        offer.client_nct,
    )
    if opts is not None:
        params.client_max_window_bits = min(
            params.client_max_window_bits, opts.client_max_window_bits
        )
        params.client_no_context_takeover |= opts.client_no_context_takeover
    return params


class Deflater:
    """Compresses outgoing messages for one endpoint.

    Args:
        window_bits: The negotiated window for our side (8..15); 8 disables compression.
        no_context_takeover: Start each message with an empty window.
        comp_level: zlib level.
        mem_level: zlib memory level.
    """

    __slots__ = ("_args", "_no_context_takeover", "_z", "enabled")

    def __init__(
        self, window_bits: int, no_context_takeover: bool, comp_level: int = 8, mem_level: int = 4
    ) -> None:
        self.enabled = window_bits >= 9
        """False when the window is too small for zlib: messages go out uncompressed."""
        self._args = (comp_level, zlib.DEFLATED, -max(window_bits, 9), mem_level)
        self._no_context_takeover = no_context_takeover
        self._z = zlib.compressobj(*self._args)

    def compress(self, data: bytes | bytearray | memoryview, fin: bool) -> bytes:
        """Compress the next piece of a message.

        Every piece is flushed so the peer can inflate it at once. The final piece has the
        ``00 00 FF FF`` tail removed and, without context takeover, resets the compressor.
        """
        out = self._z.compress(data) + self._z.flush(zlib.Z_SYNC_FLUSH)
        if fin:
            out = out[:-4]
            if self._no_context_takeover:
                self._z = zlib.compressobj(*self._args)
        return out


class TrailingData(zlib.error):
    """Data follows the end of the deflate stream; ``out`` is what inflated before it.

    The output comes first in the message, so the caller checks it (its size, its UTF-8)
    before failing for the trailing data: the verdict then does not depend on whether the
    trailing data arrived in the same read as the end of the stream.
    """

    def __init__(self, out: bytes) -> None:
        super().__init__("data after the end of the deflate stream")
        self.out = out


class Inflater:
    """Decompresses incoming messages with a bounded output per call.

    Args:
        no_context_takeover: The peer resets its compressor after each message, so we
            start each message with an empty window too.
    """

    __slots__ = ("_no_context_takeover", "_z", "more")

    def __init__(self, no_context_takeover: bool) -> None:
        self._z = zlib.decompressobj(-15)
        self._no_context_takeover = no_context_takeover
        self.more = False
        """True when the last call stopped at ``max_length``: call :meth:`resume`."""

    def inflate(self, data: bytes, max_length: int) -> bytes:
        """Inflate ``data``, returning at most ``max_length`` bytes.

        Input that did not fit is kept; :attr:`more` says whether to :meth:`resume`.

        Raises:
            zlib.error: The data is not a valid deflate stream.
        """
        z = self._z
        out = z.decompress(data, max_length)
        self.more = len(out) == max_length
        if z.eof and z.unused_data:
            raise TrailingData(out)
        return out

    def resume(self, max_length: int) -> bytes:
        """Continue inflating input held back by an earlier call."""
        return self.inflate(self._z.unconsumed_tail, max_length)

    def finish(self, max_length: int) -> bytes:
        """End a message: inflate the ``00 00 FF FF`` tail the sender removed."""
        return self.inflate(_TAIL, max_length)

    def end_message(self) -> None:
        """Reset between messages when the peer does not take over its context."""
        self.more = False
        if self._no_context_takeover or self._z.eof:
            self._z = zlib.decompressobj(-15)
