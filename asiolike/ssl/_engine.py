"""The sans-I/O TLS engine: an ``ssl.SSLObject`` between two memory BIOs (Asio's ``engine``).

Theory of operation. OpenSSL reads the peer's records from the *incoming* BIO and writes
its own records to the *outgoing* BIO; nothing here touches a socket. Each operation
(handshake, read, write, shutdown) is tried once and tells its driver what it needs, as
Asio's ``engine::want``:

* :data:`WANT_INPUT_AND_RETRY`: more bytes from the peer, then try again;
* :data:`WANT_OUTPUT_AND_RETRY`: send what is in the outgoing BIO, then try again;
* :data:`WANT_OUTPUT`: the operation is done, but what it produced must be sent before
  its handler runs (a ``Finished`` message, an alert, encrypted application data);
* :data:`WANT_NOTHING`: done.

The result of the last try is left in :attr:`engine.ec` and :attr:`engine.n` (bytes of
application data read or written) rather than returned in a tuple: this is the hot path
of every TLS read and write.

Output is attributed to an operation only if *it* made the outgoing BIO grow (as Asio
compares the BIO before and after): data left there by another operation belongs to the
operation that produced it, which is waiting to send it.

A read decrypts as many records as are complete in the incoming BIO, up to the caller's
buffer (OpenSSL returns one record per call); a failure after some data was read is kept
and reported by the next read, so the data is not lost.

*Record tracking.* Asking OpenSSL to read when only part of a record has arrived costs a
raised ``SSLWantReadError``; with small transport reads (a TCP segment boundary inside
every 16 KiB record, or a test stream capped at one byte) that is most reads. So the
engine follows the TLS record headers (5 bytes: type, version, length) of the bytes it is
given and only calls OpenSSL's read when a record was completed since its last attempt
that found nothing. A header that does not look like TLS (a peer speaking plain TCP)
turns tracking off for good, and OpenSSL sees every byte at once and reports the error.

*Faults.* An exception other than the ``ssl`` module's documented ones (a bug of ours in
the record tracking or the error mapping) fails the connection instead of raising out of
``io_context.run()``: that operation and every later one complete with
:data:`~asiolike.ssl.error.unexpected_result`, logged once at ERROR on ``asiolike.ssl``.

An end of the transport is mapped by :meth:`engine.map_error_code`: ``eof`` stays ``eof``
only when the peer's ``close_notify`` was seen; otherwise the stream was truncated.
"""

from __future__ import annotations

import logging
import ssl as _ssl
from collections.abc import Callable
from typing import Any, Final

from asiolike.error import eof, error_code, success
from asiolike.ssl.error import make_error_code, stream_truncated, unexpected_result

__all__ = [
    "WANT_INPUT_AND_RETRY",
    "WANT_OUTPUT_AND_RETRY",
    "WANT_NOTHING",
    "WANT_OUTPUT",
    "engine",
]

# Asio's values, for the reader who compares.
WANT_INPUT_AND_RETRY: Final = -2
WANT_OUTPUT_AND_RETRY: Final = -1
WANT_NOTHING: Final = 0
WANT_OUTPUT: Final = 1

_WantRead = _ssl.SSLWantReadError
_ZeroReturn = _ssl.SSLZeroReturnError
# The largest TLS record body (TLS 1.2: 2^14 plus 2048 bytes of expansion).
_MAX_RECORD: Final = 16384 + 2048
# Record content types: change_cipher_spec, alert, handshake, application_data, heartbeat.
_RECORD_TYPES: Final = frozenset({20, 21, 22, 23, 24})
_SSLError = _ssl.SSLError
_log: Final = logging.getLogger("asiolike.ssl")


class engine:
    """One TLS connection's state: the ``SSLObject`` and its two BIOs.

    Args:
        sslobj: made by ``SSLContext.wrap_bio(incoming, outgoing, ...)``.
        incoming: the BIO the peer's bytes are written to.
        outgoing: the BIO OpenSSL writes its records to.
    """

    __slots__ = (
        "_body_left",
        "_c",
        "_complete",
        "_deferred",
        "_established",
        "_faulted",
        "_fed",
        "_header",
        "_in",
        "_obj",
        "_out",
        "_shutdown_received",
        "_tracking",
        "_tried",
        "ec",
        "n",
    )

    def __init__(
        self, sslobj: _ssl.SSLObject, incoming: _ssl.MemoryBIO, outgoing: _ssl.MemoryBIO
    ) -> None:
        self._obj = sslobj
        # The C object behind SSLObject: its read/write/pending without the Python wrapper
        # (a call per TLS record saved); the public object where it is not there.
        self._c: Any = getattr(sslobj, "_sslobj", sslobj)
        self._in = incoming
        self._out = outgoing
        self.ec: error_code = success
        self.n = 0
        self._deferred: error_code | None = None
        self._established = False
        self._shutdown_received = False
        # An unexpected exception failed the connection (see _fault).
        self._faulted = False
        # Record tracking: bytes fed so far, the offset where the last complete record
        # ends, that offset at the last read that found nothing, and the parse state.
        self._tracking = True
        self._fed = 0
        self._complete = 0
        self._tried = -1
        self._header = bytearray()
        self._body_left = 0

    @property
    def sslobj(self) -> _ssl.SSLObject:
        """The ``ssl.SSLObject`` (the stream's native handle)."""
        return self._obj

    # -- operations -------------------------------------------------------------------------

    def _attempt(self, call: Callable[[], object]) -> tuple[int, bool]:
        """Run one step of the handshake or shutdown: (what to do next, whether it finished)."""
        out = self._out
        before = out.pending
        self.n = 0
        try:
            call()
        except _WantRead:
            self.ec = success
            return (WANT_OUTPUT_AND_RETRY if out.pending > before else WANT_INPUT_AND_RETRY), False
        except _SSLError as exc:
            self.ec = make_error_code(exc)
            return (WANT_OUTPUT if out.pending > before else WANT_NOTHING), False
        self.ec = success
        return (WANT_OUTPUT if out.pending > before else WANT_NOTHING), True

    def handshake(self) -> int:
        """Try to advance the handshake."""
        if self._faulted:
            return self._failed()
        try:
            want, finished = self._attempt(self._obj.do_handshake)
        except Exception:
            return self._fault("the handshake")
        if finished:
            self._established = True
        return want

    def shutdown(self) -> int:
        """Try to send our ``close_notify`` and receive the peer's."""
        if self._faulted:
            return self._failed()
        try:
            want, finished = self._attempt(self._obj.unwrap)
        except Exception:
            return self._fault("the shutdown")
        if finished:
            self._shutdown_received = True
        return want

    def _fault(self, what: str) -> int:
        """Fail the connection after an unexpected exception (not one of the ``ssl``
        module's documented errors, which are the peer's or OpenSSL's verdicts).

        Defence in depth: the peer's records must not raise out of ``io_context.run()``.
        The operation and every later one complete with ``unexpected_result``, logged
        once at ERROR with the traceback.
        """
        _log.error(
            "ssl: unexpected exception during %s; the stream fails with unexpected_result",
            what,
            exc_info=True,
        )
        self._faulted = True
        return self._failed()

    def _failed(self) -> int:
        self.n = 0
        self.ec = unexpected_result
        return WANT_NOTHING

    def write(self, data: memoryview | bytes) -> int:
        """Try to encrypt ``data`` (all of it, or nothing)."""
        if self._faulted:
            return self._failed()
        try:
            return self._write(data)
        except Exception:
            return self._fault("a write")

    def _write(self, data: memoryview | bytes) -> int:
        self.n = 0
        if not len(data):
            self.ec = success
            return WANT_NOTHING
        out = self._out
        before = out.pending
        try:
            self.n = self._c.write(data)
        except _WantRead:
            self.ec = success
            return WANT_OUTPUT_AND_RETRY if out.pending > before else WANT_INPUT_AND_RETRY
        except _SSLError as exc:
            self.ec = make_error_code(exc)
            return WANT_OUTPUT if out.pending > before else WANT_NOTHING
        self.ec = success
        return WANT_OUTPUT if out.pending > before else WANT_NOTHING

    def read(self, view: memoryview) -> int:
        """Try to decrypt application data into ``view``."""
        if self._faulted:
            return self._failed()
        try:
            return self._read(view)
        except Exception:
            return self._fault("a read")

    def _read(self, view: memoryview) -> int:
        size = len(view)
        self.n = 0
        self.ec = success
        if not size:
            return WANT_NOTHING
        deferred = self._deferred
        if deferred is not None:
            self._deferred = None
            self.ec = deferred
            return WANT_NOTHING
        obj = self._c
        incoming = self._in
        if self._established and not obj.pending():
            if self._tracking:
                if self._complete == self._tried:
                    # No record completed since OpenSSL last asked for more.
                    return WANT_INPUT_AND_RETRY
            elif not incoming.pending:
                return WANT_INPUT_AND_RETRY
        out = self._out
        before = out.pending
        read: Callable[[int, memoryview], int] = obj.read
        n = 0
        while True:
            try:
                k = read(size - n, view[n:] if n else view)
            except _WantRead:
                self._tried = self._complete
                break
            except _ZeroReturn:
                # The peer's close_notify after ours (the ssl module raises then).
                k = 0
            except _SSLError as exc:
                ec = make_error_code(exc)
                if n:
                    self._deferred = ec
                    break
                self.ec = ec
                return WANT_OUTPUT if out.pending > before else WANT_NOTHING
            if not k:
                # The peer's close_notify (before ours, the ssl module returns 0).
                self._shutdown_received = True
                if not n:
                    self.ec = eof
                break
            n += k
            if not (incoming.pending or obj.pending()):
                # Every complete record was decrypted: the next read waits for another.
                self._tried = self._complete
                break
            if n == size:
                break
        self.n = n
        done = n or self.ec
        if out.pending > before:
            # A post-handshake message may need an answer (a TLS 1.3 key update).
            return WANT_OUTPUT if done else WANT_OUTPUT_AND_RETRY
        return WANT_NOTHING if done else WANT_INPUT_AND_RETRY

    # -- the BIOs -----------------------------------------------------------------------------

    def has_output(self) -> bool:
        """Whether records wait in the outgoing BIO."""
        return self._out.pending > 0

    def get_output(self) -> bytes:
        """Take every record waiting in the outgoing BIO."""
        return self._out.read()

    def put_input(self, data: memoryview | bytes) -> None:
        """Hand bytes received from the peer to OpenSSL."""
        if self._faulted:
            return  # every operation reports the fault; the input is not looked at
        try:
            self._in.write(data)
            if self._tracking:
                self._track(data)
        except Exception:
            self._fault("record tracking")

    def _track(self, data: memoryview | bytes) -> None:
        size = len(data)
        pos = 0
        left = self._body_left
        header = self._header
        base = self._fed
        while pos < size:
            if left:
                take = size - pos
                if take > left:
                    take = left
                pos += take
                left -= take
                if not left:
                    self._complete = base + pos
                continue
            missing = 5 - len(header)
            header += data[pos : pos + missing]
            pos = min(size, pos + missing)
            if len(header) < 5:
                break
            left = (header[3] << 8) | header[4]
            if header[0] not in _RECORD_TYPES or header[1] != 3 or left > _MAX_RECORD:
                self._tracking = False
                return
            header.clear()
            if not left:
                self._complete = base + pos
        self._body_left = left
        self._fed = base + size

    def map_error_code(self, ec: error_code) -> error_code:
        """Asio's ``map_error_code``: an end of file is ``eof`` only after ``close_notify``.

        An end of the transport with records still undecoded, or without the peer's
        ``close_notify``, is :data:`~asiolike.ssl.error.stream_truncated`.
        """
        if ec != eof:
            return ec
        if self._in.pending or not self._shutdown_received:
            return stream_truncated
        return ec
