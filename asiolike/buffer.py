"""Buffers and dynamic buffers, as in Asio's ``buffer.hpp`` and ``streambuf.hpp``.

Any bytes-like object is a buffer: where Asio passes ``net::buffer(data, n)`` (a pointer and
a size), asiolike passes a :class:`memoryview`. A buffer *sequence* is any iterable of
buffers (a list or tuple), as in gathered writes.

A *dynamic buffer* (:class:`DynamicBuffer`) owns or wraps growable storage split into
readable bytes (:meth:`~DynamicBuffer.data`) followed by writable bytes
(:meth:`~DynamicBuffer.prepare`). Reading algorithms ``prepare`` space, receive into it,
``commit`` what arrived; the caller ``consume``\\ s what it has handled. Exceeding
``max_size()`` raises :class:`buffer_overflow_error` (Asio throws ``std::length_error``):
storage never grows past its limit silently, and the algorithms built on dynamic buffers
turn that exception into their own error code (``asio.misc.not_found`` for ``read_until``,
``http.error.buffer_overflow``...).

Theory of operation for the owning buffers (:class:`streambuf`, Beast's ``flat_buffer``):
one ``bytearray`` holds ``[consumed | readable | writable | spare]`` with three offsets.
``consume`` and ``commit`` only move offsets, so a read cycle costs O(1). When ``prepare``
runs out of room at the end, the readable bytes are slid back to the front, but only if
that pays (the consumed space reclaimed is at least as large as the bytes moved) and no
memoryview of the storage is alive; otherwise they are copied into a new, larger
``bytearray``. So the buffer never writes into memory that a live view from ``data()``
shows: such a view keeps its bytes, and old views stay valid (they keep the old storage
alive). Release views (``del view`` or ``view.release()``) to let the buffer reuse its
storage instead of allocating.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from operator import index
from typing import Protocol, runtime_checkable

from typing_extensions import Buffer

__all__ = [
    "DynamicBuffer",
    "buffer",
    "buffer_copy",
    "buffer_overflow_error",
    "buffer_size",
    "dynamic_buffer",
    "dynamic_vector_buffer",
    "streambuf",
]

_UNLIMITED = sys.maxsize

# dynamic_vector_buffer grows the user's bytearray from this without allocating zeros
# on every prepare(); larger requests build their own.
_ZEROS = memoryview(bytes(65536))


class buffer_overflow_error(ValueError):
    """A dynamic buffer was asked to hold more than its ``max_size()``.

    Asio and Beast throw ``std::length_error`` here. Algorithms that read into a dynamic
    buffer catch it and report their own error code instead; user code sees it only when
    it calls ``prepare`` (or ``reserve``) itself.

    Attributes:
        requested: The number of bytes the buffer would have held (``size() + n``).
        limit: The buffer's ``max_size()`` at the time.
    """

    requested: int
    limit: int

    def __init__(self, message: str, requested: int, limit: int) -> None:
        super().__init__(message)
        self.requested = requested
        self.limit = limit


def buffer(data: Buffer, size: int | None = None) -> memoryview:
    """A byte view of ``data``, as ``net::buffer(data)`` and ``net::buffer(data, n)``.

    The view is one-dimensional with format ``"B"`` whatever ``data`` is (a memoryview of
    another format or shape is cast), shares memory with ``data``, and is writable when
    ``data`` is (a ``bytearray``, a writable memoryview...).

    Args:
        data: Any bytes-like object. A ``str`` is refused: encode it first.
        size: If given, the view covers at most the first ``size`` bytes (Asio's
            ``max_size_in_bytes``).

    Returns:
        The view.

    Raises:
        TypeError: ``data`` is not bytes-like, or its memory is not contiguous.
        ValueError: ``size`` is negative.
    """
    if isinstance(data, str):
        raise TypeError("buffer(): a str is not a buffer; encode it first, e.g. text.encode()")
    view = memoryview(data)
    if view.format != "B" or view.ndim != 1:
        if not view.c_contiguous:
            raise TypeError("buffer(): the memory is not contiguous; copy it with bytes() first")
        view = view.cast("B")
    elif not view.c_contiguous:
        raise TypeError("buffer(): the memory is not contiguous; copy it with bytes() first")
    if size is not None:
        size = index(size)
        if size < 0:
            raise ValueError(f"buffer(): size must be >= 0, got {size}")
        if size < view.nbytes:
            view = view[:size]
    return view


def _is_buffer(obj: object) -> bool:
    if type(obj) in (bytes, bytearray, memoryview):
        return True
    if isinstance(obj, str):
        return False
    try:
        memoryview(obj)  # type: ignore[arg-type]
    except TypeError:
        return False
    return True


def _views(buffers: Buffer | Iterable[Buffer], what: str) -> list[memoryview]:
    if _is_buffer(buffers):
        return [buffer(buffers)]  # type: ignore[arg-type]
    if isinstance(buffers, str) or not isinstance(buffers, Iterable):
        raise TypeError(
            f"{what} must be a bytes-like object or a sequence of them, "
            f"not {type(buffers).__name__}" + _dynamic_hint(buffers)
        )
    views: list[memoryview] = []
    for item in buffers:
        if not _is_buffer(item):
            raise TypeError(
                f"{what}: each element of a buffer sequence must be bytes-like, "
                f"not {type(item).__name__}"
            )
        views.append(buffer(item))
    return views


def _dynamic_hint(obj: object) -> str:
    if hasattr(obj, "prepare") and hasattr(obj, "data"):
        return "; for a dynamic buffer pass its .data()"
    return ""


def buffer_size(buffers: Buffer | Iterable[Buffer]) -> int:
    """The total number of bytes in a buffer or a buffer sequence, as ``net::buffer_size``.

    Args:
        buffers: A bytes-like object, or an iterable of them.

    Returns:
        The size in bytes (``nbytes``, whatever the item format).

    Raises:
        TypeError: ``buffers`` is neither a buffer nor a sequence of buffers.
    """
    if type(buffers) in (bytes, bytearray):
        return len(buffers)  # type: ignore[arg-type]
    if type(buffers) is memoryview:
        return buffers.nbytes
    return sum(view.nbytes for view in _views(buffers, "buffer_size()"))


def buffer_copy(
    target: Buffer | Iterable[Buffer],
    source: Buffer | Iterable[Buffer],
    max_size: int | None = None,
) -> int:
    """Copy bytes from ``source`` to ``target``, as ``net::buffer_copy``.

    Copies ``min(buffer_size(target), buffer_size(source), max_size)`` bytes, filling the
    target buffers in order from the source buffers in order.

    Args:
        target: A writable buffer (``bytearray``, writable memoryview) or a sequence of them.
        source: A buffer or a sequence of buffers.
        max_size: If given, copy at most this many bytes.

    Returns:
        The number of bytes copied.

    Raises:
        TypeError: ``target`` is read-only, or an argument is not a buffer or a sequence
            of buffers.
        ValueError: ``max_size`` is negative.
    """
    targets = _views(target, "buffer_copy() target")
    for view in targets:
        if view.readonly:
            raise TypeError(
                "buffer_copy(): the target is read-only; pass a bytearray or a writable memoryview"
            )
    sources = _views(source, "buffer_copy() source")
    limit = _UNLIMITED if max_size is None else index(max_size)
    if limit < 0:
        raise ValueError(f"buffer_copy(): max_size must be >= 0, got {limit}")
    if len(targets) == 1 and len(sources) == 1:
        dst, src = targets[0], sources[0]
        n = min(dst.nbytes, src.nbytes, limit)
        dst[:n] = src[:n]
        return n
    copied = 0
    ti = si = 0  # current buffer in each list
    toff = soff = 0  # offset inside it
    while copied < limit and ti < len(targets) and si < len(sources):
        dst, src = targets[ti], sources[si]
        n = min(dst.nbytes - toff, src.nbytes - soff, limit - copied)
        dst[toff : toff + n] = src[soff : soff + n]
        copied += n
        toff += n
        soff += n
        if toff == dst.nbytes:
            ti += 1
            toff = 0
        if soff == src.nbytes:
            si += 1
            soff = 0
    return copied


@runtime_checkable
class DynamicBuffer(Protocol):
    """What algorithms that read into growable storage need (Asio's DynamicBuffer_v1).

    :func:`dynamic_buffer`, :class:`streambuf` and Beast's ``flat_buffer`` implement it.
    The readable bytes come first, then the writable bytes handed out by :meth:`prepare`.
    """

    def size(self) -> int:
        """The number of readable bytes."""
        ...

    def max_size(self) -> int:
        """The most bytes (readable plus writable) the buffer may ever hold."""
        ...

    def capacity(self) -> int:
        """The bytes (readable plus writable) it can hold without allocating."""
        ...

    def data(self) -> memoryview:
        """A view of the readable bytes."""
        ...

    def prepare(self, n: int) -> memoryview:
        """A writable view of exactly ``n`` bytes after the readable bytes.

        Raises:
            buffer_overflow_error: ``size() + n`` exceeds ``max_size()``.
        """
        ...

    def commit(self, n: int) -> None:
        """Make the first ``min(n, prepared)`` prepared bytes readable."""
        ...

    def consume(self, n: int) -> None:
        """Remove ``n`` bytes from the front of the readable bytes (all of them if fewer)."""
        ...


def _check_limit(max_size: int | None, who: str) -> int:
    if max_size is None:
        return _UNLIMITED
    limit = index(max_size)
    if limit < 0:
        raise ValueError(f"{who}: max_size must be >= 0, got {limit}")
    return limit


def _check_count(n: int, method: str) -> int:
    n = index(n)
    if n < 0:
        raise ValueError(f"{method}(): the byte count must be >= 0, got {n}")
    return n


def _overflow(who: str, size: int, n: int, limit: int) -> buffer_overflow_error:
    return buffer_overflow_error(
        f"{who}: buffer overflow: prepare({n}) with {size} readable bytes needs "
        f"{size + n} bytes, more than max_size() = {limit}",
        size + n,
        limit,
    )


def _exported(storage: bytearray) -> bool:
    """Whether a memoryview of ``storage`` is alive (CPython refuses to resize it then)."""
    if not storage:
        return False
    try:
        storage.append(storage.pop())
    except BufferError:
        return True
    return False


class _LinearBuffer:
    """Owning linear storage shared by :class:`streambuf` and Beast's ``flat_buffer``.

    Layout of ``_storage``: ``[0, _in)`` consumed, ``[_in, _out)`` readable,
    ``[_out, _last)`` prepared, ``[_last, len)`` spare.
    """

    __slots__ = ("_in", "_last", "_max", "_out", "_storage")

    def __init__(self, max_size: int | None = None) -> None:
        self._storage = bytearray()
        self._in = 0
        self._out = 0
        self._last = 0
        self._max = _check_limit(max_size, type(self).__name__)

    def size(self) -> int:
        """The number of readable bytes."""
        return self._out - self._in

    def max_size(self) -> int:
        """The most bytes, readable plus writable, the buffer may ever hold."""
        return self._max

    def capacity(self) -> int:
        """The bytes, readable plus writable, it can hold without allocating."""
        return len(self._storage)

    def data(self) -> memoryview:
        """A writable view of the readable bytes.

        The view keeps showing these bytes whatever the buffer does later (it moves to new
        storage rather than overwrite memory a live view covers); it does not see bytes
        committed afterwards. Drop it when done so the storage can be reused.
        """
        return memoryview(self._storage)[self._in : self._out]

    def prepare(self, n: int) -> memoryview:
        """A writable view of exactly ``n`` bytes after the readable bytes.

        Views from earlier ``prepare`` calls must not be used any more. Amortized O(1):
        storage is reused, slid or doubled as needed, never past ``max_size()``.

        Args:
            n: The number of writable bytes wanted.

        Returns:
            The writable view; write into it, then :meth:`commit` what was written.

        Raises:
            buffer_overflow_error: ``size() + n`` exceeds ``max_size()``.
            ValueError: ``n`` is negative.
        """
        size = self._out - self._in
        if not 0 <= n <= self._max - size:
            if n < 0:
                _check_count(n, "prepare")
            raise _overflow(type(self).__name__, size, n, self._max)
        last = self._out + n
        if last > len(self._storage):
            last = self._make_room(size, n)
        self._last = last
        return memoryview(self._storage)[self._out : last]

    def _make_room(self, size: int, n: int) -> int:
        storage = self._storage
        capacity = len(storage)
        need = size + n
        # Sliding moves `size` bytes; it pays only when it reclaims at least as much.
        if need > capacity or self._in < size:
            new_capacity = min(self._max, max(need, 2 * capacity))
        else:
            new_capacity = capacity
        if new_capacity == capacity and not _exported(storage):
            if size:
                view = memoryview(storage)
                view[:size] = view[self._in : self._out]
                view.release()
        else:
            self._storage = bytearray(new_capacity)
            if size:
                self._storage[:size] = memoryview(storage)[self._in : self._out]
        self._in = 0
        self._out = size
        return need

    def commit(self, n: int) -> None:
        """Make ``n`` prepared bytes readable (all prepared bytes if ``n`` is larger).

        Args:
            n: The number of bytes written into the view from :meth:`prepare`.

        Raises:
            ValueError: ``n`` is negative.
        """
        if n < 0:
            _check_count(n, "commit")
        self._out += min(n, self._last - self._out)

    def consume(self, n: int) -> None:
        """Remove ``n`` bytes from the front of the readable bytes (all if fewer). O(1).

        Args:
            n: The number of bytes handled.

        Raises:
            ValueError: ``n`` is negative.
        """
        if n < 0:
            _check_count(n, "consume")
        self._in += min(n, self._out - self._in)

    def _append(self, data: bytes | bytearray | memoryview) -> None:
        """``prepare(k)``, copy, ``commit(k)`` in one call (the WebSocket read's hot path).

        Writing at ``_out`` never touches a live :meth:`data` view (those end at or before
        it), and the same-size slice assignment never resizes the storage.

        Raises:
            buffer_overflow_error: as :meth:`prepare`.
        """
        k = len(data)
        out = self._out
        end = out + k
        if end <= len(self._storage) and end - self._in <= self._max:
            self._storage[out:end] = data
            self._out = self._last = end
        elif (
            out == self._in
            and k <= len(self._storage)
            and k <= self._max
            and not _exported(self._storage)
        ):
            # Empty, and no view holds the old bytes: start over at the front.
            self._storage[:k] = data
            self._in = 0
            self._out = self._last = k
        else:
            self.prepare(k)[:k] = data
            self._out += k

    # Beast-only operations; flat_buffer exposes them under its public names.

    def _set_max_size(self, n: int) -> None:
        self._max = _check_limit(n, type(self).__name__)

    def _clear(self) -> None:
        # Offsets stay where they are (rather than back to 0) so that memory live views
        # show is never reused in place; prepare() reclaims it once the views are gone.
        self._in = self._out
        self._last = self._out

    def _reserve(self, n: int) -> None:
        n = _check_count(n, "reserve")
        if n > self._max:
            self._max = n
        if n > len(self._storage):
            self._reallocate(n)

    def _shrink_to_fit(self) -> None:
        size = self._out - self._in
        if size != len(self._storage):
            self._reallocate(size)

    def _reallocate(self, capacity: int) -> None:
        size = self._out - self._in
        storage = bytearray(capacity)
        if size:
            storage[:size] = memoryview(self._storage)[self._in : self._out]
        self._storage = storage
        self._in = 0
        self._out = size
        self._last = size

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} size={self.size()} capacity={self.capacity()} "
            f"max_size={self._max}>"
        )


class streambuf(_LinearBuffer):
    """Asio's ``asio::streambuf``: an owning dynamic buffer with an optional limit.

    Storage is one contiguous ``bytearray``: :meth:`data` and :meth:`prepare` are single
    views. ``prepare``/``commit``/``consume`` cycles are amortized O(1) and allocate
    nothing but the returned view while the buffer's capacity suffices.

    Args:
        max_size: The most bytes (readable plus writable) it may hold; unlimited if None.
            ``prepare`` beyond it raises :class:`buffer_overflow_error`.

    Raises:
        ValueError: ``max_size`` is negative.
    """

    __slots__ = ()


class dynamic_vector_buffer:
    """Asio's ``dynamic_vector_buffer``: a dynamic buffer over a ``bytearray`` you own.

    Make one with :func:`dynamic_buffer`. The bytearray is the storage: its contents are
    the readable bytes, so after a read the data is in your object. ``prepare(n)`` extends
    it by ``n`` bytes in place, ``commit`` trims what was not written, ``consume`` deletes
    from the front.

    The rule for users: CPython cannot resize a bytearray while a memoryview of it is
    alive. ``prepare``, a partial ``commit`` and ``consume`` resize it, and raise
    ``BufferError`` while a view from ``data()`` or ``prepare()`` (or any other view of the
    bytearray) is still alive: copy what you keep (``bytes(view)``) and drop or
    ``release()`` the views before the next call. Between calls you may change the
    bytearray yourself (e.g. ``clear()`` it), but not while a ``prepare`` is outstanding.
    Every ``prepare`` resizes the bytearray; :class:`streambuf` and ``flat_buffer`` are
    faster when the data need not land in a given object.
    """

    __slots__ = ("_max", "_prepared", "_target")

    def __init__(self, target: bytearray, max_size: int | None = None) -> None:
        """Wrap ``target``; its current contents are the readable bytes.

        Args:
            target: The bytearray to read into and consume from.
            max_size: The most bytes it may hold; unlimited if None.

        Raises:
            TypeError: ``target`` is not a bytearray.
            ValueError: ``max_size`` is negative or smaller than ``len(target)``.
        """
        if not isinstance(target, bytearray):
            raise TypeError(
                "dynamic_buffer() needs a bytearray (the storage data is read into), not "
                f"{type(target).__name__}; use streambuf() or beast.flat_buffer() for owned storage"
            )
        self._max = _check_limit(max_size, "dynamic_buffer")
        if len(target) > self._max:
            raise ValueError(
                f"dynamic_buffer(): the bytearray already holds {len(target)} bytes, "
                f"more than max_size={self._max}"
            )
        self._target = target
        self._prepared = 0

    def size(self) -> int:
        """The number of readable bytes (``len(target)`` when no prepare is outstanding)."""
        return max(len(self._target) - self._prepared, 0)

    def max_size(self) -> int:
        """The most bytes, readable plus writable, the bytearray may hold."""
        return self._max

    def capacity(self) -> int:
        """The bytes the bytearray can hold without reallocating (at most ``max_size()``)."""
        target = self._target
        return min(max(target.__alloc__() - 1, len(target)), self._max)

    def data(self) -> memoryview:
        """A writable view of the readable bytes, in the bytearray itself.

        Release it before the next ``prepare``/``commit``/``consume``.
        """
        return memoryview(self._target)[: self.size()]

    def prepare(self, n: int) -> memoryview:
        """Extend the bytearray to ``size() + n`` bytes and return a view of the new bytes.

        Args:
            n: The number of writable bytes wanted.

        Returns:
            A writable view of the last ``n`` bytes of the bytearray.

        Raises:
            buffer_overflow_error: ``size() + n`` exceeds ``max_size()``.
            BufferError: A view of the bytearray is still alive.
            ValueError: ``n`` is negative.
        """
        size = self.size()
        if not 0 <= n <= self._max - size:
            if n < 0:
                _check_count(n, "prepare")
            raise _overflow("dynamic_buffer", size, n, self._max)
        target = self._target
        extra = size + n - len(target)
        try:
            if extra > 0:
                target += _ZEROS[:extra] if extra <= len(_ZEROS) else bytes(extra)
            elif extra < 0:
                del target[size + n :]
        except BufferError:
            raise BufferError(_in_use("prepare")) from None
        self._prepared = n
        return memoryview(target)[size:]

    def commit(self, n: int) -> None:
        """Keep ``n`` prepared bytes as readable and trim the rest from the bytearray.

        Args:
            n: The number of bytes written into the view from :meth:`prepare`.

        Raises:
            BufferError: Trimming is needed and a view of the bytearray is still alive.
            ValueError: ``n`` is negative.
        """
        if n < 0:
            _check_count(n, "commit")
        unused = self._prepared - min(n, self._prepared)
        if unused:
            try:
                del self._target[len(self._target) - unused :]
            except BufferError:
                raise BufferError(_in_use("commit")) from None
        self._prepared = 0

    def consume(self, n: int) -> None:
        """Delete ``n`` bytes from the front of the bytearray (all readable bytes if fewer).

        Args:
            n: The number of bytes handled.

        Raises:
            BufferError: A view of the bytearray is still alive.
            ValueError: ``n`` is negative.
        """
        if n < 0:
            _check_count(n, "consume")
        count = min(n, self.size())
        if count:
            try:
                del self._target[:count]
            except BufferError:
                raise BufferError(_in_use("consume")) from None

    def __repr__(self) -> str:
        return f"<dynamic_vector_buffer size={self.size()} max_size={self._max}>"


def _in_use(method: str) -> str:
    return (
        f"dynamic_buffer.{method}(): the bytearray cannot be resized while a memoryview of it "
        "is alive; copy what you keep with bytes(view) and release the views from data() "
        "and prepare() (del view, or view.release()) first"
    )


def dynamic_buffer(target: bytearray, max_size: int | None = None) -> dynamic_vector_buffer:
    """A dynamic buffer over ``target``, as ``net::dynamic_buffer(vec, max_size)``.

    Reads through it append to ``target``; ``consume`` removes from its front. See
    :class:`dynamic_vector_buffer` for the rule about live memoryviews.

    Args:
        target: The bytearray to use as storage; its contents are readable.
        max_size: The most bytes it may hold; unlimited if None.

    Returns:
        The dynamic buffer.

    Raises:
        TypeError: ``target`` is not a bytearray.
        ValueError: ``max_size`` is negative or below ``len(target)``.
    """
    return dynamic_vector_buffer(target, max_size)
