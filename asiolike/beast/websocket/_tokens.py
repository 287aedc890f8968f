"""RFC 7230 list syntax used by the upgrade handshake (Beast's ``http::token_list``/``ext_list``).

``Connection: keep-alive, Upgrade`` is a token list; ``Sec-WebSocket-Extensions:
permessage-deflate; client_max_window_bits, x-foo`` is an extension list whose parameters
may be tokens or quoted strings. Both are parsed with one regular expression per element
rather than a per-character loop.
"""

from __future__ import annotations

import re
from typing import Final, TypeAlias

__all__ = [
    "ExtensionList",
    "parse_ext_list",
    "parse_token_list",
    "token_list_contains",
    "is_token",
]

ExtensionList: TypeAlias = list[tuple[str, list[tuple[str, str | None]]]]
"""``[(name, [(param, value or None), ...]), ...]``, names as sent (compare lowercased)."""

_TCHAR: Final = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]"
_TOKEN_RE: Final = re.compile(f"{_TCHAR}+")
_OWS: Final = r"[ \t]*"
# One ";" parameter: name, then an optional token or quoted-string value.
_PARAM_RE: Final = re.compile(
    rf'{_OWS};{_OWS}({_TCHAR}+)(?:{_OWS}={_OWS}(?:({_TCHAR}+)|"((?:[^"\\]|\\.)*)"))?'
)
_NAME_RE: Final = re.compile(rf"{_OWS}({_TCHAR}+)")
_SEP_RE: Final = re.compile(rf"{_OWS}(?:,|$)")
_QUOTED_PAIR_RE: Final = re.compile(r"\\(.)")


def is_token(value: str) -> bool:
    """Whether ``value`` is a non-empty RFC 7230 token."""
    return _TOKEN_RE.fullmatch(value) is not None


def token_list_contains(value: str, token: str) -> bool:
    """Whether the comma-separated list ``value`` holds ``token`` (case-insensitive).

    Args:
        value: A field value such as ``"keep-alive, Upgrade"``.
        token: The token to look for, in lower case.
    """
    lowered = value.lower()
    if lowered == token:
        return True  # the usual "Upgrade" or "websocket": no split
    if token not in lowered:
        return False
    return any(part.strip(" \t") == token for part in lowered.split(","))


def parse_token_list(value: str) -> list[str]:
    """Split a comma-separated token list, dropping empty elements (RFC 7230 7)."""
    return [part for part in (p.strip(" \t") for p in value.split(",")) if part]


def parse_ext_list(value: str) -> ExtensionList | None:
    """Parse an extension list such as a Sec-WebSocket-Extensions value.

    Empty list elements (``", ,"``) are skipped as RFC 7230 section 7 allows. Quoted
    parameter values are unquoted.

    Returns:
        The extensions in order, or ``None`` when the value is malformed.
    """
    result: ExtensionList = []
    pos = 0
    end = len(value)
    while pos < end:
        sep = _SEP_RE.match(value, pos)
        if sep is not None and sep.end() > pos:
            pos = sep.end()  # an empty element
            continue
        name = _NAME_RE.match(value, pos)
        if name is None:
            return None
        pos = name.end()
        params: list[tuple[str, str | None]] = []
        while True:
            param = _PARAM_RE.match(value, pos)
            if param is None:
                break
            pos = param.end()
            token, quoted = param.group(2), param.group(3)
            if quoted is not None:
                params.append((param.group(1), _QUOTED_PAIR_RE.sub(r"\1", quoted)))
            else:
                params.append((param.group(1), token))
        sep = _SEP_RE.match(value, pos)
        if sep is None:
            return None
        pos = sep.end()
        result.append((name.group(1), params))
    return result
