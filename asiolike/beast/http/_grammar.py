"""The RFC 9110 / RFC 9112 grammar pieces shared by fields, messages, parser and chunks.

Everything works on ``str`` holding Latin-1 text: the parser decodes header octets as
ISO-8859-1, so each octet is one character (``\\x80``-``\\xff`` are obs-text) and a value
round-trips unchanged through parse and serialize.
"""

from __future__ import annotations

import re
from typing import Final

# tchar (RFC 9110 section 5.6.2), as a character-class body.
TCHAR: Final = r"!#$%&'*+\-.^_`|~0-9A-Za-z"

TOKEN: Final = re.compile(f"[{TCHAR}]+")
"""One or more tchar; use ``fullmatch`` to test a whole string."""

TCHARS: Final = re.compile(f"[{TCHAR}]*")
"""Zero or more tchar; ``match(s, pos).end()`` finds the first non-tchar."""

# field-vchar / SP / HTAB: what a field value may hold between its first and last octet.
VALUE_CHARS: Final = re.compile(r"[\t\x20-\x7e\x80-\xff]*")

# The octets a field value, reason phrase or request target must never hold.
_VALUE_FORBIDDEN: Final = re.compile(r"[^\t\x20-\x7e\x80-\xff]")
_TARGET_FORBIDDEN: Final = re.compile(r"[^\x21-\x7e\x80-\xff]")

# A quoted-string (RFC 9110 section 5.6.4).
QUOTED_STRING: Final = r'"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*"'

# chunk-ext (RFC 9112 section 7.1.1), with the BWS the errata allows around ";" and "=".
CHUNK_EXT: Final = re.compile(
    rf"(?:[ \t]*;[ \t]*[{TCHAR}]+(?:[ \t]*=[ \t]*(?:[{TCHAR}]+|{QUOTED_STRING}))?)*"
)
_CHUNK_EXT_ITEM: Final = re.compile(
    rf"[ \t]*;[ \t]*([{TCHAR}]+)(?:[ \t]*=[ \t]*([{TCHAR}]+|{QUOTED_STRING}))?"
)
_QUOTED_PAIR: Final = re.compile(r"\\(.)")

# A uint64 has at most 20 decimal digits; Python's int() refuses strings of more than 4300
# (ValueError), so a length is bounded before it is converted.
_UINT64_MAX: Final = (1 << 64) - 1
_UINT64_DIGITS: Final = 20


def uint64(text: str) -> int | None:
    """The value of ``text`` if it is ASCII digits naming a uint64, else ``None``.

    Leading zeros are allowed (``"007"`` is 7); anything else (signs, spaces, non-ASCII
    digits such as ``"\u00b2"``, more than 20 significant digits, a value above 2**64-1) is
    ``None``. Never raises, whatever the length of ``text``.
    """
    if not (text.isascii() and text.isdigit()):
        return None
    digits = text.lstrip("0")
    if len(digits) > _UINT64_DIGITS:
        return None
    value = int(digits) if digits else 0
    return value if value <= _UINT64_MAX else None


# transfer-coding = token *( OWS ";" OWS token "=" ( token / quoted-string ) )
_TRANSFER_CODING: Final = re.compile(
    rf"([{TCHAR}]+)(?:[ \t]*;[ \t]*[{TCHAR}]+[ \t]*=[ \t]*(?:[{TCHAR}]+|{QUOTED_STRING}))*"
)


# Field names refused in a trailer section (RFC 9110 section 6.5.1): they frame, route or
# control the message, and a recipient that merged them into the header would act on data
# the sender's framing never vouched for.
FORBIDDEN_TRAILERS: Final = frozenset(
    (
        "content-length",
        "transfer-encoding",
        "trailer",
        "host",
        "connection",
        "proxy-connection",
        "keep-alive",
        "upgrade",
        "te",
        "content-type",
        "content-encoding",
        "content-range",
    )
)


def is_token(text: str) -> bool:
    """Whether ``text`` is a non-empty RFC 9110 token."""
    return TOKEN.fullmatch(text) is not None


def first_bad_value_char(text: str) -> int:
    """The index of the first character a field value or reason may not hold, or -1.

    Forbidden are the control characters except HTAB (so CR, LF and NUL), DEL, and anything
    above U+00FF (which has no single-octet encoding).
    """
    match = _VALUE_FORBIDDEN.search(text)
    return -1 if match is None else match.start()


def first_bad_target_char(text: str) -> int:
    """The index of the first character a request target may not hold (controls, SP, DEL), or -1."""
    match = _TARGET_FORBIDDEN.search(text)
    return -1 if match is None else match.start()


def split_list(value: str) -> list[str]:
    """The non-empty, OWS-trimmed elements of a comma-separated list (RFC 9110 section 5.6.1)."""
    return [item for item in (part.strip(" \t") for part in value.split(",")) if item]


def token_list(value: str) -> list[str] | None:
    """The elements of a ``#token`` list, or ``None`` if an element is not a token."""
    items = split_list(value)
    for item in items:
        if TOKEN.fullmatch(item) is None:
            return None
    return items


def transfer_codings(value: str) -> list[str] | None:
    """The coding names of a Transfer-Encoding value, lower-cased, or ``None`` if malformed."""
    names: list[str] = []
    for item in split_list(value):
        match = _TRANSFER_CODING.fullmatch(item)
        if match is None:
            return None
        names.append(match.group(1).lower())
    return names


def parse_chunk_extensions(text: str) -> list[tuple[str, str | None]] | None:
    """The ``(name, value)`` pairs of a chunk-ext string, or ``None`` if it is malformed.

    A quoted value is returned unquoted; a name without ``=`` has the value ``None``.
    """
    if CHUNK_EXT.fullmatch(text) is None:
        return None
    items: list[tuple[str, str | None]] = []
    for match in _CHUNK_EXT_ITEM.finditer(text):
        name, value = match.group(1), match.group(2)
        if value is not None and value.startswith('"'):
            value = _QUOTED_PAIR.sub(r"\1", value[1:-1])
        items.append((name, value))
    return items


def quote_if_needed(value: str) -> str:
    """``value`` as a token if it is one, else as a quoted-string."""
    if TOKEN.fullmatch(value) is not None:
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
