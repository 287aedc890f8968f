"""Beast's ``multi_buffer``: a dynamic buffer whose readable bytes span several pieces.

Theory of operation. The storage is a list of ``bytearray`` pieces. The readable bytes
start at ``_in`` in the first piece and run to the used length (``_used``) of each piece;
only the last piece has spare room after its used bytes. ``prepare(n)`` hands out that
spare room when it holds ``n`` bytes, otherwise a new piece at the end: so growing never
copies the bytes already read (a ``flat_buffer`` copies them into larger storage), which
is what ``multi_buffer`` is for, e.g. a body of unknown length.

``consume`` drops pieces from the front as they empty. As with ``flat_buffer``, memory a
live view from :meth:`~multi_buffer.data` covers is never written again: an emptied piece
is reused only when no view of it is alive, otherwise it is let go (the view keeps it).

Unlike Beast, :meth:`~multi_buffer.prepare` returns one ``memoryview`` rather than a
sequence: every ``async_read_some`` in asiolike reads into one buffer, and a single view is
what :func:`asiolike.async_read` and the WebSocket read pass to it.
"""

from __future__ import annotations

from typing import overload

from asiolike.buffer import (
    _UNLIMITED,
    _check_count,
    _check_limit,
    _exported,
    _overflow,
)

__all__ = ["multi_buffer"]

#: The smallest piece allocated; small prepares share one.
_MIN_PIECE = 512
#: New pieces grow with the readable size up to this (then stay at it, or at ``n``).
_MAX_PIECE = 1 << 20


class multi_buffer:
    """A dynamic buffer made of several pieces, as ``beast::multi_buffer``.

    ``data()`` is a buffer sequence (a list of ``memoryview``, one per piece holding
    readable bytes); ``prepare(n)`` returns ``n`` writable bytes after them, in the spare
    room of the last piece or in a new piece, so bytes already read are never moved.
    Use it where a ``flat_buffer`` would copy a large, growing content at every
    reallocation.

    Exceeding the limit raises :class:`~asiolike.buffer.buffer_overflow_error` (Beast
    throws ``std::length_error``); the stream algorithms report it as their own error code.

    Args:
        max_size: The most bytes, readable plus writable, it may ever hold (Beast's
            ``limit``); unlimited if None.

    Raises:
        ValueError: ``max_size`` is negative.

    Example:
        >>> from asiolike import beast
        >>> b = beast.multi_buffer()
        >>> view = b.prepare(5)
        >>> view[:] = b"hello"
        >>> b.commit(5)
        >>> b.size(), beast.buffers_to_string(b.data())
        (5, 'hello')
    """

    __slots__ = ("_in", "_max", "_pieces", "_prepared", "_used")

    def __init__(self, max_size: int | None = None) -> None:
        self._pieces: list[bytearray] = []
        self._used: list[int] = []
        self._in = 0
        self._prepared = 0
        self._max = _check_limit(max_size, "multi_buffer")

    def size(self) -> int:
        """The number of readable bytes."""
        return sum(self._used) - self._in

    @overload
    def max_size(self) -> int: ...

    @overload
    def max_size(self, n: int) -> None: ...

    def max_size(self, n: int | None = None) -> int | None:
        """Get the limit, or with ``n`` set it (Beast's two ``max_size`` overloads).

        A new limit applies to later ``prepare`` calls; readable bytes above it stay.

        Args:
            n: The new most bytes, readable plus writable, the buffer may hold.

        Returns:
            The limit when called without ``n``; otherwise None.

        Raises:
            ValueError: ``n`` is negative.
        """
        if n is None:
            return self._max
        self._max = _check_limit(n, "multi_buffer")
        return None

    def capacity(self) -> int:
        """The bytes, readable plus writable, it can hold without allocating a piece."""
        if not self._pieces:
            return 0
        if len(self._pieces) == 1 and self._in == self._used[0]:
            return len(self._pieces[0])  # empty: prepare() starts the piece over
        return self.size() + len(self._pieces[-1]) - self._used[-1]

    def data(self) -> list[memoryview]:
        """The readable bytes: a list of writable views, one per non-empty piece.

        Each view keeps showing its bytes whatever the buffer does later; it does not see
        bytes committed afterwards. Drop the views when done so pieces can be reused.

        Returns:
            The buffer sequence (empty when ``size()`` is 0).

        Example:
            >>> b = multi_buffer()
            >>> b.prepare(2)[:] = b"hi"
            >>> b.commit(2)
            >>> [bytes(v) for v in b.data()]
            [b'hi']
        """
        views: list[memoryview] = []
        start = self._in
        for piece, used in zip(self._pieces, self._used, strict=True):
            if used > start:
                views.append(memoryview(piece)[start:used])
            start = 0
        return views

    def cdata(self) -> list[memoryview]:
        """The readable bytes as read-only views (Beast's ``cdata()``)."""
        return [view.toreadonly() for view in self.data()]

    def prepare(self, n: int) -> memoryview:
        """A writable view of exactly ``n`` bytes after the readable bytes.

        Views from earlier ``prepare`` calls must not be used any more; bytes prepared but
        not committed are discarded by this call.

        Args:
            n: The number of writable bytes wanted.

        Returns:
            The writable view; write into it, then :meth:`commit` what was written.

        Raises:
            buffer_overflow_error: ``size() + n`` exceeds ``max_size()``.
            ValueError: ``n`` is negative.

        Example:
            >>> b = multi_buffer(max_size=4)
            >>> len(b.prepare(4))
            4
        """
        size = self.size()
        if not 0 <= n <= self._max - size:
            if n < 0:
                _check_count(n, "prepare")
            raise _overflow("multi_buffer", size, n, self._max)
        pieces = self._pieces
        if pieces:
            last = pieces[-1]
            used = self._used[-1]
            if used + n <= len(last):
                self._prepared = n
                return memoryview(last)[used : used + n]
            if used == self._in and len(pieces) == 1 and not _exported(last):
                # Empty and unseen: start this piece over rather than add one.
                self._in = self._used[-1] = 0
                if n <= len(last):
                    self._prepared = n
                    return memoryview(last)[:n]
                pieces.pop()
                self._used.pop()
                self._in = 0
            elif used == 0:
                # A piece prepared earlier and never written: replace it.
                pieces.pop()
                self._used.pop()
        # Pieces grow with the content (fewer pieces for a large body), within the limit.
        room = self._max - size if self._max != _UNLIMITED else _MAX_PIECE
        grow = min(max(size, _MIN_PIECE), _MAX_PIECE, room)
        piece = bytearray(max(n, grow))
        pieces.append(piece)
        self._used.append(0)
        self._prepared = n
        return memoryview(piece)[:n]

    def commit(self, n: int) -> None:
        """Make ``n`` prepared bytes readable (all prepared bytes if ``n`` is larger).

        Args:
            n: The number of bytes written into the view from :meth:`prepare`.

        Raises:
            ValueError: ``n`` is negative.
        """
        if n < 0:
            _check_count(n, "commit")
        if self._prepared:
            self._used[-1] += min(n, self._prepared)
            self._prepared = 0

    def consume(self, n: int) -> None:
        """Remove ``n`` bytes from the front of the readable bytes (all if fewer).

        Pieces emptied this way are released, except the last one, which is kept for
        reuse when no view of it is alive.

        Args:
            n: The number of bytes handled.

        Raises:
            ValueError: ``n`` is negative.
        """
        if n < 0:
            _check_count(n, "consume")
        pieces, used = self._pieces, self._used
        while n and pieces:
            left = used[0] - self._in
            if n < left:
                self._in += n
                return
            n -= left
            if len(pieces) == 1:
                self._in = used[0]
                break
            del pieces[0], used[0]
            self._in = 0

    def clear(self) -> None:
        """Drop all readable and writable bytes; keep the last piece for reuse."""
        if self._pieces:
            del self._pieces[:-1], self._used[:-1]
            self._in = self._used[0]
        self._prepared = 0

    def reserve(self, n: int) -> None:
        """Make sure the capacity is at least ``n`` bytes.

        As in Beast, a request above ``max_size()`` raises the limit to ``n``. The room is
        added as one piece at the end; readable bytes are not moved. Prepared bytes are
        discarded.

        Args:
            n: The minimum capacity wanted.

        Raises:
            ValueError: ``n`` is negative.
        """
        n = _check_count(n, "reserve")
        if n > self._max:
            self._max = n
        if n > self.capacity():
            size = self.size()
            if size == 0:
                self._pieces, self._used, self._in = [], [], 0
            elif self._used[-1] == 0:
                # A piece prepared and never written: the new one replaces it.
                self._pieces.pop()
                self._used.pop()
            # The room after the readable bytes is the new last piece (the old last
            # piece's spare room is left unused, as a later prepare would).
            self._pieces.append(bytearray(n - size))
            self._used.append(0)
        self._prepared = 0

    def shrink_to_fit(self) -> None:
        """Reallocate the pieces to hold exactly the readable bytes, in as many pieces."""
        views = self.data()
        self._pieces = [bytearray(view) for view in views]
        self._used = [len(piece) for piece in self._pieces]
        self._in = 0
        self._prepared = 0
        for view in views:
            view.release()

    def __repr__(self) -> str:
        return (
            f"<multi_buffer size={self.size()} pieces={len(self._pieces)} "
            f"capacity={self.capacity()} max_size={self._max}>"
        )
