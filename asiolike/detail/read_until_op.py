"""The composed operation of ``async_read_until``, and the delimiter search it shares with
``read_until``.

Theory of operation: see :mod:`asiolike.read_until`, whose public functions check their
arguments and start this. It lives here, apart from the public functions, so that the
compiled build compiles it (docs/explanation/compiled.rst). A match function is called
as returning ``object``: compiled, a result typed ``tuple[int, bool]`` would be checked
by mypyc before :func:`check_match` could say what is wrong with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

from asiolike.buffer import DynamicBuffer, buffer_overflow_error
from asiolike.completion_condition import default_max_transfer_size
from asiolike.detail.completion import Executor, composed_op
from asiolike.detail.handler_check import EC_BYTES
from asiolike.detail.read_op import MIN_PREPARE
from asiolike.error import eof, error_code, not_found, success

__all__ = ["Match", "check_match", "read_size", "read_until_op", "search", "searcher"]

#: A match function as it is called here (see the module's docstring).
Match = Callable[[memoryview, int], object]


class searcher:
    """Finds a delimiter in the readable bytes; keeps the resume position."""

    __slots__ = ("kind", "length", "match", "pattern")

    LITERAL: Final = 0
    REGEX: Final = 1
    FUNCTION: Final = 2

    def __init__(self, delim: object, who: str) -> None:
        self.length = 0
        self.match: Match | None = None
        self.pattern: re.Pattern[bytes] | None = None
        if isinstance(delim, str):
            if not delim.isascii():
                raise ValueError(
                    f"{who}: a str delimiter must be ASCII; encode it yourself "
                    f"(e.g. {delim!r}.encode()) to choose the bytes"
                )
            delim = delim.encode("ascii")
        if isinstance(delim, (bytes, bytearray, memoryview)):
            literal = bytes(delim)
            if not literal:
                raise ValueError(f"{who}: the delimiter is empty; pass at least one byte")
            self.kind = searcher.LITERAL
            self.length = len(literal)
            # re's literal search works on a memoryview of the buffer; bytes.find would
            # need a copy of the data for every search.
            self.pattern = re.compile(re.escape(literal))
        elif isinstance(delim, re.Pattern):
            if not isinstance(delim.pattern, bytes):
                raise TypeError(
                    f"{who}: the regular expression must be a bytes pattern "
                    f"(re.compile(rb'...')), not a str pattern"
                )
            self.kind = searcher.REGEX
            self.pattern = delim
        elif callable(delim):
            self.kind = searcher.FUNCTION
            self.match = delim
        else:
            raise TypeError(
                f"{who}: the delimiter must be bytes, an ASCII str, a compiled bytes regular "
                f"expression or a match function, not {type(delim).__name__}"
            )

    def search(self, data: memoryview, start: int) -> tuple[int, bool]:
        """``(end, True)`` for a match ending at ``end``; ``(resume, False)`` otherwise."""
        kind = self.kind
        if kind == searcher.LITERAL:
            assert self.pattern is not None
            m = self.pattern.search(data, start)
            if m is not None:
                return m.end(), True
            resume = len(data) - self.length + 1
            return (resume if resume > start else start), False
        if kind == searcher.REGEX:
            assert self.pattern is not None
            m = self.pattern.search(data, 0)
            if m is not None:
                return m.end(), True
            return 0, False
        assert self.match is not None
        with data.toreadonly() as view:
            result = self.match(view, start)
        return check_match(result, start, len(data))


def check_match(result: object, start: int, size: int) -> tuple[int, bool]:
    if (
        type(result) is not tuple
        or len(result) != 2
        or not isinstance(result[0], int)
        or not isinstance(result[1], bool)
    ):
        raise TypeError(
            f"read_until: the match function must return (index, matched: bool), not {result!r}"
        )
    index, matched = result
    if not start <= index <= size:
        raise ValueError(
            f"read_until: the match function returned index {index}, outside "
            f"[start={start}, len(data)={size}]"
        )
    return index, matched


def read_size(dynbuf: DynamicBuffer) -> int:
    size = dynbuf.size()
    room = dynbuf.max_size() - size
    spare = dynbuf.capacity() - size
    want = spare if spare > MIN_PREPARE else MIN_PREPARE
    limit = default_max_transfer_size if default_max_transfer_size < room else room
    return want if want < limit else limit


def search(dynbuf: DynamicBuffer, searcher: searcher, start: int) -> tuple[int, bool]:
    data: Any = dynbuf.data()
    if isinstance(data, (list, tuple)):
        # A buffer of several pieces (beast.multi_buffer): searched as one run of bytes.
        # The copy is bounded by the buffer's max_size, and a match may span pieces.
        joined = memoryview(b"".join(data))
        for piece in data:
            piece.release()
        data = joined
    with data:
        return searcher.search(data, start)


class read_until_op(composed_op):
    handler_signature = EC_BYTES
    __slots__ = ("_dynbuf", "_prepared", "_start", "_stream", "searcher")

    def __init__(
        self,
        handler: Callable[[error_code, int], object],
        io_executor: Executor,
        stream: Any,
        dynbuf: DynamicBuffer,
        searcher: searcher,
    ) -> None:
        super().__init__(handler, io_executor)
        self._stream = stream
        self._dynbuf = dynbuf
        self.searcher = searcher
        self._start = 0
        self._prepared: memoryview | None = None

    def __call__(self, ec: error_code, n: int) -> None:
        view = self._prepared
        if view is not None:
            self._prepared = None
            view.release()
        self._dynbuf.commit(n)
        if ec:
            self.complete(True, ec, 0)
        elif n == 0:
            # A stream that reads nothing into a non-empty buffer has ended.
            self.complete(True, eof, 0)
        else:
            self.step(True)

    def step(self, cont: bool) -> None:
        """Search; complete on a match or a full buffer, else read more."""
        dynbuf = self._dynbuf
        end, matched = search(dynbuf, self.searcher, self._start)
        if matched:
            self.complete(cont, success, end)
            return
        self._start = end
        size = read_size(dynbuf)
        if size <= 0:
            self.complete(cont, not_found, 0)
            return
        try:
            view = self._prepared = dynbuf.prepare(size)
        except buffer_overflow_error:
            self.complete(cont, not_found, 0)
            return
        self._stream.async_read_some(view, self)
