"""Chunked transfer coding pieces, as Beast's ``chunk_header``, ``make_chunk``,
``make_chunk_last`` and ``chunk_extensions`` (RFC 9112 section 7.1).

For writing a body as it is produced: serialize the header of a message with
``chunked(True)`` (``serializer.split(True)``), then write ``make_chunk(data)`` for each
piece and ``make_chunk_last()`` at the end. For large pieces, write ``chunk_header(len(data))``,
``data`` and ``b"\\r\\n"`` as three buffers instead of concatenating them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final

from asiolike.beast.http import _grammar, error
from asiolike.beast.http.fields import fields
from asiolike.error import error_code, success

__all__ = ["chunk_extensions", "chunk_header", "make_chunk", "make_chunk_last", "chunk_crlf"]

chunk_crlf: Final = b"\r\n"
"""The CRLF that ends the data of a chunk (Beast's ``chunk_crlf``)."""


class chunk_extensions:
    """An ordered list of chunk extensions: ``;name`` or ``;name=value`` items.

    Values that are not tokens are written as quoted strings and returned unquoted.
    """

    __slots__ = ("_items",)

    def __init__(self) -> None:
        self._items: list[tuple[str, str | None]] = []

    def insert(self, name: str, value: str | None = None) -> None:
        """Append an extension.

        Args:
            name: The extension name, a token.
            value: Its value, or ``None`` for a name alone.

        Raises:
            ValueError: The name is not a token, or the value holds a control character.
        """
        if not isinstance(name, str) or not _grammar.is_token(name):
            raise ValueError(f"invalid chunk extension name {name!r}: it must be a token")
        if value is not None:
            index = _grammar.first_bad_value_char(value)
            if index >= 0:
                raise ValueError(
                    f"invalid chunk extension value {value!r}: {value[index]!r} at index "
                    f"{index}; control characters are not allowed"
                )
        self._items.append((name, value))

    def parse(self, text: str) -> error_code:
        """Replace the contents with the extensions in ``text`` (``";a=1;b"``).

        Returns:
            Success, or ``bad_chunk_extension`` (the contents are then left unchanged).
        """
        items = _grammar.parse_chunk_extensions(text)
        if items is None:
            return error.bad_chunk_extension
        self._items = items
        return success

    def clear(self) -> None:
        """Remove every extension."""
        self._items.clear()

    def __iter__(self) -> Iterator[tuple[str, str | None]]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __str__(self) -> str:
        return "".join(
            f";{name}" if value is None else f";{name}={_grammar.quote_if_needed(value)}"
            for name, value in self._items
        )

    def __repr__(self) -> str:
        return f"<chunk_extensions {self._items!r}>"


def _extension_text(ext: chunk_extensions | str | None) -> str:
    if ext is None:
        return ""
    if isinstance(ext, chunk_extensions):
        return str(ext)
    if not isinstance(ext, str) or _grammar.parse_chunk_extensions(ext) is None:
        raise ValueError(
            f"invalid chunk extensions {ext!r}: expected ';name' or ';name=value' items "
            "(or build them with http.chunk_extensions)"
        )
    return ext


def chunk_header(size: int, ext: chunk_extensions | str | None = None) -> bytes:
    """The chunk-size line that starts a chunk of ``size`` octets, CRLF included.

    Args:
        size: The number of data octets that follow (at least 1).
        ext: Chunk extensions, as :class:`chunk_extensions` or their text.

    Raises:
        ValueError: A size below 1 (the empty chunk is :func:`make_chunk_last`) or invalid
            extensions.
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"a chunk holds at least one octet, not {size!r}: use make_chunk_last()")
    return f"{size:x}{_extension_text(ext)}\r\n".encode("latin-1")


def make_chunk(
    data: bytes | bytearray | memoryview, ext: chunk_extensions | str | None = None
) -> bytes:
    """A whole chunk: size line, ``data`` and the closing CRLF.

    Args:
        data: The chunk data, at least one octet.
        ext: Chunk extensions, as :class:`chunk_extensions` or their text.

    Raises:
        ValueError: Empty data (an empty chunk would end the body) or invalid extensions.
    """
    size = memoryview(data).nbytes
    return b"".join((chunk_header(size, ext), data, chunk_crlf))


def make_chunk_last(
    trailers: fields | Iterable[tuple[str, str]] | None = None,
    ext: chunk_extensions | str | None = None,
) -> bytes:
    """The last chunk, the trailer section and the final CRLF that end a chunked body.

    Args:
        trailers: Trailer fields, as :class:`~asiolike.beast.http.fields` or
            ``(name, value)`` pairs (validated like any field). Announce them with a
            ``Trailer`` field in the header.
        ext: Chunk extensions of the last chunk.

    Raises:
        ValueError: An invalid trailer, or a field that may not be a trailer (framing,
            routing and connection fields such as Content-Length, Host, Connection).
    """
    lines = [f"0{_extension_text(ext)}\r\n"]
    if trailers is not None:
        checked = trailers if isinstance(trailers, fields) else fields()
        if checked is not trailers:
            for name, value in trailers:
                checked.insert(name, value)
        for name, value in checked:
            if name.lower() in _grammar.FORBIDDEN_TRAILERS:
                raise ValueError(
                    f"{name!r} cannot be sent as a trailer: it controls framing, routing or "
                    "the connection, so it belongs in the header"
                )
            lines.append(f"{name}: {value}\r\n")
    lines.append("\r\n")
    return "".join(lines).encode("latin-1")
