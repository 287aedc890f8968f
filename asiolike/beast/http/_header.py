"""Syntax of the header section and chunk-size lines (RFC 9112 sections 2-5 and 7.1).

Theory of operation: the parser hands over a complete header section and gets its parts back
from a few regular expressions run over the whole text (the fast path: no Python loop per
octet or per line). Only when they fail does :func:`diagnose` walk the lines to name the
error.

Errors are named by the *first offending character*: the part of the line it falls in picks
the code (``bad_method``, ``bad_target``...), and a CR that is not followed by LF is always
``bad_line_ending``. Because of that rule the same checks can run on a header that has not
fully arrived (:func:`check_incomplete`): every complete line is checked, and the line still
arriving is checked as a prefix. An error is then reported as soon as its octet is buffered,
with the same code whether the input came whole, one octet at a time or split anywhere.

Bare LF is not a line terminator, as in Beast (which only ends lines at CRLF): an LF alone is
an invalid character of the part it falls in (e.g. ``bad_version`` after a request line,
``bad_value`` in a field). Obsolete line folding is refused with ``bad_obs_fold``.
"""

from __future__ import annotations

import re
from typing import Final

from asiolike.beast.http import _grammar, error
from asiolike.error import error_code, success

_T: Final = _grammar.TCHAR

REQUEST_LINE: Final = re.compile(rf"([{_T}]+) ([\x21-\x7e\x80-\xff]+) HTTP/1\.([01])")
STATUS_LINE: Final = re.compile(r"HTTP/1\.([01]) ([0-9]{3}) ([\t\x20-\x7e\x80-\xff]*)")
# A field line with its value's leading whitespace left out; trailing whitespace stays in the
# value (a simpler pattern is much faster, and values rarely have any) and is removed after.
_FIELD_LINE: Final = re.compile(rf"([{_T}]+):[ \t]*([\t\x20-\x7e\x80-\xff]*)\r\n")
_PATH_CHARS: Final = re.compile(r"[\x21-\x7e\x80-\xff]*")
_REASON_CHARS: Final = _grammar.VALUE_CHARS
_HEX: Final = re.compile(r"[0-9A-Fa-f]+")
_VERSION_SHAPE: Final = "HTTP/#.#"
_MAX_CHUNK_SIZE: Final = (1 << 64) - 1


def split_fields(text: str) -> tuple[list[str], list[str]] | None:
    """Names and values of a block of field lines, each ending in CRLF; ``None`` if malformed.

    Values come without their surrounding whitespace.
    """
    parts = _FIELD_LINE.split(text)
    # split() leaves whatever no field line matched between the matches: all must be empty.
    if any(parts[::3]):
        return None
    values = parts[2::3]
    if " \r\n" in text or "\t\r\n" in text:
        values = [value.rstrip(" \t") for value in values]
    return parts[1::3], values


# -- diagnosis ---------------------------------------------------------------------------


def _span_end(pattern: re.Pattern[str], line: str, pos: int) -> int:
    # The patterns passed here match the empty string, so they always match.
    match = pattern.match(line, pos)
    return pos if match is None else match.end()


def _bad(char: str, code: error_code) -> error_code:
    return error.bad_line_ending if char == "\r" else code


def _check_version(line: str, start: int, complete: bool) -> error_code:
    part = line[start : start + 9]
    for offset, char in enumerate(part):
        if offset == 8:
            return _bad(char, error.bad_version)
        want = _VERSION_SHAPE[offset]
        if not (char in "0123456789" if want == "#" else char == want):
            return _bad(char, error.bad_version)
    if len(part) == 8 and part[5:] not in ("1.0", "1.1"):
        return error.bad_version
    if complete and len(part) < 8:
        return error.bad_version
    return success


def _check_request_line(line: str, complete: bool) -> error_code:
    end = len(line)
    i = _span_end(_grammar.TCHARS, line, 0)
    if i == end:
        return error.bad_method if complete else success
    if i == 0 or line[i] != " ":
        return _bad(line[i], error.bad_method)
    j = _span_end(_PATH_CHARS, line, i + 1)
    if j == end:
        return error.bad_target if complete else success
    if j == i + 1 or line[j] != " ":
        return _bad(line[j], error.bad_target)
    return _check_version(line, j + 1, complete)


def _check_status_line(line: str, complete: bool) -> error_code:
    end = len(line)
    ec = _check_version(line[:8], 0, complete)
    if ec:
        return ec
    if end <= 8:
        return error.bad_version if complete else success
    if line[8] != " ":
        return _bad(line[8], error.bad_version)
    for i in range(9, 12):
        if i == end:
            return error.bad_status if complete else success
        if line[i] not in "0123456789":
            return _bad(line[i], error.bad_status)
    if end == 12:
        return error.bad_status if complete else success
    if line[12] != " ":
        return _bad(line[12], error.bad_status)
    j = _span_end(_REASON_CHARS, line, 13)
    if j != end:
        return _bad(line[j], error.bad_reason)
    return success


def _check_field_line(line: str, first: bool, complete: bool) -> error_code:
    end = len(line)
    if end and line[0] in " \t":
        # A continuation line (obs-fold); before the first field there is nothing to continue.
        return error.bad_field if first else error.bad_obs_fold
    i = _span_end(_grammar.TCHARS, line, 0)
    if i == end:
        return error.bad_field if complete else success
    if i == 0 or line[i] != ":":
        return _bad(line[i], error.bad_field)
    j = _span_end(_REASON_CHARS, line, i + 1)
    if j != end:
        return _bad(line[j], error.bad_value)
    return success


def _check_line(line: str, index: int, is_request: bool | None, complete: bool) -> error_code:
    # index 0 is the start line, unless is_request is None (a trailer section: fields only).
    if index == 0 and is_request is not None:
        if is_request:
            return _check_request_line(line, complete)
        return _check_status_line(line, complete)
    first = index == (0 if is_request is None else 1)
    return _check_field_line(line, first, complete)


def diagnose(section: str, is_request: bool | None) -> error_code:
    """The error of the first offending character of a complete header section.

    Args:
        section: The header text up to, not including, the CRLF that ends its last line.
        is_request: ``True`` / ``False`` for a request / response header (first line is the
            start line), ``None`` for a trailer section (field lines only).

    Returns:
        The error code. Only called after the fast path failed, so never ``success`` for a
        section the fast path rejected; ``bad_value`` stands in should the two ever differ.
    """
    for index, line in enumerate(section.split("\r\n")):
        ec = _check_line(line, index, is_request, True)
        if ec:
            return ec
    return error.bad_value


def check_incomplete(text: str, index: int, is_request: bool) -> tuple[error_code, int, int]:
    """Check the lines of a header that has not fully arrived.

    Args:
        text: The buffered header text from the start of the first line not yet checked.
        index: The number of that line (0 is the start line).
        is_request: Whether the header starts with a request line.

    Returns:
        ``(ec, consumed, index)``: the error of the first offending character (or success),
        how many characters of ``text`` are complete, checked lines, and the number of the
        line now arriving. The arriving line is checked as a prefix every call.
    """
    start = 0
    while True:
        end = text.find("\r\n", start)
        if end < 0:
            break
        ec = _check_line(text[start:end], index, is_request, True)
        if ec:
            return ec, start, index
        index += 1
        start = end + 2
    partial = text[start:]
    if partial.endswith("\r"):
        # The LF that makes this CR a line ending may be the next octet.
        partial = partial[:-1]
    return _check_line(partial, index, is_request, False), start, index


def parse_chunk_line(line: str) -> tuple[error_code, int, str]:
    """Parse a chunk-size line without its CRLF: ``chunk-size [ chunk-ext ]``.

    Returns:
        ``(ec, size, extensions)``: ``bad_line_ending`` for a bare CR, ``bad_chunk`` for a
        missing or overflowing (above 2**64 - 1) size, ``bad_chunk_extension`` for malformed
        extensions; the extensions are returned as their raw text (``";a=1;b"``).
    """
    if "\r" in line:
        return error.bad_line_ending, 0, ""
    match = _HEX.match(line)
    if match is None:
        return error.bad_chunk, 0, ""
    digits = match.group().lstrip("0")
    if len(digits) > 16:
        return error.bad_chunk, 0, ""
    size = int(digits, 16) if digits else 0
    if size > _MAX_CHUNK_SIZE:
        return error.bad_chunk, 0, ""
    extensions = line[match.end() :]
    if extensions and _grammar.CHUNK_EXT.fullmatch(extensions) is None:
        return error.bad_chunk_extension, 0, ""
    return success, size, extensions
