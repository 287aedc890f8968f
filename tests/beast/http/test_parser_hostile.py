"""The HTTP parser under hostile input (issue 10, items 3, 4, 7 and 8).

* Linear work: a header dribbled in one octet per ``put()`` is checked octet by octet, each
  octet once; so are chunk-size lines and trailers searched for their end. Measured as work
  (octets the checker and the searches look at), not time, so the tests cannot flake. A
  malformed field line that comes whole (where the regex's steps cannot be counted) is timed
  against the same line well formed, with a margin far above any machine's noise.
* The error never depends on how the input was split (whole, octet by octet, split in two
  anywhere), for hypothesis-made requests and responses.
* The incremental checker and the fast path (regular expressions) agree on every header.
* A fault of the parser's own decoding fails that message with a ``bad_*`` code, is
  logged once at ERROR with its traceback, and leaves the parser failed; exceptions of the
  user's chunk callbacks still propagate.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asiolike.beast import http
from asiolike.beast.http import _grammar, _header
from asiolike.error import error_code
from tests.beast.http.http_feed import drive, feed_all_ways

E = http.error

# Every error the parser may give for the peer's octets (need_more aside).
DOCUMENTED = {
    E.end_of_stream,
    E.partial_message,
    E.unexpected_body,
    E.header_limit,
    E.body_limit,
    E.bad_line_ending,
    E.bad_method,
    E.bad_target,
    E.bad_version,
    E.bad_status,
    E.bad_reason,
    E.bad_field,
    E.bad_value,
    E.bad_content_length,
    E.bad_transfer_encoding,
    E.bad_chunk,
    E.bad_chunk_extension,
    E.bad_obs_fold,
    E.multiple_content_length,
}


# -- item 7: linear work -----------------------------------------------------------------


class _Work:
    """Counts the octets the header checker scans and the end-of-line searches cover."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.scanned = 0
        self.searched = 0
        scan = _header.HeaderScanner.scan
        find = _header.find

        def counting_scan(scanner: _header.HeaderScanner, data: Any, end: int) -> error_code:
            before = scanner.pos
            ec = scan(scanner, data, end)
            self.scanned += scanner.pos - before
            return ec

        def counting_find(data: Any, needle: bytes, start: int, end: int) -> int:
            found = find(data, needle, start, end)
            self.searched += (end if found < 0 else found + len(needle)) - start
            return found

        monkeypatch.setattr(_header.HeaderScanner, "scan", counting_scan)
        monkeypatch.setattr(_header, "find", counting_find)


def _octet_by_octet(p: http.request_parser | http.response_parser, data: bytes) -> error_code:
    ec, _ = drive(p, [data[i : i + 1] for i in range(len(data))], eof=False)
    return ec


BIG_FIELD = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 8000 + b"\r\n\r\n"


def test_a_long_header_line_dribbled_in_is_checked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    work = _Work(monkeypatch)
    p = http.request_parser()
    p.eager(True)
    assert not _octet_by_octet(p, BIG_FIELD)
    assert p.is_done() and len(p.get()["X-Big"]) == 8000
    n = len(BIG_FIELD)
    # Each octet scanned once; each search covers the new octet and the 3 before it.
    assert work.scanned <= n, (work.scanned, n)
    assert work.searched <= 5 * n, (work.searched, n)


def test_whole_and_octet_by_octet_do_the_same_order_of_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    work = _Work(monkeypatch)
    p = http.request_parser()
    p.eager(True)
    assert not drive(p, [BIG_FIELD], eof=False)[0]
    whole = work.scanned + work.searched
    work.scanned = work.searched = 0
    p = http.request_parser()
    p.eager(True)
    assert not _octet_by_octet(p, BIG_FIELD)
    # Quadratic work would be thousands of times more; linear stays within a small factor.
    assert work.scanned + work.searched <= 6 * whole, (work.scanned, work.searched, whole)


def test_chunk_lines_and_trailers_dribbled_in_are_searched_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ext = b";" + b"e" * 3000
    trailer = b"X-T: " + b"t" * 3000 + b"\r\n"
    data = (
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"5"
        + ext
        + b"\r\nhello\r\n0\r\n"
        + trailer
        + b"\r\n"
    )
    work = _Work(monkeypatch)
    p = http.request_parser()
    p.eager(True)
    assert not _octet_by_octet(p, data)
    assert p.is_done() and p.get().body == b"hello"
    assert work.searched <= 5 * len(data), (work.searched, len(data))


def _parse_seconds(data: bytes, is_request: bool) -> tuple[error_code, float]:
    best = float("inf")
    ec: error_code = E.need_more
    for _ in range(3):
        p: http.request_parser | http.response_parser = (
            http.request_parser() if is_request else http.response_parser()
        )
        p.header_limit(1 << 20)
        p.eager(True)
        start = time.perf_counter()
        ec = p.put(data)[1]
        best = min(best, time.perf_counter() - start)
    return ec, best


@pytest.mark.parametrize(
    ("start", "is_request"),
    [
        (b"GET / HTTP/1.1\r\n", True),
        (b"HTTP/1.1 200 OK\r\n", False),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n", True),  # trailers
    ],
)
def test_a_long_malformed_field_line_that_comes_whole_is_linear(
    start: bytes, is_request: bool
) -> None:
    # The fast path's field regex used to retry a malformed line from every octet of its
    # name: 0.4 s for one 8 KiB line, minutes for 128 KiB. Regex steps cannot be counted, so
    # this compares times, with a margin no machine's noise reaches: a line with a bare LF
    # must cost about what the same line well formed costs.
    size = 1 << 16
    good, good_time = _parse_seconds(
        start + b"A" * size + b": " + b"v" * size + b"\r\n\r\n", is_request
    )
    bad, bad_time = _parse_seconds(
        start + b"A" * size + b": " + b"v" * size + b"\n\r\n\r\n", is_request
    )
    assert not good and bad == E.bad_value
    assert bad_time < 20 * good_time + 0.25, (bad_time, good_time)


# -- item 8: the split never changes the error ---------------------------------------------


@pytest.mark.parametrize(
    ("data", "ec"),
    [
        (b"0GET / HTTP/1.9\r\x8f", "bad_version"),  # the example
        (b"GET / HTTP/1.9\r\n\r\n", "bad_version"),
        (b"GET / HTTP/2\r\x00", "bad_version"),
        (b"GET / HTTP/1.1\r\x8f", "bad_line_ending"),
        (b"GET / HTTP/1.1 \r\n\r\n", "bad_version"),
        (b"GET / HTTP/1.1\r\nA: b\r\x8f", "bad_line_ending"),
        (b"GET / HTTP/1.1\r\n X: y\r\n\r\n", "bad_field"),
        (b"GET / HTTP/1.1\r\nA: b\r\n X: y\r\n\r\n", "bad_obs_fold"),
        (b"GET / HTTP/1.1\r\nA b\r\n\r\n", "bad_field"),
        (b"GET / HTTP/1.1\r\nA:\x00\r\n\r\n", "bad_value"),
        (b"GET\r\n\r\n", "bad_method"),
        (b"GET /\r\n\r\n", "bad_target"),
        (b"\r\n\r\n", "bad_method"),
    ],
)
def test_request_errors_are_the_same_in_every_split(data: bytes, ec: str) -> None:
    outcome, _ = feed_all_ways(http.request_parser, data, eof=True)
    assert outcome.ec == ec


@pytest.mark.parametrize(
    ("data", "ec"),
    [
        (b"HTTP/1.9 200 OK\r\x8f", "bad_version"),
        (b"HTTP/1.1 20\r\n\r\n", "bad_status"),
        (b"HTTP/1.1 200\r\n\r\n", "bad_status"),
        (b"HTTP/1.1 200 O\x00K\r\n\r\n", "bad_reason"),
        (b"HTTP/1.1\r\n\r\n", "bad_version"),
        (b"HTTP/1.1 200 OK\r\n\r\x00", "bad_line_ending"),
    ],
)
def test_response_errors_are_the_same_in_every_split(data: bytes, ec: str) -> None:
    outcome, _ = feed_all_ways(http.response_parser, data, eof=True)
    assert outcome.ec == ec


# Pieces a message is made of, well formed and not: hypothesis strings them together.
_PIECES = [
    b"GET",
    b"POST",
    b"0GET",
    b" ",
    b"  ",
    b"/",
    b"/a?b=c",
    b"*",
    b"HTTP/1.1",
    b"HTTP/1.0",
    b"HTTP/1.9",
    b"HTTP/2",
    b"HTTP/",
    b"200",
    b"20",
    b"OK",
    b"\r\n",
    b"\r",
    b"\n",
    b"\r\n\r\n",
    b":",
    b"Host",
    b"Host: x",
    b"A: b",
    b"Content-Length: 3",
    b"Content-Length: 99999999999",
    b"Transfer-Encoding: chunked",
    b"Connection: close",
    b"\t",
    b"\x00",
    b"\x7f",
    b"\x8f",
    b"\xff",
    b"abc",
    b"3\r\nabc\r\n",
    b"0\r\n",
    b"5;x=y\r\n",
    b"g\r\n",
    b";",
    b"=",
    b'"q"',
]


@st.composite
def messages(draw: st.DrawFn, request: bool) -> bytes:
    if draw(st.integers(0, 3)):
        start = b"GET / HTTP/1.1\r\n" if request else b"HTTP/1.1 200 OK\r\n"
    else:
        start = b""
    body = b"".join(draw(st.lists(st.sampled_from(_PIECES), max_size=12)))
    return start + body


def check_split_free(data: bytes, request: bool, eof: bool) -> None:
    """Every way of feeding ``data`` ends alike, with success or a documented code."""
    make = http.request_parser if request else http.response_parser
    outcome, _ = feed_all_ways(make, data, eof=eof)
    assert outcome.ec in {"success", "need_more"} | {e.name() for e in DOCUMENTED}


def check_bounded(data: bytes, request: bool, step: int) -> None:
    """With small limits, what the driver must keep buffered never passes them."""
    p: http.request_parser | http.response_parser = (
        http.request_parser() if request else http.response_parser()
    )
    p.eager(True)
    p.header_limit(64)
    p.body_limit(32)
    buf = bytearray()
    for i in range(0, len(data), step):
        piece = data[i : i + step]
        buf += piece
        used, ec = p.put(buf)
        del buf[:used]
        if ec == E.need_more:
            # The unfinished header, chunk line or trailers: within the limit (plus the
            # CRLF that ends the previous chunk, checked with the next line).
            assert len(buf) < 64 + 2 + len(piece), (len(buf), ec)
            continue
        if ec or p.is_done():
            assert not ec or ec in DOCUMENTED, ec
            break
    if p.is_done():
        assert len(p.get().body) <= 32


@settings(max_examples=80, deadline=None)
@given(data=messages(True), eof=st.booleans())
def test_request_outcome_never_depends_on_the_split(data: bytes, eof: bool) -> None:
    check_split_free(data, True, eof)


@settings(max_examples=80, deadline=None)
@given(data=messages(False), eof=st.booleans())
def test_response_outcome_never_depends_on_the_split(data: bytes, eof: bool) -> None:
    check_split_free(data, False, eof)


@settings(max_examples=80, deadline=None)
@given(data=messages(True) | messages(False), step=st.integers(1, 9))
def test_buffered_octets_stay_within_the_limits(data: bytes, step: int) -> None:
    check_bounded(data, data.startswith(b"GET"), step)


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(st.binary(max_size=20) | st.sampled_from(_PIECES), max_size=6),
    kind=st.sampled_from([True, False, None]),
)
def test_the_checker_agrees_with_the_fast_path(lines: list[bytes], kind: bool | None) -> None:
    lines = [line.replace(b"\r\n", b"") for line in lines]
    section = b"".join(line + b"\r\n" for line in lines) + b"\r\n"
    if section.find(b"\r\n\r\n") != len(section) - 4 or (kind is None and not lines[0]):
        # An empty line in the middle ends the section there; a trailer section that
        # starts with it is empty (the parser takes that case before any check).
        return
    text = section[:-2].decode("latin-1")
    if kind is None:
        fast = _header.split_fields(text) is not None
    else:
        first, _, rest = text.partition("\r\n")
        line = _header.REQUEST_LINE if kind else _header.STATUS_LINE
        fast = line.fullmatch(first) is not None and _header.split_fields(rest) is not None
    scanner = _header.HeaderScanner(kind)
    ec = scanner.scan(section, len(section))
    assert (not ec and scanner.done) == fast, (section, ec)


# -- item 3: a fault of our own decoding ---------------------------------------------------


def _boom(*args: object, **kwargs: object) -> Any:
    raise RuntimeError("injected decoder fault")


CHUNKED = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"

# name: (module, attribute, message, error expected, request?)
FAULTS = {
    "header checker": (_header.HeaderScanner, "scan", b"GET / HTTP/1.1\r\nHost", E.bad_value),
    "field lines": (_header, "split_fields", b"GET / HTTP/1.1\r\nA: b\r\n\r\n", E.bad_value),
    "content length": (
        _grammar,
        "uint64",
        b"GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\n",
        E.bad_value,
    ),
    "chunk line": (_header, "parse_chunk_line", CHUNKED + b"5\r\nhello\r\n0\r\n\r\n", E.bad_chunk),
    "trailers": (_header, "split_fields", CHUNKED + b"0\r\nX: y\r\n\r\n", E.bad_value),
    "response": (_header, "split_fields", b"HTTP/1.1 200 OK\r\nA: b\r\n\r\n", E.bad_value),
}


@pytest.fixture
def http_errors(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.ERROR, logger="asiolike.beast.http"):
        yield caplog


@pytest.mark.parametrize("name", sorted(FAULTS))
@pytest.mark.parametrize("pieces", ["whole", "octets"])
def test_a_decoder_fault_fails_the_message(
    name: str,
    pieces: str,
    monkeypatch: pytest.MonkeyPatch,
    http_errors: pytest.LogCaptureFixture,
) -> None:
    owner, attr, data, expected = FAULTS[name]
    if name == "trailers":
        # Only the trailer section faults: the header was parsed before the patch.
        p: http.request_parser | http.response_parser = http.request_parser()
        p.eager(True)
        assert p.put(CHUNKED) == (len(CHUNKED), http.error.need_more) or p.is_header_done()
        data = data[len(CHUNKED) :]
    else:
        p = http.response_parser() if data.startswith(b"HTTP") else http.request_parser()
        p.eager(True)
    monkeypatch.setattr(owner, attr, _boom)
    split = [data] if pieces == "whole" else [data[i : i + 1] for i in range(len(data))]
    ec, _ = drive(p, split, eof=False)
    assert ec == expected
    # The parser stays failed with the same code, and put_eof reports it too.
    assert p.put(b"more") == (0, expected)
    assert p.put_eof() == expected
    records = [r for r in http_errors.records if r.name == "asiolike.beast.http"]
    assert len(records) == 1 and records[0].levelno == logging.ERROR
    assert records[0].exc_info is not None and "injected" in str(records[0].exc_info[1])


def test_chunk_callback_exceptions_are_the_users(http_errors: pytest.LogCaptureFixture) -> None:
    p = http.request_parser()
    p.eager(True)
    p.on_chunk_header(_boom)
    with pytest.raises(RuntimeError, match="injected"):
        p.put(CHUNKED + b"5\r\nhello\r\n0\r\n\r\n")
    p = http.request_parser()
    p.eager(True)
    p.on_chunk_body(lambda remain, data: "not a count")  # type: ignore[arg-type,return-value]
    with pytest.raises(ValueError, match="on_chunk_body"):
        p.put(CHUNKED + b"5\r\nhello\r\n0\r\n\r\n")
    assert not http_errors.records
