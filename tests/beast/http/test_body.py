"""Body types: the parser streams into readers, the serializer pulls from writers.

Every parse here also runs split at every position (``http_feed.feed_all_ways``): a body
type changes where the octets go, never the outcome or the error code.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import asiolike as net
from asiolike import beast
from asiolike.beast import http
from asiolike.beast.http import body as bodies
from tests.beast.http.http_feed import feed_all_ways
from tests.beast.http.test_parser_hostile import messages

IN_MEMORY = [http.string_body, http.vector_body, http.dynamic_body]

MESSAGES = [
    # (request, eof, expected error, expected body)
    (
        b"POST /u HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world",
        False,
        "success",
        b"hello world",
    ),
    (
        b"POST /u HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;a=b\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n",
        False,
        "success",
        b"hello world",
    ),
    (
        b"POST /u HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX",
        False,
        "bad_chunk",
        None,
    ),
    (b"POST /u HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nz\r\n", False, "bad_chunk", None),
    (b"POST /u HTTP/1.1\r\nContent-Length: 30\r\n\r\nshort", True, "partial_message", None),
    (b"POST /u HTTP/1.1\r\nContent-Length: 40\r\n\r\n", False, "body_limit", None),
    (
        b"POST /u HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n"
        b"10\r\n0123456789abcdef\r\n10\r\n",
        False,
        "body_limit",
        None,
    ),
]


def _parser(body_type: Any, limit: int = 32) -> http.request_parser:
    p = http.request_parser(body_type)
    p.body_limit(limit)
    return p


@pytest.mark.parametrize("body_type", IN_MEMORY, ids=lambda b: b.__name__)
@pytest.mark.parametrize(("data", "eof", "ec", "body"), MESSAGES)
def test_in_memory_bodies_parse_the_same_in_every_split(
    body_type: Any, data: bytes, eof: bool, ec: str, body: bytes | None
) -> None:
    outcome, p = feed_all_ways(lambda: _parser(body_type), data, eof=eof)
    assert (outcome.ec, outcome.body) == (ec, body)
    reference, _ = feed_all_ways(lambda: _parser(http.string_body), data, eof=eof)
    assert outcome == reference
    if ec == "success":
        assert isinstance(p.get().body, body_type.value_type)


@pytest.mark.parametrize(("data", "eof", "ec", "body"), MESSAGES)
def test_a_file_body_gets_the_same_octets_in_every_split(
    tmp_path: Path, data: bytes, eof: bool, ec: str, body: bytes | None
) -> None:
    path = tmp_path / "upload"

    def make() -> http.request_parser:
        p = _parser(http.file_body)
        p.get().body.open(path, beast.file_mode.write)  # truncates: every run starts clean
        return p

    outcome, p = feed_all_ways(make, data, eof=eof)
    assert outcome.ec == ec
    if body is not None:
        p.get().body.close()
        assert path.read_bytes() == body


def test_the_reader_is_made_after_read_header(tmp_path: Path) -> None:
    # Beast's body0 state: open the file once the header is known, then read the body.
    p = http.request_parser(http.file_body)
    _used, ec = p.put(b"PUT /f HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc")
    assert not ec and p.is_header_done() and not p.is_done()
    path = tmp_path / p.get().target().lstrip("/")
    p.get().body.open(path, beast.file_mode.write_new)
    assert p.put(b"abc") == (3, net.error_code())
    assert p.is_done() and path.read_bytes() == b"abc"


def test_a_body_that_cannot_be_written_fails_with_the_system_error() -> None:
    # Nobody opened the file: the first body octet gives bad_descriptor, and it stays.
    p = http.request_parser(http.file_body)
    p.eager(True)
    _used, ec = p.put(b"PUT / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc")
    assert ec == net.error.bad_descriptor
    assert p.put(b"abc") == (0, net.error.bad_descriptor)


def test_opening_a_file_reports_the_system_error(tmp_path: Path) -> None:
    (tmp_path / "there").write_bytes(b"x")
    value = http.file_body.value_type()
    with pytest.raises(net.system_error) as info:
        value.open(tmp_path / "there", beast.file_mode.write_new)
    assert info.value.code.name() == "file_exists" or info.value.errno == 17
    with pytest.raises(net.system_error):
        value.open(tmp_path / "missing", beast.file_mode.read)
    with pytest.raises(net.system_error):
        value.open(tmp_path, beast.file_mode.scan)  # a directory
    assert not value.is_open()


def test_body_limit_none_takes_any_size(tmp_path: Path) -> None:
    p = http.request_parser(http.file_body)
    p.body_limit(None)
    p.eager(True)
    size = (1 << 20) + 1  # above the default request limit
    used, ec = p.put(b"PUT / HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % size)
    assert not ec
    p.get().body.open(tmp_path / "big", beast.file_mode.write)
    chunk = b"x" * 65536
    left = size
    while left:
        used, ec = p.put(chunk[: min(left, len(chunk))])
        assert not ec
        left -= used
    assert p.is_done() and os.path.getsize(tmp_path / "big") == size
    q = http.request_parser(http.file_body)
    assert q.put(b"PUT / HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % size)[1] == http.error.body_limit


def test_buffer_body_reader_reports_need_buffer_and_goes_on() -> None:
    p = http.response_parser(http.buffer_body)
    p.eager(True)
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789"
    used, ec = p.put(data)
    assert ec == http.error.need_buffer  # no buffer yet: not a failure
    data = data[used:]
    got = bytearray()
    while not p.is_done():
        room = bytearray(4)
        p.get().body.data, p.get().body.size = room, len(room)
        used, ec = p.put(data)
        assert not ec or ec == http.error.need_buffer
        data = data[used:]
        got += room[: 4 - p.get().body.size]
    assert got == b"0123456789"


def test_chunk_callbacks_with_a_vector_body() -> None:
    p = http.request_parser(http.vector_body)
    p.eager(True)
    headers: list[tuple[int, str]] = []
    p.on_chunk_header(lambda size, ext: headers.append((size, ext)))
    data = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\n\r\n"
    assert p.put(data) == (len(data), net.error_code())
    assert headers == [(3, ";x=y"), (0, "")] and p.get().body == bytearray(b"abc")


class upper_body:
    """The docs' example of a user's body: stores the octets upper-cased."""

    value_type = bytearray

    @staticmethod
    def size(value: bytearray) -> int:
        return len(value)

    class reader:
        def __init__(self, header: Any, body: bytearray) -> None:
            self.body = body

        def init(self, content_length: int | None) -> None:
            self.body.clear()

        def put(self, buffer: memoryview) -> int:
            self.body += bytes(buffer).upper()
            return len(buffer)

        def finish(self) -> None:
            pass

    class writer:
        def __init__(self, header: Any, body: bytearray) -> None:
            self.body = body

        def init(self) -> None:
            pass

        def get(self) -> tuple[bytes, bool] | None:
            return bytes(self.body), False


def test_a_users_body_type() -> None:
    p = http.request_parser(upper_body)
    p.eager(True)
    data = b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
    assert p.put(data) == (len(data), net.error_code())
    req = p.release()
    assert req.body == bytearray(b"HELLO") and req.body_type() is upper_body
    assert http.to_bytes(req).endswith(b"\r\n\r\nHELLO")


# -- serializing --------------------------------------------------------------------------


def drain(sr: http.serializer[Any], step: int = 1 << 30) -> bytes:
    out = bytearray()
    while not sr.is_done():
        data = sr.next()
        assert data is not None
        n = min(step, memoryview(data).nbytes)
        out += bytes(memoryview(data)[:n])
        sr.consume(n)
    return bytes(out)


def test_request_and_response_take_a_body_type() -> None:
    res = http.response[http.file_body](http.status.ok, 11)
    assert isinstance(res, http.response) and res.body_type() is http.file_body
    assert http.response[http.file_body] is http.response[http.file_body]
    req = http.request(http.verb.put, "/", 11, body_type=http.vector_body)
    assert isinstance(req.body, bytearray) and req.body_type() is http.vector_body
    assert http.request().body_type() is http.string_body
    with pytest.raises(TypeError):
        http.request(body_type=bytes)


@pytest.mark.parametrize("step", [1, 7, 1 << 30])
def test_file_body_serializes_piece_by_piece(tmp_path: Path, step: int) -> None:
    content = os.urandom(200_000)
    (tmp_path / "f").write_bytes(content)
    res = http.response[http.file_body](http.status.ok, 11)
    res.body.open(tmp_path / "f", beast.file_mode.scan)
    res.prepare_payload()
    assert res.content_length() == len(content)
    sr = http.serializer(res)
    largest = 0
    out = bytearray()
    while not sr.is_done():
        data = sr.next()
        assert data is not None
        largest = max(largest, memoryview(data).nbytes)
        n = min(step, memoryview(data).nbytes)
        out += bytes(memoryview(data)[:n])
        sr.consume(n)
    assert out.endswith(b"\r\n\r\n" + content)
    assert largest <= bodies.FILE_PIECE  # bounded, whatever the file's size


def test_a_chunked_file_body_parses_back(tmp_path: Path) -> None:
    content = os.urandom(150_000)
    (tmp_path / "f").write_bytes(content)
    req = http.request(http.verb.post, "/", 11, body_type=http.file_body)
    req.body.open(tmp_path / "f", beast.file_mode.read)
    req.chunked(True)
    wire = drain(http.serializer(req), 1000)
    p = http.request_parser(http.dynamic_body)
    p.body_limit(None)
    p.eager(True)
    assert p.put(wire) == (len(wire), net.error_code())
    assert b"".join(bytes(v) for v in p.get().body.data()) == content


def test_prepare_payload_without_size_is_chunked_on_http11() -> None:
    res = http.response(http.status.ok, 11, body_type=http.buffer_body)
    res.prepare_payload()
    assert res.chunked() and not res.has_content_length()
    res = http.response(http.status.ok, 10, body_type=http.buffer_body)
    res.prepare_payload()
    assert not res.chunked() and not res.has_content_length() and res.need_eof()
    req = http.request(http.verb.post, "/", 11, body_type=http.buffer_body)
    req.prepare_payload()
    assert req.chunked()


def test_buffer_body_serializer_asks_for_each_piece() -> None:
    res = http.response(http.status.ok, 11, body_type=http.buffer_body)
    res.prepare_payload()
    sr = http.serializer(res)
    out = bytearray()

    def take() -> None:
        while True:
            data = sr.next()
            if data is None:
                return
            out.extend(data)
            sr.consume(memoryview(data).nbytes)

    with pytest.raises(net.system_error) as info:
        take()  # the header goes out, then there is no piece yet
    assert info.value.code == http.error.need_buffer
    for piece in (b"abc", b"defgh"):
        res.body.data, res.body.size, res.body.more = piece, len(piece), True
        with pytest.raises(net.system_error):
            take()
    res.body.data, res.body.more = None, False
    take()
    assert sr.is_done()
    assert out.endswith(b"\r\n\r\n3\r\nabc\r\n5\r\ndefgh\r\n0\r\n\r\n")


def test_dynamic_body_round_trip() -> None:
    res = http.response(http.status.ok, 11, body_type=http.dynamic_body)
    for piece in (b"a" * 700, b"b" * 5000):
        view = res.body.prepare(len(piece))
        view[:] = piece
        view.release()
        res.body.commit(len(piece))
    res.prepare_payload()
    assert res.content_length() == 5700
    assert http.to_bytes(res).endswith(b"a" * 700 + b"b" * 5000)


def test_sendfile_range_is_offered_only_between_pieces(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"z" * 100_000)
    res = http.response[http.file_body](http.status.ok, 11)
    res.body.open(tmp_path / "f", beast.file_mode.scan)
    res.prepare_payload()
    sr = http.serializer(res)
    assert sr.can_sendfile() and sr.sendfile_source() is None  # header not out yet
    head = sr.next()
    assert head is not None
    sr.consume(memoryview(head).nbytes)
    fd, offset, count = sr.sendfile_source() or (0, 0, 0)
    assert (offset, count) == (0, 100_000) and fd == res.body.file().native_handle()
    sr.sendfile_consume(60_000)
    assert sr.sendfile_source() == (fd, 60_000, 40_000)
    rest = drain(sr)
    assert rest == b"z" * 40_000 and sr.is_done()


def test_file_modes(tmp_path: Path) -> None:
    path = tmp_path / "f"
    f = beast.file()
    with pytest.raises(net.system_error):
        f.open(path, beast.file_mode.write_existing)  # must exist
    with pytest.raises(net.system_error):
        f.open(path, beast.file_mode.append_existing)
    f.open(path, beast.file_mode.write_new)
    assert f.write(b"abc") == 3 and f.size() == 3 and f.pos() == 3
    f.seek(1)
    assert f.read(10) == b"bc"
    f.open(path, beast.file_mode.append)  # closes the first
    f.write(b"de")
    f.close()
    assert path.read_bytes() == b"abcde" and not f.is_open()
    with beast.file() as g:
        g.open(path, beast.file_mode.write_existing)  # truncates
        assert g.size() == 0
    assert not g.is_open()
    with pytest.raises(TypeError):
        f.open(path, "r")  # type: ignore[arg-type]
    with pytest.raises(net.system_error) as info:
        f.size()
    assert info.value.code == net.error.bad_descriptor


@settings(max_examples=40, deadline=None)
@given(data=messages(True) | messages(False), eof=st.booleans())
def test_every_body_type_parses_hostile_input_as_string_body_does(data: bytes, eof: bool) -> None:
    # The pieces of the hostile-input tests, strung together: whatever the body type, the
    # outcome (error code, header, body octets) is string_body's, in every split.
    request = data.startswith(b"GET") or not data.startswith(b"HTTP")
    make = http.request_parser if request else http.response_parser
    reference, _ = feed_all_ways(lambda: make(http.string_body), data, eof=eof)
    for body_type in (http.vector_body, http.dynamic_body):
        outcome, _ = feed_all_ways(lambda: make(body_type), data, eof=eof)  # noqa: B023
        assert outcome == reference, body_type
