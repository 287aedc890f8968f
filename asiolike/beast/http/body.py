"""Body types: how a message holds its payload (Beast's *Body* concept).

Theory of operation. A body type is a class (never instantiated) with:

``value_type``
    What ``message.body`` holds: called without arguments for a new message's body.
``reader``
    Built by the parser as ``body_type.reader(header, body_value)`` once the header is
    done and the message has a body (``header`` is the message, ``body_value`` its
    ``body``). The parser then calls ``init(content_length)`` (an ``int``, or ``None``
    for a chunked or close-delimited body), ``put(buffer) -> int`` once per piece of body
    octets as they arrive (``buffer`` is a ``memoryview`` of the caller's input, valid
    only during the call: copy what you keep; return how many octets were taken, fewer
    meaning "my storage is full", which the parser reports as ``http.error.need_buffer``)
    and ``finish()`` when the message is complete.
``writer``
    Built by the serializer as ``body_type.writer(header, body_value)``. The serializer
    calls ``init()`` once, then ``get()`` each time it needs octets: it returns
    ``(buffer, more)``, a bytes-like piece and whether more pieces follow, or ``None``
    for "no octets yet", which the serializer reports as ``http.error.need_buffer``
    (it asks again on the next call). The piece must stay unchanged until the serializer
    asks for the next one.
``size(value)`` (optional)
    The payload's size in octets. Without it, ``prepare_payload()`` makes an HTTP/1.1
    message chunked.

A reader or writer reports a failure by raising :class:`~asiolike.error.system_error`:
the parser or serializer (and the I/O operation above them) reports its ``.code``. Any
other exception is a bug of the body's and propagates.

The parser and serializer never open anything: a :class:`file_body` reads and writes the
file its ``value_type`` holds, which the user opened.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar, Final

from asiolike.beast.core.file import file, file_mode
from asiolike.beast.core.multi_buffer import multi_buffer
from asiolike.beast.http import error
from asiolike.error import bad_descriptor, make_error_code, system_error

_file = file

__all__ = [
    "string_body",
    "empty_body",
    "vector_body",
    "dynamic_body",
    "buffer_body",
    "file_body",
    "body_size",
    "is_body_type",
]

_Bytes = bytes | bytearray | memoryview

#: The size of the pieces a file body reads (the serializer hands each to the stream).
FILE_PIECE: Final = 1 << 16


def _nbytes(value: Any) -> int:
    if isinstance(value, str):
        return len(value) if value.isascii() else len(value.encode())
    return len(value) if type(value) is bytes else memoryview(value).nbytes


class string_body:
    """Body type: the body is held in memory as ``bytes`` (Beast's ``string_body``).

    The default of messages and parsers. ``message.body`` may also be a ``str`` (written
    UTF-8 encoded) or any bytes-like object; a parser stores ``bytes``.
    """

    value_type: ClassVar[type] = bytes

    @staticmethod
    def size(value: Any) -> int:
        """The body's size in octets (a ``str`` counts its UTF-8 encoding)."""
        return _nbytes(value)

    class reader:
        """Collects the pieces; the message gets them joined at ``finish()``."""

        __slots__ = ("_msg", "_pieces")

        def __init__(self, header: Any, body: Any) -> None:
            self._msg = header
            self._pieces: list[bytes] = []

        def init(self, content_length: int | None) -> None:
            self._pieces = []

        def put(self, buffer: memoryview) -> int:
            self._pieces.append(bytes(buffer))
            return buffer.nbytes

        def finish(self) -> None:
            self._msg.body = b"".join(self._pieces)
            self._pieces = []

    class writer:
        """Hands out the whole body as one piece."""

        __slots__ = ("_body",)

        def __init__(self, header: Any, body: Any) -> None:
            self._body = body.encode() if isinstance(body, str) else body

        def init(self) -> None:
            pass

        def get(self) -> tuple[_Bytes, bool] | None:
            return self._body, False


class empty_body:
    """Body type: the message has no body (Beast's ``empty_body``).

    A parser created with it reports ``http.error.unexpected_body`` as soon as a body octet
    arrives, e.g. ``http.request_parser(http.empty_body)`` for a WebSocket upgrade request.
    """

    value_type: ClassVar[type] = bytes

    @staticmethod
    def size(value: Any) -> int:
        """Always 0."""
        return 0

    class reader:
        """Refuses every octet with ``unexpected_body``."""

        __slots__ = ()

        def __init__(self, header: Any, body: Any) -> None:
            pass

        def init(self, content_length: int | None) -> None:
            pass

        def put(self, buffer: memoryview) -> int:
            raise system_error(error.unexpected_body, "empty_body")

        def finish(self) -> None:
            pass

    class writer:
        """No octets."""

        __slots__ = ()

        def __init__(self, header: Any, body: Any) -> None:
            pass

        def init(self) -> None:
            pass

        def get(self) -> tuple[_Bytes, bool] | None:
            return b"", False


class vector_body:
    """Body type: the body is a ``bytearray`` (Beast's ``vector_body<char>``).

    Received octets are appended to the message's ``bytearray`` in place; any bytes-like
    value is written.
    """

    value_type: ClassVar[type] = bytearray

    @staticmethod
    def size(value: Any) -> int:
        """The body's size in octets."""
        return _nbytes(value)

    class reader:
        """Appends each piece to the body ``bytearray``."""

        __slots__ = ("_body", "_msg")

        def __init__(self, header: Any, body: Any) -> None:
            self._msg = header
            if not isinstance(body, bytearray):
                body = bytearray()
                header.body = body
            self._body: bytearray = body

        def init(self, content_length: int | None) -> None:
            del self._body[:]

        def put(self, buffer: memoryview) -> int:
            self._body += buffer
            return buffer.nbytes

        def finish(self) -> None:
            pass

    class writer:
        """Hands out the whole body as one piece."""

        __slots__ = ("_body",)

        def __init__(self, header: Any, body: Any) -> None:
            self._body = body

        def init(self) -> None:
            pass

        def get(self) -> tuple[_Bytes, bool] | None:
            return self._body, False


class dynamic_body:
    """Body type: the body is a :class:`~asiolike.beast.multi_buffer` (Beast's ``dynamic_body``).

    Received octets go into the buffer piece by piece, never copied into a larger one;
    writing hands out each of its pieces in turn. The buffer's ``max_size`` bounds what a
    parser accepts (``http.error.buffer_overflow`` beyond it).
    """

    value_type: ClassVar[type] = multi_buffer

    @staticmethod
    def size(value: Any) -> int:
        """The readable size of the buffer."""
        return int(value.size())

    class reader:
        """Appends each piece to the buffer."""

        __slots__ = ("_body",)

        def __init__(self, header: Any, body: Any) -> None:
            self._body = body

        def init(self, content_length: int | None) -> None:
            pass

        def put(self, buffer: memoryview) -> int:
            n = buffer.nbytes
            body = self._body
            try:
                view = body.prepare(n)
            except ValueError:
                raise system_error(error.buffer_overflow, "dynamic_body") from None
            view[:] = buffer
            view.release()
            body.commit(n)
            return n

        def finish(self) -> None:
            pass

    class writer:
        """Hands out the buffer's pieces in order (the buffer must not change meanwhile)."""

        __slots__ = ("_body", "_index", "_pieces")

        def __init__(self, header: Any, body: Any) -> None:
            self._body = body
            self._pieces: list[memoryview] = []
            self._index = 0

        def init(self) -> None:
            self._pieces = [v for v in self._body.data() if v.nbytes]
            self._index = 0

        def get(self) -> tuple[_Bytes, bool] | None:
            pieces = self._pieces
            i = self._index
            if i >= len(pieces):
                return b"", False
            self._index = i + 1
            return pieces[i], i + 1 < len(pieces)


class buffer_body:
    """Body type: the caller streams pieces through a buffer (Beast's ``buffer_body``).

    ``value_type`` has ``data`` (a buffer, or ``None``), ``size`` (octets in it) and
    ``more`` (whether more pieces follow). Writing: set ``data``/``size``/``more`` and
    write; once the piece is out the write reports ``http.error.need_buffer`` while
    ``more`` is true: set the next piece and write again; set ``data = None`` and
    ``more = False`` to end the body. Reading: set ``data`` to a writable buffer
    (``bytearray``/``memoryview``) and ``size`` to its room; the parser fills it and
    reports ``need_buffer`` when it is full (or when ``data`` is ``None``); ``data`` then
    views what is left of it, and ``size`` is the room left. Beast's ``http_relay``
    example is the pattern.
    """

    class value_type:
        """The piece being streamed: ``data``, ``size`` and ``more``."""

        __slots__ = ("data", "more", "size")

        def __init__(self, data: Any = None, size: int = 0, more: bool = True) -> None:
            self.data: Any = data
            self.size = size
            self.more = more

        def __repr__(self) -> str:
            return f"<buffer_body.value_type size={self.size} more={self.more}>"

    class reader:
        """Copies octets into ``body.data`` while it has room."""

        __slots__ = ("_body",)

        def __init__(self, header: Any, body: Any) -> None:
            self._body = body

        def init(self, content_length: int | None) -> None:
            pass

        def put(self, buffer: memoryview) -> int:
            body = self._body
            if body.data is None:
                return 0
            target = memoryview(body.data).cast("B")
            n: int = min(int(body.size), target.nbytes, buffer.nbytes)
            target[:n] = buffer[:n]
            body.data = target[n:]
            body.size -= n
            return n

        def finish(self) -> None:
            pass

    class writer:
        """Hands out ``body.data`` once, then reports "no octets yet" while ``more``."""

        __slots__ = ("_body", "_sent")

        def __init__(self, header: Any, body: Any) -> None:
            self._body = body
            self._sent = False

        def init(self) -> None:
            self._sent = False

        def get(self) -> tuple[_Bytes, bool] | None:
            body = self._body
            if self._sent:
                # The last piece went out: the caller must supply the next.
                self._sent = False
                return None if body.more else (b"", False)
            if body.data is not None:
                self._sent = True
                return memoryview(body.data).cast("B")[: body.size], bool(body.more)
            return None if body.more else (b"", False)


class _file_value:
    """``file_body.value_type``: the file the body reads from or writes to."""

    __slots__ = ("_file", "_first", "_size")

    def __init__(self) -> None:
        self._file = file()
        self._size = 0
        self._first = 0

    def file(self) -> _file:
        """The :class:`~asiolike.beast.file` itself."""
        return self._file

    def is_open(self) -> bool:
        """Whether a file is open."""
        return self._file.is_open()

    def open(self, path: str | os.PathLike[str], mode: file_mode) -> None:
        """Open ``path`` with a :class:`~asiolike.beast.file_mode`.

        Raises:
            system_error: The file cannot be opened (the system's code).
        """
        self._file.open(path, mode)
        self._size = self._file.size()
        self._first = 0

    def reset(self, f: _file) -> None:
        """Take an open :class:`~asiolike.beast.file`: the body is from its position on."""
        self._file.close()
        self._file = f
        self._first = f.pos() if f.is_open() else 0
        self._size = f.size() if f.is_open() else 0

    def close(self) -> None:
        """Close the file."""
        self._file.close()

    def size(self) -> int:
        """The size of the body: the file's size (from where it started) when opened."""
        return self._size - self._first

    def __repr__(self) -> str:
        return f"<file_body.value_type {self._file!r} size={self.size()}>"


class file_body:
    """Body type: the body is a file, read or written piece by piece (Beast's ``file_body``).

    Serving a file::

        res = http.response(http.status.ok, 11, body_type=http.file_body)
        res.body.open(path, beast.file_mode.scan)   # raises system_error if it cannot
        res.prepare_payload()                        # Content-Length: the file's size

    Receiving one: ``p = http.request_parser(http.file_body)``, then, once the header is
    read, ``p.get().body.open(path, beast.file_mode.write)`` and read on. Memory stays at
    one piece (64 KiB) whatever the file's size. Over a plain ``tcp.socket`` (or a
    ``beast.tcp_stream``), ``http.async_write``/``write`` send the file with
    ``os.sendfile``; over other streams (TLS...) they read and write it piece by piece.
    """

    value_type: ClassVar[type[_file_value]] = _file_value

    @staticmethod
    def size(value: Any) -> int:
        """The body's size: the file's size when it was opened."""
        return int(value.size())

    class reader:
        """Writes each piece to the file."""

        __slots__ = ("_file",)

        def __init__(self, header: Any, body: Any) -> None:
            self._file: file = body.file()

        def init(self, content_length: int | None) -> None:
            if not self._file.is_open():
                raise system_error(bad_descriptor, "file_body: the file is not open")

        def put(self, buffer: memoryview) -> int:
            return self._file.write(buffer)

        def finish(self) -> None:
            pass

    class writer:
        """Reads the file piece by piece from where it started."""

        __slots__ = ("_file", "_offset", "_remain")

        def __init__(self, header: Any, body: Any) -> None:
            self._file: file = body.file()
            self._offset: int = body._first
            self._remain: int = body.size()

        def init(self) -> None:
            if not self._file.is_open():
                raise system_error(bad_descriptor, "file_body: the file is not open")

        def get(self) -> tuple[_Bytes, bool] | None:
            remain = self._remain
            if remain <= 0:
                return b"", False
            fd = self._file.native_handle()
            try:
                data = os.pread(fd, min(remain, FILE_PIECE), self._offset)
            except OSError as exc:
                raise system_error(make_error_code(exc), "file_body") from None
            if not data:
                raise system_error(error.short_read, "file_body: the file got shorter")
            self._offset += len(data)
            self._remain = remain - len(data)
            return data, self._remain > 0

        def sendfile_source(self) -> tuple[int, int, int]:
            """``(fd, offset, count)`` of what is left, for ``os.sendfile`` by the I/O layer."""
            return self._file.native_handle(), self._offset, self._remain

        def sendfile_advance(self, n: int) -> None:
            """Record that ``n`` octets went out by ``os.sendfile``."""
            self._offset += n
            self._remain -= n


def body_size(body_type: Any, value: Any) -> int | None:
    """The payload size of ``value`` under ``body_type``, or ``None`` if it has no ``size``."""
    size = getattr(body_type, "size", None)
    return None if size is None else int(size(value))


def is_body_type(obj: object) -> bool:
    """Whether ``obj`` looks like a body type (a class with ``reader`` or ``writer``)."""
    return isinstance(obj, type) and (hasattr(obj, "reader") or hasattr(obj, "writer"))
