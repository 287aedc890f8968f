"""Syntax of the header section and chunk-size lines (RFC 9112 sections 2-5 and 7.1).

Theory of operation: the parser hands over a complete header section and gets its parts back
from a few regular expressions run over the whole text (the fast path: no Python loop per
octet or per line). Only when they fail does :func:`diagnose` walk the lines to name the
error.

Errors are named by the *first offending octet*: the part of the line it falls in picks
the code (``bad_method``, ``bad_target``...), and a CR that is not followed by LF is always
``bad_line_ending``. :class:`HeaderScanner` checks a header that has not fully arrived with
that rule, octet by octet and each octet once (a header dribbled in one octet per read costs
linear work, not the quadratic cost of re-checking the line so far on every read); an error
is reported as soon as its octet is buffered, with the same code whether the input came
whole, one octet at a time or split anywhere. :func:`diagnose` runs the same machine over a
complete header the fast path refused, so both agree.

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

_REQUEST_LINE: Final = rf"([{_T}]+) ([\x21-\x7e\x80-\xff]+) HTTP/1\.([01])"
_STATUS_LINE: Final = r"HTTP/1\.([01]) ([0-9]{3}) ([\t\x20-\x7e\x80-\xff]*)"
REQUEST_LINE: Final = re.compile(_REQUEST_LINE)
STATUS_LINE: Final = re.compile(_STATUS_LINE)
# The start line with its CRLF, matched at the start of the whole header: no character of the
# line can be CR or LF, so a match ends at the first CRLF (the line needs no cutting out first).
REQUEST_START: Final = re.compile(_REQUEST_LINE + r"\r\n")
STATUS_START: Final = re.compile(_STATUS_LINE + r"\r\n")
# A field line with its value's leading whitespace left out; trailing whitespace stays in the
# value (a simpler pattern is much faster, and values rarely have any) and is removed after.
# A match starts only at a line start (^, MULTILINE) and never backtracks (possessive): where
# a line is malformed, the search for the next match does not rescan the line from each octet
# of its name, which made one malformed line quadratic (0.4 s for an 8 KiB line).
_FIELD_LINE: Final = re.compile(rf"^([{_T}]++):[ \t]*+([\t\x20-\x7e\x80-\xff]*+)\r\n", re.MULTILINE)
_HEX: Final = re.compile(r"[0-9A-Fa-f]+")
_MAX_CHUNK_SIZE: Final = (1 << 64) - 1


_NEEDLES: Final = {b"\r\n": re.compile(b"\r\n"), b"\r\n\r\n": re.compile(b"\r\n\r\n")}


def find(data: bytes | bytearray | memoryview, needle: bytes, start: int, end: int) -> int:
    """``data.find(needle, start, end)``, for a ``memoryview`` too (``needle``: CRLF or
    CRLF CRLF): memoryview has no find(), but re searches any buffer without copying it."""
    if type(data) is memoryview:
        match = _NEEDLES[needle].search(data, start, end)
        return -1 if match is None else match.start()
    return data.find(needle, start, end)


def split_fields(text: str) -> tuple[list[str], list[str], list[str]] | None:
    """Names, lower-cased names and values of a block of field lines, each ending in CRLF.

    Returns:
        ``(names, keys, values)``, the values without their surrounding whitespace; ``None``
        if a line is malformed (:func:`diagnose` then names the error).
    """
    # One regex pass validates and splits every line; split() leaves whatever no field line
    # matched between the matches, and all of it must be empty.
    parts = _FIELD_LINE.split(text)
    if any(parts[::3]):
        return None
    names = parts[1::3]
    values = parts[2::3]
    # Every CR left ends a line, so " \r" is a value's trailing space (a tab anywhere is rare).
    if " \r" in text or "\t" in text:
        values = [value.rstrip(" \t") for value in values]
    # Names cannot hold a newline: lowering them joined is one call instead of one per name.
    keys = "\n".join(names).lower().split("\n") if names else []
    return names, keys, values


# -- the incremental checker ---------------------------------------------------------------

# Scanner states: where in the header the next octet falls.
_METHOD0: Final = 0  # start of a request line
_METHOD: Final = 1
_TARGET0: Final = 2
_TARGET: Final = 3
_VERSION: Final = 4  # request line; self._count octets of "HTTP/1.x" matched
_LINE_END: Final = 5  # after a request line's version: only CR may follow
_STATUS_VERSION: Final = 6  # status line; self._count octets of "HTTP/1.x" matched
_STATUS_SP: Final = 7
_STATUS_CODE: Final = 8  # self._count digits matched
_REASON_SP: Final = 9
_REASON: Final = 10
_FIELD0: Final = 11  # start of a field line (or of the empty line that ends the header)
_NAME: Final = 12
_VALUE: Final = 13
_CR: Final = 14  # after a CR: only LF may follow
_DONE: Final = 15  # the empty line ended the header

_TCHAR_RUN: Final = re.compile(rf"[{_T}]*".encode())
_TARGET_RUN: Final = re.compile(rb"[\x21-\x7e\x80-\xff]*")
_VALUE_RUN: Final = re.compile(rb"[\t\x20-\x7e\x80-\xff]*")
# The octets each state skips in one regex step (one C loop rather than one Python step per
# octet); the octet after the run is then handled on its own.
_RUNS: Final = {
    _METHOD0: _TCHAR_RUN,
    _METHOD: _TCHAR_RUN,
    _TARGET0: _TARGET_RUN,
    _TARGET: _TARGET_RUN,
    _REASON: _VALUE_RUN,
    _FIELD0: _TCHAR_RUN,
    _NAME: _TCHAR_RUN,
    _VALUE: _VALUE_RUN,
}
# What the line is worth if it ends (CRLF) in each state: its error, or success.
_AT_LINE_END: Final = {
    _METHOD0: error.bad_method,
    _METHOD: error.bad_method,
    _TARGET0: error.bad_target,
    _TARGET: error.bad_target,
    _VERSION: error.bad_version,
    _LINE_END: success,
    _STATUS_VERSION: error.bad_version,
    _STATUS_SP: error.bad_version,
    _STATUS_CODE: error.bad_status,
    _REASON_SP: error.bad_status,
    _REASON: success,
    _FIELD0: success,
    _NAME: error.bad_field,
    _VALUE: success,
}
_VERSION_OCTETS: Final = b"HTTP/1."
_CR_OCTET: Final = 13
_LF_OCTET: Final = 10


class HeaderScanner:
    """Checks a header section octet by octet as it arrives, each octet once.

    A state machine over the grammar of the start line and the field lines: :meth:`scan`
    resumes where the previous call stopped, so feeding a header one octet per call costs
    the same work as feeding it whole (nothing already checked is looked at again). It
    stops at the first offending octet and names the error after the part of the line that
    octet falls in; a CR not followed by LF is ``bad_line_ending``, decided when the next
    octet arrives. Because each octet's verdict depends only on the octets before it, the
    error is the same however the input is split, and :func:`diagnose` (which runs the same
    machine over a complete header) agrees with it.

    Args:
        is_request: ``True`` / ``False`` for a request / response header, ``None`` for a
            trailer section (field lines only).
    """

    __slots__ = ("_count", "_ended", "_first", "_pending", "_state", "pos")

    def __init__(self, is_request: bool | None) -> None:
        if is_request is None:
            self._state = _FIELD0
        else:
            self._state = _METHOD0 if is_request else _STATUS_VERSION
        self._count = 0
        # Whether the line now arriving is the first field line (obs-fold has nothing to
        # continue there: bad_field rather than bad_obs_fold).
        self._first = True
        # At a CR: what the line is worth if LF follows, and the state the CR ended.
        self._pending: error_code = success
        self._ended = self._state
        self.pos = 0
        """How many octets were checked (the next call resumes here)."""

    @property
    def done(self) -> bool:
        """Whether the empty line that ends the section was checked."""
        return self._state == _DONE

    def scan(self, data: bytes | bytearray | memoryview, end: int) -> error_code:
        """Check ``data[self.pos:end]``; ``data`` holds the section from its first octet.

        Returns:
            The error of the first offending octet, or success (also when the section
            ended: see :attr:`done`; octets after its end are not looked at).
        """
        pos = self.pos
        state = self._state
        runs = _RUNS
        ec: error_code = success
        while pos < end and state != _DONE:
            run = runs.get(state)
            if run is not None:
                match = run.match(data, pos, end)
                stop = pos if match is None else match.end()
                if stop > pos:
                    if state == _METHOD0:
                        state = _METHOD
                    elif state == _TARGET0:
                        state = _TARGET
                    elif state == _FIELD0:
                        state = _NAME
                    pos = stop
                    if pos == end:
                        break
            c = data[pos]
            pos += 1
            if state == _CR:
                if c != _LF_OCTET:
                    ec = error.bad_line_ending
                    break
                if self._pending:
                    ec = self._pending
                    break
                if self._ended == _FIELD0:
                    state = _DONE  # the empty line
                else:
                    # The line after the start line is the first field line.
                    self._first = self._ended < _FIELD0
                    state = _FIELD0
                continue
            if c == _CR_OCTET:
                self._pending = _AT_LINE_END[state]
                self._ended = state
                state = _CR
                continue
            ec = self._step(state, c)
            if ec:
                break
            state = self._state
        if not ec:
            self._state = state
        self.pos = pos
        return ec

    def _step(self, state: int, c: int) -> error_code:
        """One octet that ends a run (or a fixed-shape octet); sets ``_state`` on success."""
        if state == _METHOD:
            if c != 32:
                return error.bad_method
            self._state = _TARGET0
        elif state == _TARGET:
            if c != 32:
                return error.bad_target
            self._state = _VERSION
            self._count = 0
        elif state in (_VERSION, _STATUS_VERSION):
            k = self._count
            if not (c == _VERSION_OCTETS[k] if k < 7 else c in (48, 49)):
                return error.bad_version
            self._count = k + 1
            if k == 7:
                self._state = _LINE_END if state == _VERSION else _STATUS_SP
            else:
                self._state = state
        elif state == _STATUS_SP:
            if c != 32:
                return error.bad_version
            self._state = _STATUS_CODE
            self._count = 0
        elif state == _STATUS_CODE:
            if not 48 <= c <= 57:
                return error.bad_status
            self._count += 1
            self._state = _REASON_SP if self._count == 3 else _STATUS_CODE
        elif state == _REASON_SP:
            if c != 32:
                return error.bad_status
            self._state = _REASON
        elif state == _FIELD0:
            if c == 32 or c == 9:
                # A continuation line (obs-fold); before the first field nothing to continue.
                return error.bad_field if self._first else error.bad_obs_fold
            return error.bad_field
        elif state == _NAME:
            if c != 58:
                return error.bad_field
            self._state = _VALUE
        else:
            # The octet that stopped a run and is no delimiter of the part.
            return _OFFENDING[state]
        return success


# The error of an octet that may not appear in the part a state stands for.
_OFFENDING: Final = {
    _METHOD0: error.bad_method,
    _TARGET0: error.bad_target,
    _LINE_END: error.bad_version,
    _REASON: error.bad_reason,
    _VALUE: error.bad_value,
}


def diagnose(section: bytes | bytearray | memoryview, is_request: bool | None) -> error_code:
    """The error of the first offending octet of a complete header section.

    Args:
        section: The section's octets up to and including the empty line that ends it.
        is_request: ``True`` / ``False`` for a request / response header (first line is the
            start line), ``None`` for a trailer section (field lines only).

    Returns:
        The error code. Only called after the fast path (the regular expressions) failed,
        so never ``success``; ``bad_value`` stands in should the two ever differ.
    """
    scanner = HeaderScanner(is_request)
    return scanner.scan(section, len(section)) or error.bad_value


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
