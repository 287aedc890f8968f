"""Tests for asiolike.beast.http.chunk."""

from __future__ import annotations

import pytest

from asiolike.beast import http
from asiolike.error import success
from tests.beast.http.http_feed import feed_all_ways


def test_chunk_header() -> None:
    assert http.chunk_header(1) == b"1\r\n"
    assert http.chunk_header(255) == b"ff\r\n"
    assert http.chunk_header(16, ";a=b") == b"10;a=b\r\n"
    for bad in (0, -1, True):
        with pytest.raises(ValueError, match="make_chunk_last"):
            http.chunk_header(bad)
    with pytest.raises(ValueError, match="extensions"):
        http.chunk_header(1, "a=b")
    assert http.chunk_crlf == b"\r\n"


def test_make_chunk() -> None:
    assert http.make_chunk(b"hello") == b"5\r\nhello\r\n"
    assert http.make_chunk(memoryview(b"x" * 26)) == b"1a\r\n" + b"x" * 26 + b"\r\n"
    ext = http.chunk_extensions()
    ext.insert("sig", "a b")
    ext.insert("last")
    assert http.make_chunk(b"abc", ext) == b'3;sig="a b";last\r\nabc\r\n'
    with pytest.raises(ValueError):
        http.make_chunk(b"")


def test_make_chunk_last() -> None:
    assert http.make_chunk_last() == b"0\r\n\r\n"
    trailers = http.fields()
    trailers.set("X-Checksum", "abc")
    assert http.make_chunk_last(trailers) == b"0\r\nX-Checksum: abc\r\n\r\n"
    last = http.make_chunk_last([("A", "1"), ("B", "2")], ";end")
    assert last == b"0;end\r\nA: 1\r\nB: 2\r\n\r\n"
    with pytest.raises(ValueError, match="token"):
        http.make_chunk_last([("Bad Name", "1")])
    with pytest.raises(ValueError, match="header"):
        http.make_chunk_last([("Content-Length", "5")])


def test_chunk_extensions() -> None:
    ext = http.chunk_extensions()
    assert str(ext) == "" and len(ext) == 0
    ext.insert("a")
    ext.insert("b", "token")
    ext.insert("c", 'say "hi"\\')
    text = str(ext)
    assert text == ';a;b=token;c="say \\"hi\\"\\\\"'
    parsed = http.chunk_extensions()
    assert parsed.parse(text) == success
    assert list(parsed) == [("a", None), ("b", "token"), ("c", 'say "hi"\\')]
    assert parsed.parse(' ; x = "y" ;z') == success
    assert list(parsed) == [("x", "y"), ("z", None)]
    assert parsed.parse(";") == http.error.bad_chunk_extension
    assert list(parsed) == [("x", "y"), ("z", None)]
    parsed.clear()
    assert len(parsed) == 0
    with pytest.raises(ValueError):
        ext.insert("bad name")
    with pytest.raises(ValueError):
        ext.insert("n", "bad\r\n")
    assert "chunk_extensions" in repr(ext)


def test_chunks_parse_back() -> None:
    ext = http.chunk_extensions()
    ext.insert("n", "v w")
    data = (
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
        + http.make_chunk(b"hello ", ext)
        + http.chunk_header(5)
        + b"world"
        + http.chunk_crlf
        + http.make_chunk_last([("X-Sum", "42")])
    )
    outcome, p = feed_all_ways(http.request_parser, data)
    assert outcome.body == b"hello world" and p.get()["X-Sum"] == "42"
