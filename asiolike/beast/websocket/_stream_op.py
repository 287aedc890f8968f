"""The base of ``websocket.stream``'s composed operations and their I/O helpers.

See ``_impl``'s theory of operation. A module of its own, apart from
:class:`~asiolike.beast.websocket._impl.stream_impl`, so that the compiled build can
compile it (the operations' base, the stream's status values, and :func:`send`,
:func:`start_read` and :func:`received`, which move a message's bytes) with the operations
of the message path (``_read_op``, ``_write_op``: docs/explanation/compiled.rst), while the
stream's state, a base of the public ``websocket.stream``, stays interpreted. The stream's
``_send``, ``_read`` and ``_received`` call these for the other operations.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Final

from asiolike._build import mypyc_attr
from asiolike.beast.http._read_op import preview
from asiolike.detail.completion import composed_op
from asiolike.error import error_code
from asiolike.write import async_write

if TYPE_CHECKING:
    from asiolike.beast.websocket._impl import stream_impl

__all__ = [
    "INIT",
    "HANDSHAKE",
    "OPEN",
    "CLOSING",
    "CLOSED",
    "FAILED",
    "stream_op",
    "send",
    "start_read",
    "received",
]

INIT: Final = 0
HANDSHAKE: Final = 1
OPEN: Final = 2
CLOSING: Final = 3
CLOSED: Final = 4
FAILED: Final = 5

# The receive buffer starts small (many idle connections cost little) and grows while
# reads keep filling it, to 128 KiB at once and then to _RECV_MAX (a large message then
# takes two or three system calls, not six). It goes back to _RECV_MIN once a read uses at
# most a quarter of it (the burst is over) and whenever a message has been read whole
# (the next read may wait long, and 5000 connections waiting with 128 KiB each are 625 MiB
# of nothing): see start_read, received and stream_impl._shrink_recv.
_RECV_MIN: Final = 8192
_RECV_MAX: Final = 262144
# Frames of a message up to this size are joined into one buffer for one write: copying
# 256 KiB costs less than a gathered async_write (which would copy runs of small frames
# anyway), and a 64 KiB message auto-fragmented into 4 KiB frames is 64 KiB and more.
_JOIN_MAX: Final = 262144

_log: Final = logging.getLogger("asiolike.beast.websocket")
_DEBUG: Final = logging.DEBUG


def _describe_frames(out: Any) -> str:
    """The first frame of ``out`` (bytes or a list of pieces) for a DEBUG line."""
    first = bytes(out[0] if type(out) is list else out)[:2]
    if len(first) < 2:
        return "?"
    opcode, fin, len7 = first[0] & 0x0F, bool(first[0] & 0x80), first[1] & 0x7F
    return f"first frame opcode={opcode} fin={fin} len7={len7}"


@mypyc_attr(allow_interpreted_subclasses=True)
class stream_op(composed_op):
    """Base of the stream's composed operations: the stream and the frame being written.

    Each operation initialises :class:`~asiolike.detail.completion.composed_op` itself
    (``composed_op.__init__(self, handler, ws._executor, ws._plain, mark)``, ``mark``
    being the stream's :class:`~asiolike.detail.completion.pending_mark` for its kind)
    and sets ``_ws``; ``_out``, ``_off`` and ``_total`` are set by
    :meth:`stream_impl._send` before anything reads them, ``_step`` by the operations
    that have several.

    ``_step`` says which next-layer operation the op waits for, so that one ``__call__``
    serves as the intermediate handler of all of them. What is passed to the next layer
    is the op itself when its handler is bound to an executor or has a cancellation slot
    (``plain_steps`` false: the next layer then runs the steps there and honours the
    slot), else its bound ``__call__``, a plain callable that the next layer completes by
    its fastest path, on its own executor, as it would the op. A new bound method per
    step, never one stored on the op: that would be a cycle (op, method, op) only the
    cyclic GC breaks (R10).

    ``direct`` (from :class:`~asiolike.detail.completion.composed_op`): the handler has no
    association and the stream runs on its io_context's own executor (without handler
    tracking). A continuation (``cont``) then runs inside that context's ``run()``, so
    :meth:`complete` calls the handler right away, which is what dispatching through the
    executor would do, minus its cost (this is every message's completion).

    Per-operation cancellation: terminal only, as Beast's stream operations (passed on to
    the next layer's current operation; the stream then fails, and only closing it makes
    sense). Partial and total requests are ignored.
    """

    # ClassVar: compiled, an annotated class attribute would be a per-instance field.
    supported_cancellation: ClassVar[int] = 1  # cancellation_type.terminal

    __slots__ = ("_off", "_out", "_step", "_total", "_ws")

    _ws: stream_impl
    _out: Any
    _off: int
    _total: int
    _step: int

    def __call__(self, ec: error_code, n: int) -> None:
        """The completion of a next-layer operation (each operation defines it)."""
        raise NotImplementedError

    def _more_to_write(self, ec: error_code, n: int) -> bool:
        """Account for ``n`` bytes written; True when the rest was sent off (wait again)."""
        off = self._off + n
        if ec or off >= self._total:
            return False
        self._off = off
        self._ws._next.async_write_some(
            memoryview(self._out)[off:],
            self.__call__ if self.plain_steps else self,
        )
        return True

    def _post(self, fn: Callable[[], object]) -> None:
        """Queue ``fn`` where this operation's handler runs (a resumption after a wait)."""
        ex = self.associated_executor
        (self.io_executor if ex is None else ex).post(fn)


def send(ws: stream_impl, op: stream_op, out: Any, now: bool = False) -> bool:
    """Write ``out`` (bytes, or the core's list of buffers) whole; ``op`` is called.

    With ``now``, a next layer that can write at once is tried first: when the kernel
    takes everything, nothing is started and True is returned (the caller completes;
    it is the only case in which ``op`` is not called).
    """
    if _log.isEnabledFor(_DEBUG):
        pieces = out if type(out) is list else [out]
        _log.debug(
            "send %d bytes, %s: %s",
            sum(len(piece) for piece in pieces),
            "the HTTP handshake" if ws._status <= HANDSHAKE else _describe_frames(out),
            preview(pieces[0]),
        )
    send_now = ws._send_now if now else None
    if type(out) is not list:
        total = len(out)
    elif len(out) == 1:
        out = out[0]
        total = len(out)
    else:
        total = 0
        for piece in out:
            total += len(piece)
        if total > _JOIN_MAX:
            op._out = None
            op._off = 0
            op._total = total
            async_write(ws._next, out, op)
            return False
        if send_now is None:
            out = b"".join(out)
        # else: the frames of a fragmented message go in one gathering system call,
        # joined only if the kernel takes part of them.
    sent = 0
    if send_now is not None:
        sent = send_now(out)
        if sent == total:
            return True
        if sent < 0:
            sent = 0
        if type(out) is list:
            out = b"".join(out)
    op._out = out
    op._off = sent
    op._total = total
    ws._next.async_write_some(
        memoryview(out)[sent:] if sent else out,
        op.__call__ if op.plain_steps else op,
    )
    return False


def start_read(ws: stream_impl, op: Any) -> None:
    """Read some bytes from the next layer into the receive buffer; ``op`` is called.

    ``op`` is a :class:`stream_op` or the teardown's composed operation.

    The core may still hold a view of the last read (see :func:`received`): it copies what
    it has left first, since the read overwrites the buffer.
    """
    conn = ws._conn
    if conn is not None:
        conn.own_input()
        if len(ws._rbuf) > _RECV_MIN and conn.is_message_done():
            ws._shrink_recv()  # waiting for a new message: no large buffer meanwhile
    ws._next.async_read_some(ws._rview, op.__call__ if op.plain_steps else op)


def received(ws: stream_impl, n: int) -> memoryview:
    """The ``n`` bytes just read (valid until the next read); resizes the buffer.

    Reads feed the core these bytes with ``borrow=True``, so a large read is not copied
    before decoding: :func:`start_read` and ``stream_impl._sync_read`` make the core copy what it
    has not decoded before the buffer is reused. A new buffer (grown when the read
    filled this one, back to the minimum when it used a quarter or less) takes its
    place for the next read; ``data`` keeps the old one alive while it is borrowed.
    """
    view = ws._rview
    data = view[:n]
    if _log.isEnabledFor(_DEBUG):
        _log.debug("received %d bytes: %s", n, preview(data))
    size = len(view)
    if n == size:
        if size < _RECV_MAX:
            ws._rbuf = bytearray(min(size * 16, _RECV_MAX))
            ws._rview = memoryview(ws._rbuf)
    elif size > _RECV_MIN and n <= size >> 2:
        ws._shrink_recv()
    return data
