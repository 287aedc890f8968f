"""Incremental UTF-8 validation for text messages (Beast's ``detail::utf8_checker``).

Theory of operation: a text message may arrive split across frames and reads, with a code
point cut anywhere. The standard library's incremental UTF-8 decoder already validates in C,
keeps an incomplete trailing sequence for the next piece and rejects a bad byte as soon as
it sees it, including a truncated sequence that can no longer become valid (``F4 90``).
The one prefix it holds back although no continuation could fix it is ``ED A0..BF`` (the
start of a UTF-16 surrogate); :meth:`Utf8Checker.write` checks that case itself so that an
invalid message fails on the piece that makes it invalid (Autobahn's "fail fast" cases).
"""

from __future__ import annotations

import codecs
from typing import Final

__all__ = ["Utf8Checker", "check_utf8"]

_Decoder: Final = codecs.getincrementaldecoder("utf-8")


class Utf8Checker:
    """Validates a UTF-8 byte stream fed in pieces.

    ``write`` returns ``False`` as soon as the bytes seen so far cannot begin a valid UTF-8
    text; ``finish`` returns ``False`` when the text ends inside a code point.
    """

    __slots__ = ("_decoder",)

    def __init__(self) -> None:
        self._decoder = _Decoder("strict")

    def reset(self) -> None:
        """Forget any partial code point: start a new text."""
        self._decoder.reset()

    def write(self, data: bytes | bytearray | memoryview) -> bool:
        """Validate the next piece.

        Returns:
            ``False`` when the text is already invalid (the checker must then be reset).
        """
        if not data:
            return True
        try:
            self._decoder.decode(data, False)
        except UnicodeDecodeError:
            return False
        if data[-1] >= 0x80:
            pending = self._decoder.getstate()[0]
            # ED followed by A0..BF would encode a surrogate: nothing can complete it.
            if len(pending) >= 2 and pending[0] == 0xED and pending[1] >= 0xA0:
                return False
        return True

    def finish(self) -> bool:
        """End the text.

        Returns:
            ``False`` when the text stopped inside a code point. The checker is reset either
            way.
        """
        try:
            self._decoder.decode(b"", True)
        except UnicodeDecodeError:
            self._decoder.reset()
            return False
        return True


def check_utf8(data: bytes | bytearray | memoryview) -> bool:
    """Whether ``data`` is complete, valid UTF-8."""
    try:
        codecs.utf_8_decode(data, "strict", True)
    except UnicodeDecodeError:
        return False
    return True
