"""The WebSocket connection state machine (sans-I/O), under ``websocket.stream``.

Theory of operation
-------------------
A :class:`Connection` holds every protocol decision of one WebSocket connection after the
upgrade handshake; the stream that drives it only moves bytes.

Reading. The driver passes received bytes to :meth:`Connection.feed` and then calls
:meth:`Connection.next_event` until it returns ``None`` (which means "read more"). Each call
decodes at most one thing:

* :class:`DataEvent` -- the next piece of the current message's payload (unmasked,
  inflated, UTF-8 checked for text) and whether it ends the message. A large frame is
  delivered as it arrives, one piece per call, so a header announcing 2**63 bytes costs
  nothing until the bytes come; ``read_message_max`` is enforced from the header for
  plain messages and while inflating for compressed ones.
* :class:`PingEvent` -- the driver writes ``event.reply`` (the pong) before reading on.
  Pings that arrive after we sent a close are dropped, as Beast does.
* :class:`PongEvent` -- for the control callback; nothing to send.
* :class:`CloseEvent` -- the peer sent a close frame. ``event.reply`` is our echo (empty
  when we had already sent our close); the driver writes it and tears the connection
  down. The read that was in progress completes with ``websocket.error.closed``.
* :class:`ErrorEvent` -- the peer broke the protocol (or a limit was hit): we *fail the
  WebSocket connection*. ``event.code`` is the close code we send (1002, 1007 or 1009, as
  Beast chooses them) and ``event.reply`` the close frame, both empty/None when we had
  already sent a close. The driver writes the reply, tears down and reports
  ``event.error``.

After a close or an error nothing more is decoded and further input is ignored. Pieces of
a message delivered before a failure stay delivered (the failing piece is not). Deflate
data that does not inflate fails the connection with ``bad_frame_payload`` (1007).
The event classes live in ``_events`` and are re-exported here for the driver.

Control frames are only accepted once their whole payload (at most 125 bytes) is buffered,
so a control frame between two reads never yields a partial event. Masked payloads are
unmasked piece by piece with the key rotated by the piece's offset.

Writing. :meth:`Connection.write` returns the frames for (a piece of) a message as a list
of bytes-like objects for one gather write; it fragments according to ``auto_fragment``
and ``write_buffer_bytes``, masks with a fresh key per frame on the client, and
compresses with permessage-deflate when negotiated. :meth:`ping`, :meth:`pong` and
:meth:`close` return one frame each. The core assumes that every frame it returns (replies
included) is written, in the order it returned them.

Buffering. The input buffer holds at most the bytes of one unfinished header or control
frame plus what the driver fed since it last drained :meth:`next_event`; payload is handed
out as soon as it arrives.
"""

from __future__ import annotations

import logging
import zlib
from typing import Final

from asiolike._build import mypyc_attr
from asiolike.beast.websocket import error
from asiolike.beast.websocket._deflate import (
    DeflateParams,
    Deflater,
    Inflater,
    TrailingData,
    permessage_deflate,
)
from asiolike.beast.websocket._events import (
    CloseEvent,
    DataEvent,
    ErrorEvent,
    Event,
    PingEvent,
    PongEvent,
)
from asiolike.beast.websocket._frame import (
    build_header,
    check_header,
    close_payload,
    is_valid_close_code,
    parse_close,
    parse_header,
)
from asiolike.beast.websocket._mask import make_key, mask
from asiolike.beast.websocket._utf8 import Utf8Checker
from asiolike.beast.websocket.rfc6455 import close_code, close_reason, opcode, ping_data_max
from asiolike.error import error_code

__all__ = [
    "Connection",
    "DataEvent",
    "PingEvent",
    "PongEvent",
    "CloseEvent",
    "ErrorEvent",
    "Event",
    "READ_MESSAGE_MAX",
    "WRITE_BUFFER_BYTES",
]

READ_MESSAGE_MAX: Final = 16 * 1024 * 1024
"""Beast's default limit on a received message (16 MiB)."""

WRITE_BUFFER_BYTES: Final = 4096
"""Beast's default size of outgoing frames when fragmenting."""

# Largest piece of inflated data per event when the caller sets no limit.
_INFLATE_CHUNK: Final = 64 * 1024
# Below this size a frame's header and payload are joined into one bytes object.
_JOIN_MAX: Final = 1024
# A stand-in key, to build a masked header whose real key is appended per frame.
_KEY_PLACE: Final = b"\x00\x00\x00\x00"

_HEADER: Final = 0
_PAYLOAD: Final = 1
_STOPPED: Final = 2
# Invalid UTF-8 was found while :meth:`Connection._gather` extended a piece: the next
# call fails the connection (the piece before it is delivered first).
_BAD_UTF8: Final = 3

# feed() failed unexpectedly (see Connection._fault): the next call fails the connection.
_FAULTED: Final = 4

_TEXT: Final = 1
_BINARY: Final = 2

log: Final = logging.getLogger("asiolike.beast.websocket")


@mypyc_attr(allow_interpreted_subclasses=True)
class Connection:
    """The protocol state of one WebSocket connection (either role).

    A subclass may override the private decoding steps (``_append``, ``_whole_frame``,
    ``_take``, ``_control``): the tests of defence in depth (``_fault``) make them raise,
    which works in the compiled build too (a compiled caller calls the override).

    Args:
        server: True for the server role (received frames must be masked, sent frames are
            not), False for the client role (the reverse).
        deflate: The negotiated permessage-deflate parameters, or ``None``.
        deflate_options: Our options (compression level, memory level, size threshold);
            only used when ``deflate`` is set.
        read_message_max: Largest message accepted, in bytes after inflation; 0 for no
            limit.
        auto_fragment: Split outgoing messages into frames of ``write_buffer_bytes``.
        write_buffer_bytes: Size of outgoing fragments (at least 8).
    """

    def __init__(
        self,
        server: bool,
        deflate: DeflateParams | None = None,
        deflate_options: permessage_deflate | None = None,
        *,
        read_message_max: int = READ_MESSAGE_MAX,
        auto_fragment: bool = True,
        write_buffer_bytes: int = WRITE_BUFFER_BYTES,
    ) -> None:
        self._server = server
        # bytes or bytearray of our own, or a caller's memoryview lent to feed().
        self._buf: bytes | bytearray | memoryview = b""
        self._pos = 0
        self._state = _HEADER
        # Current data frame.
        self._rd_fin = False
        self._rd_key = b""
        self._rd_remain = 0
        self._rd_offset = 0
        self._rd_tail = False
        # Current message.
        self._rd_cont = False
        self._rd_op = _TEXT
        self._rd_size = 0
        self._rd_done = True
        self._rd_compressed = False
        self._rd_close = False
        self._utf8 = Utf8Checker()
        self._reason = close_reason()
        # Writing.
        self._wr_close = False
        self._wr_cont = False
        self._wr_op = _TEXT
        self._wr_compress = False
        self._failed = False
        self._read_max = 0
        self._frag = auto_fragment
        self._wr_size = 0
        self.read_message_max(read_message_max)
        self.write_buffer_bytes(write_buffer_bytes)
        self._deflate = deflate
        self._inflater: Inflater | None = None
        self._deflater: Deflater | None = None
        self._threshold = 0
        if deflate is not None:
            opts = deflate_options if deflate_options is not None else permessage_deflate()
            self._threshold = opts.msg_size_threshold
            if server:
                ours, our_nct = deflate.server_max_window_bits, deflate.server_no_context_takeover
                peer_nct = deflate.client_no_context_takeover
            else:
                ours, our_nct = deflate.client_max_window_bits, deflate.client_no_context_takeover
                peer_nct = deflate.server_no_context_takeover
            self._inflater = Inflater(peer_nct)
            self._deflater = Deflater(ours, our_nct, opts.comp_level, opts.mem_level)

    # -- options (Beast's getter/setter pairs) ----------------------------------------------

    def read_message_max(self, amount: int | None = None) -> int:
        """Get or set the largest incoming message in bytes (0 = no limit).

        Raises:
            ValueError: ``amount`` is negative.
        """
        if amount is not None:
            if amount < 0:
                raise ValueError("read_message_max must be >= 0 (0 means no limit)")
            self._read_max = amount
        return self._read_max

    def auto_fragment(self, value: bool | None = None) -> bool:
        """Get or set whether outgoing messages are split into ``write_buffer_bytes`` frames."""
        if value is not None:
            self._frag = bool(value)
        return self._frag

    def write_buffer_bytes(self, amount: int | None = None) -> int:
        """Get or set the size of outgoing fragments.

        Raises:
            ValueError: ``amount`` is below 8, as in Beast.
        """
        if amount is not None:
            if amount < 8:
                raise ValueError("write_buffer_bytes must be at least 8")
            self._wr_size = amount
        return self._wr_size

    def text(self, value: bool | None = None) -> bool:
        """Get or set whether the next outgoing message is text (``False`` = binary)."""
        if value is not None:
            self._wr_op = _TEXT if value else _BINARY
        return self._wr_op == _TEXT

    def binary(self, value: bool | None = None) -> bool:
        """Get or set whether the next outgoing message is binary (``False`` = text)."""
        if value is not None:
            self._wr_op = _BINARY if value else _TEXT
        return self._wr_op == _BINARY

    # -- state ---------------------------------------------------------------------------

    def got_text(self) -> bool:
        """Whether the current (or last) received message is text."""
        return self._rd_op == _TEXT

    def got_binary(self) -> bool:
        """Whether the current (or last) received message is binary."""
        return self._rd_op == _BINARY

    def is_message_done(self) -> bool:
        """Whether the last data delivered completed its message."""
        return self._rd_done

    def reason(self) -> close_reason:
        """The close reason the peer sent (falsy until a close frame with a code arrives)."""
        return self._reason

    @property
    def server(self) -> bool:
        """True in the server role."""
        return self._server

    @property
    def deflate(self) -> DeflateParams | None:
        """The negotiated permessage-deflate parameters, or ``None``."""
        return self._deflate

    @property
    def close_sent(self) -> bool:
        """Whether a close frame was produced (by :meth:`close` or as a reply)."""
        return self._wr_close

    @property
    def close_received(self) -> bool:
        """Whether the peer's close frame was decoded."""
        return self._rd_close

    @property
    def failed(self) -> bool:
        """Whether the connection was failed (an :class:`ErrorEvent` was returned)."""
        return self._failed

    def is_open(self) -> bool:
        """True until a close frame is sent or received or the connection fails."""
        return not (self._wr_close or self._rd_close or self._failed)

    # -- reading -------------------------------------------------------------------------

    def feed(self, data: bytes | bytearray | memoryview, borrow: bool = False) -> None:
        """Append received bytes. Ignored once a close arrived or the connection failed.

        Args:
            data: The bytes; copied unless ``borrow``.
            borrow: Use ``data`` in place when nothing else is buffered, sparing a copy of
                every read. The caller then keeps ``data`` unchanged until it calls
                :meth:`own_input`, which it must do before reusing the memory.
        """
        if self._state >= _STOPPED or not data:
            return
        try:
            self._append(data, borrow)
        except Exception:
            log.error(
                "websocket: unexpected exception while buffering the peer's frames; "
                "the connection fails with close code 1002",
                exc_info=True,
            )
            # next_event() reports it: feed() has no way to return an event.
            self._release()
            self._state = _FAULTED

    def _append(self, data: bytes | bytearray | memoryview, borrow: bool) -> None:
        buf = self._buf
        pos = self._pos
        if pos >= len(buf):
            self._buf = data if borrow or type(data) is bytes else bytes(data)
            self._pos = 0
        elif type(buf) is not bytearray:
            grown = bytearray(memoryview(buf)[pos:])
            grown += data
            self._buf = grown
            self._pos = 0
        else:
            if pos > 65536 and pos * 2 > len(buf):
                del buf[:pos]
                self._pos = 0
            buf += data

    def own_input(self) -> None:
        """Copy what is left of borrowed input (see :meth:`feed`) into the core's own memory.

        Input that is all decoded is dropped, borrowed or not: an idle connection then
        holds no copy of its last read (up to the stream's whole receive buffer).
        """
        buf = self._buf
        if type(buf) is not bytes and type(buf) is not bytearray:
            self._buf = bytes(buf[self._pos :])  # b"" when all of it was decoded
            self._pos = 0
        elif buf and self._pos >= len(buf):
            self._buf = b""
            self._pos = 0

    def _take(self, n: int) -> bytes:
        """Remove ``n`` payload bytes from the buffer, unmasked."""
        buf = self._buf
        pos = self._pos
        end = pos + n
        self._pos = end
        key = self._rd_key
        if type(buf) is bytes:
            piece = buf[pos:end] if (pos or end != len(buf)) else buf
            if key:
                piece = mask(piece, key, self._rd_offset)
        elif key:
            piece = mask(memoryview(buf)[pos:end], key, self._rd_offset)
        else:
            piece = bytes(memoryview(buf)[pos:end])
        self._rd_offset += n
        return piece

    def next_event(self, limit: int = 0) -> Event | None:
        """Decode the next event from the buffered input.

        Args:
            limit: Largest payload piece to return in a :class:`DataEvent` (0 = no limit,
                pieces of inflated data are then at most 64 KiB).

        Returns:
            The next event, or ``None`` when more input is needed (or after a close or an
            error).
        """
        # try costs nothing until something raises (the hot path pays no extra call).
        try:
            while True:
                state = self._state
                if state == _PAYLOAD:
                    event = self._inflate(limit) if self._rd_compressed else self._plain(limit)
                    if event is not None or self._state != _HEADER:
                        return event
                elif state >= _STOPPED or len(self._buf) - self._pos < 2:
                    if state == _BAD_UTF8:
                        return self._fail(error.bad_frame_payload, close_code.bad_payload)
                    if state == _FAULTED:
                        return self._fail(error.bad_frame_payload, close_code.protocol_error)
                    return None  # stopped, or not even a header's first two bytes yet
                else:
                    event = self._whole_frame(limit)
                    if event is not None:
                        return event
                fh = parse_header(self._buf, self._pos)
                if fh is None:
                    return None
                ec = check_header(fh, self._server, self._deflate is not None, self._rd_cont)
                if ec:
                    return self._fail(ec, close_code.protocol_error)
                op = fh.op
                if op >= 8:
                    end = self._pos + fh.size + fh.length
                    if len(self._buf) < end:
                        return None  # wait for the whole control frame
                    self._pos += fh.size
                    self._rd_key, self._rd_offset = fh.key, 0
                    payload = self._take(fh.length)
                    control = self._control(op, payload)
                    if control is not None:
                        return control
                    continue
                self._pos += fh.size
                if op:
                    self._rd_op = op
                    self._rd_size = 0
                    self._rd_compressed = fh.rsv1
                    if op == _TEXT:
                        self._utf8.reset()
                if (
                    not self._rd_compressed
                    and self._read_max
                    and self._rd_size + fh.length > self._read_max
                ):
                    return self._fail(error.message_too_big, close_code.too_big)
                self._rd_cont = not fh.fin
                if fh.length == 0 and not fh.fin:
                    continue  # an empty fragment carries nothing; Beast skips it too
                self._rd_fin = fh.fin
                self._rd_key = fh.key
                self._rd_remain = fh.length
                self._rd_offset = 0
                self._rd_tail = False
                self._rd_done = False
                self._state = _PAYLOAD
        except Exception:
            return self._fault("decoding")

    def _fault(self, what: str) -> ErrorEvent:
        """Fail the connection after an unexpected exception of our own decoding.

        Defence in depth: no octets from the peer may raise out of the driver's
        ``io_context.run()`` and stop every other connection. A fault while decoding the
        payload of a frame whose header was taken (unmasking, inflating, the UTF-8 check
        of a piece) closes with 1007; anywhere else (frame headers, control frames, the
        one-step path for whole frames) with 1002. Both surface as ``bad_frame_payload``.
        """
        code = close_code.bad_payload if self._state == _PAYLOAD else close_code.protocol_error
        log.error(
            "websocket: unexpected exception while %s the peer's frames; "
            "the connection fails with close code %d",
            what,
            int(code),
            exc_info=True,
        )
        if self._failed or self._rd_close:
            # Already over: nothing more is decoded (the state below stays consistent).
            self._state = _STOPPED
            self._release()
            return ErrorEvent(error.bad_frame_payload, None, b"")
        return self._fail(error.bad_frame_payload, code)

    def _whole_frame(self, limit: int) -> Event | None:
        """The fast path of :meth:`next_event`: one whole, plain data frame in one step.

        Taken only by a frame that passes every rule of ``check_header`` (no reserved
        bits, the opcode the message state expects, masked as the role requires, a
        minimal 7- or 16-bit length), fits ``read_message_max`` and ``limit``, carries
        something or ends its message, and is buffered entirely: its outcome is then
        exactly the general path's (header, then ``_plain``) with the state updated
        alike. Anything else returns ``None`` and takes the general path, which also
        produces every error.
        """
        buf = self._buf
        pos = self._pos
        avail = len(buf) - pos  # at least 2: next_event checked
        b0 = buf[pos]
        b1 = buf[pos + 1]
        op = b0 & 0x7F  # the opcode, if the reserved bits are clear
        if self._rd_cont:
            if op or self._rd_compressed:
                return None
        elif op != _BINARY and op != _TEXT:
            return None
        length = b1 & 0x7F
        if b1 > 0x7F:
            if not self._server:
                return None
            if length < 126:
                if avail < 6:
                    return None
                key = bytes(buf[pos + 2 : pos + 6])
                pos += 6
            elif length == 126 and avail >= 8:
                length = (buf[pos + 2] << 8) | buf[pos + 3]
                if length < 126:
                    return None
                key = bytes(buf[pos + 4 : pos + 8])
                pos += 8
            elif length == 127 and avail >= 14:
                length = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                if length < 0x10000 or length >> 63:
                    return None
                key = bytes(buf[pos + 10 : pos + 14])
                pos += 14
            else:
                return None
        else:
            if self._server:
                return None
            key = b""
            if length < 126:
                pos += 2
            elif length == 126 and avail >= 4:
                length = (buf[pos + 2] << 8) | buf[pos + 3]
                if length < 126:
                    return None
                pos += 4
            elif length == 127 and avail >= 10:
                length = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                if length < 0x10000 or length >> 63:
                    return None
                pos += 10
            else:
                return None
        end = pos + length
        fin = b0 > 0x7F
        size = length if op else self._rd_size + length
        if (
            end > len(buf)
            or (limit and length > limit)
            or (self._read_max and size > self._read_max)
            or not (length or fin)
        ):
            return None
        if op:
            self._rd_op = op
            self._rd_compressed = False
            if op == _TEXT:
                self._utf8.reset()
        self._rd_size = size
        self._rd_cont = not fin
        self._rd_done = fin
        self._rd_offset = length
        data: bytes | memoryview
        if type(buf) is bytes:
            data = buf[pos:end] if (pos or end != len(buf)) else buf
            if key:
                data = mask(data, key)
        elif key:
            data = mask(memoryview(buf)[pos:end], key)
        elif type(buf) is memoryview:
            data = buf[pos:end]  # lent input: a view, valid until own_input (see feed)
        else:
            data = bytes(memoryview(buf)[pos:end])
        if end == len(buf):
            # All decoded: drop the buffer (a view lent by feed needs no copy later).
            self._buf = b""
            self._pos = 0
        else:
            self._pos = end
        if self._rd_op == _TEXT and (
            not self._utf8.write(data) or (fin and not self._utf8.finish())
        ):
            return self._fail(error.bad_frame_payload, close_code.bad_payload)
        if fin or len(buf) - end < 2 or buf[end] & 0x7F:
            return DataEvent(data, fin)
        return self._gather(data, limit)

    def _gather(self, first: bytes | memoryview, limit: int) -> DataEvent:
        """Extend a piece from :meth:`_whole_frame` over the next buffered continuations.

        A fragmented message (Beast fragments at 4 KiB by default) often arrives as many
        whole frames in one read; decoding them here, one header check and one slice
        each, and handing them out as one piece costs a fraction of an event per frame.
        Each frame taken passes the same rules as in ``_whole_frame``; the first that does
        not (a control frame, a partial frame, a limit, a 64-bit length...) ends the piece
        and is left to the general path, which also produces every error. The one error
        found here is invalid UTF-8: the piece then ends before the failing frame and the
        next call fails the connection, so the pieces before it stay delivered.
        """
        buf = self._buf
        view = memoryview(buf)
        n = len(buf)
        pos = self._pos
        server = self._server
        read_max = self._read_max
        size = self._rd_size
        total = len(first)
        utf8 = self._utf8 if self._rd_op == _TEXT else None
        pieces: list[bytes | memoryview] = [first]
        fin = False
        length = 0
        key = b""
        while n - pos >= 2:
            head_at = pos
            b0 = buf[pos]
            if b0 & 0x7F:
                break  # not a plain continuation: an opcode or reserved bits
            b1 = buf[pos + 1]
            length = b1 & 0x7F
            start = pos + 2
            if length == 126:
                if n - pos < 4:
                    break
                length = (buf[pos + 2] << 8) | buf[pos + 3]
                if length < 126:
                    break
                start += 2
            elif length == 127:
                break
            if (b1 > 0x7F) != server:
                break
            if server:
                key = bytes(view[start : start + 4])
                start += 4
            end = start + length
            fin = b0 > 0x7F
            if (
                end > n
                or (limit and total + length > limit)
                or (read_max and size + length > read_max)
                or not (length or fin)
            ):
                fin = False
                break
            piece = mask(view[start:end], key) if server else view[start:end]
            if utf8 is not None and (not utf8.write(piece) or (fin and not utf8.finish())):
                self._state = _BAD_UTF8
                fin = False
                break
            pieces.append(piece)
            pos = end
            size += length
            total += length
            if fin:
                break
            # Beast's fragments of a message are all alike but the last: the frames that
            # repeat this header (the key aside) need only that comparison and the limits.
            flen = end - head_at
            plen = flen - length - (4 if server else 0)
            prefix = bytes(view[head_at : head_at + plen])
            while n - pos >= flen and view[pos : pos + plen] == prefix:
                if (limit and total + length > limit) or (read_max and size + length > read_max):
                    break
                end = pos + flen
                start = end - length
                if server:
                    piece = mask(view[start:end], bytes(view[start - 4 : start]))
                else:
                    piece = view[start:end]
                if utf8 is not None and not utf8.write(piece):
                    self._state = _BAD_UTF8
                    break
                pieces.append(piece)
                pos = end
                size += length
                total += length
            else:
                continue  # the run ended: the general rules take the next frame
            break
        # The views into the buffer die with this frame: none is kept past the return.
        data = b"".join(pieces) if len(pieces) > 1 else first
        if pos == n:
            self._buf = b""
            self._pos = 0
        else:
            self._pos = pos
        self._rd_size = size
        self._rd_cont = not fin
        self._rd_done = fin
        self._rd_offset = length
        return DataEvent(data, fin)

    def _plain(self, limit: int) -> Event | None:
        remain = self._rd_remain
        if remain:
            n = len(self._buf) - self._pos
            if n <= 0:
                return None
            if n > remain:
                n = remain
            if limit and n > limit:
                n = limit
            buf = self._buf
            data: bytes | memoryview
            if type(buf) is memoryview and not self._rd_key:
                # Unmasked data of lent input: a view (see DataEvent), not a copy.
                pos = self._pos
                data = buf[pos : pos + n]
                self._pos = pos + n
                self._rd_offset += n
            else:
                data = self._take(n)
            remain -= n
            self._rd_remain = remain
            self._rd_size += n
        else:
            data = b""
        fin = False
        if not remain:
            self._state = _HEADER
            fin = self._rd_fin
        if self._rd_op == _TEXT and (
            not self._utf8.write(data) or (fin and not self._utf8.finish())
        ):
            return self._fail(error.bad_frame_payload, close_code.bad_payload)
        if fin:
            self._rd_done = True
        return DataEvent(data, fin)

    def _inflate(self, limit: int) -> Event | None:
        inflater = self._inflater
        assert inflater is not None
        ask = limit if limit else _INFLATE_CHUNK
        if self._read_max:
            budget = self._read_max - self._rd_size + 1
            if budget < ask:
                ask = budget
        trailing = False
        while True:
            try:
                if inflater.more:
                    out = inflater.resume(ask)
                elif self._rd_remain:
                    n = len(self._buf) - self._pos
                    if n <= 0:
                        return None
                    if n > self._rd_remain:
                        n = self._rd_remain
                    self._rd_remain -= n
                    out = inflater.inflate(self._take(n), ask)
                    if not self._rd_remain and self._rd_fin and not inflater.more:
                        # End the message in this same event when the tail adds nothing.
                        self._rd_tail = True
                        tail = inflater.finish(ask - len(out))
                        if tail:
                            out += tail
                elif self._rd_fin and not self._rd_tail:
                    self._rd_tail = True
                    out = inflater.finish(ask)
                else:
                    self._state = _HEADER  # a non-final frame is used up
                    return None
            except TrailingData as exc:
                out = exc.out
                trailing = True
            except zlib.error:
                return self._fail(error.bad_frame_payload, close_code.bad_payload)
            size = self._rd_size + len(out)
            if self._read_max and size > self._read_max:
                # Which failure comes first in the message decides, whatever the reads
                # were: invalid UTF-8 before the limit, else the size (then the data
                # after the stream's end, which follows all of its output).
                allowed = out[: self._read_max - self._rd_size]
                if self._rd_op == _TEXT and not self._utf8.write(allowed):
                    return self._fail(error.bad_frame_payload, close_code.bad_payload)
                return self._fail(error.message_too_big, close_code.too_big)
            if trailing:
                return self._fail(error.bad_frame_payload, close_code.bad_payload)
            self._rd_size = size
            fin = self._rd_tail and not inflater.more
            if self._rd_op == _TEXT and (
                not self._utf8.write(out) or (fin and not self._utf8.finish())
            ):
                return self._fail(error.bad_frame_payload, close_code.bad_payload)
            if fin:
                inflater.end_message()
                self._state = _HEADER
                self._rd_done = True
                return DataEvent(out, True)
            if out:
                return DataEvent(out, False)

    def _control(self, op: int, payload: bytes) -> Event | None:
        if op == opcode.ping:
            if self._wr_close:
                return None  # Beast ignores pings once closing
            return PingEvent(payload, self._control_frame(opcode.pong, payload))
        if op == opcode.pong:
            if self._wr_close:
                return None
            return PongEvent(payload)
        cr, ec = parse_close(payload)
        if ec:
            return self._fail(ec, close_code.protocol_error)
        self._reason = cr
        self._rd_close = True
        self._state = _STOPPED
        self._release()
        if self._wr_close:
            return CloseEvent(cr, b"")
        self._wr_close = True
        echo = close_reason(cr.code if cr.code != close_code.none else close_code.normal)
        return CloseEvent(cr, self._control_frame(opcode.close, close_payload(echo)))

    def _fail(self, ec: error_code, code: close_code) -> ErrorEvent:
        self._failed = True
        self._state = _STOPPED
        self._release()
        if self._wr_close:
            return ErrorEvent(ec, None, b"")
        self._wr_close = True
        reply = self._control_frame(opcode.close, close_payload(close_reason(code)))
        return ErrorEvent(ec, code, reply)

    def _release(self) -> None:
        self._buf = b""
        self._pos = 0

    # -- writing -------------------------------------------------------------------------

    def _check_writable(self, what: str) -> None:
        if self._wr_close:
            raise RuntimeError(
                f"websocket: cannot {what} after a close frame was sent; the connection is "
                "closing (check is_open() first)"
            )

    def _control_frame(self, op: int, payload: bytes) -> bytes:
        if self._server:
            return build_header(True, op, len(payload)) + payload
        key = make_key()
        return build_header(True, op, len(payload), key) + mask(payload, key)

    def _frame(
        self,
        out: list[bytes | memoryview],
        fin: bool,
        op: int,
        rsv1: bool,
        payload: bytes | memoryview,
    ) -> None:
        n = len(payload)
        if self._server:
            head = build_header(fin, op, n, b"", rsv1)
        else:
            key = make_key()
            head = build_header(fin, op, n, key, rsv1)
            payload = mask(payload, key)
        if n <= _JOIN_MAX:
            out.append(head + payload)
        else:
            out.append(head)
            out.append(payload)

    def write(
        self, data: bytes | bytearray | memoryview | str, fin: bool = True
    ) -> list[bytes | memoryview]:
        """The frames carrying the next piece of the current outgoing message.

        ``write(data)`` sends a whole message; ``write(piece, fin=False)`` repeatedly and a
        last ``write(piece, True)`` stream one message, as Beast's ``write_some``. The
        message's type is :meth:`text`/:meth:`binary` at its first piece.

        Args:
            data: The payload piece (a ``str`` is sent as UTF-8).
            fin: True when this piece ends the message.

        Returns:
            Bytes-like objects to write in order (one gather write).

        Raises:
            RuntimeError: A close frame was already sent.
        """
        if self._wr_close:
            self._check_writable("write a message")
        payload: bytes | memoryview
        if type(data) is bytes or isinstance(data, bytes):
            payload = data
        elif isinstance(data, str):
            payload = data.encode("utf-8")
        else:
            # Framed in place, not copied (the caller keeps it unchanged until written).
            payload = memoryview(data)
            if not payload.c_contiguous:
                payload = payload.tobytes()
            elif payload.format != "B" or payload.ndim != 1:
                payload = payload.cast("B")
        op: int
        if self._wr_cont:
            op = opcode.cont
            rsv1 = False
        else:
            op = self._wr_op
            deflater = self._deflater
            self._wr_compress = (
                deflater is not None and deflater.enabled and len(payload) >= self._threshold
            )
            rsv1 = self._wr_compress
        self._wr_cont = not fin
        if self._wr_compress:
            assert self._deflater is not None
            payload = self._deflater.compress(payload, fin)
        n = len(payload)
        step = self._wr_size if self._frag else n
        if n <= step and n <= _JOIN_MAX:
            # One small frame (most messages): _frame's work, without the call.
            if self._server:
                return [build_header(fin, op, n, b"", rsv1) + payload]
            key = make_key()
            return [build_header(fin, op, n, key, rsv1) + mask(payload, key)]
        out: list[bytes | memoryview] = []
        if n <= step:
            self._frame(out, fin, op, rsv1, payload)
            return out
        # Fragments: the first carries the opcode (and RSV1), the last FIN; the full-size
        # ones between share one header (masked ones each add their fresh key).
        view = memoryview(payload)
        append = out.append
        self._frame(out, False, op, rsv1, view[:step])
        start = step
        joined = step <= _JOIN_MAX
        if self._server:
            head = build_header(False, opcode.cont, step)
            while n - start > step:
                piece = view[start : start + step]
                if joined:
                    append(head + piece)
                else:
                    append(head)
                    append(piece)
                start += step
        else:
            head = build_header(False, opcode.cont, step, _KEY_PLACE)[:-4]
            while n - start > step:
                key = make_key()
                masked = mask(view[start : start + step], key)
                if joined:
                    append(head + key + masked)
                else:
                    append(head + key)
                    append(masked)
                start += step
        self._frame(out, fin, opcode.cont, False, view[start:])
        return out

    def ping(self, payload: bytes | str = b"") -> bytes:
        """A ping frame.

        Raises:
            ValueError: The payload exceeds 125 bytes.
            RuntimeError: A close frame was already sent.
        """
        return self._ping_pong(opcode.ping, payload, "ping")

    def pong(self, payload: bytes | str = b"") -> bytes:
        """An unsolicited pong frame (replies to pings come with :class:`PingEvent`).

        Raises:
            ValueError: The payload exceeds 125 bytes.
            RuntimeError: A close frame was already sent.
        """
        return self._ping_pong(opcode.pong, payload, "pong")

    def _ping_pong(self, op: int, payload: bytes | str, what: str) -> bytes:
        self._check_writable(f"send a {what}")
        data = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
        if len(data) > ping_data_max:
            raise ValueError(
                f"websocket: a {what} payload is at most {ping_data_max} bytes, got {len(data)}"
            )
        return self._control_frame(op, data)

    def close(self, cr: close_reason | None = None) -> bytes:
        """Start the closing handshake: our close frame.

        Afterwards the driver keeps reading until a :class:`CloseEvent` (the peer's answer)
        or an :class:`ErrorEvent`.

        Args:
            cr: The code and reason to send; ``close_reason()`` (the default) sends a
                close frame with no payload.

        Raises:
            ValueError: The code may not be sent (1004-1006, 1015, below 1000 ...).
            RuntimeError: A close frame was already sent.
        """
        self._check_writable("send a close frame")
        if cr is None:
            cr = close_reason()
        if cr.code != close_code.none and not is_valid_close_code(cr.code):
            raise ValueError(
                f"websocket: close code {cr.code} may not be sent; use 1000-1003, 1007-1014 "
                "or 3000-4999"
            )
        self._wr_close = True
        return self._control_frame(opcode.close, close_payload(cr))
