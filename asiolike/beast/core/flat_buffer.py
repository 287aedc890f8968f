"""Beast's ``flat_buffer`` and the ``buffers_to_string`` / ``make_printable`` helpers.

``flat_buffer`` is the dynamic buffer Beast's examples read into (``beast::flat_buffer
buffer_;``). It shares its storage logic with Asio's :class:`~asiolike.buffer.streambuf`
and adds Beast's extras: ``cdata()``, the ``max_size(n)`` setter, ``clear()``,
``reserve(n)`` and ``shrink_to_fit()``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import overload

from typing_extensions import Buffer

from asiolike.buffer import DynamicBuffer, _LinearBuffer, _views

__all__ = ["buffers_to_string", "flat_buffer", "make_printable"]


class flat_buffer(_LinearBuffer):
    """A dynamic buffer whose readable and writable bytes are each one contiguous view.

    As ``beast::flat_buffer``: ``prepare(n)`` hands out exactly ``n`` writable bytes after
    the readable ones, ``commit`` makes written bytes readable, ``consume`` drops handled
    bytes from the front. The cycle is amortized O(1) and allocates nothing but the
    returned view while the capacity suffices.

    Exceeding the limit raises :class:`~asiolike.buffer.buffer_overflow_error` (Beast
    throws ``std::length_error``); the stream algorithms report it as their own error code
    (e.g. ``http.error.buffer_overflow``).

    Views from :meth:`data` keep showing their bytes whatever the buffer does later: it
    moves to new storage rather than overwrite memory a live view covers. Views from
    :meth:`prepare` must not be used after the next call. Drop views when done so that the
    storage is reused instead of reallocated.

    Args:
        max_size: The most bytes, readable plus writable, it may ever hold (Beast's
            ``limit``); unlimited if None.

    Raises:
        ValueError: ``max_size`` is negative.

    Example:
        >>> b = flat_buffer(1024)
        >>> view = b.prepare(5)
        >>> view[:] = b"hello"
        >>> b.commit(5)
        >>> buffers_to_string(b.data())
        'hello'
    """

    __slots__ = ()

    def cdata(self) -> memoryview:
        """A read-only view of the readable bytes (Beast's ``cdata()``)."""
        return memoryview(self._storage)[self._in : self._out].toreadonly()

    @overload
    def max_size(self) -> int: ...

    @overload
    def max_size(self, n: int) -> None: ...

    def max_size(self, n: int | None = None) -> int | None:
        """Get the limit, or with ``n`` set it (Beast's two ``max_size`` overloads).

        A new limit applies to later ``prepare`` calls; it does not shrink the storage
        (call :meth:`shrink_to_fit`). A limit below ``size()`` makes every ``prepare`` fail
        until enough is consumed.

        Args:
            n: The new most bytes, readable plus writable, the buffer may hold.

        Returns:
            The limit when called without ``n``; otherwise None.

        Raises:
            ValueError: ``n`` is negative.
        """
        if n is None:
            return self._max
        self._set_max_size(n)
        return None

    def clear(self) -> None:
        """Drop all readable and writable bytes without changing the capacity."""
        self._clear()

    def reserve(self, n: int) -> None:
        """Make sure the capacity is at least ``n`` bytes.

        As in Beast, a request above ``max_size()`` raises the limit to ``n`` rather than
        failing: the call states the size wanted. Prepared bytes are discarded when the
        storage is reallocated; readable bytes are kept.

        Args:
            n: The minimum capacity wanted.

        Raises:
            ValueError: ``n`` is negative.
        """
        self._reserve(n)

    def shrink_to_fit(self) -> None:
        """Give back unused capacity: make ``capacity()`` equal to ``size()`` (Beast's).

        A request, as in Beast: when the capacity already equals ``size()`` nothing
        happens; otherwise the readable bytes move to new storage of exactly their size
        (none at all when the buffer is empty) and the old storage is released once no
        view of :meth:`data` covers it. The readable bytes, ``size()`` and ``max_size()``
        are unchanged; bytes handed out by :meth:`prepare` and not committed are
        discarded (Beast: all views from ``data`` and ``prepare`` are invalidated; here the
        :meth:`data` views keep their bytes, as always). When the new storage cannot be
        allocated the buffer is left as it was and nothing is raised (Beast's ``noexcept``
        call squelches the allocation failure too).

        A long-lived connection calls it after a large message so that one big message
        does not cost its size for the connection's whole life; the next ``prepare``
        allocates what it needs again. O(``size()``).

        Example:
            >>> b = flat_buffer()
            >>> b.prepare(100_000)[:5] = b"hello"
            >>> b.commit(5)
            >>> b.capacity() >= 100_000
            True
            >>> b.shrink_to_fit()
            >>> b.capacity(), buffers_to_string(b.data())
            (5, 'hello')
        """
        try:
            self._shrink_to_fit()
        except MemoryError:
            pass  # a request that could not be granted: the buffer is unchanged


def _readable(buffers: Buffer | Iterable[Buffer] | DynamicBuffer) -> Buffer:
    if type(buffers) in (bytes, bytearray, memoryview):
        return buffers  # type: ignore[return-value]
    if isinstance(buffers, DynamicBuffer):
        return buffers.data()
    views = _views(buffers, "buffers_to_string()")
    return views[0] if len(views) == 1 else b"".join(views)


def buffers_to_string(
    buffers: Buffer | Iterable[Buffer] | DynamicBuffer,
    *,
    encoding: str = "utf-8",
    errors: str = "replace",
) -> str:
    """The bytes of a buffer, buffer sequence or dynamic buffer as text.

    Beast's ``buffers_to_string`` copies the bytes into a ``std::string``, which ported code
    prints or compares with text. The Python ``str`` is decoded as UTF-8 by default
    (HTTP bodies and WebSocket text frames are UTF-8), and invalid bytes become U+FFFD so
    that printing never fails; pass ``errors="surrogateescape"`` to round-trip arbitrary
    bytes, or use ``bytes(buffer.data())`` when you want bytes.

    Args:
        buffers: A bytes-like object (``buffer.data()``), a sequence of them, or a dynamic
            buffer (its readable bytes are used).
        encoding: The text encoding of the bytes.
        errors: The decoding error handler, as for ``bytes.decode``.

    Returns:
        The text.

    Raises:
        TypeError: ``buffers`` is not a buffer, a buffer sequence or a dynamic buffer.
    """
    data = _readable(buffers)
    if type(data) is memoryview and (data.format != "B" or data.ndim != 1):
        data = data.cast("B")
    return str(data, encoding, errors)


def make_printable(
    buffers: Buffer | Iterable[Buffer] | DynamicBuffer,
    *,
    encoding: str = "utf-8",
    errors: str = "replace",
) -> str:
    """Text for printing buffer contents, as ``beast::make_printable(buffer.data())``.

    ``std::cout << beast::make_printable(b.data())`` becomes
    ``print(beast.make_printable(b.data()))``. The same as :func:`buffers_to_string`.

    Args:
        buffers: A bytes-like object, a sequence of them, or a dynamic buffer.
        encoding: The text encoding of the bytes.
        errors: The decoding error handler, as for ``bytes.decode``.

    Returns:
        The text.

    Raises:
        TypeError: ``buffers`` is not a buffer, a buffer sequence or a dynamic buffer.
    """
    return buffers_to_string(buffers, encoding=encoding, errors=errors)
