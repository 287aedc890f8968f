"""Example: the chat message format (Asio's ``cpp11/chat/chat_message.hpp``).

Shared by ``chat_server.py`` and ``chat_client.py``, as the C++ header is. The wire format:
a 4-byte header holding the body length as ASCII decimal, right-aligned (``"%4d"``), then
at most 512 bytes of body; a longer body is cut to 512 bytes.
"""

from __future__ import annotations

from typing import overload

__all__ = ["chat_message"]


class chat_message:
    """One chat message: a 4-byte length header and a body, in one buffer."""

    header_length = 4
    max_body_length = 512

    def __init__(self) -> None:
        self._data = bytearray(self.header_length + self.max_body_length)
        self._body_length = 0

    def data(self) -> memoryview:
        """The whole message buffer (header, then body space)."""
        return memoryview(self._data)

    def length(self) -> int:
        """The size of the message on the wire: header plus body."""
        return self.header_length + self._body_length

    def body(self) -> memoryview:
        """The body space, after the header."""
        return memoryview(self._data)[self.header_length :]

    @overload
    def body_length(self) -> int: ...
    @overload
    def body_length(self, new_length: int) -> None: ...
    def body_length(self, new_length: int | None = None) -> int | None:
        """Get, or set (capped at ``max_body_length``), the body length."""
        if new_length is None:
            return self._body_length
        self._body_length = min(new_length, self.max_body_length)
        return None

    def decode_header(self) -> bool:
        """Read the body length from the header; False if it is not a valid length."""
        header = bytes(self._data[: self.header_length])
        # The C++ uses atoi, which reads junk as 0; a header that is not a number is
        # refused here instead.
        if not header.strip().isdigit() or int(header) > self.max_body_length:
            self._body_length = 0
            return False
        self._body_length = int(header)
        return True

    def encode_header(self) -> None:
        """Write the body length into the header, as ``"%4d"``."""
        self._data[: self.header_length] = b"%4d" % self._body_length
