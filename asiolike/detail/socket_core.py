"""The compiled core of the socket classes: their state and the stream read and write paths.

Theory of operation. The public socket classes are generic over their endpoint type
(``reactive_socket[_Endpoint]``, for type checkers), and they keep their docstrings and
``@overload`` variants; neither survives mypyc. And mypyc 2.4, on CPython 3.11, gives a
compiled class that derives from ``typing.Generic`` a ``__dict__`` and a ``__weakref__``
slot whose deallocator releases the weak-reference list as an ordinary reference instead
of clearing it: calling a weak reference to a freed socket crashed the process
(docs/explanation/compiled.rst). So the classes are split in two:

* :class:`socket_core` (this module, compiled in the compiled build): no base but
  ``object``, not generic; it holds every field of a socket and the initiations of the
  hot path, ``_initiate_read`` and ``_initiate_write`` of a stream socket, and
  ``_send_now``;
* :class:`~asiolike.detail.reactive_socket.reactive_socket` and its subclasses
  (interpreted): ``Generic``, the public methods with their documentation, and the
  ``__weakref__`` slot, which CPython's own deallocator of an interpreted class clears.

A public method calls the core's in the same way either build (``async_read_some`` calls
``self._initiate_read``): interpreted, a Python call as before; compiled, a call into C,
with no Python frame. The stream initiations are here, not in a stream class of their own,
because a compiled class has one base: datagram sockets and acceptors inherit them and
never call them.
"""

from __future__ import annotations

import socket as _socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from asiolike._build import mypyc_attr
from asiolike.detail.completion import Executor, op_executor
from asiolike.detail.reactor import READ, WRITE, reactor
from asiolike.detail.scheduler import bind_io_object
from asiolike.detail.socket_ops import (
    const_size,
    mutable_size,
    recv_fn,
    recv_op,
    send_fn,
    send_op,
    stream_recv_op,
)
from asiolike.error import bad_descriptor, error_code

if TYPE_CHECKING:
    from asiolike.detail.reactor import descriptor_state
    from asiolike.detail.scheduler import scheduler

__all__ = ["socket_core"]


@mypyc_attr(allow_interpreted_subclasses=True)
class socket_core:
    """The state of a socket or an acceptor, and the stream read and write initiations.

    Args:
        executor: the object's executor (``as_executor`` of what the user passed).
    """

    __slots__ = (
        "_conn_aborted",
        "_direct",
        "_executor",
        "_fast",
        "_protocol",
        "_reactor",
        "_recv",
        "_sched",
        "_send",
        "_sock",
        "_spec_backoff",
        "_spec_skip",
        "_speculate",
        "_state",
        "_user_nb",
    )

    _sock: _socket.socket | None
    _state: descriptor_state | None
    _recv: Callable[[Any], int] | None
    _send: Callable[[Any], int] | None
    _sched: scheduler
    _reactor: reactor
    _executor: Executor
    _direct: bool
    _fast: frozenset[type]
    _protocol: Any
    _user_nb: bool
    _conn_aborted: bool
    _speculate: bool
    _spec_skip: int
    _spec_backoff: int

    def __init__(self, executor: Executor) -> None:
        self._executor = executor
        sched, self._direct, self._fast = bind_io_object(executor)
        self._sched = sched
        self._reactor = sched.reactor
        self._sock = None
        self._state = None
        self._recv = None
        self._send = None
        self._protocol = None
        self._user_nb = False
        self._conn_aborted = False
        self._speculate = True
        # Stream reads' speculation back-off (see _initiate_read).
        self._spec_skip = 0
        self._spec_backoff = 0

    def _op_executor(self, handler: object) -> Executor | None:
        # None: call the handler straight from the run loop.
        return op_executor(handler, self._executor, self._direct)

    def _initiate_read(self, handler: Callable[[error_code, int], object], buffers: Any) -> None:
        """A stream socket's ``async_read_some``, once the token is a handler."""
        ex = None if type(handler) in self._fast else self._op_executor(handler)
        t = type(buffers)
        op: recv_op
        if t is bytearray:
            size = len(buffers)
            op = stream_recv_op(handler, ex, self._recv, buffers, self, size)  # type: ignore[arg-type]
        elif t is memoryview and not buffers.readonly and buffers.c_contiguous:
            size = buffers.nbytes
            op = stream_recv_op(handler, ex, self._recv, buffers, self, size)  # type: ignore[arg-type]
        else:
            size, sequence = mutable_size(buffers)
            fn = None if self._sock is None else recv_fn(self._sock, sequence, 0)
            op = recv_op(handler, ex, fn, buffers)  # type: ignore[arg-type]
        state = self._state
        if state is not None and size:
            if not self._speculate or state.ops[0]:
                pending = True
            elif self._spec_skip:
                self._spec_skip -= 1
                pending = True
            elif op.perform():
                self._spec_backoff = 0
                pending = False
            else:
                # Nothing there. In a request/response exchange the answer never is yet,
                # and a failed attempt (a system call and an exception) costs about as
                # much as the rest of a read: after failures in a row, the next 1, 3, 7,
                # then 15 reads go straight to the reactor; one success and every read
                # tries at once again (a stream, where data is usually waiting).
                self._speculate = False
                backoff = self._spec_backoff * 2 + 1
                self._spec_backoff = self._spec_skip = backoff if backoff < 15 else 15
                pending = True
            if pending:
                self._reactor.start_op(state, READ, op)
                return
        elif state is None:
            op.ec = bad_descriptor
        # Done at once (R1: through the queue, never inline).
        self._sched.post_immediate_completion(op)

    def _initiate_write(self, handler: Callable[[error_code, int], object], buffers: Any) -> None:
        """A stream socket's ``async_write_some``, once the token is a handler."""
        ex = None if type(handler) in self._fast else self._op_executor(handler)
        t = type(buffers)
        if t is bytes or t is bytearray:
            size = 1 if buffers else 0  # only "empty or not" matters; no len() call
            fn = self._send
        elif t is memoryview and buffers.c_contiguous:
            size = buffers.nbytes
            fn = self._send
        else:
            size, sequence = const_size(buffers)
            fn = None if self._sock is None else send_fn(self._sock, sequence, 0)
        op = send_op(handler, ex, fn, buffers)  # type: ignore[arg-type]
        state = self._state
        if state is not None and size:
            if state.ops[1] or not op.perform():
                self._reactor.start_op(state, WRITE, op)
                return
        elif state is None:
            op.ec = bad_descriptor
        self._sched.post_immediate_completion(op)

    def _send_now(self, data: bytes | bytearray | memoryview | list[Any]) -> int:
        """One non-blocking send of a buffer (a list: gathered), now; -1 when not done now.

        For a composed operation (the WebSocket write) that would otherwise start
        ``async_write_some`` only to have its completion queued at once: this is the
        speculative attempt of ``async_write_some`` without the operation object. -1
        (nothing was sent) when a write is queued, the socket is not open, the kernel would
        block or the call failed: the caller then uses ``async_write_some``, which waits
        or reports the error.
        """
        state = self._state
        send = self._send
        sock = self._sock
        if state is None or send is None or sock is None or state.ops[1]:
            return -1
        try:
            # sendmsg refuses more than IOV_MAX buffers (EMSGSIZE): declined like the rest.
            return sock.sendmsg(data) if type(data) is list else send(data)
        except OSError:
            return -1
