"""The base of ``websocket.stream``'s composed operations (see ``_impl``'s theory of operation).

A module of its own, apart from :class:`~asiolike.beast.websocket._impl.stream_impl`, so
that the compiled build can compile it with the operations of the message path
(``_read_op``, ``_write_op``: docs/explanation/compiled.rst) while the stream's state, a
base of the public ``websocket.stream``, stays interpreted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from asiolike._build import mypyc_attr
from asiolike.detail.completion import composed_op
from asiolike.error import error_code

if TYPE_CHECKING:
    from asiolike.beast.websocket._impl import stream_impl

__all__ = ["stream_op"]


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
