"""Driving the TLS engine over the next layer (Asio's ``ssl::detail::io_op`` and ``io``).

Theory of operation. Every TLS operation (handshake, read, write, shutdown) is one
:class:`io_op`: it asks the engine, and does what the engine wants:

* *input*: read from the next layer into the stream's input buffer, hand the bytes to the
  engine, try again;
* *output*: take what the engine produced and write all of it to the next layer, then try
  again (``..._and_retry``) or finish;
* *nothing*: finish, through the completion helper (posted on the first step: R1).

Several operations may be pending at once (a read, a write, and a handshake or shutdown),
but the next layer allows only one read and one write at a time. So the stream core has
two locks, as Asio's ``pending_read_``/``pending_write_`` timers: the *read lock* is held by
the operation reading from the next layer, the *write lock* by the one writing to it. An
operation that finds a lock taken parks itself; the owner, when its next-layer operation
completes, resumes every parked operation by posting it to where its handler runs. A
resumed operation that wanted input simply tries again (the owner may have brought what
it needed); one that wanted output sends whatever is in the engine's output by then (a
parked writer's records are sent either by itself or by whoever took the lock first:
either way they are on the wire before it finishes, in order).

This is what lets a read that must answer (a TLS 1.3 key update) cooperate with a pending
write: the read waits for the write lock instead of interleaving bytes. A parked
operation is not outstanding work by itself, but a lock's owner always has a next-layer
operation pending and resumes the parked ones (queueing them) before it completes, so
``run()`` never returns while one waits.

*Pending operations* (rule R6): one operation of each kind may be pending. Each kind has
a :class:`~asiolike.detail.completion.pending_mark` in the core (``marks``), which the
operation hands to :class:`~asiolike.detail.completion.composed_op`: it is busy from the
initiating call until the handler is invoked (cleared by ``complete`` right before the
upcall, on every path), so a second read in that window raises whatever the timing.

Errors: the first error wins (an alert is still sent after a failed handshake, but the
handler gets the handshake's error). An end of file from the next layer goes through
the engine's ``map_error_code`` (``stream_truncated`` without the peer's
``close_notify``). A shutdown that ends with ``eof`` succeeded (Asio's rule).

The synchronous operations (:func:`sync_io`) are the same loop, blocking, with the next
layer's ``read_some`` and ``write``.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any, Final

from asiolike.detail.completion import composed_op, pending_mark
from asiolike.detail.scheduler import fast_handlers, invokes_directly
from asiolike.error import eof, error_code, success, system_error
from asiolike.ssl._engine import WANT_INPUT_AND_RETRY, WANT_NOTHING, WANT_OUTPUT_AND_RETRY
from asiolike.write import write as _write_all

if TYPE_CHECKING:
    from asiolike.detail.completion import Executor
    from asiolike.ssl._engine import engine

__all__ = ["HANDSHAKE", "READ", "WRITE", "SHUTDOWN", "stream_core", "io_op", "sync_io"]

HANDSHAKE: Final = 0
READ: Final = 1
WRITE: Final = 2
SHUTDOWN: Final = 3

_NAMES: Final = ("handshake", "read_some", "write_some", "shutdown")

# Where an operation is: trying the engine, reading, writing, parked for a lock.
_IDLE: Final = 0
_READING: Final = 1
_WRITING: Final = 2
_WAIT_RD: Final = 3
_WAIT_WR: Final = 4

# The input buffer starts at one full TLS record (16 KiB plus header and tag) and doubles
# while reads fill it, up to _INPUT_MAX: fewer next-layer reads during a bulk transfer,
# little memory for an idle connection.
_INPUT_MIN: Final = 17 * 1024
_INPUT_MAX: Final = 256 * 1024


class stream_core:
    """The state the operations of one stream share (Asio's ``stream_core``)."""

    __slots__ = (
        "direct",
        "engine",
        "executor",
        "fast",
        "input",
        "input_view",
        "marks",
        "next",
        "rd_owner",
        "rd_waiters",
        "wr_owner",
        "wr_waiters",
    )

    def __init__(self, next_layer: Any, executor: Executor) -> None:
        self.next = next_layer
        self.executor = executor
        # The fast path, decided once (see asiolike.detail.completion).
        self.direct = invokes_directly(executor)
        self.fast = fast_handlers(executor)
        self.engine: engine | None = None
        self.input = bytearray(_INPUT_MIN)
        self.input_view = memoryview(self.input)
        self.rd_owner: io_op | None = None
        self.wr_owner: io_op | None = None
        self.rd_waiters: deque[io_op] = deque()
        self.wr_waiters: deque[io_op] = deque()
        # Whether an operation of each kind is pending (R6: one of each at a time).
        self.marks = (pending_mark(), pending_mark(), pending_mark(), pending_mark())

    def received(self, n: int) -> None:
        """Hand ``n`` bytes of the input buffer to the engine; grow the buffer if it filled."""
        eng = self.engine
        assert eng is not None
        view = self.input_view
        size = len(view)
        eng.put_input(view[:n] if n < size else view)
        if n == size and size < _INPUT_MAX:
            self.input = bytearray(size * 2)
            self.input_view = memoryview(self.input)


def _resume_all(waiters: deque[io_op]) -> None:
    while waiters:
        op = waiters.popleft()
        ex = op.associated_executor
        (op.io_executor if ex is None else ex).post(op.resume)


class io_op(composed_op):
    """One TLS operation in progress; also the handler of its next-layer operations."""

    __slots__ = ("_core", "_ec", "_kind", "_n", "_off", "_out", "_state", "_view", "_want")

    def __init__(self, handler: Any, core: stream_core, kind: int, view: Any) -> None:
        composed_op.__init__(self, handler, core.executor, core.direct, core.marks[kind])
        self._core = core
        self._kind = kind
        self._view = view
        self._want = WANT_NOTHING
        self._ec = success
        self._n = 0
        self._state = _IDLE
        self._out: bytes | memoryview = b""
        self._off = 0

    def start(self) -> None:
        """The first step (from the initiating function)."""
        self._step(False)

    def _inner(self) -> Any:
        """The handler of a next-layer step: the op's bound ``__call__`` (a plain callable,
        the next layer's fast path) when ``plain_steps``; else the op itself, so that the
        next layer runs the step where the final handler runs and honours its
        cancellation slot.
        """
        return self.__call__ if self.plain_steps else self

    def _step(self, cont: bool) -> None:
        core = self._core
        eng = core.engine
        assert eng is not None
        kind = self._kind
        if kind == READ:
            want = eng.read(self._view)
        elif kind == WRITE:
            want = eng.write(self._view)
        elif kind == HANDSHAKE:
            want = eng.handshake()
        else:
            want = eng.shutdown()
        self._want = want
        self._ec = eng.ec
        self._n = eng.n
        if want == WANT_INPUT_AND_RETRY:
            if core.rd_owner is None:
                core.rd_owner = self
                self._state = _READING
                core.next.async_read_some(core.input_view, self._inner())
            else:
                self._state = _WAIT_RD
                core.rd_waiters.append(self)
        elif want == WANT_NOTHING:
            self._finish(cont)
        else:
            self._send(cont)

    def _send(self, cont: bool) -> None:
        """Send the engine's output under the write lock, or park until the lock is free."""
        core = self._core
        if core.wr_owner is not None:
            self._state = _WAIT_WR
            core.wr_waiters.append(self)
            return
        eng = core.engine
        assert eng is not None
        if not eng.has_output():
            # Whoever held the lock sent our records too.
            self._sent(cont)
            return
        core.wr_owner = self
        self._state = _WRITING
        out = eng.get_output()
        self._out = out
        self._off = 0
        core.next.async_write_some(out, self._inner())

    def _sent(self, cont: bool) -> None:
        if self._ec:
            self._finish(cont)
        elif self._want == WANT_OUTPUT_AND_RETRY:
            self._step(cont)
        else:
            self._finish(cont)

    def resume(self) -> None:
        """Continue after the lock this operation waited for was released (posted)."""
        if self._state == _WAIT_RD:
            self._step(True)
        else:
            self._send(True)

    def __call__(self, ec: error_code, n: int) -> None:
        core = self._core
        if self._state == _READING:
            core.rd_owner = None
            if n:
                core.received(n)
            if core.rd_waiters:
                _resume_all(core.rd_waiters)
            if ec:
                self._ec = ec
                self._finish(True)
            else:
                self._step(True)
            return
        off = self._off + n
        out = self._out
        if not ec and off < len(out):
            self._off = off
            core.next.async_write_some(memoryview(out)[off:], self._inner())
            return
        core.wr_owner = None
        self._out = b""
        if core.wr_waiters:
            _resume_all(core.wr_waiters)
        if ec and not self._ec:
            self._ec = ec
        self._sent(True)

    def _finish(self, cont: bool) -> None:
        core = self._core
        kind = self._kind
        self._state = _IDLE
        self._view = None
        ec = self._ec
        if ec:
            eng = core.engine
            assert eng is not None
            ec = eng.map_error_code(ec)
        if kind in (READ, WRITE):
            self.complete(cont, ec, 0 if ec else self._n)
        elif kind == SHUTDOWN and ec == eof:
            self.complete(cont, success)
        else:
            self.complete(cont, ec)


def sync_io(core: stream_core, kind: int, view: Any) -> int:
    """Run one TLS operation to its end, blocking on the next layer (Asio's ``io``).

    Returns:
        The bytes of application data read or written.

    Raises:
        system_error: the operation's error (mapped as the asynchronous one's).
    """
    eng = core.engine
    assert eng is not None
    nxt = core.next
    what = _NAMES[kind]
    while True:
        if kind == READ:
            want = eng.read(view)
        elif kind == WRITE:
            want = eng.write(view)
        elif kind == HANDSHAKE:
            want = eng.handshake()
        else:
            want = eng.shutdown()
        ec = eng.ec
        n = eng.n
        if want == WANT_INPUT_AND_RETRY:
            try:
                got = nxt.read_some(core.input_view)
            except system_error as exc:
                ec = exc.code
            else:
                core.received(got)
                continue
        elif want != WANT_NOTHING:
            try:
                _write_all(nxt, eng.get_output())
            except system_error as exc:
                ec = ec or exc.code
            if not ec and want == WANT_OUTPUT_AND_RETRY:
                continue
        if ec:
            ec = eng.map_error_code(ec)
            if kind == SHUTDOWN and ec == eof:
                return 0
            raise system_error(ec, what)
        return n
